/**
 * Ingest of existing files into a file datastore: each file's transfer mode, destination and
 * formatter are worked out and checked before the first file is touched; then the files are
 * transferred (undoably) and their records inserted in the registry transaction in progress.
 */
import type { Stats } from 'node:fs'
import { lstatSync, realpathSync, statSync } from 'node:fs'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { InputError } from '../../errors.js'
import type { UndoLog } from '../../internal/undo-log.js'
import type { FileDataset, IngestOptions, TransferMode } from '../datastore.js'
import {
  checkMovedOnce,
  checkNotStored,
  checkOptionLengths,
  claimDestination,
  destinationTaken,
  IngestFormats,
  type IngestPlanHost,
  ingestChecksums,
  insertIngestRecords,
  type PlannedIngest,
} from '../ingest-plan.js'
import { type FileTransfer, TargetFolders, transferFiles } from './ingest-transfer.js'
import { isStrictlyInside } from './safe-path.js'

/** What ingest needs from the datastore it fills. */
export interface IngestHost extends IngestPlanHost {
  readonly root: string
  readonly fsync: boolean
}

interface PlannedFile extends PlannedIngest {
  readonly transfer: FileTransfer
  /** The recorded path: datastore-relative, or a `file://` URI for files left outside (`direct`). */
  readonly path: string
  /** Absolute destination of a transferred file. */
  readonly target: string | undefined
}

/** How many missing files an error message names before summarising. */
const NAMED_IN_ERRORS = 5

/**
 * Ingests `files` as `host`'s artifacts; see `Datastore.ingest`. Every check (sources exist, refs
 * not stored yet, formatters read the extensions, destinations free and inside the root) runs
 * before any file is touched; files placed are undone by `undo` (moved files go back).
 */
export async function ingestFiles(
  host: IngestHost,
  files: readonly FileDataset[],
  options: IngestOptions,
  undo: UndoLog,
): Promise<void> {
  if (files.length === 0) return
  checkOptionLengths(files, options)
  const root = resolve(host.root)
  const realRoot = realpathOrUndefined(root)
  const sources = statSources(files)
  const transfers = chooseTransfers(options.transfer ?? 'auto', sources, root, realRoot)
  await checkNotStored(host, files)
  const folders = new TargetFolders(root)
  const planned = planFiles(host, files, sources, transfers, options, folders, realRoot)
  checkDestinations(planned, folders)
  const checksums = await ingestChecksums(host, planned, options)
  const untouched = planned.length - planned.filter((p) => p.target !== undefined).length
  if (untouched > 0) options.onProgress?.(untouched)
  await transferFiles(
    planned.flatMap((p) =>
      p.target === undefined
        ? []
        : [{ transfer: p.transfer, source: p.source, target: p.target, size: p.size }],
    ),
    folders,
    { fsync: host.fsync, concurrency: host.concurrency, onProgress: options.onProgress },
    undo,
  )
  await insertIngestRecords(host, planned, checksums, options)
}

/** Local path of a file given as an absolute or relative path, or as a `file://` URI. */
export function localPathOf(pathOrUri: string): string {
  if (/^file:/i.test(pathOrUri)) {
    try {
      return fileURLToPath(pathOrUri)
    } catch (cause) {
      throw new InputError(`'${pathOrUri}' is not a valid file URI`, { cause })
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(pathOrUri)) {
    throw new InputError(`Cannot ingest '${pathOrUri}': only local files and file:// URIs are supported`)
  }
  return resolve(pathOrUri)
}

/** Stats every source file; missing ones (or folders) are one user error naming them. */
export function statSources(files: readonly FileDataset[]): { path: string; stats: Stats }[] {
  const missing: string[] = []
  const out = files.map((f) => {
    const path = localPathOf(f.path)
    const stats = statSync(path, { throwIfNoEntry: false })
    if (!stats) missing.push(f.path)
    else if (!stats.isFile()) throw new InputError(`Cannot ingest '${f.path}': it is not a regular file`)
    return { path, stats: stats as Stats }
  })
  if (missing.length > 0) {
    const named = missing.slice(0, NAMED_IN_ERRORS).map((m) => `'${m}'`)
    const more = missing.length > NAMED_IN_ERRORS ? ` and ${missing.length - NAMED_IN_ERRORS} more` : ''
    throw new InputError(
      `File${missing.length > 1 ? 's' : ''} to ingest not found: ${named.join(', ')}${more}; nothing was ingested`,
    )
  }
  return out
}

/** The datastore-relative path of a file inside the root, or undefined when it is outside. */
function insideRoot(file: string, root: string, realRoot: string | undefined): string | undefined {
  // Both are normalised absolute paths (from `resolve`), so a prefix test is exact.
  if (file.startsWith(root + sep) && file.length > root.length + 1)
    return toPosix(file.slice(root.length + 1))
  // Only a root reached through a symlink needs each file's real path (one system call per file).
  if (realRoot === undefined || realRoot === root) return undefined
  const real = realpathOrUndefined(file)
  if (real !== undefined && isStrictlyInside(realRoot, real)) return toPosix(relative(realRoot, real))
  return undefined
}

/** Resolves `auto` and `split` to what happens to each file (the reference's rules). */
function chooseTransfers(
  mode: TransferMode,
  sources: readonly { path: string }[],
  root: string,
  realRoot: string | undefined,
): FileTransfer[] {
  const inside = sources.map((s) => insideRoot(s.path, root, realRoot) !== undefined)
  if (mode === 'auto') {
    if (inside.every(Boolean)) return inside.map(() => 'none')
    if (!inside.some(Boolean)) return inside.map(() => 'link')
    mode = 'split'
  }
  if (mode === 'split') return inside.map((i) => (i ? 'none' : 'direct'))
  if (mode === 'none') {
    const outside = sources.findIndex((_, i) => !inside[i])
    if (outside >= 0) {
      throw new InputError(
        `File '${sources[outside]!.path}' is outside the datastore root; transfer mode 'none' takes files already inside it`,
      )
    }
  } else if (mode !== 'direct') {
    const within = sources.findIndex((_, i) => inside[i])
    // Transferring a file of the root onto another path of the root would make two owners of one file.
    if (within >= 0 && mode !== 'copy' && mode !== 'move') {
      throw new InputError(
        `File '${sources[within]!.path}' is already inside the datastore root; ingest it with transfer 'none' (or 'auto')`,
      )
    }
  }
  if (mode === 'move') checkMovedOnce(sources)
  return sources.map(() => mode as FileTransfer)
}

function planFiles(
  host: IngestHost,
  files: readonly FileDataset[],
  sources: readonly { path: string; stats: Stats }[],
  transfers: readonly FileTransfer[],
  options: IngestOptions,
  folders: TargetFolders,
  realRoot: string | undefined,
): PlannedFile[] {
  const formats = new IngestFormats(host)
  return files.map((file, i) => {
    const source = sources[i]!
    const transfer = transfers[i]!
    const { formatter, path: templated } = formats.of(file, source.path)
    let path: string
    let target: string | undefined
    if (transfer === 'none') {
      path = insideRoot(source.path, folders.root, realRoot)!
    } else if (transfer === 'direct') {
      path = pathToFileURL(source.path).href
    } else {
      path = options.targetPaths?.[i] ?? templated
      target = folders.target(path)
    }
    return {
      source: source.path,
      size: source.stats.size,
      transfer,
      path,
      target,
      formatter,
      refs: file.refs,
    }
  })
}

/** Destinations must be distinct and free (a file in a folder this ingest creates is free). */
function checkDestinations(planned: readonly PlannedFile[], folders: TargetFolders): void {
  const seen = new Set<string>()
  for (const p of planned) {
    if (p.target === undefined) continue
    claimDestination(seen, p.target, p.path)
    if (!folders.isNew(p.target) && existsQuietly(p.target)) throw destinationTaken(p.path)
  }
}

/** Whether something is at `path`; a regular file in the way of its folder counts as something. */
function existsQuietly(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return true
    throw error
  }
}

function realpathOrUndefined(p: string): string | undefined {
  try {
    return realpathSync(p)
  } catch {
    return undefined
  }
}

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/')
}

/** Whether a recorded path is an absolute URI or path (a file the butler does not own). */
export function isAbsoluteRecordPath(path: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(path) || isAbsolute(path)
}
