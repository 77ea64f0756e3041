/**
 * Crash-safe file writes and checked reads for the file datastore.
 *
 * A write goes to a temporary file beside its target (`.<name>.butler-tmp-<random>`), is optionally
 * fsynced, and is renamed over the target, so readers see either nothing or the whole file. Leftover
 * temporary files of a crash are recognisable by name (`isTemporaryFileName`); template paths never
 * take that form, because a template's file name holds no `.` before the extension.
 */
import { spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  close,
  closeSync,
  copyFileSync,
  createReadStream,
  constants as fsConstants,
  fsync,
  fsyncSync,
  mkdirSync,
  open as openFd,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writev,
  writevSync,
} from 'node:fs'
import { copyFile, type FileHandle, mkdir, open, rename, unlink } from 'node:fs/promises'
import path from 'node:path'
import { ButlerError, ChecksumError } from '../../errors.js'
import { forEachLimited } from '../for-each-limited.js'

/** Checksum algorithms: `blake2b` is the reference's (BLAKE2b-512, hex). */
export type ChecksumAlgorithm = 'blake2b' | 'sha256'

/** Options of an atomic write. */
export interface AtomicWriteOptions {
  /** Flush file data (and the directory entry after rename) to stable storage. */
  readonly fsync: boolean
  /** Compute this checksum of the bytes while writing them. */
  readonly checksum?: ChecksumAlgorithm | undefined
}

/** Options of a batched atomic write. */
export interface BatchWriteOptions extends AtomicWriteOptions {
  /** Files in flight at once (default 16; the libuv pool bounds real parallelism anyway). */
  readonly concurrency?: number
}

/** What was written. */
export interface AtomicWriteResult {
  readonly path: string
  readonly size: number
  /** Hex digest, when a checksum was asked for. */
  readonly checksum?: string
}

/** One file of a batch. */
export interface AtomicWriteItem {
  readonly path: string
  readonly chunks: readonly Uint8Array[]
}

/** Options of a checked read. */
export interface ReadCheckOptions {
  readonly expectedSize?: number | undefined
  readonly expectedChecksum?: string | undefined
  /** Algorithm of `expectedChecksum` (default `blake2b`). */
  readonly algorithm?: ChecksumAlgorithm | undefined
  /** How error messages name the file (e.g. its repository-relative path); default the path itself. */
  readonly displayName?: string | undefined
}

/** Matches temporary file names made by these writers: `.<basename>.butler-tmp-<16 hex digits>`. */
export const TEMPORARY_FILE_PATTERN = /^\..+\.butler-tmp-[0-9a-f]{16}$/

/** Whether a file name (not a path) is a temporary file of an atomic write. */
export function isTemporaryFileName(name: string): boolean {
  return TEMPORARY_FILE_PATTERN.test(name)
}

/** A fresh temporary path beside `target`. */
export function temporaryPathFor(target: string): string {
  const name = `.${path.basename(target)}.butler-tmp-${randomBytes(8).toString('hex')}`
  return path.join(path.dirname(target), name)
}

/** Creates a streaming hash for a checksum algorithm. */
export function createChecksum(algorithm: ChecksumAlgorithm): ReturnType<typeof createHash> {
  if (algorithm === 'blake2b') return createHash('blake2b512')
  if (algorithm === 'sha256') return createHash('sha256')
  throw new ButlerError(`Unknown checksum algorithm '${String(algorithm)}'`)
}

/**
 * Files up to this size are written and read with synchronous calls: a few system calls in this
 * thread cost less than the thread-pool round trips of the asynchronous API (measured: about 4x).
 */
export const SMALL_FILE_BYTES = 256 * 1024

/**
 * Writes `chunks` to `target` atomically (temp file, `writev`, optional fsync, rename) and returns the
 * size and optional checksum; on any error the temporary file is removed and a `ButlerError` with the
 * filesystem error as `cause` is thrown.
 *
 * With `fsync`, the file's data is flushed before the rename, so the name never points at a partly
 * written file. The directory itself is not fsynced here: on journalling filesystems the rename
 * reaches disk with the next journal commit, which any later fsync (such as the registry's) forces.
 */
export async function writeFileAtomic(
  target: string,
  chunks: readonly Uint8Array[],
  options: AtomicWriteOptions,
): Promise<AtomicWriteResult> {
  let total = 0
  for (const c of chunks) total += c.byteLength
  if (total <= SMALL_FILE_BYTES) return writeSmallFileAtomic(target, chunks, options)
  const dirs = new DirectoryMaker()
  let temp: string | undefined
  try {
    await dirs.ensure(path.dirname(target))
    temp = temporaryPathFor(target)
    const staged = await stageFile(temp, chunks, options)
    await rename(temp, target)
    temp = undefined
    return { path: target, ...staged }
  } catch (error) {
    if (temp !== undefined) await unlinkQuietly(temp)
    throw new ButlerError(`Could not write ${target}: ${(error as Error).message}`, { cause: error })
  }
}

function writeSmallFileAtomic(
  target: string,
  chunks: readonly Uint8Array[],
  options: AtomicWriteOptions,
): AtomicWriteResult {
  let temp: string | undefined
  try {
    mkdirSync(path.dirname(target), { recursive: true })
    temp = temporaryPathFor(target)
    const fd = openSync(temp, 'wx')
    let size = 0
    try {
      const hash = options.checksum ? createChecksum(options.checksum) : undefined
      for (const c of chunks) {
        size += c.byteLength
        hash?.update(c)
      }
      let written = writevSync(fd, chunks as Uint8Array[])
      if (written < size) {
        // Rare short write: finish chunk by chunk.
        const all = Buffer.concat(chunks as Uint8Array[])
        while (written < size) written += writevSync(fd, [all.subarray(written)])
      }
      if (options.fsync) fsyncSync(fd)
      closeSync(fd)
      renameSync(temp, target)
      temp = undefined
      const digest = hash?.digest('hex')
      return digest === undefined ? { path: target, size } : { path: target, size, checksum: digest }
    } catch (error) {
      try {
        closeSync(fd)
      } catch {
        // Already closed.
      }
      throw error
    }
  } catch (error) {
    if (temp !== undefined) {
      try {
        unlinkSync(temp)
      } catch {
        // Never created, or already gone.
      }
    }
    throw new ButlerError(`Could not write ${target}: ${(error as Error).message}`, { cause: error })
  }
}

/**
 * Writes many files all-or-nothing: stages every temporary file (write + fsync) with bounded
 * concurrency, then renames them all, then fsyncs the directories. If anything fails, every
 * temporary file made and every target renamed by this batch is removed, and a `ButlerError` is thrown.
 * (A target that already existed and was replaced cannot be restored.)
 */
export async function writeFilesAtomic(
  items: readonly AtomicWriteItem[],
  options: BatchWriteOptions,
): Promise<AtomicWriteResult[]> {
  const targets = new Set(items.map((i) => path.resolve(i.path)))
  if (targets.size !== items.length) throw new ButlerError('A batched write names the same file twice')
  if (items.every((i) => i.chunks.reduce((n, c) => n + c.byteLength, 0) <= SMALL_FILE_BYTES)) {
    return writeSmallFilesAtomic(items, options)
  }
  const concurrency = Math.max(1, options.concurrency ?? 16)
  const dirs = new DirectoryMaker()
  const temps: (string | undefined)[] = items.map(() => undefined)
  const renamed: string[] = []
  const results: AtomicWriteResult[] = []
  let failedPath = ''
  try {
    await forEachLimited(items, concurrency, async (item, index) => {
      try {
        await dirs.ensure(path.dirname(item.path))
        const temp = temporaryPathFor(item.path)
        temps[index] = temp
        results[index] = { path: item.path, ...(await stageFile(temp, item.chunks, options)) }
      } catch (error) {
        failedPath ||= item.path
        throw error
      }
    })
    await forEachLimited(items, concurrency, async (item, index) => {
      try {
        await rename(temps[index]!, item.path)
      } catch (error) {
        failedPath ||= item.path
        throw error
      }
      temps[index] = undefined
      renamed.push(item.path)
    })
    if (options.fsync) await dirs.syncAll(items.map((i) => path.dirname(i.path)))
    return results
  } catch (error) {
    await removeFiles([...temps.filter((t): t is string => t !== undefined), ...renamed], concurrency)
    throw new ButlerError(
      `Batched write of ${items.length} files failed at ${failedPath}: ${(error as Error).message}; ` +
        'nothing was written',
      { cause: error },
    )
  }
}

/**
 * The batch path for small files: stage every temporary file with synchronous calls, make them all
 * durable with one filesystem-wide sync (instead of one fsync per file), then rename them all.
 */
function writeSmallFilesAtomic(
  items: readonly AtomicWriteItem[],
  options: AtomicWriteOptions,
): AtomicWriteResult[] {
  // syncfs flushes the whole filesystem, other processes' data included: worth it only for big batches.
  const syncAll = options.fsync && items.length >= SYNCFS_MIN_FILES && canSyncFilesystem()
  const temps: string[] = []
  const renamed: string[] = []
  const made = new Set<string>()
  const results: AtomicWriteResult[] = []
  let failedPath = ''
  try {
    for (const item of items) {
      failedPath = item.path
      const dir = path.dirname(item.path)
      if (!made.has(dir)) {
        mkdirSync(dir, { recursive: true })
        made.add(dir)
      }
      const temp = temporaryPathFor(item.path)
      const fd = openSync(temp, 'wx')
      temps.push(temp)
      try {
        const hash = options.checksum ? createChecksum(options.checksum) : undefined
        let size = 0
        for (const c of item.chunks) {
          size += c.byteLength
          hash?.update(c)
        }
        let written = writevSync(fd, item.chunks as Uint8Array[])
        if (written < size) {
          const all = Buffer.concat(item.chunks as Uint8Array[])
          while (written < size) written += writevSync(fd, [all.subarray(written)])
        }
        if (options.fsync && !syncAll) fsyncSync(fd)
        const digest = hash?.digest('hex')
        results.push(
          digest === undefined ? { path: item.path, size } : { path: item.path, size, checksum: digest },
        )
      } finally {
        closeSync(fd)
      }
    }
    failedPath = ''
    if (syncAll) syncFilesystem(path.dirname(items[0]!.path))
    for (let i = 0; i < items.length; i++) {
      failedPath = items[i]!.path
      renameSync(temps[i]!, items[i]!.path)
      renamed.push(items[i]!.path)
    }
    return results
  } catch (error) {
    for (const p of [...temps.slice(renamed.length), ...renamed]) {
      try {
        unlinkSync(p)
      } catch {
        // Already gone.
      }
    }
    throw new ButlerError(
      `Batched write of ${items.length} files failed${failedPath ? ` at ${failedPath}` : ''}: ${(error as Error).message}; nothing was written`,
      { cause: error },
    )
  }
}

/** One file of a batched copy. */
export interface AtomicCopyItem {
  readonly source: string
  readonly target: string
  /** Size of the source when known: small files are copied with synchronous calls. */
  readonly size?: number
}

/**
 * Copies files all-or-nothing, each one atomically: the copy goes to a temporary file beside its
 * target, is made durable (an fsync per file, or one syncfs for a big batch of small files, as
 * `writeFilesAtomic` does), and is renamed into place. If anything fails, every temporary file and
 * every target placed by this batch is removed and a `ButlerError` naming the file is thrown.
 */
export async function copyFilesAtomic(
  items: readonly AtomicCopyItem[],
  options: BatchWriteOptions,
): Promise<void> {
  if (items.length === 0) return
  const targets = new Set(items.map((i) => path.resolve(i.target)))
  if (targets.size !== items.length) throw new ButlerError('A batched copy names the same target twice')
  const syncAll = options.fsync && items.length >= SYNCFS_MIN_FILES && canSyncFilesystem()
  const perFileSync = options.fsync && !syncAll
  const made = new Set<string>()
  const temps: (string | undefined)[] = items.map(() => undefined)
  const renamed: string[] = []
  let failedPath = ''
  try {
    await forEachLimited(items, Math.max(1, options.concurrency ?? 16), async (item, index) => {
      try {
        const dir = path.dirname(item.target)
        if (!made.has(dir)) {
          mkdirSync(dir, { recursive: true })
          made.add(dir)
        }
        const temp = temporaryPathFor(item.target)
        temps[index] = temp
        if (item.size !== undefined && item.size <= SMALL_FILE_BYTES) {
          copyFileSync(item.source, temp, fsConstants.COPYFILE_EXCL)
          if (perFileSync) syncPathSync(temp)
        } else {
          await copyFile(item.source, temp, fsConstants.COPYFILE_EXCL)
          if (perFileSync) await syncPath(temp)
        }
      } catch (error) {
        failedPath ||= item.source
        throw error
      }
    })
    if (syncAll) syncFilesystem(path.dirname(items[0]!.target))
    for (let i = 0; i < items.length; i++) {
      failedPath = items[i]!.target
      renameSync(temps[i]!, items[i]!.target)
      temps[i] = undefined
      renamed.push(items[i]!.target)
    }
  } catch (error) {
    for (const p of [...temps.filter((t): t is string => t !== undefined), ...renamed]) {
      try {
        unlinkSync(p)
      } catch {
        // Never created, or already gone.
      }
    }
    throw new ButlerError(
      `Batched copy of ${items.length} files failed at ${failedPath}: ${(error as Error).message}; nothing was copied`,
      { cause: error },
    )
  }
}

/**
 * Hex digest of a file's content: small files (by `size`) are read in one synchronous call, bigger
 * ones streamed in 8 MiB chunks.
 */
export async function checksumFile(
  file: string,
  algorithm: ChecksumAlgorithm,
  size?: number,
): Promise<string> {
  const hash = createChecksum(algorithm)
  if (size !== undefined && size <= SMALL_FILE_BYTES) return hash.update(readFileSync(file)).digest('hex')
  for await (const chunk of createReadStream(file, { highWaterMark: 8 * 1024 * 1024 })) {
    hash.update(chunk as Buffer)
  }
  return hash.digest('hex')
}

function syncPathSync(file: string): void {
  const fd = openSync(file, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Flushes one file (or directory) to stable storage (fsync). */
export async function syncPath(file: string): Promise<void> {
  const handle = await open(file, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Batches of at least this many small files are made durable with one syncfs instead of fsyncs. */
const SYNCFS_MIN_FILES = 64

let syncfsAvailable: boolean | undefined

/** Whether `sync --file-system` (syncfs(2)) can flush a whole filesystem at once here (checked once). */
function canSyncFilesystem(): boolean {
  syncfsAvailable ??=
    process.platform === 'linux' && spawnSync('sync', ['--help'], { stdio: 'ignore' }).status === 0
  return syncfsAvailable
}

/** Flushes every dirty file of the filesystem holding `dir` to stable storage (syncfs). */
function syncFilesystem(dir: string): void {
  const result = spawnSync('sync', ['--file-system', dir], { stdio: 'ignore' })
  if (result.status !== 0)
    throw new ButlerError(`Could not sync the filesystem of ${dir}`, { cause: result.error })
}

/** Removes files, ignoring those already gone; other errors are thrown after every removal was tried. */
export async function removeFiles(paths: readonly string[], concurrency = 16): Promise<void> {
  const errors: unknown[] = []
  await forEachLimited(paths, concurrency, async (p) => {
    try {
      await unlinkQuietly(p)
    } catch (error) {
      errors.push(error)
    }
  })
  if (errors.length > 0)
    throw new ButlerError(`Could not remove ${errors.length} file(s)`, { cause: errors[0] })
}

/**
 * Reads a whole file into one preallocated Buffer, checking its size first (before reading) and then its
 * checksum (hashed chunk by chunk while the next chunk is being read); throws `ChecksumError` on a mismatch.
 */
export async function readFileChecked(file: string, options: ReadCheckOptions = {}): Promise<Buffer> {
  const expected = options.expectedSize
  if (expected !== undefined && expected >= 0 && expected <= SMALL_FILE_BYTES) {
    // Small file of known size: one synchronous read, then the same checks.
    const buffer = readFileSync(file)
    if (buffer.length !== expected) {
      throw new ChecksumError(
        `File ${options.displayName ?? file} has ${buffer.length} bytes; ${expected} were recorded`,
      )
    }
    if (options.expectedChecksum) {
      const actual = createChecksum(options.algorithm ?? 'blake2b')
        .update(buffer)
        .digest('hex')
      if (actual !== options.expectedChecksum.toLowerCase()) {
        throw new ChecksumError(
          `File ${options.displayName ?? file} has checksum ${actual}; ${options.expectedChecksum} was recorded`,
        )
      }
    }
    return buffer
  }
  const handle = await open(file, 'r')
  try {
    const { size } = await handle.stat()
    if (options.expectedSize !== undefined && options.expectedSize >= 0 && size !== options.expectedSize) {
      throw new ChecksumError(
        `File ${options.displayName ?? file} has ${size} bytes; ${options.expectedSize} were recorded`,
      )
    }
    const buffer = Buffer.allocUnsafe(size)
    const hash = options.expectedChecksum ? createChecksum(options.algorithm ?? 'blake2b') : undefined
    // Without a checksum, one read of the whole file; with one, chunks so hashing overlaps reading.
    const step = hash ? 8 * 1024 * 1024 : Math.min(Math.max(size, 1), 1 << 30)
    let offset = 0
    let hashed = 0
    while (offset < size) {
      const length = Math.min(step, size - offset)
      const reading = handle.read(buffer, offset, length, offset)
      // Hash what is already in memory while the next chunk is read.
      if (hash && hashed < offset) {
        hash.update(buffer.subarray(hashed, offset))
        hashed = offset
      }
      const { bytesRead } = await reading
      if (bytesRead === 0)
        throw new ChecksumError(`File ${options.displayName ?? file} shrank while being read`)
      offset += bytesRead
    }
    if (hash && options.expectedChecksum) {
      hash.update(buffer.subarray(hashed, offset))
      const actual = hash.digest('hex')
      if (actual !== options.expectedChecksum.toLowerCase()) {
        throw new ChecksumError(
          `File ${options.displayName ?? file} has checksum ${actual}; ${options.expectedChecksum} was recorded`,
        )
      }
    }
    return buffer
  } finally {
    await handle.close()
  }
}

/** Writes a new temporary file (exclusive create), optionally fsyncs it, and closes it. */
async function stageFile(
  temp: string,
  chunks: readonly Uint8Array[],
  options: AtomicWriteOptions,
): Promise<{ size: number; checksum?: string }> {
  let size = 0
  for (const c of chunks) {
    if (!ArrayBuffer.isView(c)) throw new TypeError('Every chunk of a file must be a Uint8Array')
    size += c.byteLength
  }
  // Plain descriptors with callbacks: for many small files, FileHandle's bookkeeping costs ~25%.
  let fd: number | undefined
  let writing: Promise<void> | undefined
  try {
    fd = await fdOpen(temp, 'wx')
    // Hash on this thread while the pool thread writes the same bytes.
    writing = writeAll(fd, chunks, size)
    let checksum: string | undefined
    if (options.checksum) {
      const hash = createChecksum(options.checksum)
      for (const c of chunks) hash.update(c)
      checksum = hash.digest('hex')
    }
    await writing
    if (options.fsync) await fdCall(fsync, fd)
    const closing = fd
    fd = undefined
    await fdCall(close, closing)
    return checksum === undefined ? { size } : { size, checksum }
  } catch (error) {
    // Never close the descriptor under a write still in flight.
    await writing?.catch(() => {})
    if (fd !== undefined) await fdCall(close, fd).catch(() => {})
    await unlinkQuietly(temp)
    throw error
  }
}

async function writeAll(fd: number, chunks: readonly Uint8Array[], size: number): Promise<void> {
  let pending = chunks.filter((c) => c.byteLength > 0)
  let position = 0
  while (position < size) {
    const bytesWritten = await fdWritev(fd, pending, position)
    if (bytesWritten <= 0) throw new Error('write made no progress')
    position += bytesWritten
    if (position < size) pending = dropBytes(pending, bytesWritten)
  }
}

function fdOpen(file: string, flags: string): Promise<number> {
  return new Promise((resolve, reject) => openFd(file, flags, (e, fd) => (e ? reject(e) : resolve(fd))))
}

function fdWritev(fd: number, chunks: readonly Uint8Array[], position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    writev(fd, chunks as Uint8Array[], position, (e, n) => (e ? reject(e) : resolve(n))),
  )
}

function fdCall(
  fn: (fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => void,
  fd: number,
): Promise<void> {
  return new Promise((resolve, reject) => fn(fd, (e) => (e ? reject(e) : resolve())))
}

/** The chunks minus their first `n` bytes (after a short write). */
function dropBytes(chunks: readonly Uint8Array[], n: number): Uint8Array[] {
  const out: Uint8Array[] = []
  let skip = n
  for (const c of chunks) {
    if (skip >= c.byteLength) {
      skip -= c.byteLength
      continue
    }
    out.push(skip > 0 ? c.subarray(skip) : c)
    skip = 0
  }
  return out
}

/** Creates directories once per batch and remembers which ones need an fsync of their parent. */
class DirectoryMaker {
  readonly #made = new Map<string, Promise<void>>()
  readonly #created = new Set<string>()

  ensure(dir: string): Promise<void> {
    let pending = this.#made.get(dir)
    if (!pending) {
      pending = mkdir(dir, { recursive: true }).then((first) => {
        // Every directory from the first created one down to `dir` is new.
        if (first === undefined) return
        for (let d = dir; d.length >= first.length; d = path.dirname(d)) {
          this.#created.add(d)
          if (d === path.dirname(d)) break
        }
      })
      this.#made.set(dir, pending)
    }
    return pending
  }

  /** Fsyncs the given directories and the parents of directories this batch created. */
  async syncAll(dirs: readonly string[]): Promise<void> {
    const all = new Set(dirs)
    for (const d of this.#created) all.add(path.dirname(d))
    await forEachLimited([...all], 16, syncDirectory)
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch (error) {
    // Some platforms (Windows) and filesystems cannot fsync a directory; the rename stands anyway.
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw error
  } finally {
    await handle?.close()
  }
}

async function unlinkQuietly(p: string): Promise<void> {
  try {
    await unlink(p)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}
