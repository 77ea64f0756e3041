/**
 * Small filesystem helpers of the file cache: unlink- and race-tolerant calls, staging of new files,
 * and making a cache directory safely.
 */
import { constants as fsConstants, type Stats } from 'node:fs'
import { copyFile, lstat, mkdir, open, rename, stat, unlink } from 'node:fs/promises'
import { ButlerError, InputError } from '../../errors.js'
import { syncPath } from '../file/atomic-write.js'

/** The errno code of a filesystem error, if it has one. */
export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code
}

/** Removes a file; a file that is already gone is fine. */
export async function unlinkQuietly(file: string): Promise<boolean> {
  try {
    await unlink(file)
    return true
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false
    throw error
  }
}

/** `lstat`, or undefined when the file does not exist (any more). */
export async function lstatOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await lstat(file)
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined
    throw error
  }
}

/** Writes bytes to a new file (exclusive create), optionally fsyncing it before it is closed. */
export async function writeNewFile(file: string, bytes: Uint8Array, fsync: boolean): Promise<void> {
  const handle = await open(file, 'wx', 0o600)
  try {
    let offset = 0
    while (offset < bytes.byteLength) {
      const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset)
      if (bytesWritten <= 0) throw new Error('write made no progress')
      offset += bytesWritten
    }
    if (fsync) await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Errors of `link` that mean "this filesystem cannot hard-link here": copy instead. */
export const NO_LINK_CODES = new Set(['EPERM', 'EXDEV', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS'])

/**
 * Puts a local file at `target` (a new name in the same directory tree) by copy or move. A missing
 * source is an `InputError`; a move across filesystems falls back to copy then unlink.
 */
export async function stageLocalFile(
  source: string,
  target: string,
  transfer: 'copy' | 'move',
  fsync: boolean,
): Promise<void> {
  let info: Stats
  try {
    info = await stat(source)
  } catch (error) {
    throw new InputError(
      `File '${source}' to add to the cache cannot be read: ${errorCode(error) ?? error}`,
      {
        cause: error,
      },
    )
  }
  if (!info.isFile()) throw new InputError(`'${source}' to add to the cache is not a regular file`)
  if (transfer === 'move') {
    try {
      await rename(source, target)
      return
    } catch (error) {
      if (errorCode(error) !== 'EXDEV') throw error
    }
  }
  await copyFile(source, target, fsConstants.COPYFILE_EXCL | fsConstants.COPYFILE_FICLONE)
  if (fsync) await syncPath(target)
  if (transfer === 'move') await unlinkQuietly(source)
}

/**
 * Makes a directory (and missing parents) with mode 0700. With `requireOwn`, an existing directory
 * must be a real directory (not a symbolic link) owned by this user, so a shared temporary directory
 * cannot be planted by someone else.
 */
export async function makePrivateDirectory(dir: string, requireOwn: boolean): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
  } catch (error) {
    throw new ButlerError(`Could not create cache directory ${dir}: ${(error as Error).message}`, {
      cause: error,
    })
  }
  if (!requireOwn) return
  const info = await lstat(dir)
  if (!info.isDirectory()) throw new ButlerError(`Cache directory ${dir} is not a directory`)
  const uid = process.getuid?.()
  if (uid !== undefined && info.uid !== uid) {
    throw new ButlerError(`Cache directory ${dir} belongs to another user; refusing to use it`)
  }
}
