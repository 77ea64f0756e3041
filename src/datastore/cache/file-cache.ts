/**
 * A local cache of artifacts of non-local datastores (object stores, remote servers), shared safely by
 * any number of processes that use the same directory.
 *
 * Safety without locks:
 * - Writers stage a file in `.incoming/` and `rename` it into place, so a reader never sees a partial
 *   file; two inserts of one key both succeed (the last rename wins; both carry the same bytes).
 * - `find` hard-links the entry to a private name in `.held/` (or copies it where links are not
 *   possible) and hands out that path: eviction by any process unlinks only the entry's name, so the
 *   file stays readable until the handle is released. `insert` links before its rename, so even an
 *   entry evicted at once stays readable through the returned handle.
 * - Eviction is idempotent and tolerates files already removed by others; concurrent expiries can at
 *   worst evict a little more than needed, never corrupt anything, so no lock is taken.
 * - Private files of crashed processes are swept by later expiries: staged files when their process is
 *   gone or after `staleTempSeconds` (default 1 hour) without writes, held links when their process
 *   is gone or after `maxHoldSeconds` (default 1 day).
 *
 * "Least recently used": every insert and hit sets the entry's mtime (`utimes`) to the time of use,
 * and eviction removes the oldest mtimes first; mode `age` counts seconds since the last use.
 */
import { lstatSync, rmSync, type Stats, unlinkSync } from 'node:fs'
import { copyFile, link, mkdtemp, readdir, rename, rm, stat, utimes } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import type { LookupSubject } from '../../datasets/lookup-keys.js'
import { lookupConfig } from '../../datasets/lookup-keys.js'
import { ButlerError, InputError } from '../../errors.js'
import {
  type CacheRootKind,
  type ExpiryPolicy,
  type FileCacheSettings,
  resolveCacheSettings,
  TEMPORARY_CACHE_PREFIX,
} from './cache-config.js'
import {
  errorCode,
  lstatOrUndefined,
  makePrivateDirectory,
  NO_LINK_CODES,
  stageLocalFile,
  unlinkQuietly,
  writeNewFile,
} from './cache-fs.js'
import {
  type EntryName,
  entryFileName,
  HELD_DIR,
  INCOMING_DIR,
  nextUseStamp,
  normalizeDatasetId,
  ownedFileName,
  parseEntryFileName,
} from './cache-names.js'
import { type CacheEntry, selectForEviction, sortByLastUse } from './expiry.js'
import { sweepPrivateFiles } from './sweep.js'

export type { CacheEntry } from './expiry.js'

/** A cached file kept readable for its holder; call `release()` when done reading. */
export interface CachedFile {
  /** Private path of the file: readable until released, whatever other processes evict. */
  readonly path: string
  /** Size in bytes. */
  readonly size: number
  /** True when found in the cache, false when this call put it there. */
  readonly fromCache: boolean
  /** Gives the file up (idempotent). */
  release(): Promise<void>
}

/** What decides whether a dataset is cached: the usual lookup keys (only the first two are needed). */
export interface CacheSubject {
  readonly datasetTypeName: string
  readonly storageClassName: string
  readonly parentStorageClassName?: string | undefined
  readonly instrument?: string | undefined
  readonly matchesDimensionsKey?: ((key: string) => boolean) | undefined
}

/** Tuning that is not part of the YAML config. */
export interface FileCacheOptions {
  /** Run `expire()` after every insert (default true). */
  readonly expireOnInsert?: boolean
  /** Fsync new files before renaming them into place (default false: a cache can be refetched). */
  readonly fsync?: boolean
  /** Staged files of live processes untouched for this long are swept (default 3600 s). */
  readonly staleTempSeconds?: number
  /** Held links older than this are swept even if their process seems alive (default 86400 s). */
  readonly maxHoldSeconds?: number
}

/** How `insert` takes a local file: `copy` (default) leaves it, `move` renames it in when possible. */
export interface InsertOptions {
  readonly transfer?: 'copy' | 'move'
}

/** What one expiry did. */
export interface ExpiryReport {
  /** Entries this call evicted (not those that others removed first). */
  readonly removed: readonly CacheEntry[]
  readonly removedBytes: number
  /** Private files of crashed or stale holders swept from `.incoming` and `.held`. */
  readonly staleFiles: number
}

/** Entries stat'ed between two yields to the event loop during a scan. */
const SCAN_BATCH = 256

const liveCaches = new Set<FileCache>()
let exitHookInstalled = false

/**
 * A directory of cached artifacts named `<uuid>[_<component>]<ext>`, with an expiry policy.
 *
 * @example
 * const cache = FileCache.fromConfig({ expiry: { mode: 'size', threshold: 10e9 } })
 * const file = await cache.withCachedFile(id, null, '.fits', (target) => download(url, target))
 * try { await readFits(file.path) } finally { await file.release() }
 */
export class FileCache {
  readonly #settings: FileCacheSettings
  readonly #options: Required<FileCacheOptions>
  #root: string | undefined
  #ready: Promise<string> | undefined
  #closed = false
  readonly #held = new Set<string>()
  readonly #inflight = new Map<string, Promise<CachedFile>>()

  /** A cache with resolved settings (see `fromConfig` for the usual way). */
  constructor(settings: FileCacheSettings, options: FileCacheOptions = {}) {
    this.#settings = settings
    this.#root = settings.root
    this.#options = {
      expireOnInsert: options.expireOnInsert ?? true,
      fsync: options.fsync ?? false,
      staleTempSeconds: options.staleTempSeconds ?? 3600,
      maxHoldSeconds: options.maxHoldSeconds ?? 86400,
    }
  }

  /**
   * A cache from a datastore's `cached:` section (see `resolveCacheSettings` for precedence and
   * environment overrides); a bad value is a `ConfigError` naming the key.
   */
  static fromConfig(
    config: unknown,
    env: Readonly<Record<string, string | undefined>> = process.env,
    options: FileCacheOptions = {},
  ): FileCache {
    return new FileCache(resolveCacheSettings(config, env), options)
  }

  /** The cache directory (undefined for a temporary cache not used yet). */
  get root(): string | undefined {
    return this.#root
  }

  /** Where the directory came from. */
  get rootKind(): CacheRootKind {
    return this.#settings.rootKind
  }

  /** The expiry policy in force. */
  get expiry(): ExpiryPolicy {
    return this.#settings.expiry
  }

  /**
   * Whether datasets of this subject belong in the cache: the first `cacheable` key matching the dataset
   * type name, its parent, a dimensions key or the storage class (parent's after), else `default`.
   */
  shouldCache(subject: CacheSubject): boolean {
    const full: LookupSubject = {
      datasetTypeName: subject.datasetTypeName,
      storageClassName: subject.storageClassName,
      parentStorageClassName: subject.parentStorageClassName,
      instrument: subject.instrument,
      matchesDimensionsKey: subject.matchesDimensionsKey ?? (() => false),
    }
    const value = lookupConfig<boolean>(this.#settings.cacheable, full)
    return typeof value === 'boolean' ? value : this.#settings.default
  }

  /**
   * Looks an artifact up; on a hit, marks it used and returns a handle whose `path` stays readable until
   * released. Undefined on a miss.
   */
  async find(
    datasetId: string,
    component: string | null,
    extension: string,
  ): Promise<CachedFile | undefined> {
    this.#checkOpen()
    const name = entryFileName(datasetId, component, extension)
    if (this.#root === undefined) return undefined
    const root = await this.#ensureDirectories()
    const entry = path.join(root, name)
    let handle = await this.#hold(root, entry, name, true)
    if (handle === undefined && (await this.#lostDirectories(root))) {
      handle = await this.#hold(await this.#ensureDirectories(), entry, name, true)
    }
    if (handle === undefined) return undefined
    const stamp = nextUseStamp()
    try {
      await utimes(entry, stamp, stamp)
    } catch {
      // Evicted or replaced meanwhile: the handle still holds the bytes.
    }
    return handle
  }

  /** Whether an artifact is in the cache right now (no extension: any file of that dataset/component). */
  async has(datasetId: string, component: string | null, extension?: string): Promise<boolean> {
    this.#checkOpen()
    if (extension !== undefined) {
      const name = entryFileName(datasetId, component, extension)
      if (this.#root === undefined) return false
      return (await lstatOrUndefined(path.join(this.#root, name))) !== undefined
    }
    const id = normalizeDatasetId(datasetId)
    return (await this.scan()).some((e) => e.datasetId === id && e.component === component)
  }

  /**
   * Adds an artifact from bytes or a local file (copied, or moved with `transfer: 'move'`), atomically,
   * then applies the expiry policy. Returns a handle to the new file; release it when done.
   */
  async insert(
    datasetId: string,
    component: string | null,
    extension: string,
    source: Uint8Array | string,
    options: InsertOptions = {},
  ): Promise<CachedFile> {
    this.#checkOpen()
    const name = entryFileName(datasetId, component, extension)
    if (!(source instanceof Uint8Array) && typeof source !== 'string') {
      throw new InputError('A cache insert takes bytes (Uint8Array) or a local file path')
    }
    const transfer = options.transfer ?? 'copy'
    if (transfer !== 'copy' && transfer !== 'move') {
      throw new InputError(`Cache insert transfer must be 'copy' or 'move' (got '${String(transfer)}')`)
    }
    for (let attempt = 1; ; attempt++) {
      const root = await this.#ensureDirectories()
      const staged = path.join(root, INCOMING_DIR, ownedFileName(name))
      try {
        if (typeof source === 'string') await stageLocalFile(source, staged, transfer, this.#options.fsync)
        else await writeNewFile(staged, source, this.#options.fsync)
      } catch (error) {
        await unlinkQuietly(staged).catch(() => {})
        if (error instanceof ButlerError) throw error
        if (attempt === 1 && (await this.#lostDirectories(root))) continue
        throw new ButlerError(
          `Could not stage ${name} in the cache at ${root}: ${(error as Error).message}`,
          {
            cause: error,
          },
        )
      }
      return this.#publish(root, staged, name)
    }
  }

  /**
   * Returns the cached artifact, or calls `fetch(targetPath)` to write it (to a private staging path,
   * whose extension is the artifact's) and adds it to the cache. Concurrent calls for the same artifact
   * in this process share one fetch. A failing fetch leaves nothing behind and its error is rethrown.
   */
  async withCachedFile(
    datasetId: string,
    component: string | null,
    extension: string,
    fetch: (targetPath: string) => Promise<void>,
  ): Promise<CachedFile> {
    const found = await this.find(datasetId, component, extension)
    if (found) return found
    const name = entryFileName(datasetId, component, extension)
    const pending = this.#inflight.get(name)
    if (pending) {
      const done = await pending.then(
        () => true,
        () => false,
      )
      const again = done ? await this.find(datasetId, component, extension) : undefined
      if (again) return again
    }
    const work = this.#fetchInto(name, fetch)
    this.#inflight.set(name, work)
    try {
      return await work
    } finally {
      if (this.#inflight.get(name) === work) this.#inflight.delete(name)
    }
  }

  /**
   * Removes a dataset's files from the cache: every file of it when `component` is undefined, else only
   * those of that component (`null`: the whole-dataset files). Returns how many this call removed.
   */
  async remove(datasetId: string, component?: string | null): Promise<number> {
    this.#checkOpen()
    const id = normalizeDatasetId(datasetId)
    let removed = 0
    for (const entry of await this.scan()) {
      if (entry.datasetId !== id || (component !== undefined && entry.component !== component)) continue
      if (await unlinkQuietly(entry.path)) removed++
    }
    return removed
  }

  /**
   * Applies the expiry policy: sweeps private files of crashed holders, then evicts entries least
   * recently used first. Safe to run from many processes at once.
   */
  async expire(): Promise<ExpiryReport> {
    this.#checkOpen()
    const root = this.#root
    if (root === undefined) return { removed: [], removedBytes: 0, staleFiles: 0 }
    const staleFiles = await sweepPrivateFiles(root, this.#options)
    const removed: CacheEntry[] = []
    const policy = this.#settings.expiry
    if (policy.mode === 'disabled') return { removed, removedBytes: 0, staleFiles }
    const names = await this.#entryNames(root)
    const entries = this.#withinCountLimit(names) ? [] : await this.#statEntries(root, names)
    for (const victim of selectForEviction(entries, policy, Date.now())) {
      // Skip an entry used or replaced since the scan (another process's hit or insert).
      const now = await lstatOrUndefined(victim.path)
      if (now === undefined || now.mtimeMs !== victim.lastUsedMs) continue
      if (await unlinkQuietly(victim.path)) removed.push(victim)
    }
    return { removed, removedBytes: removed.reduce((n, e) => n + e.size, 0), staleFiles }
  }

  /** Lists the cache entries with their sizes and last-use times, least recently used first. */
  async scan(): Promise<CacheEntry[]> {
    const root = this.#root
    if (root === undefined) return []
    return this.#statEntries(root, await this.#entryNames(root))
  }

  /**
   * Releases every handle of this cache and, for a temporary cache, removes its directory. Other
   * methods fail afterwards.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    liveCaches.delete(this)
    await Promise.all([...this.#held].map((p) => unlinkQuietly(p).catch(() => {})))
    this.#held.clear()
    if (this.#settings.rootKind === 'temporary' && this.#root !== undefined) {
      await rm(this.#root, { recursive: true, force: true })
    }
  }

  /** Names of the entries in the root (not checked to be regular files). */
  async #entryNames(root: string): Promise<(EntryName & { name: string })[]> {
    let names: string[]
    try {
      names = await readdir(root)
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return []
      throw new ButlerError(`Could not list cache directory ${root}`, { cause: error })
    }
    const out: (EntryName & { name: string })[] = []
    for (const name of names) {
      const parsed = parseEntryFileName(name)
      if (parsed) out.push({ name, ...parsed })
    }
    return out
  }

  /**
   * Stats named entries, least recently used first. Synchronous lstat in batches: a local stat costs
   * less than a thread-pool round trip (measured 2-9x), and yielding between batches keeps the event
   * loop responsive for big caches.
   */
  async #statEntries(root: string, names: readonly (EntryName & { name: string })[]): Promise<CacheEntry[]> {
    const found: CacheEntry[] = []
    for (let i = 0; i < names.length; i++) {
      if (i > 0 && i % SCAN_BATCH === 0) await yieldToEventLoop()
      const name = names[i]!
      const file = path.join(root, name.name)
      let info: Stats | undefined
      try {
        info = lstatSync(file, { throwIfNoEntry: false })
      } catch (error) {
        throw new ButlerError(`Could not read cache entry ${file}`, { cause: error })
      }
      if (info?.isFile()) found.push({ ...name, path: file, size: info.size, lastUsedMs: info.mtimeMs })
    }
    return sortByLastUse(found)
  }

  /**
   * True when a count limit is met by the file names alone (saving a stat of every file on each
   * insert into a big cache that is under its limit).
   */
  #withinCountLimit(names: readonly EntryName[]): boolean {
    const policy = this.#settings.expiry
    if (policy.mode !== 'files' && policy.mode !== 'datasets') return false
    const count = policy.mode === 'files' ? names.length : new Set(names.map((n) => n.datasetId)).size
    return count <= policy.threshold
  }

  /** Links a staged file to a private held name, marks it used, and renames it into place. */
  async #publish(root: string, staged: string, name: string): Promise<CachedFile> {
    let handle: CachedFile | undefined
    try {
      const stamp = nextUseStamp()
      await utimes(staged, stamp, stamp)
      handle = await this.#hold(root, staged, name, false)
      if (handle === undefined) throw new Error('the staged file vanished')
      await rename(staged, path.join(root, name))
    } catch (error) {
      await unlinkQuietly(staged).catch(() => {})
      await handle?.release()
      throw new ButlerError(`Could not add ${name} to the cache at ${root}: ${(error as Error).message}`, {
        cause: error,
      })
    }
    if (this.#options.expireOnInsert) {
      try {
        await this.expire()
      } catch (error) {
        await handle.release()
        throw error
      }
    }
    return handle
  }

  async #fetchInto(name: string, fetch: (targetPath: string) => Promise<void>): Promise<CachedFile> {
    const root = await this.#ensureDirectories()
    const staged = path.join(root, INCOMING_DIR, ownedFileName(name))
    try {
      await fetch(staged)
    } catch (error) {
      await unlinkQuietly(staged).catch(() => {})
      throw error
    }
    const info = await lstatOrUndefined(staged)
    if (!info?.isFile()) {
      await rm(staged, { recursive: true, force: true })
      throw new ButlerError(`The fetch of ${name} for the cache did not write a file at its target path`)
    }
    if (this.#closed) {
      await unlinkQuietly(staged)
      this.#checkOpen()
    }
    return this.#publish(root, staged, name)
  }

  /** A held link (or copy) of `source`; undefined when `source` does not exist. */
  async #hold(
    root: string,
    source: string,
    name: string,
    fromCache: boolean,
  ): Promise<CachedFile | undefined> {
    const heldPath = path.join(root, HELD_DIR, ownedFileName(name))
    try {
      await link(source, heldPath)
    } catch (error) {
      const code = errorCode(error)
      if (code === 'ENOENT') return undefined
      if (!code || !NO_LINK_CODES.has(code)) {
        throw new ButlerError(`Could not open cached file ${source}: ${(error as Error).message}`, {
          cause: error,
        })
      }
      try {
        await copyFile(source, heldPath)
      } catch (copyError) {
        await unlinkQuietly(heldPath).catch(() => {})
        if (errorCode(copyError) === 'ENOENT') return undefined
        throw new ButlerError(`Could not copy cached file ${source}`, { cause: copyError })
      }
    }
    this.#held.add(heldPath)
    this.#registerForExit()
    const size = (await stat(heldPath)).size
    let released = false
    return {
      path: heldPath,
      size,
      fromCache,
      release: async () => {
        if (released) return
        released = true
        this.#held.delete(heldPath)
        await unlinkQuietly(heldPath)
      },
    }
  }

  #ensureDirectories(): Promise<string> {
    this.#ready ??= this.#makeDirectories().catch((error) => {
      this.#ready = undefined
      throw error
    })
    return this.#ready
  }

  async #makeDirectories(): Promise<string> {
    let root = this.#root
    if (root === undefined) {
      root = await mkdtemp(path.join(tmpdir(), TEMPORARY_CACHE_PREFIX))
      this.#root = root
      this.#registerForExit()
    } else {
      await makePrivateDirectory(root, this.#settings.rootKind === 'fallback')
    }
    await makePrivateDirectory(path.join(root, INCOMING_DIR), false)
    await makePrivateDirectory(path.join(root, HELD_DIR), false)
    return root
  }

  /**
   * Whether the private directories have gone (someone removed the cache directory); if so, forgets
   * that they were made so the next call makes them again.
   */
  async #lostDirectories(root: string): Promise<boolean> {
    if (
      (await lstatOrUndefined(path.join(root, HELD_DIR))) &&
      (await lstatOrUndefined(path.join(root, INCOMING_DIR)))
    ) {
      return false
    }
    this.#ready = undefined
    return true
  }

  /** Registers this cache for exit-time cleanup (once it has held files or a temporary root). */
  #registerForExit(): void {
    if (liveCaches.has(this)) return
    liveCaches.add(this)
    if (!exitHookInstalled) {
      exitHookInstalled = true
      process.once('exit', () => {
        for (const cache of liveCaches) cache.#cleanupSync()
      })
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new ButlerError('This file cache has been closed')
  }

  /** Exit-time cleanup: drop held links, remove a temporary root. */
  #cleanupSync(): void {
    for (const p of this.#held) {
      try {
        unlinkSync(p)
      } catch {
        // Already gone.
      }
    }
    this.#held.clear()
    if (this.#settings.rootKind === 'temporary' && this.#root !== undefined) {
      rmSync(this.#root, { recursive: true, force: true })
    }
  }
}
