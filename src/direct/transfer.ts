/**
 * Moving datasets between repositories: `transferFrom` copies registry entries (same UUIDs and runs)
 * and artifacts in one target transaction. The checks it shares with `ingestZip` (artifacts.ts) live
 * here too.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, isAbsolute, join } from 'node:path'
import { DatasetRef } from '../datasets/dataset-ref.js'
import { DatasetType } from '../datasets/dataset-type.js'
import type {
  ArtifactInfo,
  Datastore,
  FileDataset,
  LocalArtifact,
  TransferMode,
} from '../datastore/datastore.js'
import { splitZipPath } from '../datastore/file/zip-member.js'
import { DataCoordinate } from '../dimensions/data-coordinate.js'
import type { DimensionRecord } from '../dimensions/dimension-record.js'
import type { DimensionUniverse } from '../dimensions/dimension-universe.js'
import {
  ButlerError,
  CollectionTypeError,
  ConflictingDefinitionError,
  InputError,
  MissingCollectionError,
  MissingDatasetTypeError,
} from '../errors.js'
import type { UndoLog } from '../internal/undo-log.js'
import type { DirectButler } from './direct-butler.js'

/** Options of `transferFrom`. */
export interface TransferFromOptions {
  /** How artifacts get into the target (default `auto`: copy, but files stored by absolute URI stay there). */
  readonly transfer?: TransferMode
  /** Leave out datasets whose artifacts the source does not have (default true; else they are registered without). */
  readonly skipMissing?: boolean
  /** Register dataset types missing in the target (default false: a missing type is an error). */
  readonly registerDatasetTypes?: boolean
  /** Copy the dimension records the data IDs need (default false: a missing record is an error). */
  readonly transferDimensions?: boolean
  /** Check and report what would be transferred, writing nothing. */
  readonly dryRun?: boolean
  /** Told how many more files were placed (progress bars). */
  readonly onProgress?: (files: number) => void
}

/**
 * Copies datasets from `source` into `target`: same UUIDs and runs, artifacts transferred, recorded
 * provenance copied, all in one target transaction. Datasets the target already has are skipped.
 * Returns the refs transferred.
 *
 * @example
 * const refs = await findRefs(source, { collections: ['HSC/raw/all'] })
 * await transferFrom(target, source, refs, { registerDatasetTypes: true, transferDimensions: true })
 */
export async function transferFrom(
  target: DirectButler,
  source: DirectButler,
  sourceRefs: readonly DatasetRef[],
  options: TransferFromOptions = {},
): Promise<DatasetRef[]> {
  const mode = options.transfer ?? 'auto'
  if (mode === 'move' || mode === 'none')
    throw new InputError(`Transfer mode '${mode}' cannot be used between repositories`)
  if (!target.universe.isCompatibleWith(source.universe)) {
    throw new InputError(
      `The repositories have incompatible dimension universes (${source.universe}, ${target.universe})`,
    )
  }
  const unique = [...new Map(sourceRefs.map((r) => [r.id, r])).values()]
  const artifacts = groupById(await source.datastore.artifacts(unique))
  const stored = options.skipMissing === false ? unique : unique.filter((r) => artifacts.has(r.id))
  const present = new Set((await target.registry.getDatasets(stored.map((r) => r.id))).map((r) => r.id))
  let refs = stored.filter((r) => !present.has(r.id)).map(toUniverse(target.universe))
  if (refs.length === 0) return []
  const newTypes = await checkDatasetTypes(target, refs, options.registerDatasetTypes ?? false)
  const newRuns = await checkRuns(target, refs)
  const records = options.transferDimensions ? await recordsOf(source, refs) : undefined
  // Expanded data IDs (records attached) both check the records exist and fill file templates.
  if (!options.transferDimensions) refs = await expandRefs(target, refs)
  if (options.dryRun) return refs
  const provenance = await source.registry.getProvenance(refs.map((r) => r.id))
  const scratch = await mkdtemp(join(tmpdir(), 'butler-transfer-'))
  try {
    await target.writeTransaction(async (undo) => {
      for (const t of newTypes) await target.registry.registerDatasetType(t)
      for (const run of newRuns) await target.registry.registerRun(run)
      if (records) {
        await insertRecords(target, records)
        refs = await expandRefs(target, refs)
      }
      await target.registry.importDatasets(refs)
      if (provenance.size > 0) {
        await target.registry.insertProvenance(
          [...provenance].map(([datasetId, p]) => ({ datasetId, provenance: p })),
        )
      }
      await ingestArtifacts(
        source.datastore,
        target,
        refs,
        artifacts,
        mode,
        scratch,
        undo,
        options.onProgress,
      )
    })
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
  return refs
}

/** Converts refs to another (compatible) universe's objects: the same dataset type and data ID. */
function toUniverse(universe: DimensionUniverse): (ref: DatasetRef) => DatasetRef {
  const types = new Map<DatasetType, DatasetType>()
  return (ref) => {
    const t = ref.datasetType
    if (t.dimensions.universe === universe) return ref
    let type = types.get(t)
    if (!type) {
      type = new DatasetType(t.name, universe.group(t.dimensions.names), t.storageClassName, {
        isCalibration: t.isCalibration,
        parentStorageClassName: t.parentStorageClassName,
      })
      types.set(t, type)
    }
    const group = type.dimensions
    const sameKeys = group.dataCoordinateKeys.every((k, i) => t.dimensions.dataCoordinateKeys[i] === k)
    // Same universe definition: the values are valid as they are, in the same order.
    const dataId = sameKeys
      ? DataCoordinate.fromFullValues(group, ref.dataId.values)
      : DataCoordinate.standardize(ref.dataId.mapping, { dimensions: group })
    return new DatasetRef(type, dataId, ref.run, ref.id)
  }
}

/** Dataset types to register (when allowed); a missing one is an error otherwise, a different one always. */
export async function checkDatasetTypes(
  butler: DirectButler,
  refs: readonly DatasetRef[],
  register: boolean,
): Promise<DatasetType[]> {
  const types = new Map<string, DatasetType>()
  for (const r of refs) types.set(r.datasetType.name, r.datasetType)
  const missing: DatasetType[] = []
  for (const t of types.values()) {
    let existing: DatasetType
    try {
      existing = await butler.registry.getDatasetType(t.name)
    } catch (error) {
      if (!(error instanceof MissingDatasetTypeError)) throw error
      if (!register) {
        throw new MissingDatasetTypeError(
          `Dataset type '${t.name}' is not registered in the target repository (register dataset types to create it)`,
        )
      }
      missing.push(t)
      continue
    }
    if (!existing.equals(t)) {
      throw new ConflictingDefinitionError(`Dataset type ${t} differs from the target's ${existing}`)
    }
  }
  return missing
}

/** RUN collections to create; an existing collection of another type with a run's name is an error. */
export async function checkRuns(butler: DirectButler, refs: readonly DatasetRef[]): Promise<string[]> {
  const missing: string[] = []
  for (const run of new Set(refs.map((r) => r.run))) {
    try {
      const record = await butler.registry.getCollection(run)
      if (record.type !== 'RUN') {
        throw new CollectionTypeError(
          `Collection '${run}' is a ${record.type} collection in the target, not a RUN`,
        )
      }
    } catch (error) {
      if (!(error instanceof MissingCollectionError)) throw error
      missing.push(run)
    }
  }
  return missing
}

/** Checks every data ID has its dimension records (`DataIdValueError` naming a missing one). */
export async function checkDataIds(butler: DirectButler, refs: readonly DatasetRef[]): Promise<void> {
  for (const group of groupByDimensions(refs)) await butler.registry.expandDataIds(group.map((r) => r.dataId))
}

/** The refs with expanded data IDs (same order); a missing record is a `DataIdValueError` naming it. */
async function expandRefs(butler: DirectButler, refs: readonly DatasetRef[]): Promise<DatasetRef[]> {
  const out = new Map<string, DatasetRef>()
  for (const group of groupByDimensions(refs)) {
    const expanded = await butler.registry.expandDataIds(group.map((r) => r.dataId))
    group.forEach((r, i) => {
      out.set(r.id, r.replace({ dataId: expanded[i]! }))
    })
  }
  return refs.map((r) => out.get(r.id)!)
}

/** The dimension records of the refs' data IDs in `butler`, by element, in dependency order. */
export async function recordsOf(
  butler: DirectButler,
  refs: readonly DatasetRef[],
): Promise<Map<string, DimensionRecord[]>> {
  const byElement = new Map<string, Map<string, DimensionRecord>>()
  for (const group of groupByDimensions(refs)) {
    const expanded = await butler.registry.expandDataIds(
      group.map((r) =>
        DataCoordinate.standardize(r.dataId.mapping, {
          dimensions: butler.universe.group(r.dataId.dimensions.names),
        }),
      ),
    )
    for (const dataId of expanded) {
      for (const [element, record] of dataId.records ?? []) {
        if (!record?.element.hasOwnTable) continue
        const list = byElement.get(element) ?? byElement.set(element, new Map()).get(element)!
        list.set(record.keyValues.join('\u0000'), record)
      }
    }
  }
  const order = [...byElement.keys()].sort(
    (a, b) => butler.universe.getElement(a).index - butler.universe.getElement(b).index,
  )
  return new Map(order.map((e) => [e, [...byElement.get(e)!.values()]]))
}

/** Inserts records element by element, leaving existing ones alone. */
export async function insertRecords(
  butler: DirectButler,
  records: ReadonlyMap<string, readonly (DimensionRecord | Readonly<Record<string, unknown>>)[]>,
): Promise<void> {
  for (const [element, list] of records) {
    const plain = list.map((r) => (isRecord(r) ? { ...r.values } : r))
    await butler.registry.insertDimensionRecords(element, plain, { skipExisting: true })
  }
}

/**
 * Places the source artifacts of the refs into the target datastore, keeping their relative paths.
 * Artifacts the source has on a local disk are transferred with `mode`; others (object stores) are
 * fetched to temporary files and copied.
 */
async function ingestArtifacts(
  from: Datastore,
  target: DirectButler,
  refs: readonly DatasetRef[],
  artifacts: ReadonlyMap<string, ArtifactInfo[]>,
  mode: TransferMode,
  scratch: string,
  undo: UndoLog,
  onProgress: ((files: number) => void) | undefined,
): Promise<void> {
  // One file may back several datasets: group by the source's recorded path.
  const files = new Map<string, { artifact: ArtifactInfo; refs: DatasetRef[] }>()
  for (const ref of refs) {
    for (const a of artifacts.get(ref.id) ?? []) {
      if (a.component !== '') {
        throw new ButlerError(`Dataset ${ref} is stored in components; transferring it is not supported`)
      }
      const entry = files.get(a.path)
      if (entry) entry.refs.push(ref)
      else files.set(a.path, { artifact: a, refs: [ref] })
    }
  }
  const inRoot: { file: FileDataset; path: string; checksum: string | null; copy: boolean }[] = []
  const locals: LocalArtifact[] = []
  try {
    const outside: { file: FileDataset; checksum: string | null }[] = []
    for (const { artifact: a, refs: fileRefs } of files.values()) {
      const zip = splitZipPath(a.path)
      if (zip) {
        // A member of a zip becomes a plain file at the target's template path.
        const extracted = join(scratch, `${outside.length}-${basename(zip.member)}`)
        await from.fetchArtifact(a, extracted)
        outside.push({
          file: { path: extracted, refs: fileRefs, formatter: a.formatter },
          checksum: a.checksum,
        })
      } else if (isAbsoluteRecord(a.path)) {
        outside.push({
          file: { path: a.absolutePath, refs: fileRefs, formatter: a.formatter },
          checksum: a.checksum,
        })
      } else {
        const local = await from.localArtifact(a)
        locals.push(local)
        if (local.isCopy && !['auto', 'copy', 'move'].includes(mode)) {
          throw new InputError(
            `Transfer mode '${mode}' needs the source's artifacts on a local disk, but ${from.name} is not; use copy`,
          )
        }
        inRoot.push({
          file: { path: local.path, refs: fileRefs, formatter: a.formatter },
          path: a.path,
          checksum: a.checksum,
          copy: local.isCopy,
        })
      }
    }
    const transfer = mode === 'auto' ? 'copy' : mode
    const progress = onProgress ? { onProgress } : {}
    // Local files go with the mode asked for; fetched copies are copied.
    for (const group of [inRoot.filter((f) => !f.copy), inRoot.filter((f) => f.copy)]) {
      if (group.length === 0) continue
      await target.datastore.ingest(
        group.map((f) => f.file),
        {
          transfer: group[0]!.copy ? 'copy' : transfer,
          targetPaths: group.map((f) => f.path),
          checksums: group.map((f) => f.checksum),
          ...progress,
        },
        undo,
      )
    }
    const direct = outside.filter((f) => !f.file.path.startsWith(scratch))
    const extracted = outside.filter((f) => f.file.path.startsWith(scratch))
    if (direct.length > 0) {
      // Files the source stores by absolute URI stay where they are under `auto`.
      await target.datastore.ingest(
        direct.map((f) => f.file),
        {
          transfer: mode === 'auto' ? 'direct' : mode,
          checksums: direct.map((f) => f.checksum),
          ...progress,
        },
        undo,
      )
    }
    if (extracted.length > 0) {
      await target.datastore.ingest(
        extracted.map((f) => f.file),
        { transfer: 'copy', checksums: extracted.map((f) => f.checksum), ...progress },
        undo,
      )
    }
  } finally {
    for (const local of locals) await local.release()
  }
}

function groupById(artifacts: readonly ArtifactInfo[]): Map<string, ArtifactInfo[]> {
  const out = new Map<string, ArtifactInfo[]>()
  for (const a of artifacts) {
    const list = out.get(a.datasetId)
    if (list) list.push(a)
    else out.set(a.datasetId, [a])
  }
  return out
}

function groupByDimensions(refs: readonly DatasetRef[]): DatasetRef[][] {
  const groups = new Map<string, DatasetRef[]>()
  for (const r of refs) {
    const key = r.dataId.dimensions.names.join(',')
    const list = groups.get(key)
    if (list) list.push(r)
    else groups.set(key, [r])
  }
  return [...groups.values()]
}

export function isAbsoluteRecord(path: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(path) || isAbsolute(path)
}

function isRecord(value: unknown): value is DimensionRecord {
  return typeof value === 'object' && value !== null && 'element' in value && 'values' in value
}
