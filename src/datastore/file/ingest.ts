/**
 * Ingest of existing files into a file datastore: each file's transfer mode, destination and
 * formatter are worked out and checked before the first file is touched; then the files are
 * transferred (undoably) and their records inserted in the registry transaction in progress.
 */
import type { Stats } from 'node:fs'
import { lstatSync, realpathSync, statSync } from 'node:fs'
import { basename, extname, isAbsolute, relative, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { DatasetRef } from '../../datasets/dataset-ref.js'
import type { StorageClassFactory, StorageClassType } from '../../datasets/storage-class.js'
import type { DatastoreBridge, StoredFileInfo } from '../../datasets/stored-file-info.js'
import { ButlerError, ConflictingDefinitionError, FormatterError, InputError } from '../../errors.js'
import type { Formatter } from '../../formatters/formatter.js'
import type { FormatterFactory } from '../../formatters/formatter-factory.js'
import type { UndoLog } from '../../internal/undo-log.js'
import type { FileDataset, IngestOptions, TransferMode } from '../datastore.js'
import { type ChecksumAlgorithm, checksumFile } from './atomic-write.js'
import { type FileTransfer, TargetFolders, transferFiles } from './ingest-transfer.js'
import { isStrictlyInside } from './safe-path.js'

/** What ingest needs from the datastore it fills. */
export interface IngestHost {
  readonly root: string
  readonly name: string
  readonly bridge: DatastoreBridge
  readonly formatters: FormatterFactory
  readonly storageClasses: StorageClassFactory
  /** Checksum algorithm of new records, or undefined when checksums are off. */
  readonly checksum: ChecksumAlgorithm | undefined
  readonly fsync: boolean
  readonly concurrency: number
  /** Template path (no extension) and configured formatter of a dataset. */
  locate(ref: DatasetRef): { readonly path: string; readonly formatter: Formatter }
}

interface PlannedFile {
  readonly source: string
  readonly stats: Stats
  readonly transfer: FileTransfer
  /** The recorded path: datastore-relative, or a `file://` URI for files left outside (`direct`). */
  readonly path: string
  /** Absolute destination of a transferred file. */
  readonly target: string | undefined
  readonly formatter: Formatter
  readonly refs: readonly DatasetRef[]
  readonly checksum: string | null | undefined
}

/** Storage class types the built-in formatters read; plug-in formatters are matched by extension only. */
const READABLE_TYPES: Readonly<Record<string, readonly StorageClassType[]>> = {
  JsonFormatter: ['object', 'array', 'string', 'integer', 'number'],
  YamlFormatter: ['object', 'array', 'string', 'integer', 'number'],
  TextFormatter: ['string'],
  BytesFormatter: ['bytes'],
  NpyFormatter: ['ndarray'],
  ParquetFormatter: ['arrow-table'],
}

/** Compression suffixes that belong to the extension before them (`.fits.gz`). */
const COMPRESSION_EXTENSIONS = new Set(['.gz', '.bz2', '.xz', '.zst', '.fz'])

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
  const recordInfo = options.recordValidationInfo ?? true
  const checksums = await computeChecksums(host, planned, recordInfo)
  const untouched = planned.length - planned.filter((p) => p.target !== undefined).length
  if (untouched > 0) options.onProgress?.(untouched)
  await transferFiles(
    planned.flatMap((p) =>
      p.target === undefined
        ? []
        : [{ transfer: p.transfer, source: p.source, target: p.target, size: p.stats.size }],
    ),
    folders,
    { fsync: host.fsync, concurrency: host.concurrency, onProgress: options.onProgress },
    undo,
  )
  const records: StoredFileInfo[] = []
  planned.forEach((p, i) => {
    for (const ref of p.refs) {
      records.push({
        datasetId: ref.id,
        component: '',
        path: p.path,
        formatter: p.formatter.name,
        storageClass: ref.datasetType.storageClassName,
        checksum: recordInfo ? (checksums[i] ?? null) : null,
        fileSize: recordInfo ? p.stats.size : -1,
      })
    }
  })
  await host.bridge.insertRecords(host.name, records)
}

/** The extension a file keeps when ingested: its last one, or the last two for compressed files. */
export function ingestExtension(file: string): string {
  const name = basename(file)
  const last = extname(name)
  if (COMPRESSION_EXTENSIONS.has(last.toLowerCase())) {
    const before = extname(name.slice(0, -last.length))
    if (before !== '') return before + last
  }
  return last
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

/** Checks that per-file ingest options have one entry per file and every file has datasets. */
export function checkOptionLengths(files: readonly FileDataset[], options: IngestOptions): void {
  for (const key of ['targetPaths', 'checksums'] as const) {
    const list = options[key]
    if (list && list.length !== files.length) {
      throw new ButlerError(`Ingest option ${key} has ${list.length} entries for ${files.length} files`)
    }
  }
  files.forEach((f) => {
    if (f.refs.length === 0) throw new InputError(`File '${f.path}' is given without any dataset`)
  })
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
  if (mode === 'move') {
    const seen = new Set<string>()
    const twice = sources.find((s) => seen.has(s.path) || !seen.add(s.path))
    if (twice) {
      throw new InputError(
        `File '${twice.path}' is listed twice; a file is moved once (give all its datasets in one entry)`,
      )
    }
  }
  return sources.map(() => mode as FileTransfer)
}

/** Refuses datasets given twice or already stored (or awaiting deletion) in the datastore. */
export async function checkNotStored(
  host: Pick<IngestHost, 'bridge' | 'name'>,
  files: readonly FileDataset[],
): Promise<void> {
  const ids = files.flatMap((f) => f.refs.map((r) => r.id))
  if (new Set(ids).size !== ids.length) {
    const seen = new Set<string>()
    const dup = ids.find((id) => seen.has(id) || !seen.add(id))
    throw new ConflictingDefinitionError(`Dataset ${dup} is given twice in one ingest`)
  }
  // Records, not locations: a dataset whose artifact awaits deletion still has its record.
  const recorded = await host.bridge.fetchRecords(ids)
  if (recorded.size > 0) {
    const ref = files.flatMap((f) => f.refs).find((r) => recorded.has(r.id))!
    const known = await host.bridge.knownIds(host.name, [ref.id])
    throw new ConflictingDefinitionError(
      known.size > 0
        ? `Dataset ${ref} is already stored in this datastore`
        : `Dataset ${ref} has an artifact awaiting deletion; empty the trash first`,
    )
  }
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
  const chosen = new Map<string, Formatter>()
  return files.map((file, i) => {
    const source = sources[i]!
    const transfer = transfers[i]!
    const ref = file.refs[0]!
    const ext = ingestExtension(source.path)
    const located = host.locate(ref)
    const key = `${located.formatter.name}\0${ref.datasetType.storageClassName}\0${ext}\0${file.formatter ?? ''}`
    let formatter = chosen.get(key)
    if (!formatter) {
      formatter = chooseFormatter(host, ref, ext, located.formatter, file.formatter)
      chosen.set(key, formatter)
    }
    let path: string
    let target: string | undefined
    if (transfer === 'none') {
      path = insideRoot(source.path, folders.root, realRoot)!
    } else if (transfer === 'direct') {
      path = pathToFileURL(source.path).href
    } else {
      path = options.targetPaths?.[i] ?? located.path + ext
      target = folders.target(path)
    }
    return {
      source: source.path,
      stats: source.stats,
      transfer,
      path,
      target,
      formatter,
      refs: file.refs,
      checksum: options.checksums?.[i],
    }
  })
}

/** The formatter of an ingested file: the given one, else one that reads its extension. */
export function chooseFormatter(
  host: Pick<IngestHost, 'formatters' | 'storageClasses'>,
  ref: DatasetRef,
  ext: string,
  configured: Formatter,
  given: string | undefined,
): Formatter {
  const sc = host.storageClasses.get(ref.datasetType.storageClassName)
  const what = `'${ext || '(no extension)'}' files of dataset type '${ref.datasetType.name}' (storage class ${sc.name})`
  if (given !== undefined) {
    const formatter = host.formatters.getByName(given)
    if (!readsType(formatter, sc.type)) {
      throw new FormatterError(
        `Formatter ${formatter.name} cannot read storage class ${sc.name} (${sc.type})`,
      )
    }
    if (!readsExtension(formatter, ext)) {
      throw new FormatterError(
        `Formatter ${formatter.name} cannot read ${what}; it reads ${formatter.supportedExtensions.join(', ')}`,
      )
    }
    return formatter
  }
  if (readsExtension(configured, ext)) return configured
  for (const name of host.formatters.names()) {
    const formatter = host.formatters.getByName(name)
    if (READABLE_TYPES[name]?.includes(sc.type) && readsExtension(formatter, ext)) return formatter
  }
  throw new FormatterError(
    `No formatter reads ${what}; the configured ${configured.name} reads ${configured.supportedExtensions.join(', ')} (give a formatter, or rename the files)`,
  )
}

function readsType(formatter: Formatter, type: StorageClassType): boolean {
  const types = READABLE_TYPES[formatter.name]
  return types === undefined || types.includes(type)
}

/** Whether a formatter reads files with this extension; raw bytes are readable whatever their name. */
function readsExtension(formatter: Formatter, ext: string): boolean {
  if (formatter.name === 'BytesFormatter') return true
  const lower = ext.toLowerCase()
  return formatter.supportedExtensions.some((e) => e.toLowerCase() === lower)
}

/** Destinations must be distinct and free (a file in a folder this ingest creates is free). */
function checkDestinations(planned: readonly PlannedFile[], folders: TargetFolders): void {
  const seen = new Set<string>()
  for (const p of planned) {
    if (p.target === undefined) continue
    if (seen.has(p.target)) {
      throw new ConflictingDefinitionError(
        `Two files of this ingest would go to the same path '${p.path}'; the file template does not give unique paths`,
      )
    }
    seen.add(p.target)
    if (!folders.isNew(p.target) && existsQuietly(p.target)) {
      throw new ConflictingDefinitionError(
        `File '${p.path}' already exists in the datastore; nothing was ingested`,
      )
    }
  }
}

async function computeChecksums(
  host: IngestHost,
  planned: readonly PlannedFile[],
  recordInfo: boolean,
): Promise<(string | null | undefined)[]> {
  if (!recordInfo) return planned.map(() => null)
  const algorithm = host.checksum
  const out: (string | null | undefined)[] = []
  for (const p of planned) {
    if (p.checksum !== undefined) out.push(p.checksum)
    else out.push(algorithm ? await checksumFile(p.source, algorithm, p.stats.size) : null)
  }
  return out
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
