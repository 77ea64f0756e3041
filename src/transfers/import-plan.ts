/**
 * The checking half of an import: turns a parsed export file into validated records, dataset types,
 * collections, refs and memberships, consulting the repository only to read. Any problem is found
 * here, before the import transaction starts, and names the entry.
 */
import { stat } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DatasetRef } from '../datasets/dataset-ref.js'
import { DatasetType } from '../datasets/dataset-type.js'
import type { DatasetProvenance } from '../datasets/provenance.js'
import { DataCoordinate } from '../dimensions/data-coordinate.js'
import type { DimensionElement, RecordField } from '../dimensions/dimension-element.js'
import { DimensionRecord, type RecordValue } from '../dimensions/dimension-record.js'
import type { DirectButler } from '../direct/direct-butler.js'
import {
  ButlerUserError,
  ExportFileError,
  MissingCollectionError,
  MissingDatasetTypeError,
} from '../errors.js'
import type { CollectionType } from '../registry/registry.js'
import { Timespan } from '../time/timespan.js'
import type { DatasetEntry, ExportFile } from './export-file.js'
import { describeEntry } from './read-export-file.js'

/** Records of one element to insert, and the entries they came from. */
export interface PlannedRecords {
  readonly element: DimensionElement
  readonly records: DimensionRecord[]
  readonly labels: string[]
}

/** A collection to register (RUNs, TAGGED and CALIBRATION first, then chains). */
export interface PlannedCollection {
  readonly name: string
  readonly type: CollectionType
  readonly doc: string | undefined
  readonly children: readonly string[] | undefined
  readonly label: string
}

/** One file of a dataset entry: its refs and where the file is (absent without a datastore). */
export interface PlannedFile {
  readonly refs: DatasetRef[]
  readonly path: string | undefined
  readonly formatter: string | undefined
}

/** The datasets of one dataset entry. */
export interface PlannedDatasets {
  readonly label: string
  readonly refs: DatasetRef[]
  readonly files: PlannedFile[]
}

/** Memberships to add to a TAGGED collection or, with a timespan, to certify in a CALIBRATION one. */
export interface PlannedAssociation {
  readonly label: string
  readonly collection: string
  readonly ids: readonly string[]
  readonly timespan: Timespan | undefined
}

/** Provenance records of one `provenance` entry, for datasets of the file or the repository. */
export interface PlannedProvenance {
  readonly label: string
  readonly records: readonly { readonly datasetId: string; readonly provenance: DatasetProvenance }[]
}

/** Everything an import writes, checked. */
export interface ImportPlan {
  readonly datasetTypes: { readonly type: DatasetType; readonly label: string }[]
  readonly collections: PlannedCollection[]
  /** In universe order. */
  readonly records: PlannedRecords[]
  readonly datasets: PlannedDatasets[]
  readonly associations: PlannedAssociation[]
  /** Provenance to record (our extension of the format), after the datasets. */
  readonly provenance: PlannedProvenance[]
  /** Refs of datasets associated but not in the file, read from the repository. */
  readonly existingRefs: Map<string, DatasetRef>
}

/** Options that affect checking. */
export interface PlanOptions {
  readonly skipDimensions?: readonly string[]
  /** Whether files are ingested (then each dataset record needs a path to an existing file). */
  readonly withFiles: boolean
  /** Base of relative paths. */
  readonly directory: string
}

/** Checks a migrated export file against the universe and the repository. */
export async function planImport(
  butler: DirectButler,
  file: ExportFile,
  options: PlanOptions,
): Promise<ImportPlan> {
  const registry = butler.registry
  const universe = butler.universe
  const fail = (label: string, problem: string): never => {
    throw new ExportFileError(`Export file ${label}: ${problem}`)
  }
  const skip = new Set(options.skipDimensions ?? [])
  for (const name of skip) {
    if (!universe.has(name)) throw new ExportFileError(`Unknown dimension element '${name}' to skip`)
  }

  const recordsByElement = new Map<
    string,
    { element: DimensionElement; byKey: Map<string, DimensionRecord>; labels: Set<string> }
  >()
  const typeByName = new Map<string, { type: DatasetType; label: string }>()
  const collections = new Map<string, PlannedCollection>()
  const datasetEntries: { entry: DatasetEntry; label: string }[] = []
  const associations: PlannedAssociation[] = []
  const provenance: PlannedProvenance[] = []

  for (const [i, entry] of file.data.entries()) {
    const label = (entry.type === 'dimension' && entry.origin) || describeEntry(rawLabel(entry), i)
    switch (entry.type) {
      case 'dimension': {
        if (!universe.has(entry.element)) fail(label, `unknown dimension element '${entry.element}'`)
        const element = universe.getElement(entry.element)
        if (!element.hasOwnTable) fail(label, `'${element.name}' has no records of its own`)
        let slot = recordsByElement.get(element.name)
        if (!slot) {
          slot = { element, byKey: new Map(), labels: new Set() }
          recordsByElement.set(element.name, slot)
        }
        slot.labels.add(label)
        for (const [k, raw] of entry.records.entries()) {
          let record: DimensionRecord
          try {
            record = DimensionRecord.fromObject(element, raw, convertField)
          } catch (error) {
            return fail(`${label}, records[${k}]`, messageOf(error))
          }
          const key = JSON.stringify(record.keyValues)
          const previous = slot.byKey.get(key)
          if (previous && !previous.equals(record)) {
            fail(`${label}, records[${k}]`, `conflicts with another ${previous} record in the file`)
          }
          if (!previous) slot.byKey.set(key, record)
        }
        break
      }
      case 'dataset_type': {
        let type: DatasetType
        try {
          type = new DatasetType(entry.name, universe.group(entry.dimensions), entry.storageClass, {
            isCalibration: entry.isCalibration,
          })
        } catch (error) {
          return fail(label, messageOf(error))
        }
        const previous = typeByName.get(type.name)
        if (previous && !previous.type.equals(type)) fail(label, `differs from ${previous.label}`)
        if (!previous) typeByName.set(type.name, { type, label })
        break
      }
      case 'collection': {
        const previous = collections.get(entry.name)
        if (previous && previous.type !== entry.collectionType) {
          fail(label, `${entry.name} is a ${previous.type} collection in ${previous.label}`)
        }
        collections.set(entry.name, {
          name: entry.name,
          type: entry.collectionType,
          doc: entry.doc ?? previous?.doc,
          children: entry.collectionType === 'CHAINED' ? entry.children : undefined,
          label,
        })
        break
      }
      case 'dataset':
        datasetEntries.push({ entry, label })
        break
      case 'associations':
        if (entry.collectionType === 'TAGGED') {
          associations.push({
            label,
            collection: entry.collection,
            ids: entry.datasetIds,
            timespan: undefined,
          })
        } else {
          for (const range of entry.validityRanges) {
            associations.push({
              label,
              collection: entry.collection,
              ids: range.datasetIds,
              timespan: range.timespan,
            })
          }
        }
        break
      case 'provenance':
        provenance.push({ label, records: entry.records })
        break
    }
  }

  // Dataset types and collections that already exist must agree with the file.
  for (const { type, label } of typeByName.values()) {
    const existing = await optional(registry.getDatasetType(type.name), MissingDatasetTypeError)
    if (existing && !existing.equals(type)) {
      fail(label, `the repository defines '${type.name}' differently (${describeType(existing)})`)
    }
  }
  const collectionType = async (name: string): Promise<CollectionType | undefined> =>
    collections.get(name)?.type ??
    (await optional(registry.getCollection(name), MissingCollectionError))?.type
  for (const c of collections.values()) {
    const existing = await optional(registry.getCollection(c.name), MissingCollectionError)
    if (existing && existing.type !== c.type) {
      fail(c.label, `'${c.name}' exists in the repository as a ${existing.type} collection`)
    }
    for (const child of c.children ?? []) {
      if (!(await collectionType(child)))
        fail(c.label, `child collection '${child}' is neither in the file nor in the repository`)
    }
  }

  // Datasets: known type and RUN, valid data IDs, one meaning per ID.
  const refById = new Map<string, { ref: DatasetRef; label: string }>()
  const datasets: PlannedDatasets[] = []
  const typeCache = new Map<string, DatasetType | undefined>()
  for (const { entry, label } of datasetEntries) {
    let type = typeByName.get(entry.datasetType)?.type ?? typeCache.get(entry.datasetType)
    if (!type && !typeCache.has(entry.datasetType)) {
      type = await optional(registry.getDatasetType(entry.datasetType), MissingDatasetTypeError)
      typeCache.set(entry.datasetType, type)
    }
    if (!type)
      return fail(label, `dataset type '${entry.datasetType}' is neither in the file nor in the repository`)
    const datasetType: DatasetType = type
    const runType = await collectionType(entry.run)
    if (runType !== 'RUN') {
      fail(
        label,
        runType
          ? `'${entry.run}' is a ${runType} collection, not a RUN`
          : `RUN '${entry.run}' is neither in the file nor in the repository`,
      )
    }
    const planned: PlannedDatasets = { label, refs: [], files: [] }
    for (const [k, f] of entry.files.entries()) {
      const at = `${label}, records[${k}]`
      const refs = f.datasetIds.map((id, j) => {
        let coordinate: DataCoordinate
        try {
          coordinate = DataCoordinate.standardize(f.dataIds[j]!, { dimensions: datasetType.dimensions })
        } catch (error) {
          return fail(at, messageOf(error))
        }
        const ref = new DatasetRef(datasetType, coordinate, entry.run, id)
        const previous = refById.get(id)
        if (previous && !sameDataset(previous.ref, ref)) {
          fail(at, `dataset ${id} is also ${previous.ref} in ${previous.label}`)
        }
        refById.set(id, { ref, label: at })
        return ref
      })
      planned.refs.push(...refs)
      let path: string | undefined
      if (options.withFiles) {
        if (f.path === undefined) return fail(at, 'no path to the file (import without a datastore instead)')
        path = await resolvePath(f.path, options.directory, at)
      }
      planned.files.push({ refs, path, formatter: f.formatter })
    }
    datasets.push(planned)
  }

  // IDs already in the repository must be the same datasets.
  const existingRefs = new Map<string, DatasetRef>()
  const wanted = [
    ...new Set([
      ...refById.keys(),
      ...associations.flatMap((a) => a.ids),
      ...provenance.flatMap((p) => p.records.map((r) => r.datasetId)),
    ]),
  ]
  for (let i = 0; i < wanted.length; i += 5000) {
    for (const ref of await registry.getDatasets(wanted.slice(i, i + 5000))) existingRefs.set(ref.id, ref)
  }
  for (const [id, { ref, label }] of refById) {
    const existing = existingRefs.get(id)
    if (existing && !sameDataset(existing, ref)) {
      fail(label, `dataset ${id} exists in the repository as ${existing}`)
    }
  }

  for (const a of associations) {
    const type = await collectionType(a.collection)
    const expected = a.timespan ? 'CALIBRATION' : 'TAGGED'
    if (type !== expected) {
      fail(
        a.label,
        type
          ? `'${a.collection}' is a ${type} collection, not ${expected}`
          : `collection '${a.collection}' is neither in the file nor in the repository`,
      )
    }
    for (const id of a.ids) {
      if (!refById.has(id) && !existingRefs.has(id))
        fail(a.label, `dataset ${id} is neither in the file nor in the repository`)
    }
  }

  const described = new Map<string, string>()
  for (const p of provenance) {
    for (const [k, { datasetId }] of p.records.entries()) {
      if (!refById.has(datasetId) && !existingRefs.has(datasetId))
        fail(`${p.label}, records[${k}]`, `dataset ${datasetId} is neither in the file nor in the repository`)
      const previous = described.get(datasetId)
      if (previous)
        fail(`${p.label}, records[${k}]`, `dataset ${datasetId} already has provenance in ${previous}`)
      described.set(datasetId, `${p.label}, records[${k}]`)
    }
  }

  const records = [...recordsByElement.values()]
    .filter((slot) => !skip.has(slot.element.name))
    .sort((a, b) => a.element.index - b.element.index)
    .map((slot) => ({ element: slot.element, records: [...slot.byKey.values()], labels: [...slot.labels] }))
  const ordered = [...collections.values()].sort(
    (a, b) => Number(a.type === 'CHAINED') - Number(b.type === 'CHAINED'),
  )
  return {
    datasetTypes: [...typeByName.values()],
    collections: ordered,
    records,
    datasets,
    associations,
    provenance,
    existingRefs,
  }
}

function rawLabel(entry: ExportFile['data'][number]): unknown {
  switch (entry.type) {
    case 'dimension':
      return { type: 'dimension', element: entry.element }
    case 'collection':
      return { type: 'collection', name: entry.name }
    case 'dataset_type':
      return { type: 'dataset_type', name: entry.name }
    case 'dataset':
      return { type: 'dataset', dataset_type: entry.datasetType, run: entry.run }
    case 'associations':
      return { type: 'associations', collection: entry.collection }
    case 'provenance':
      return { type: 'provenance' }
  }
}

/** Field values as records hold them: `{begin, end}` TAI nanoseconds become a `Timespan`. */
function convertField(field: RecordField, value: unknown): RecordValue {
  if (
    field.role === 'timespan' &&
    value !== null &&
    typeof value === 'object' &&
    !(value instanceof Timespan)
  ) {
    const t = value as { begin?: unknown; end?: unknown }
    const bound = (v: unknown): bigint | null => {
      if (v === null || v === undefined) return null
      if (typeof v === 'bigint') return v
      throw new ExportFileError(`field '${field.name}' needs times, not ${typeof v}`)
    }
    return new Timespan(bound(t.begin), bound(t.end), { padInstantaneous: false })
  }
  if (field.role === 'region' && !(value instanceof Uint8Array)) {
    throw new ExportFileError("field 'region' must be a !<lsst.sphgeom.*> region")
  }
  return value as RecordValue
}

function sameDataset(a: DatasetRef, b: DatasetRef): boolean {
  return a.run === b.run && a.datasetType.name === b.datasetType.name && a.dataId.equals(b.dataId)
}

function describeType(type: DatasetType): string {
  return `dimensions ${type.dimensions}, storage class ${type.storageClassName}${type.isCalibration ? ', calibration' : ''}`
}

async function resolvePath(path: string, directory: string, at: string): Promise<string> {
  let resolved: string
  if (path.startsWith('file://')) resolved = fileURLToPath(path)
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    throw new ExportFileError(`Export file ${at}: only local files can be imported, not '${path}'`)
  } else resolved = isAbsolute(path) ? path : join(directory, path)
  try {
    await stat(resolved)
  } catch {
    throw new ExportFileError(
      `Export file ${at}: file '${path}' not found in ${isAbsolute(path) ? 'the filesystem' : 'the import directory'}`,
    )
  }
  return resolved
}

async function optional<T>(
  promise: Promise<T>,
  missing: new (...args: never[]) => Error,
): Promise<T | undefined> {
  try {
    return await promise
  } catch (error) {
    if (error instanceof missing) return undefined
    throw error
  }
}

function messageOf(error: unknown): string {
  if (error instanceof ButlerUserError) return error.message
  throw error
}
