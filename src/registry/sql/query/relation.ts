/**
 * Turns a query tree into one SQL relation: the dimension element tables its dimensions need, joined
 * on their shared dimension columns, plus one subquery per dataset search (tag rows of RUN and TAGGED
 * collections, validity rows of CALIBRATION collections, each with the collection's search rank).
 * Identifiers in the SQL come only from the universe and the registry's own table names; values are
 * always bound parameters.
 */
import { type RawBuilder, sql } from 'kysely'
import type { DimensionElement } from '../../../dimensions/dimension-element.js'
import type { DimensionGroup } from '../../../dimensions/dimension-group.js'
import type { DimensionUniverse } from '../../../dimensions/dimension-universe.js'
import { InvalidQueryError } from '../../../errors.js'
import {
  type ColumnRef,
  columnsOf,
  type QueryTree,
  type SpatialPredicate,
  spatialElementsOf,
} from '../../../query/tree.js'
import { keyColumns, TIMESPAN_BEGIN, TIMESPAN_END } from '../dimension-columns.js'
import { VALIDITY_BEGIN, VALIDITY_END } from '../schema.js'
import type { SqlCollection } from '../sql-collections.js'
import type { SqlDatasetType } from '../sql-dataset-types.js'

/** A dataset search resolved against the registry: its type and flattened collections. */
export interface ResolvedSearch {
  readonly type: SqlDatasetType
  readonly collections: readonly SqlCollection[]
}

/** One dataset search in the relation, aliased `ds_<n>`. */
export interface DatasetSource {
  readonly alias: string
  readonly search: ResolvedSearch
}

/** The joined relation of a query: FROM list, join conditions, and where each dimension's value lives. */
export interface Relation {
  readonly group: DimensionGroup
  /** Element tables joined, by element name (the alias is the element name); grows as `column` joins more. */
  readonly elements: ReadonlySet<string>
  readonly datasets: ReadonlyMap<string, DatasetSource>
  /** FROM items and join conditions; read them after every column has been asked for. */
  readonly from: RawBuilder<unknown>[]
  readonly conditions: RawBuilder<unknown>[]
  /** The SQL column holding each dimension's value (joining an implying table if needed). */
  column(dimension: string): RawBuilder<unknown>
  /**
   * Joins `source` as `alias`, whose columns named after `dimensions` hold those dimensions' values
   * (the first home of a dimension with no table, such as a skypix dimension).
   */
  join(source: RawBuilder<unknown>, alias: string, dimensions: readonly string[]): void
}

/** Ref to `alias.column`, quoted by the dialect. */
export function ref(alias: string, column: string): RawBuilder<unknown> {
  return sql.ref(`${alias}.${column}`)
}

/**
 * Plans the relation of `tree`: `extraDimensions` and `extraElements` are what the result needs
 * besides the tree (a result's dimensions; the element whose records are returned). Elements whose
 * regions `spatial` uses bring their dimensions, but the overlaps themselves are left to the caller.
 */
export function planRelation(
  universe: DimensionUniverse,
  tree: QueryTree,
  searches: ReadonlyMap<string, ResolvedSearch>,
  extraDimensions: readonly string[],
  extraElements: readonly string[],
  orderColumns: readonly ColumnRef[],
  spatial: readonly SpatialPredicate[] = [],
): Relation {
  const dims = new Set<string>([...tree.dimensions, ...Object.keys(tree.dataId), ...extraDimensions])
  for (const name of spatialElementsOf(spatial)) {
    for (const d of checkedElement(universe, name).required) dims.add(d)
  }
  const wantedElements = new Set<string>(extraElements)
  for (const s of searches.values()) for (const d of s.type.datasetType.dimensions.names) dims.add(d)
  const columns = [...columnsOf(tree.predicate), ...orderColumns]
  for (const c of columns) {
    if (c.kind === 'dimension') dims.add(checkedDimension(universe, c.dimension))
    else if (c.kind === 'field' || c.kind === 'timespan') {
      const e = checkedElement(universe, c.element)
      for (const d of e.required) dims.add(d)
      wantedElements.add(e.name)
    } else if (!searches.has(c.datasetType)) {
      throw new InvalidQueryError(`Dataset type '${c.datasetType}' is not searched by this query`)
    }
  }
  for (const name of extraElements) for (const d of checkedElement(universe, name).required) dims.add(d)
  const group = universe.group(dims)
  const needsTime = [...searches.values()].some((s) => s.collections.some((c) => c.type === 'CALIBRATION'))
  const temporal = needsTime ? temporalElement(group) : undefined
  if (temporal) wantedElements.add(temporal.name)

  const providedBySearch = new Set(
    [...searches.values()].flatMap((s) => s.type.datasetType.dimensions.required),
  )
  const joined: DimensionElement[] = []
  for (const e of universe.elements) {
    if (!e.hasOwnTable || !e.required.every((d) => group.has(d))) continue
    // Implied dimensions' values live in the implying table (they may be null there), so their own
    // tables join only when their records are used.
    // A dataset search already holds the keys of its dimensions: their tables join only when their
    // fields or implied values are used.
    const isRequired = group.required.includes(e.name)
    const keyedBySearch =
      providedBySearch.has(e.name) && !e.implied.some((d) => group.has(d)) && !e.alwaysJoin
    if ((isRequired && !keyedBySearch) || e.alwaysJoin || wantedElements.has(e.name)) joined.push(e)
  }
  for (const name of wantedElements) {
    if (!joined.some((e) => e.name === name)) {
      throw new InvalidQueryError(`Dimension element '${name}' has no records to query`)
    }
  }

  const from: RawBuilder<unknown>[] = []
  const conditions: RawBuilder<unknown>[] = []
  const home = new Map<string, RawBuilder<unknown>>()
  const provide = (dim: string, column: RawBuilder<unknown>) => {
    const existing = home.get(dim)
    if (existing) conditions.push(sql`${existing} = ${column}`)
    else home.set(dim, column)
  }
  // Dimensions' own tables first, so each value's home is its primary key where there is one.
  const ordered = [...joined].sort(
    (a, b) => Number(group.required.includes(b.name)) - Number(group.required.includes(a.name)),
  )
  const elementNames = new Set<string>()
  const joinElement = (e: DimensionElement) => {
    elementNames.add(e.name)
    from.push(sql`${sql.table(e.name)} as ${sql.id(e.name)}`)
    const keys = keyColumns(e)
    e.required.forEach((d, i) => {
      provide(d, ref(e.name, keys[i]!))
    })
    for (const d of e.implied) if (group.has(d)) provide(d, ref(e.name, d))
  }
  for (const e of ordered) joinElement(e)
  const datasets = new Map<string, DatasetSource>()
  for (const [name, search] of searches) {
    const alias = `ds_${datasets.size}`
    datasets.set(name, { alias, search })
    from.push(sql`(${datasetSubquery(search)}) as ${sql.id(alias)}`)
    for (const d of search.type.datasetType.dimensions.required) provide(d, ref(alias, d))
    // Without a temporal dimension, certified datasets match at any time (a find-first search then
    // cannot choose between validity ranges: the caller refuses that).
    if (temporal && search.collections.some((c) => c.type === 'CALIBRATION')) {
      // Tag rows carry no validity range and always pass.
      conditions.push(
        sql`(${ref(alias, VALIDITY_BEGIN)} is null or (${ref(alias, VALIDITY_BEGIN)} < ${ref(temporal.name, TIMESPAN_END)} and ${ref(temporal.name, TIMESPAN_BEGIN)} < ${ref(alias, VALIDITY_END)}))`,
      )
    }
  }
  if (from.length === 0) from.push(sql`(select 1 as one) as ${sql.id('nothing')}`)
  return {
    group,
    elements: elementNames,
    datasets,
    from,
    conditions,
    column(dimension: string) {
      // An implied dimension of an implied dimension (band of an exposure's physical_filter) is
      // found by joining the implying element's table when first asked for.
      for (let guard = 0; !home.has(dimension) && guard < universe.elements.length; guard++) {
        const implying = universe.elements.find(
          (e) =>
            e.hasOwnTable &&
            e.implied.includes(dimension) &&
            group.has(e.name) &&
            !elementNames.has(e.name) &&
            e.required.every((d) => group.has(d)),
        )
        if (!implying) break
        if (!home.has(implying.name)) this.column(implying.name)
        joinElement(implying)
      }
      const c = home.get(dimension)
      if (!c) {
        throw new InvalidQueryError(
          group.has(dimension)
            ? `Dimension '${dimension}' has no table to query: a skypix dimension needs a spatial element ` +
                '(visit, tract, patch, ...) or a dataset type with it in the query'
            : `Dimension '${dimension}' is not part of this query`,
        )
      }
      return c
    },
    join(source, alias, dimensions) {
      from.push(sql`${source} as ${sql.id(alias)}`)
      for (const d of dimensions) provide(d, ref(alias, d))
    },
  }
}

/** The tag and validity rows of a search, with each row's collection rank (0 = first searched). */
function datasetSubquery(search: ResolvedSearch): RawBuilder<unknown> {
  const { type, collections } = search
  const dims = type.datasetType.dimensions.required
  const rank = sql`case ${ref('t', 'collection_id')} ${sql.join(
    collections.map((c, i) => sql`when ${sql.lit(c.id)} then ${sql.lit(i)}`),
    sql` `,
  )} end`
  const dimCols = (alias: string) => sql.join(dims.map((d) => ref(alias, d)))
  const idsOf = (kind: string) => collections.filter((c) => c.type === kind).map((c) => c.id)
  const runIds = idsOf('RUN')
  const taggedIds = idsOf('TAGGED')
  const calibIds = idsOf('CALIBRATION')
  const parts: RawBuilder<unknown>[] = []
  const common = (alias: string) =>
    sql`${ref(alias, 'dataset_id')} as dataset_id, ${ref(alias, 'collection_id')} as collection_id, d.run_id as run_id, d.ingest_date as ingest_date, ${dimCols(alias)}, ${rank} as rank`
  const inIds = (ids: readonly number[]) => sql.join(ids.map((id) => sql.lit(id)))
  if (runIds.length > 0) {
    // A RUN row's collection is the dataset's run: no join to the (large) dataset table, whose
    // ingest date is looked up only where a query uses it (the planner drops unused outputs).
    parts.push(
      sql`select t.dataset_id as dataset_id, t.collection_id as collection_id, t.collection_id as run_id, (select d.ingest_date from dataset as d where d.id = t.dataset_id) as ingest_date, ${dimCols('t')}, ${rank} as rank, null as validity_begin, null as validity_end from ${sql.table(type.tagTable)} as t where t.dataset_type_id = ${sql.lit(type.id)} and t.collection_id in (${inIds(runIds)})`,
    )
  }
  if (taggedIds.length > 0) {
    parts.push(
      sql`select ${common('t')}, null as validity_begin, null as validity_end from ${sql.table(type.tagTable)} as t join dataset as d on d.id = t.dataset_id where t.dataset_type_id = ${sql.lit(type.id)} and t.collection_id in (${inIds(taggedIds)})`,
    )
  }
  if (calibIds.length > 0 && type.calibTable) {
    parts.push(
      sql`select ${common('t')}, t.${sql.id(VALIDITY_BEGIN)} as validity_begin, t.${sql.id(VALIDITY_END)} as validity_end from ${sql.table(type.calibTable)} as t join dataset as d on d.id = t.dataset_id where t.dataset_type_id = ${sql.lit(type.id)} and t.collection_id in (${inIds(calibIds)})`,
    )
  }
  if (parts.length === 0) {
    // Nothing can match; keep the columns so the rest of the query still compiles.
    return sql`select null as dataset_id, null as collection_id, null as run_id, null as ingest_date, ${sql.join(dims.map((d) => sql`null as ${sql.id(d)}`))}, null as rank, null as validity_begin, null as validity_end where 1 = 0`
  }
  return sql.join(parts, sql` union all `)
}

/** The first element of a temporal family (exposure, visit, day_obs) present in the group, with a table. */
function temporalElement(group: DimensionGroup): DimensionElement | undefined {
  for (const members of Object.values(group.universe.temporalFamilies)) {
    for (const m of members) {
      const e = group.universe.getElement(m)
      if (e.hasOwnTable && e.required.every((d) => group.has(d))) return e
    }
  }
  return undefined
}

function checkedDimension(universe: DimensionUniverse, name: string): string {
  if (!universe.has(name) || !universe.getElement(name).primaryKey) {
    throw new InvalidQueryError(`'${name}' is not a dimension`)
  }
  return name
}

function checkedElement(universe: DimensionUniverse, name: string): DimensionElement {
  if (!universe.has(name)) throw new InvalidQueryError(`'${name}' is not a dimension element`)
  return universe.getElement(name)
}
