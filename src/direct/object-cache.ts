/**
 * The in-process cache of objects read by `get`: least recently used first out, bounded by entries
 * and by an estimate of the bytes the objects hold.
 *
 * Keyed by dataset ID, component, storage class and read parameters, so a cutout and the full image
 * are different entries. A dataset's content never changes under its ID, so entries stay valid until
 * the dataset is deleted (then they are dropped) or a component is added to it.
 *
 * **Mutation rule:** a cached object is shared by every `get` that hits it. Treat what `get` returns as
 * read-only; to modify it, read it with `{ cache: false }` (a private object, neither taken from nor
 * put in the cache) or copy it first.
 */

/** Limits of the cache (`objectCache` in `butler.yaml`). */
export interface ObjectCacheOptions {
  /** False turns the cache off (default true). */
  readonly enabled?: boolean
  /** Upper bound of the estimated bytes held (default 256 MiB); larger objects are never cached. */
  readonly maxBytes?: number
  /** Upper bound of the number of entries (default 10,000). */
  readonly maxEntries?: number
}

/** Counters, for tests and diagnostics. */
export interface ObjectCacheStats {
  readonly hits: number
  readonly misses: number
  readonly entries: number
  readonly bytes: number
}

interface Entry {
  readonly value: unknown
  readonly size: number
  readonly datasetId: string
}

/** A bounded LRU map of read objects. */
export class ObjectCache {
  readonly enabled: boolean
  readonly maxBytes: number
  readonly maxEntries: number
  readonly #entries = new Map<string, Entry>()
  readonly #byDataset = new Map<string, Set<string>>()
  #bytes = 0
  #hits = 0
  #misses = 0

  constructor(options: ObjectCacheOptions = {}) {
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024
    this.maxEntries = options.maxEntries ?? 10_000
    this.enabled = (options.enabled ?? true) && this.maxBytes > 0 && this.maxEntries > 0
  }

  /** The key of one read: dataset, component, storage class and parameters. */
  static key(
    datasetId: string,
    component: string | undefined,
    storageClass: string,
    parameters: Readonly<Record<string, unknown>> | undefined,
  ): string {
    const params = parameters && Object.keys(parameters).length > 0 ? stableStringify(parameters) : ''
    return `${datasetId}\u0000${component ?? ''}\u0000${storageClass}\u0000${params}`
  }

  /** The cached object, or undefined; a hit makes the entry the most recently used. */
  get(key: string): unknown {
    const entry = this.#entries.get(key)
    if (entry === undefined) {
      this.#misses++
      return undefined
    }
    this.#hits++
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    return entry.value
  }

  /** Caches `value` (ignored when disabled, undefined, or larger than the whole budget). */
  set(key: string, datasetId: string, value: unknown, size: number): void {
    if (!this.enabled || value === undefined || size > this.maxBytes) return
    this.#remove(key)
    this.#entries.set(key, { value, size, datasetId })
    let keys = this.#byDataset.get(datasetId)
    if (!keys) {
      keys = new Set()
      this.#byDataset.set(datasetId, keys)
    }
    keys.add(key)
    this.#bytes += size
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes <= this.maxBytes && this.#entries.size <= this.maxEntries) break
      this.#remove(oldest)
    }
  }

  /** Drops every entry of these datasets (deleted, or given a new component). */
  forget(datasetIds: Iterable<string>): void {
    for (const id of datasetIds) {
      for (const key of this.#byDataset.get(id) ?? []) this.#remove(key)
    }
  }

  /** Drops everything. */
  clear(): void {
    this.#entries.clear()
    this.#byDataset.clear()
    this.#bytes = 0
  }

  /** Hit and miss counters and the current size. */
  stats(): ObjectCacheStats {
    return { hits: this.#hits, misses: this.#misses, entries: this.#entries.size, bytes: this.#bytes }
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key)
    if (!entry) return
    this.#entries.delete(key)
    this.#bytes -= entry.size
    const keys = this.#byDataset.get(entry.datasetId)
    keys?.delete(key)
    if (keys?.size === 0) this.#byDataset.delete(entry.datasetId)
  }
}

/** JSON with sorted object keys (and `toJSON` honoured), so equal parameters give equal keys. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return `${v}n`
    if (v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) {
      return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    }
    return v
  })
}
