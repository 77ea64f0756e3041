/**
 * The simple dataset search of `Registry.searchDatasets`, in pages (the full query system comes later).
 */
import type { DatasetRef } from '../../datasets/dataset-ref.js'
import { InvalidQueryError } from '../../errors.js'
import type { DatasetSearch } from '../registry.js'
import type { SqlCalibrations } from './sql-calibrations.js'
import { toCalibRow } from './sql-calibrations.js'
import type { SqlCollection, SqlCollections } from './sql-collections.js'
import type { SqlDatasetType, SqlDatasetTypes } from './sql-dataset-types.js'
import { type SqlDatasets, type TagRow, toTagRow } from './sql-datasets.js'

const PAGE_SIZE = 1000

/**
 * Yields datasets matching a search, one page per query, each dataset once. Chains are flattened.
 * Without `findFirst`, pages come from a keyset scan ordered by dataset ID over the tag table (RUN
 * and TAGGED collections), then over the calibration table (datasets certified in searched
 * CALIBRATION collections, at any time); collection names may be globs. With `findFirst`, each
 * dataset type's matches are reduced in memory to the first collection per data ID; CALIBRATION
 * collections are skipped then, since there is no timespan to choose between validity ranges.
 */
export async function* searchDatasets(
  types: SqlDatasetTypes,
  collections: SqlCollections,
  datasets: SqlDatasets,
  calibrations: SqlCalibrations,
  search: DatasetSearch,
): AsyncIterable<DatasetRef[]> {
  const typeList = search.datasetTypes
    ? await Promise.all(search.datasetTypes.map((n) => types.get(n)))
    : await types.query()
  let cols: SqlCollection[]
  if (!search.collections) {
    cols = (await collections.query()).filter((c) => c.type === 'RUN')
  } else if (search.findFirst) {
    cols = await collections.flatten(search.collections)
  } else {
    cols = await collections.flatten((await collections.resolve(search.collections)).map((c) => c.name))
  }
  if (cols.length === 0) return
  const rank = new Map(cols.map((c, i) => [c.id, i]))
  const tagIds = cols.filter((c) => c.type === 'RUN' || c.type === 'TAGGED').map((c) => c.id)
  const calibIds = cols.filter((c) => c.type === 'CALIBRATION').map((c) => c.id)
  const where = Object.entries(search.dataId ?? {})
  for (const t of typeList) {
    const group = t.datasetType.dimensions
    if (where.some(([dim]) => !group.has(dim))) continue
    const implied = where.find(([dim]) => !group.required.includes(dim))
    if (implied) {
      throw new InvalidQueryError(
        `searchDatasets cannot constrain implied dimension '${implied[0]}'; use a query`,
      )
    }
    let base = datasets.tagQuery(t).where('tag.collection_id', 'in', tagIds)
    for (const [dim, value] of where) base = base.where(`tag.${dim}`, '=', value)
    if (search.findFirst) {
      if (tagIds.length === 0) continue
      const best = new Map<string, TagRow & { rank: number }>()
      for (const row of (await base.execute()).map((r) => toTagRow(r, group.required))) {
        const key = JSON.stringify(row.values)
        const r = rank.get(row.collectionId)!
        const current = best.get(key)
        if (!current || r < current.rank) best.set(key, { ...row, rank: r })
      }
      const rows = [...best.values()]
      for (let i = 0; i < rows.length; i += PAGE_SIZE) {
        yield await Promise.all(rows.slice(i, i + PAGE_SIZE).map((row) => datasets.toRef(t, row)))
      }
      continue
    }
    if (tagIds.length > 0)
      yield* scan(datasets, t, base, 'tag.dataset_id', (r) => toTagRow(r, group.required))
    if (calibIds.length === 0 || !t.calibTable) continue
    let calib = calibrations.calibQuery(t).where('cal.collection_id', 'in', calibIds)
    for (const [dim, value] of where) calib = calib.where(`cal.${dim}`, '=', value)
    if (tagIds.length > 0) {
      // Datasets the tag scan already yielded.
      calib = calib.where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom(`${t.tagTable} as seen`)
              .select('seen.dataset_id')
              .whereRef('seen.dataset_id', '=', 'cal.dataset_id')
              .where('seen.collection_id', 'in', tagIds),
          ),
        ),
      )
    }
    yield* scan(datasets, t, calib, 'cal.dataset_id', (r) => toCalibRow(r, group.required))
  }
}

/** Keyset pages of distinct datasets of one type, ordered by ID. */
async function* scan(
  datasets: SqlDatasets,
  t: SqlDatasetType,
  // biome-ignore lint/suspicious/noExplicitAny: dynamic query builder over run-time tables
  base: any,
  idColumn: string,
  convert: (row: Record<string, unknown>) => TagRow,
): AsyncIterable<DatasetRef[]> {
  let after: string | undefined
  for (;;) {
    let q = base.orderBy(idColumn).limit(PAGE_SIZE)
    if (after !== undefined) q = q.where(idColumn, '>', after)
    const raw = (await q.execute()) as Record<string, unknown>[]
    if (raw.length === 0) break
    const rows = raw.map(convert)
    after = rows[rows.length - 1]!.datasetId
    // A dataset in several searched collections comes once per collection.
    const seen = new Set<string>()
    const unique = rows.filter((r) => !seen.has(r.datasetId) && Boolean(seen.add(r.datasetId)))
    yield await Promise.all(unique.map((row) => datasets.toRef(t, row)))
    if (raw.length < PAGE_SIZE) break
  }
}
