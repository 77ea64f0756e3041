/**
 * The file side of ingest: destination folders confined to the datastore root, and the transfers
 * themselves (copy, move, hard and symbolic links), each registered with the undo log so a failed
 * ingest leaves no file behind and gives moved files back.
 */
import {
  closeSync,
  copyFileSync,
  constants as fsConstants,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { ButlerError, ConflictingDefinitionError } from '../../errors.js'
import type { UndoLog } from '../../internal/undo-log.js'
import type { TransferMode } from '../datastore.js'
import { copyFilesAtomic } from './atomic-write.js'
import { isStrictlyInside, joinInside, resolveInside } from './safe-path.js'

/** What actually happens to one file (`auto` and `split` resolved). */
export type FileTransfer = Exclude<TransferMode, 'auto' | 'split'>

/** One file to place in the datastore. */
export interface TransferItem {
  readonly transfer: FileTransfer
  readonly source: string
  /** Absolute destination (from `TargetFolders.target`). */
  readonly target: string
  readonly size: number
}

/** Options of `transferFiles`. */
export interface TransferOptions {
  readonly fsync: boolean
  readonly concurrency: number
  readonly onProgress?: ((files: number) => void) | undefined
}

/** Copies are made durable and renamed into place in batches of this many files. */
const COPY_BATCH = 4096

/**
 * The folders that ingested files go to, each checked once: it must stay inside the root (also
 * through symlinked folders) and not be a file. A folder that does not exist yet needs no symlink
 * check of its own (the butler creates it), so a fresh tree costs one `lstat` per folder.
 */
export class TargetFolders {
  readonly root: string
  /** Folder -> whether it exists already (false: this ingest creates it). */
  private readonly folders = new Map<string, boolean>()

  constructor(root: string) {
    this.root = resolve(root)
  }

  /** Absolute path of a new artifact at datastore-relative `path`; throws `PathEscapeError` if it leaves the root. */
  target(path: string): string {
    const absolute = joinInside(this.root, path)
    this.check(dirname(absolute), path)
    return absolute
  }

  /** Whether the folder of `target` is created by this ingest (then the target cannot exist yet). */
  isNew(target: string): boolean {
    return this.folders.get(dirname(target)) === false
  }

  /** Folders this ingest creates, parents before children. */
  newFolders(): string[] {
    return [...this.folders]
      .filter(([, exists]) => !exists)
      .map(([dir]) => dir)
      .sort((a, b) => a.length - b.length)
  }

  private check(dir: string, path: string): boolean {
    const known = this.folders.get(dir)
    if (known !== undefined) return known
    if (!isStrictlyInside(this.root, dir)) return true // the root itself
    const parentExists = this.check(dirname(dir), path)
    let exists = false
    if (parentExists) {
      let stats: ReturnType<typeof lstatSync>
      try {
        stats = lstatSync(dir, { throwIfNoEntry: false })
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error
        stats = undefined
      }
      if (stats?.isSymbolicLink()) resolveInside(this.root, path)
      else if (stats && !stats.isDirectory()) {
        throw new ConflictingDefinitionError(
          `Cannot place '${path}': '${relative(this.root, dir)}' is a file, not a folder`,
        )
      }
      exists = stats !== undefined
    }
    this.folders.set(dir, exists)
    return exists
  }
}

/**
 * Places every file: folders first, then copies in atomic batches, then links, then moves (last,
 * and moved back on undo, so a failure never loses a source file). On failure everything placed is
 * undone at once; otherwise `undo` knows how to undo it all.
 */
export async function transferFiles(
  items: readonly TransferItem[],
  folders: TargetFolders,
  options: TransferOptions,
  undo: UndoLog,
): Promise<void> {
  const placed: Placed[] = []
  const made: string[] = []
  const reverse = () => {
    while (placed.length > 0) {
      const p = placed.pop()!
      try {
        undoPlaced(p)
      } catch {
        // Best effort for this file; carry on with the others (`butler verify` finds leftovers).
      }
    }
    for (const dir of made.reverse()) {
      try {
        rmdirSync(dir)
      } catch {
        // Not empty (files of other datasets) or already gone.
      }
    }
    made.length = 0
  }
  undo.push(reverse)
  try {
    // Parents come first, so each folder is one plain mkdir.
    for (const dir of folders.newFolders()) {
      try {
        mkdirSync(dir)
        made.push(dir)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'ENOENT')
          mkdirSync(dir, { recursive: true }) // the root itself is missing
        else if (code !== 'EEXIST') throw error // EEXIST: made meanwhile by someone else
      }
    }
    const copies = items.filter((i) => i.transfer === 'copy')
    for (let start = 0; start < copies.length; start += COPY_BATCH) {
      const batch = copies.slice(start, start + COPY_BATCH)
      await copyFilesAtomic(batch, { fsync: options.fsync, concurrency: options.concurrency })
      for (const item of batch) placed.push({ transfer: 'copy', source: item.source, target: item.target })
      options.onProgress?.(batch.length)
    }
    let pending = 0
    for (const transfer of ['link', 'hardlink', 'symlink', 'relsymlink', 'move'] as const) {
      for (const item of items) {
        if (item.transfer !== transfer) continue
        placed.push({
          transfer: placeOne(transfer, item.source, item.target, options.fsync),
          source: item.source,
          target: item.target,
        })
        if (++pending === 256) {
          options.onProgress?.(pending)
          pending = 0
        }
      }
    }
    if (pending > 0) options.onProgress?.(pending)
  } catch (error) {
    // Undo now, so the caller's rollback finds nothing left to do.
    reverse()
    throw error
  }
}

/** What was done to one file, so it can be undone. */
interface Placed {
  readonly transfer: FileTransfer
  readonly source: string
  readonly target: string
}

/** Transfers one file and returns what was really done (`link` becomes a hard or symbolic link). */
function placeOne(transfer: FileTransfer, source: string, target: string, fsync: boolean): FileTransfer {
  try {
    switch (transfer) {
      case 'hardlink':
        linkSync(source, target)
        return 'hardlink'
      case 'link':
        try {
          linkSync(source, target)
          return 'hardlink'
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code
          if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP') throw error
          symlinkSync(source, target)
          return 'symlink'
        }
      case 'symlink':
        symlinkSync(source, target)
        return 'symlink'
      case 'relsymlink':
        symlinkSync(relative(dirname(target), source), target)
        return 'relsymlink'
      case 'move':
        moveFile(source, target, fsync)
        return 'move'
      default:
        throw new ButlerError(`Transfer mode '${transfer}' places no file`)
    }
  } catch (error) {
    if (error instanceof ButlerError) throw error
    throw new ButlerError(
      `Could not ${transfer} '${source}' into the datastore: ${(error as Error).message}`,
      {
        cause: error,
      },
    )
  }
}

/** Renames a file; across filesystems, copies it (durably) and then removes the source. */
function moveFile(source: string, target: string, fsync: boolean): void {
  try {
    renameSync(source, target)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error
    copyAcross(source, target, fsync)
    unlinkSync(source)
  }
}

/** Copies a file to a new name on another filesystem (moves across devices are rare: synchronous). */
function copyAcross(source: string, target: string, fsync: boolean): void {
  copyFileSync(source, target, fsConstants.COPYFILE_EXCL)
  if (!fsync) return
  const fd = openSync(target, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Reverses one transfer: removes the placed file, or moves it back to where it came from. */
function undoPlaced(p: Placed): void {
  if (p.transfer === 'move') {
    try {
      renameSync(p.target, p.source)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error
      copyAcross(p.target, p.source, true)
      unlinkSync(p.target)
    }
    return
  }
  try {
    unlinkSync(p.target)
  } catch {
    // Already gone.
  }
}
