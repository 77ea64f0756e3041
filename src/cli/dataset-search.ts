/**
 * Finding datasets for the commands that list or delete them.
 */
import type { DatasetRef } from '../datasets/dataset-ref.js'
import type { DataIdValue } from '../dimensions/dimension-record.js'
import type { DirectButler } from '../direct/direct-butler.js'

const GLOB = /[*?[\]]/

/**
 * Dataset type names for a list of names and globs: a plain name must exist
 * (`MissingDatasetTypeError` otherwise), a glob may match nothing.
 */
export async function resolveDatasetTypeNames(
  butler: DirectButler,
  patterns: readonly string[],
): Promise<string[]> {
  const names = new Set<string>()
  for (const pattern of patterns) {
    if (GLOB.test(pattern)) {
      for (const type of await butler.queryDatasetTypes(pattern)) names.add(type.name)
    } else {
      names.add((await butler.registry.getDatasetType(pattern)).name)
    }
  }
  return [...names].sort()
}

/** Checks that every named collection exists (`MissingCollectionError` otherwise). */
export async function checkCollections(butler: DirectButler, collections: readonly string[]): Promise<void> {
  for (const name of collections) await butler.registry.getCollection(name)
}

/** Options of {@link findRefs}. */
export interface FindRefsOptions {
  readonly datasetTypes?: readonly string[]
  readonly collections?: readonly string[]
  readonly dataId?: Readonly<Record<string, DataIdValue>>
  readonly findFirst?: boolean
}

/** All datasets matching a search, sorted by dataset type, run and data ID. */
export async function findRefs(butler: DirectButler, options: FindRefsOptions): Promise<DatasetRef[]> {
  const refs: DatasetRef[] = []
  for await (const page of butler.registry.searchDatasets(options)) refs.push(...page)
  return refs.sort(
    (a, b) =>
      a.datasetType.name.localeCompare(b.datasetType.name) ||
      a.run.localeCompare(b.run) ||
      String(a.dataId).localeCompare(String(b.dataId)),
  )
}

/** Number of datasets per dataset type name. */
export function countByType(refs: readonly DatasetRef[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const ref of refs) counts.set(ref.datasetType.name, (counts.get(ref.datasetType.name) ?? 0) + 1)
  return counts
}
