/**
 * The simple dataset search of `Registry.searchDatasets`, in pages (the full query system comes later).
 */
import type { DatasetRef } from '../../datasets/dataset-ref.js'
import { InvalidQueryError } from '../../errors.js'
import type { DatasetSearch } from '../registry.js'
import type { SqlCollections } from './sql-collections.js'
import type { SqlDatasetTypes } from './sql-dataset-types.js'
import { type SqlDatasets, type TagRow, toTagRow } from './sql-datasets.js'

const PAGE_SIZE = 1000

/**
 * Yields datasets matching a search, one page per query. Without `findFirst`, pages come from a
 * keyset scan ordered by dataset ID; with it, each dataset type's matches are reduced in memory to
 * the first collection per data ID.
 */
export async function* searchDatasets(
  types: SqlDatasetTypes,
  collections: SqlCollections,
  datasets: SqlDatasets,
  search: DatasetSearch,
): AsyncIterable<DatasetRef[]> {
  const typeList = search.datasetTypes
    ? await Promise.all(search.datasetTypes.map((n) => types.get(n)))
    : await types.query()
  const cols = search.collections
    ? await Promise.all(search.collections.map((c) => collections.get(c)))
    : (await collections.query()).filter((c) => c.type === 'RUN')
  if (cols.length === 0) return
  const rank = new Map(cols.map((c, i) => [c.id, i]))
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
    let base = datasets.tagQuery(t).where('tag.collection_id', 'in', [...rank.keys()])
    for (const [dim, value] of where) base = base.where(`tag.${dim}`, '=', value)
    if (search.findFirst) {
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
    let after: string | undefined
    for (;;) {
      let q = base.orderBy('tag.dataset_id').limit(PAGE_SIZE)
      if (after !== undefined) q = q.where('tag.dataset_id', '>', after)
      const rows = (await q.execute()).map((r) => toTagRow(r, group.required))
      if (rows.length === 0) break
      yield await Promise.all(rows.map((row) => datasets.toRef(t, row)))
      after = rows[rows.length - 1]!.datasetId
      if (rows.length < PAGE_SIZE) break
    }
  }
}
