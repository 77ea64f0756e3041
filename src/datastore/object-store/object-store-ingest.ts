/**
 * Ingest of local files (and of zips of artifacts) into an object-store datastore: every check
 * (sources exist, datasets not stored yet, formatters read the extensions, destinations free) runs
 * before the first upload; uploads are undone by deleting the objects, moves by restoring the files.
 */
import { unlink } from 'node:fs/promises'
import { InputError } from '../../errors.js'
import type { UndoLog } from '../../internal/undo-log.js'
import type { FileDataset, IngestOptions, TransferMode, ZipDataset } from '../datastore.js'
import { statSources } from '../file/ingest.js'
import { storedZipPath } from '../file/zip-ingest.js'
import { forEachLimited } from '../for-each-limited.js'
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
  insertZipRecords,
  type PlannedIngest,
  storedZipInUse,
} from '../ingest-plan.js'

/** Transfer modes an object store takes files with (`auto` is `copy`). */
export const OBJECT_STORE_TRANSFERS: readonly TransferMode[] = ['auto', 'copy', 'move']

/** What ingest needs from the object-store datastore it fills. */
export interface ObjectStoreIngestHost extends IngestPlanHost {
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

interface PlannedUpload extends PlannedIngest {
  readonly key: string
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
  if (mode === 'move') checkMovedOnce(sources)
  await checkNotStored(host, files)
  const formats = new IngestFormats(host)
  const planned: PlannedUpload[] = files.map((file, i) => {
    const source = sources[i]!
    const { formatter, path: templated } = formats.of(file, source.path)
    const path = options.targetPaths?.[i] ?? templated
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
  const checksums = await ingestChecksums(host, planned, options)
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
  await insertIngestRecords(host, planned, checksums, options)
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
  const shared = await storedZipInUse(host.bridge, recorded, await host.zipMembers(recorded), 'An object')
  if (!shared) {
    await host.upload(key, source!.path, source!.stats.size)
    undo.push(() => host.remove([key]))
    if (transfer === 'move') await removeSources(host, [{ source: source!.path, key }], undo)
  }
  await insertZipRecords(host, zip, recorded)
}

/** Distinct destinations, none already holding an object. */
async function checkDestinations(
  host: ObjectStoreIngestHost,
  planned: readonly PlannedUpload[],
): Promise<void> {
  const seen = new Set<string>()
  for (const p of planned) claimDestination(seen, p.key, p.path)
  const taken: string[] = []
  await forEachLimited(planned, host.concurrency, async (p) => {
    if (await host.exists(p.key)) taken.push(p.path)
  })
  if (taken.length > 0) throw destinationTaken(taken[0]!)
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
