/**
 * `Butler.ingest` for a `DirectButler`: registers existing files as datasets. Data IDs are expanded
 * (their dimension records must exist), dataset rows are inserted in batches per dataset type, and
 * the datastore transfers the files, all in one registry transaction with the files undone on failure.
 */
import type { DatasetTypeArg, IngestDatasetSpec, IngestFile, IngestFilesOptions } from '../butler.js'
import { DatasetRef } from '../datasets/dataset-ref.js'
import { type DatasetType, splitDatasetTypeName } from '../datasets/dataset-type.js'
import type { FileDataset } from '../datastore/datastore.js'
import { DataCoordinate } from '../dimensions/data-coordinate.js'
import {
  ConflictingDefinitionError,
  DatasetTypeError,
  InputError,
  MissingCollectionError,
} from '../errors.js'
import type { DirectButler } from './direct-butler.js'

/** Items of one dataset type given by type + data ID: their positions and data IDs. */
interface SpecGroup {
  readonly type: DatasetType
  readonly positions: number[]
  dataIds: DataCoordinate[]
}

/**
 * Ingests `files` into `butler`'s repository; see `Butler.ingest`. Returns the ref of every item
 * (files in order, then their refs in order).
 *
 * @example
 * const refs = await ingest(butler, [{ path: '/data/a.json', refs: [{ datasetType: 'summary', dataId }] }], {
 *   run: 'u/me/ingest',
 *   transfer: 'copy',
 * })
 */
export async function ingest(
  butler: DirectButler,
  files: readonly IngestFile[],
  options: IngestFilesOptions = {},
): Promise<DatasetRef[]> {
  const items = files.flatMap((f) => f.refs)
  if (items.length === 0) return []
  const refs: (DatasetRef | undefined)[] = new Array(items.length)
  const specs = new Map<string, SpecGroup>()
  const resolved = new Map<string, number[]>()
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!
    if (item instanceof DatasetRef) {
      const name = item.datasetType.name
      const list = resolved.get(name) ?? resolved.set(name, []).get(name)!
      list.push(i)
      continue
    }
    const name = typeArgName(item.datasetType)
    let group = specs.get(name)
    if (!group) {
      group = { type: await typeForIngest(butler, item.datasetType), positions: [], dataIds: [] }
      specs.set(name, group)
    }
    group.positions.push(i)
    group.dataIds.push(standardize(butler, group.type, item))
  }
  const run = specs.size > 0 ? runFor(butler, options) : undefined

  // Reads first, outside the transaction: expand data IDs (records must exist) and find existing datasets.
  for (const group of specs.values()) group.dataIds = await butler.registry.expandDataIds(group.dataIds)
  for (const positions of resolved.values()) {
    const first = items[positions[0]!] as DatasetRef
    const type = await typeForIngest(butler, first.datasetType)
    const given = positions.map((p) => standardize(butler, type, items[p] as DatasetRef))
    const expanded = await butler.registry.expandDataIds(given)
    positions.forEach((p, k) => {
      refs[p] = (items[p] as DatasetRef).replace({ dataId: expanded[k]! })
    })
  }
  const skipped = options.skipExisting
    ? await findExisting(butler, specs, resolved, refs, run)
    : new Set<number>()

  const runs = new Set<string>()
  if (run !== undefined) runs.add(run)
  for (const positions of resolved.values()) for (const p of positions) runs.add(refs[p]!.run)

  return butler.writeTransaction(async (undo) => {
    for (const name of runs) await butler.registry.registerRun(name)
    for (const group of specs.values()) {
      const fresh = group.positions.filter((p) => !skipped.has(p))
      if (fresh.length === 0) continue
      const dataIds = group.positions.flatMap((p, k) => (skipped.has(p) ? [] : [group.dataIds[k]!]))
      const inserted = await butler.registry.insertDatasets(
        group.type,
        run!,
        dataIds,
        options.idGenerationMode,
      )
      fresh.forEach((p, k) => {
        refs[p] = inserted[k]!
      })
    }
    const toImport = [...resolved.values()].flat().filter((p) => !skipped.has(p))
    if (toImport.length > 0) await butler.registry.importDatasets(toImport.map((p) => refs[p]!))
    const datasets: FileDataset[] = []
    let position = 0
    for (const file of files) {
      const fileRefs: DatasetRef[] = []
      for (let k = 0; k < file.refs.length; k++, position++) {
        if (!skipped.has(position)) fileRefs.push(refs[position]!)
      }
      if (fileRefs.length === 0) continue
      datasets.push({
        path: file.path,
        refs: fileRefs,
        ...(file.formatter !== undefined ? { formatter: file.formatter } : {}),
      })
    }
    await butler.datastore.ingest(
      datasets,
      {
        transfer: options.transfer ?? 'auto',
        ...(options.recordValidationInfo !== undefined
          ? { recordValidationInfo: options.recordValidationInfo }
          : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      },
      undo,
    )
    return refs as DatasetRef[]
  })
}

function typeArgName(arg: DatasetTypeArg): string {
  return typeof arg === 'string' ? arg : arg.name
}

/** The registered (parent) dataset type; a given definition must match it. */
async function typeForIngest(butler: DirectButler, arg: DatasetTypeArg): Promise<DatasetType> {
  const name = typeArgName(arg)
  if (splitDatasetTypeName(name)[1] !== undefined) {
    throw new DatasetTypeError(`Cannot ingest component dataset type '${name}'; ingest the parent dataset`)
  }
  const registered = await butler.registry.getDatasetType(name)
  if (typeof arg !== 'string' && !arg.equals(registered)) {
    throw new ConflictingDefinitionError(`Dataset type ${arg} differs from the registered ${registered}`)
  }
  return registered
}

function standardize(
  butler: DirectButler,
  type: DatasetType,
  item: IngestDatasetSpec | DatasetRef,
): DataCoordinate {
  return DataCoordinate.standardize(item.dataId, {
    dimensions: type.dimensions,
    defaults: butler.dataIdDefaults,
  })
}

function runFor(butler: DirectButler, options: IngestFilesOptions): string {
  const run = options.run ?? butler.run
  if (!run) throw new InputError('No RUN collection to ingest into: give a run to the butler or to ingest')
  return run
}

/** Positions of items whose dataset already exists (for `skipExisting`); existing refs fill `refs`. */
async function findExisting(
  butler: DirectButler,
  specs: ReadonlyMap<string, SpecGroup>,
  resolved: ReadonlyMap<string, number[]>,
  refs: (DatasetRef | undefined)[],
  run: string | undefined,
): Promise<Set<number>> {
  const skipped = new Set<number>()
  if (run !== undefined && specs.size > 0 && (await runExists(butler, run))) {
    for (const group of specs.values()) {
      const found = await butler.registry.findDatasets(group.type, group.dataIds, [run])
      found.forEach((ref, k) => {
        if (!ref) return
        refs[group.positions[k]!] = ref
        skipped.add(group.positions[k]!)
      })
    }
  }
  const positions = [...resolved.values()].flat()
  if (positions.length > 0) {
    const existing = new Set(
      (await butler.registry.getDatasets(positions.map((p) => refs[p]!.id))).map((r) => r.id),
    )
    for (const p of positions) if (existing.has(refs[p]!.id)) skipped.add(p)
  }
  return skipped
}

async function runExists(butler: DirectButler, run: string): Promise<boolean> {
  try {
    await butler.registry.getCollection(run)
    return true
  } catch (error) {
    if (error instanceof MissingCollectionError) return false
    throw error
  }
}
