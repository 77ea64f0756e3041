/**
 * Datasets' artifacts out of a repository and back in: `retrieveArtifacts` (files into a folder),
 * `retrieveArtifactsZip` (one zip with an index) and `ingestZip` (that zip into another repository).
 */
import { mkdir, rm, stat } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve } from 'node:path'
import type { IngestZipOptions, RetrieveArtifactsOptions } from '../butler.js'
import type { DatasetRef } from '../datasets/dataset-ref.js'
import type { ArtifactInfo, FetchMode, LocalArtifact, TransferMode } from '../datastore/datastore.js'
import { localPathOf } from '../datastore/file/ingest.js'
import { isStrictlyInside } from '../datastore/file/safe-path.js'
import { readZipMember, splitZipPath, zipEntries } from '../datastore/file/zip-member.js'
import type { DimensionUniverse } from '../dimensions/dimension-universe.js'
import { ButlerError, ConflictingDefinitionError, InputError, PathEscapeError } from '../errors.js'
import {
  buildZipIndex,
  parseZipIndex,
  provenanceOfZipIndex,
  recordFromJson,
  refsOfZipIndex,
  ZIP_INDEX_NAME,
  type ZipArtifact,
  zipFileName,
} from '../transfers/zip-index.js'
import { writeArtifactZip } from '../transfers/zip-write.js'
import type { DirectButler } from './direct-butler.js'
import {
  checkDataIds,
  checkDatasetTypes,
  checkRuns,
  insertRecords,
  isAbsoluteRecord,
  recordsOf,
} from './transfer.js'

const RETRIEVE_MODES = new Set<TransferMode>(['auto', 'copy', 'link', 'hardlink', 'symlink', 'relsymlink'])

/**
 * Copies (or links) the artifacts of datasets into `destination` and returns the paths written.
 * Every destination is checked (inside `destination`, free unless `overwrite`) before anything is written.
 */
export async function retrieveArtifacts(
  butler: DirectButler,
  refs: readonly DatasetRef[],
  destination: string,
  options: RetrieveArtifactsOptions = {},
): Promise<string[]> {
  const mode = options.transfer ?? 'copy'
  if (!RETRIEVE_MODES.has(mode)) {
    throw new InputError(
      `Transfer mode '${mode}' cannot retrieve artifacts; use copy, link, hardlink, symlink or relsymlink`,
    )
  }
  const root = resolve(destination)
  const preserve = options.preservePath ?? true
  const byTarget = new Map<string, ArtifactInfo>()
  for (const a of await butler.datastore.artifacts(refs)) {
    const rel = preserve ? preservedPath(a.path) : basename(splitZipPath(a.path)?.member ?? a.path)
    const target = resolve(root, rel)
    if (!isStrictlyInside(root, target))
      throw new PathEscapeError(`Artifact path '${rel}' leaves the destination`)
    const other = byTarget.get(target)
    if (other && other.path !== a.path) {
      throw new ConflictingDefinitionError(
        `Two artifacts would be written to '${rel}'; keep their paths (preservePath)`,
      )
    }
    byTarget.set(target, a)
  }
  if (!options.overwrite) {
    for (const target of byTarget.keys()) {
      if (await exists(target)) {
        throw new ConflictingDefinitionError(
          `'${relative(root, target)}' already exists in the destination (overwrite to replace it)`,
        )
      }
    }
  }
  const written: string[] = []
  for (const [target, a] of byTarget) {
    await mkdir(dirname(target), { recursive: true })
    if (options.overwrite) await rm(target, { force: true })
    await butler.datastore.fetchArtifact(a, target, { transfer: mode as FetchMode })
    written.push(target)
    options.onProgress?.(1)
  }
  return written
}

/**
 * Writes the artifacts of datasets into one zip in `destinationDir`, with an index
 * (`_butler_zip_index.json`) that `ingestZip` reads; returns the zip's path. The name is derived from
 * the member names, so the same datasets always give the same zip name.
 */
export async function retrieveArtifactsZip(
  butler: DirectButler,
  refs: readonly DatasetRef[],
  destinationDir: string,
  options: { readonly overwrite?: boolean } = {},
): Promise<string> {
  const unique = [...new Map(refs.map((r) => [r.id, r])).values()]
  const byPath = new Map<string, { artifact: ArtifactInfo; ids: string[] }>()
  for (const a of await butler.datastore.artifacts(unique)) {
    if (a.component !== '')
      throw new ButlerError(`Dataset ${a.datasetId} is stored in components; it cannot be zipped`)
    const entry = byPath.get(a.path)
    if (entry) entry.ids.push(a.datasetId)
    else byPath.set(a.path, { artifact: a, ids: [a.datasetId] })
  }
  if (byPath.size === 0) throw new InputError('None of the datasets has an artifact to put in a zip')
  const zipped = new Set([...byPath.values()].flatMap((e) => e.ids))
  const kept = unique.filter((r) => zipped.has(r.id))
  const members: ZipArtifact[] = []
  const sources: { member: string; file: string | Buffer }[] = []
  // Local files of the artifacts (the stored files themselves when the datastore is local).
  const locals: LocalArtifact[] = []
  try {
    for (const { artifact: a, ids } of byPath.values()) {
      const zip = splitZipPath(a.path)
      const member = `${ids[0]}-${basename(zip?.member ?? localPathOf(a.path))}`
      members.push({
        member,
        ids,
        info: {
          path: member,
          formatter: a.formatter,
          storage_class: a.storageClass,
          component: null,
          checksum: a.checksum,
          file_size: a.fileSize,
        },
      })
      const local = await butler.datastore.localArtifact(a)
      locals.push(local)
      sources.push({ member, file: local.path })
    }
    const provenance = await butler.registry.getProvenance(kept.map((r) => r.id))
    const index = buildZipIndex(butler.universe, kept, members, await recordsOf(butler, kept), provenance)
    await mkdir(destinationDir, { recursive: true })
    const target = resolve(destinationDir, zipFileName(members.map((m) => m.member)))
    if (!(options.overwrite ?? true) && (await exists(target))) {
      throw new ConflictingDefinitionError(`Zip '${basename(target)}' already exists in the destination`)
    }
    await writeArtifactZip(target, sources, index)
    return target
  } finally {
    for (const local of locals) await local.release()
  }
}

/**
 * Ingests a zip made by `retrieveArtifactsZip`: registers runs and dataset types as needed, imports the
 * datasets with their UUIDs and stores the zip whole, each dataset reading its member. Returns the refs.
 */
export async function ingestZip(
  butler: DirectButler,
  zipPath: string,
  options: IngestZipOptions = {},
): Promise<DatasetRef[]> {
  const path = resolve(zipPath)
  const entries = await zipEntries(path).catch((cause) => {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError(`No zip file at ${zipPath}`)
    throw new InputError(`${basename(path)} is not a readable zip file`, { cause })
  })
  if (!entries.has(ZIP_INDEX_NAME)) {
    throw new InputError(
      `${basename(path)} has no ${ZIP_INDEX_NAME}; it was not made by retrieve-artifacts --zip`,
    )
  }
  const text = await readZipMember(path, ZIP_INDEX_NAME).catch((cause) => {
    throw new InputError(`The index of ${basename(path)} cannot be read`, { cause })
  })
  const index = parseZipIndex(text.toString('utf8'), `${basename(path)}:${ZIP_INDEX_NAME}`)
  for (const member of Object.keys(index.artifact_map)) {
    if (!entries.has(member))
      throw new InputError(`${basename(path)} has no member '${member}' listed by its index`)
  }
  let refs = refsOfZipIndex(index, butler.universe)
  const present = await butler.registry.getDatasets(refs.map((r) => r.id))
  if (present.length > 0 && !options.skipExisting) {
    throw new ConflictingDefinitionError(
      `${present.length} dataset(s) of the zip are already in the repository, e.g. ${present[0]}`,
    )
  }
  const presentIds = new Set(present.map((r) => r.id))
  refs = refs.filter((r) => !presentIds.has(r.id))
  if (refs.length === 0) return []
  const newTypes = await checkDatasetTypes(butler, refs, true)
  const newRuns = await checkRuns(butler, refs)
  if (!options.transferDimensions) await checkDataIds(butler, refs)
  if (options.dryRun) return refs
  const byId = new Map(refs.map((r) => [r.id, r]))
  const members = Object.entries(index.artifact_map)
    .map(([member, entry]) => ({
      member,
      refs: entry.ids.flatMap((id) => byId.get(id) ?? []),
      formatter: entry.info.formatter,
      storageClass: entry.info.storage_class,
      checksum: entry.info.checksum ?? null,
      fileSize: entry.info.file_size,
    }))
    .filter((m) => m.refs.length > 0)
  const name = zipFileName(Object.keys(index.artifact_map))
  await butler.writeTransaction(async (undo) => {
    for (const t of newTypes) await butler.registry.registerDatasetType(t)
    for (const run of newRuns) await butler.registry.registerRun(run)
    if (options.transferDimensions) {
      await insertRecords(butler, recordsOfIndex(butler.universe, index.refs.dimension_records ?? {}))
      await checkDataIds(butler, refs)
    }
    await butler.registry.importDatasets(refs)
    const provenance = provenanceOfZipIndex(index)
    const recorded = refs.flatMap((r) => {
      const p = provenance.get(r.id)
      return p ? [{ datasetId: r.id, provenance: p }] : []
    })
    if (recorded.length > 0) await butler.registry.insertProvenance(recorded)
    await butler.datastore.ingestZip({ path, name, members }, { transfer: options.transfer ?? 'auto' }, undo)
  })
  return refs
}

/** Records of a zip index, by element in dependency order. */
function recordsOfIndex(
  universe: DimensionUniverse,
  json: Readonly<Record<string, readonly Readonly<Record<string, unknown>>[]>>,
): Map<string, Record<string, unknown>[]> {
  for (const element of Object.keys(json)) {
    if (!universe.has(element))
      throw new InputError(`The zip's index has records of unknown element '${element}'`)
  }
  const order = Object.keys(json).sort((a, b) => universe.getElement(a).index - universe.getElement(b).index)
  return new Map(order.map((e) => [e, json[e]!.map(recordFromJson)]))
}

/** Where `retrieveArtifacts` keeps an artifact with `preservePath`: its relative path (absolute ones made relative). */
function preservedPath(recordPath: string): string {
  const zip = splitZipPath(recordPath)
  if (zip) return join(dirname(preservedPath(zip.zip)), basename(zip.member))
  if (!isAbsoluteRecord(recordPath)) return recordPath
  return localPathOf(recordPath).replace(/^\/+/, '')
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}
