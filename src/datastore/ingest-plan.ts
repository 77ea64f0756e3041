/**
 * What ingest decides the same way in every datastore, whether files are placed under a local root or
 * uploaded to an object store: the checks of the request, the formatter of each file, distinct
 * destinations, the checksums to record, and the records of ingested files and of zips ingested whole.
 */
import { basename, extname } from 'node:path'
import type { DatasetRef } from '../datasets/dataset-ref.js'
import type { StorageClassFactory, StorageClassType } from '../datasets/storage-class.js'
import type { DatastoreBridge, StoredFileInfo } from '../datasets/stored-file-info.js'
import { ButlerError, ConflictingDefinitionError, FormatterError, InputError } from '../errors.js'
import type { Formatter } from '../formatters/formatter.js'
import type { FormatterFactory } from '../formatters/formatter-factory.js'
import type { FileDataset, IngestOptions, ZipDataset } from './datastore.js'
import { type ChecksumAlgorithm, checksumFile } from './file/atomic-write.js'
import { zipMemberPath } from './file/zip-member.js'

/** What planning an ingest needs from the datastore it fills. */
export interface IngestPlanHost {
  readonly name: string
  readonly bridge: DatastoreBridge
  readonly formatters: FormatterFactory
  readonly storageClasses: StorageClassFactory
  /** Checksum algorithm of new records, or undefined when checksums are off. */
  readonly checksum: ChecksumAlgorithm | undefined
  readonly concurrency: number
  /** Template path (no extension) and configured formatter of a dataset. */
  locate(ref: DatasetRef): { readonly path: string; readonly formatter: Formatter }
}

/** One file of an ingest once planned: what its records say. */
export interface PlannedIngest {
  /** Absolute local path of the file. */
  readonly source: string
  readonly size: number
  /** The recorded path. */
  readonly path: string
  readonly formatter: Formatter
  readonly refs: readonly DatasetRef[]
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

/** Refuses datasets given twice or already stored (or awaiting deletion) in the datastore. */
export async function checkNotStored(
  host: Pick<IngestPlanHost, 'bridge' | 'name'>,
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

/** Throws an `InputError` when a file to move is listed twice (it can only be moved once). */
export function checkMovedOnce(sources: readonly { readonly path: string }[]): void {
  const seen = new Set<string>()
  const twice = sources.find((s) => seen.has(s.path) || !seen.add(s.path))
  if (twice) {
    throw new InputError(
      `File '${twice.path}' is listed twice; a file is moved once (give all its datasets in one entry)`,
    )
  }
}

/**
 * The formatter and templated path of each file of one ingest; a formatter is chosen once per
 * configured formatter, storage class, extension and given formatter.
 */
export class IngestFormats {
  readonly #host: Pick<IngestPlanHost, 'formatters' | 'storageClasses' | 'locate'>
  readonly #chosen = new Map<string, Formatter>()

  constructor(host: Pick<IngestPlanHost, 'formatters' | 'storageClasses' | 'locate'>) {
    this.#host = host
  }

  /**
   * The formatter of `file` (whose local path is `source`), and the path the file template gives it
   * with the extension it keeps (`FormatterError` when no formatter reads it).
   */
  of(file: FileDataset, source: string): { readonly formatter: Formatter; readonly path: string } {
    const ref = file.refs[0]!
    const ext = ingestExtension(source)
    const located = this.#host.locate(ref)
    const key = `${located.formatter.name}\0${ref.datasetType.storageClassName}\0${ext}\0${file.formatter ?? ''}`
    let formatter = this.#chosen.get(key)
    if (!formatter) {
      formatter = chooseFormatter(this.#host, ref, ext, located.formatter, file.formatter)
      this.#chosen.set(key, formatter)
    }
    return { formatter, path: located.path + ext }
  }
}

/** The formatter of an ingested file: the given one, else one that reads its extension. */
export function chooseFormatter(
  host: Pick<IngestPlanHost, 'formatters' | 'storageClasses'>,
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

/**
 * Notes that a file of this ingest goes to `destination` (shown as `path`); a
 * `ConflictingDefinitionError` when another file of it already goes there.
 */
export function claimDestination(seen: Set<string>, destination: string, path: string): void {
  if (seen.has(destination)) {
    throw new ConflictingDefinitionError(
      `Two files of this ingest would go to the same path '${path}'; the file template does not give unique paths`,
    )
  }
  seen.add(destination)
}

/** The error of a destination already taken by a file (or object) before the ingest. */
export function destinationTaken(path: string): ConflictingDefinitionError {
  return new ConflictingDefinitionError(
    `File '${path}' already exists in the datastore; nothing was ingested`,
  )
}

/**
 * The checksum to record of each planned file (computed before the file is moved away): none
 * without validation info, else the one given in `options`, else one computed when the datastore
 * records checksums.
 */
export async function ingestChecksums(
  host: Pick<IngestPlanHost, 'checksum'>,
  planned: readonly PlannedIngest[],
  options: IngestOptions,
): Promise<(string | null)[]> {
  if (!(options.recordValidationInfo ?? true)) return planned.map(() => null)
  const algorithm = host.checksum
  const out: (string | null)[] = []
  for (const [i, p] of planned.entries()) {
    const given = options.checksums?.[i]
    if (given !== undefined) out.push(given)
    else out.push(algorithm ? await checksumFile(p.source, algorithm, p.size) : null)
  }
  return out
}

/** Inserts one record per dataset of each ingested file (size -1 without validation info). */
export async function insertIngestRecords(
  host: Pick<IngestPlanHost, 'bridge' | 'name'>,
  planned: readonly PlannedIngest[],
  checksums: readonly (string | null)[],
  options: IngestOptions,
): Promise<void> {
  const recordInfo = options.recordValidationInfo ?? true
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
        fileSize: recordInfo ? p.size : -1,
      })
    }
  })
  await host.bridge.insertRecords(host.name, records)
}

/**
 * Whether a zip already stored at `recorded` (with `members`, undefined when nothing is there) is
 * used by recorded datasets: it is then shared, not stored again (the same name means the same
 * members). A stored zip no dataset uses is a leftover, a `ConflictingDefinitionError` naming it as
 * `leftover` ('A file', 'An object'), since replacing it could not be undone.
 */
export async function storedZipInUse(
  bridge: DatastoreBridge,
  recorded: string,
  members: readonly string[] | undefined,
  leftover: string,
): Promise<boolean> {
  if (members === undefined) return false
  const used = await bridge.pathsInUse(members.map((m) => zipMemberPath(recorded, m)))
  if (used.size > 0) return true
  throw new ConflictingDefinitionError(
    `${leftover} no dataset uses is already at ${recorded}; remove it (butler verify --repair) and try again`,
  )
}

/** Inserts one record per dataset of a zip ingested whole, pointing at its member of the zip at `recorded`. */
export async function insertZipRecords(
  host: Pick<IngestPlanHost, 'bridge' | 'name'>,
  zip: ZipDataset,
  recorded: string,
): Promise<void> {
  const records: StoredFileInfo[] = []
  for (const m of zip.members) {
    for (const ref of m.refs) {
      records.push({
        datasetId: ref.id,
        component: '',
        path: zipMemberPath(recorded, m.member),
        formatter: m.formatter,
        storageClass: m.storageClass,
        checksum: m.checksum,
        fileSize: m.fileSize,
      })
    }
  }
  await host.bridge.insertRecords(host.name, records)
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
