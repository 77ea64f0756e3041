/**
 * Which cache entries an expiry policy evicts: a pure function of the entries and the time, so the
 * policies are easy to reason about apart from the filesystem.
 */
import type { ExpiryPolicy } from './cache-config.js'

/** One file in the cache. */
export interface CacheEntry {
  /** File name inside the cache root (`<uuid>[_<component>]<ext>`). */
  readonly name: string
  /** Absolute path. */
  readonly path: string
  readonly datasetId: string
  readonly component: string | null
  readonly extension: string
  /** Size in bytes. */
  readonly size: number
  /** Last use (insert or hit) in milliseconds since the epoch: the file's mtime. */
  readonly lastUsedMs: number
}

/** Entries ordered least recently used first (ties by name, so every process agrees). */
export function sortByLastUse<T extends CacheEntry>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => a.lastUsedMs - b.lastUsedMs || (a.name < b.name ? -1 : 1))
}

/**
 * The entries to evict under `policy` at time `nowMs`, least recently used first:
 * - `files`: the oldest files beyond `threshold` files;
 * - `datasets`: whole datasets (all their component files) beyond `threshold` datasets, a dataset's
 *   last use being that of its most recently used file;
 * - `size`: the oldest files until the total is at most `threshold` bytes;
 * - `age`: files not used for more than `threshold` seconds;
 * - `disabled`: nothing.
 */
export function selectForEviction<T extends CacheEntry>(
  entries: readonly T[],
  policy: ExpiryPolicy,
  nowMs: number,
): T[] {
  const sorted = sortByLastUse(entries)
  switch (policy.mode) {
    case 'disabled':
      return []
    case 'files':
      return sorted.slice(0, Math.max(0, sorted.length - policy.threshold))
    case 'datasets': {
      const byDataset = new Map<string, { last: number; files: T[] }>()
      for (const e of sorted) {
        const group = byDataset.get(e.datasetId)
        if (group) {
          group.files.push(e)
          group.last = e.lastUsedMs
        } else byDataset.set(e.datasetId, { last: e.lastUsedMs, files: [e] })
      }
      const groups = [...byDataset.values()].sort((a, b) => a.last - b.last)
      return groups.slice(0, Math.max(0, groups.length - policy.threshold)).flatMap((g) => g.files)
    }
    case 'size': {
      let total = sorted.reduce((n, e) => n + e.size, 0)
      const out: T[] = []
      for (const e of sorted) {
        if (total <= policy.threshold) break
        out.push(e)
        total -= e.size
      }
      return out
    }
    case 'age':
      return sorted.filter((e) => nowMs - e.lastUsedMs > policy.threshold * 1000)
  }
}
