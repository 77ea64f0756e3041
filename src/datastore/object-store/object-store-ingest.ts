/**
 * Ingest of local files (and of zips of artifacts) into an object-store datastore: every check
 * (sources exist, datasets not stored yet, formatters read the extensions, destinations free) runs
 * before the first upload; uploads are undone by deleting the objects, moves by restoring the files.
 */
import { unlink } from 'node:fs/promises'
import type { DatasetRef } from '../../datasets/dataset-ref.js'
import type { StorageClassFactory } from '../../datasets/storage-class.js'
import type { DatastoreBridge, StoredFileInfo } from '../../datasets/stored-file-info.js'
import { ConflictingDefinitionError, InputError } from '../../errors.js'
import type { Formatter } from '../../formatters/formatter.js'
import type { FormatterFactory } from '../../formatters/formatter-factory.js'
import type { UndoLog } from '../../internal/undo-log.js'
import type { FileDataset, IngestOptions, TransferMode, ZipDataset } from '../datastore.js'
import { type ChecksumAlgorithm, checksumFile } from '../file/atomic-write.js'
import {
  checkNotStored,
  checkOptionLengths,
  chooseFormatter,
  ingestExtension,
  statSources,
} from '../file/ingest.js'
import { storedZipPath } from '../file/zip-ingest.js'
import { zipMemberPath } from '../file/zip-member.js'

/** Transfer modes an object store takes files with (`auto` is `copy`). */
export const OBJECT_STORE_TRANSFERS: readonly TransferMode[] = ['auto', 'copy', 'move']

/** What ingest needs from the object-store datastore it fills. */
export interface ObjectStoreIngestHost {
  readonly name: string
  readonly bridge: DatastoreBridge
  readonly formatters: FormatterFactory
  readonly storageClasses: StorageClassFactory
  /** Checksum algorithm of new records, or undefined when checksums are off. */
  readonly checksum: ChecksumAlgorithm | undefined
  readonly concurrency: number
  /** Template path (no extension) and configured formatter of a dataset. */
  locate(ref: DatasetRef): { readonly path: string; readonly formatter: Formatter }
  /** Object key of a datastore-relative path (throws `PathEscapeError` for paths leaving the root). */
  keyOf(path: string): string
  /** Whether an object is at a key. */
  exists(key: string): Promise<boolean>
  /** Uploads a local file to a key (multipart when big). */
  upload(key: string, file: string, size: number): Promise<void>
  /** Downloads an object to a local file (to restore moved files on rollback). */
  download(key: string, file: string): Promise<void>
  /** Deletes objects (best effort on rollback). */
  remove(keys: readonly string[]): Promise<void>
  /** Member names of a stored zip (datastore-relative path), or undefined when it is not there. */
  zipMembers(path: string): Promise<string[] | undefined>
}

interface PlannedUpload {
  readonly source: string
  readonly size: number
  readonly path: string
  readonly key: string
  readonly formatter: Formatter
  readonly refs: readonly DatasetRef[]
}

/** Throws an `InputError` naming the mode unless an object store can take files that way. */
export function checkObjectStoreTransfer(mode: TransferMode, datastore: string): void {
  if (!OBJECT_STORE_TRANSFERS.includes(mode)) {
    throw new InputError(
      `Transfer mode '${mode}' cannot put files into an object store (${datastore}): files are uploaded, with copy (or auto) or move`,
    )
  }
}

/** Ingests local files as `host`'s artifacts (see `Datastore.ingest`). */
export async function ingestIntoObjectStore(
  host: ObjectStoreIngestHost,
  files: readonly FileDataset[],
  options: IngestOptions,
  undo: UndoLog,
): Promise<void> {
  if (files.length === 0) return
  const mode = options.transfer ?? 'auto'
  checkObjectStoreTransfer(mode, host.name)
  checkOptionLengths(files, options)
  const sources = statSources(files)
  if (mode === 'move') {
    const seen = new Set<string>()
    const twice = sources.find((s) => seen.has(s.path) || !seen.add(s.path))
    if (twice) {
      throw new InputError(
        `File '${twice.path}' is listed twice; a file is moved once (give all its datasets in one entry)`,
      )
    }
  }
  await checkNotStored(host, files)
  const chosen = new Map<string, Formatter>()
  const planned: PlannedUpload[] = files.map((file, i) => {
    const source = sources[i]!
    const ref = file.refs[0]!
    const ext = ingestExtension(source.path)
    const located = host.locate(ref)
    const cacheKey = `${located.formatter.name}\0${ref.datasetType.storageClassName}\0${ext}\0${file.formatter ?? ''}`
    let formatter = chosen.get(cacheKey)
    if (!formatter) {
      formatter = chooseFormatter(host, ref, ext, located.formatter, file.formatter)
      chosen.set(cacheKey, formatter)
    }
    const path = options.targetPaths?.[i] ?? located.path + ext
    return {
      source: source.path,
      size: source.stats.size,
      path,
      key: host.keyOf(path),
      formatter,
      refs: file.refs,
    }
  })
  await checkDestinations(host, planned)
  const recordInfo = options.recordValidationInfo ?? true
  const checksums: (string | null)[] = []
  for (const [i, p] of planned.entries()) {
    const given = options.checksums?.[i]
    if (!recordInfo) checksums.push(null)
    else if (given !== undefined) checksums.push(given)
    else checksums.push(host.checksum ? await checksumFile(p.source, host.checksum, p.size) : null)
  }
  const uploaded: string[] = []
  undo.push(() => host.remove(uploaded))
  await forEachLimited(planned, host.concurrency, async (p) => {
    await host.upload(p.key, p.source, p.size)
    uploaded.push(p.key)
    options.onProgress?.(1)
  })
  if (mode === 'move')
    await removeSources(
      host,
      planned.map((p) => ({ source: p.source, key: p.key })),
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
        checksum: checksums[i] ?? null,
        fileSize: recordInfo ? p.size : -1,
      })
    }
  })
  await host.bridge.insertRecords(host.name, records)
}

/**
 * Uploads a zip of artifacts whole to `zips/<first 4 chars>/<name>` and records each dataset as its
 * member. A zip of that name already used by recorded datasets is shared (same name, same members);
 * one that no dataset uses is a leftover, which is an error (replacing it could not be undone).
 */
export async function ingestZipIntoObjectStore(
  host: ObjectStoreIngestHost,
  zip: ZipDataset,
  transfer: TransferMode,
  undo: UndoLog,
): Promise<void> {
  checkObjectStoreTransfer(transfer, host.name)
  const [source] = statSources([{ path: zip.path, refs: zip.members[0]?.refs ?? [] }])
  const recorded = storedZipPath(zip.name)
  const key = host.keyOf(recorded)
  const members = await host.zipMembers(recorded)
  let shared = false
  if (members !== undefined) {
    const used = await host.bridge.pathsInUse(members.map((m) => zipMemberPath(recorded, m)))
    if (used.size === 0) {
      throw new ConflictingDefinitionError(
        `An object no dataset uses is already at ${recorded}; remove it (butler verify --repair) and try again`,
      )
    }
    shared = true
  }
  if (!shared) {
    await host.upload(key, source!.path, source!.stats.size)
    undo.push(() => host.remove([key]))
    if (transfer === 'move') await removeSources(host, [{ source: source!.path, key }], undo)
  }
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

/** Distinct destinations, none already holding an object. */
async function checkDestinations(
  host: ObjectStoreIngestHost,
  planned: readonly PlannedUpload[],
): Promise<void> {
  const seen = new Set<string>()
  for (const p of planned) {
    if (seen.has(p.key)) {
      throw new ConflictingDefinitionError(
        `Two files of this ingest would go to the same path '${p.path}'; the file template does not give unique paths`,
      )
    }
    seen.add(p.key)
  }
  const taken: string[] = []
  await forEachLimited(planned, host.concurrency, async (p) => {
    if (await host.exists(p.key)) taken.push(p.path)
  })
  if (taken.length > 0) {
    throw new ConflictingDefinitionError(
      `File '${taken[0]}' already exists in the datastore; nothing was ingested`,
    )
  }
}

/** Deletes moved sources once they are uploaded; a rollback downloads them back first. */
async function removeSources(
  host: ObjectStoreIngestHost,
  moved: readonly { source: string; key: string }[],
  undo: UndoLog,
): Promise<void> {
  for (const m of moved) {
    await unlink(m.source)
    undo.push(() => host.download(m.key, m.source))
  }
}

/** Runs `fn` over items with at most `limit` at once; the first failure is rethrown after all settle. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0
  let failure: { error: unknown } | undefined
  const worker = async () => {
    while (next < items.length && !failure) {
      const i = next++
      try {
        await fn(items[i]!, i)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  if (failure) throw failure.error
}
