/**
 * Runs query trees: plans the relation, selects the result's columns (with a find-first window for
 * dataset results), and streams rows in pages. A result that fits in one page costs one statement; a
 * bigger one is written once to a temporary table and read back page by page, so memory stays flat
 * however many rows match and no statement stays open while the caller works on a page. A query with
 * region overlaps first builds the table of dimension values that pass them exactly (`spatial-table.ts`)
 * and joins it; a query without any runs exactly as before.
 */
import { type RawBuilder, sql } from 'kysely'
import { DatasetRef } from '../../../datasets/dataset-ref.js'
import { DataCoordinate } from '../../../dimensions/data-coordinate.js'
import type { DataIdValue } from '../../../dimensions/dimension-record.js'
import { DimensionRecord } from '../../../dimensions/dimension-record.js'
import { InvalidQueryError } from '../../../errors.js'
import type { QueryRow, ExecuteOptions as RunOptions } from '../../../query/driver.js'
import { type Predicate, type QueryTree, type ResultSpec, splitSpatial } from '../../../query/tree.js'
import type { AnyKysely } from '../dialect-adapter.js'
import { elementColumns, rowToRecordObject } from '../dimension-columns.js'
import type { SqlCollections } from '../sql-collections.js'
import type { SqlContext } from '../sql-context.js'
import type { SqlDatasetTypes } from '../sql-dataset-types.js'
import { PredicateCompiler } from './predicate-sql.js'
import { planRelation, type Relation, type ResolvedSearch, ref } from './relation.js'
import { candidateQuery } from './spatial-candidates.js'
import { planSpatial } from './spatial-plan.js'
import { createSpatialTable, dropSpatialTable } from './spatial-table.js'

type Sql = RawBuilder<unknown>

/** Rows per page of a streamed result. */
export const QUERY_PAGE_SIZE = 5000

interface Selection {
  /** SELECT DISTINCT ... over the relation, without ORDER BY or LIMIT. */
  readonly body: Sql
  readonly orderBy: Sql | undefined
  readonly decode: (row: Record<string, unknown>) => QueryRow | Promise<QueryRow>
  /** Drops the temporary table of a spatial query; run it when done with the selection. */
  readonly release?: () => Promise<void>
}

/**
 * Names of the temporary tables of streamed results come from a small pool, so the statements that
 * page through them repeat and stay in the prepared-statement cache.
 */
const freeTemporarySlots: number[] = []
let temporarySlots = 0

/** Query execution over the SQL registry's tables. */
export class SqlQueries {
  constructor(
    private readonly ctx: SqlContext,
    private readonly types: SqlDatasetTypes,
    private readonly collections: SqlCollections,
  ) {}

  /** Streams the rows of a query in pages. */
  async *run(tree: QueryTree, spec: ResultSpec, options: RunOptions = {}): AsyncIterable<QueryRow[]> {
    const session = await this.ctx.session()
    try {
      const selection = await this.select(session.db, tree, spec)
      let done = false
      try {
        yield* this.runSelection(session.db, selection, spec, options)
        done = true
      } finally {
        await releaseQuietly(selection, done)
      }
    } finally {
      await session.end()
    }
  }

  private async *runSelection(
    db: AnyKysely,
    selection: Selection,
    spec: ResultSpec,
    options: RunOptions,
  ): AsyncIterable<QueryRow[]> {
    const pageSize = Math.max(1, options.pageSize ?? QUERY_PAGE_SIZE)
    const cap = spec.limit === undefined ? undefined : Math.abs(spec.limit)
    // One more row than allowed tells whether a negative limit cut anything off.
    const wanted = cap === undefined ? undefined : spec.limit! < 0 ? cap + 1 : cap
    const ordered = selection.orderBy ? sql`${selection.body} order by ${selection.orderBy}` : selection.body
    const firstLimit = wanted === undefined ? pageSize + 1 : Math.min(wanted, pageSize + 1)
    const first = await rows(db, sql`${ordered} limit ${sql.lit(firstLimit)}`)
    if (first.length <= pageSize && (wanted === undefined || first.length <= wanted)) {
      const kept = cap !== undefined && first.length > cap ? first.slice(0, cap) : first
      if (cap !== undefined && spec.limit! < 0 && first.length > cap) warnCap(options, cap)
      if (kept.length > 0) yield await Promise.all(kept.map(selection.decode))
      return
    }
    yield* this.runMaterialized(db, selection, wanted, cap, spec.limit, pageSize, options)
  }

  /** Number of rows a query returns (ignoring order and limit). */
  async count(tree: QueryTree, spec: ResultSpec): Promise<number> {
    return this.withSelection(tree, spec, async (db, { body }) => {
      const found = await rows(db, sql`select count(*) as n from (${body}) as q`)
      return Number(found[0]?.n ?? 0)
    })
  }

  /** Whether a query returns any row. */
  async any(tree: QueryTree, spec: ResultSpec): Promise<boolean> {
    return this.withSelection(
      tree,
      spec,
      async (db, { body }) => (await rows(db, sql`${body} limit 1`)).length > 0,
    )
  }

  /** Runs `fn` on the selection of a query, in a session that holds its temporary tables. */
  private async withSelection<T>(
    tree: QueryTree,
    spec: ResultSpec,
    fn: (db: AnyKysely, selection: Selection) => Promise<T>,
  ): Promise<T> {
    const session = await this.ctx.session()
    try {
      const selection = await this.select(session.db, tree, spec)
      let done = false
      try {
        const result = await fn(session.db, selection)
        done = true
        return result
      } finally {
        await releaseQuietly(selection, done)
      }
    } finally {
      await session.end()
    }
  }

  /** The rows of `body` in pages, through a temporary table when there is more than one page. */
  private async *pages(
    db: AnyKysely,
    body: Sql,
    pageSize = QUERY_PAGE_SIZE,
  ): AsyncIterable<Record<string, unknown>[]> {
    const first = await rows(db, sql`${body} limit ${sql.lit(pageSize + 1)}`)
    if (first.length <= pageSize) {
      if (first.length > 0) yield first
      return
    }
    yield* this.materializedPages(db, body, sql``, sql``, pageSize)
  }

  /** Writes `body` (ordered by `over`, limited by `limited`) to a temporary table and reads it back in pages. */
  private async *materializedPages(
    db: AnyKysely,
    body: Sql,
    over: Sql,
    limited: Sql,
    pageSize: number,
  ): AsyncIterable<Record<string, unknown>[]> {
    const slot = freeTemporarySlots.pop() ?? ++temporarySlots
    const table = `butler_query_${slot}`
    let done = false
    try {
      await rows(
        db,
        sql`create temporary table ${sql.table(table)} as select row_number() over (${over}) as q_row, q.* from (${body}) as q ${over} ${limited}`,
      )
      await rows(db, sql`create index ${sql.id(`${table}_row`)} on ${sql.table(table)} (q_row)`)
      let after = 0
      for (;;) {
        const page = await rows(
          db,
          sql`select * from ${sql.table(table)} where q_row > ${after} order by q_row limit ${sql.lit(pageSize)}`,
        )
        if (page.length === 0) break
        after = Number(page[page.length - 1]!.q_row)
        yield page
        if (page.length < pageSize) break
      }
      done = true
    } finally {
      await dropQuietly(db, table, done)
      freeTemporarySlots.push(slot)
    }
  }

  private async *runMaterialized(
    db: AnyKysely,
    selection: Selection,
    wanted: number | undefined,
    cap: number | undefined,
    limit: number | undefined,
    pageSize: number,
    options: RunOptions,
  ): AsyncIterable<QueryRow[]> {
    const over = selection.orderBy ? sql`order by ${selection.orderBy}` : sql``
    const limited = wanted === undefined ? sql`` : sql`limit ${sql.lit(wanted)}`
    let total = 0
    for await (const page of this.materializedPages(db, selection.body, over, limited, pageSize)) {
      let kept = page
      if (cap !== undefined && total + page.length > cap) {
        kept = page.slice(0, cap - total)
        if (limit! < 0) warnCap(options, cap)
      }
      total += kept.length
      if (kept.length > 0) yield await Promise.all(kept.map(selection.decode))
      if (cap !== undefined && total >= cap) break
    }
  }

  /** Resolves the dataset searches of a tree: types and flattened collections. */
  private async searches(tree: QueryTree): Promise<Map<string, ResolvedSearch>> {
    const out = new Map<string, ResolvedSearch>()
    for (const [name, spec] of Object.entries(tree.datasets)) {
      const type = await this.types.get(name)
      if (type.datasetType.isComponent)
        throw new InvalidQueryError(`Cannot query component dataset type '${name}'`)
      out.set(name, { type, collections: await this.collections.flatten(spec.collections) })
    }
    return out
  }

  /** The relation, the result's columns and how to decode a row. */
  private async select(db: AnyKysely, tree: QueryTree, spec: ResultSpec): Promise<Selection> {
    const searches = await this.searches(tree)
    const universe = this.ctx.universe
    const orderColumns = (spec.orderBy ?? []).map((t) => t.column)
    let dims: readonly string[] = []
    let elements: string[] = []
    if (spec.kind === 'dataIds') dims = spec.dimensions
    else if (spec.kind === 'dimensionRecords') elements = [spec.element]
    else if (!searches.has(spec.datasetType)) {
      throw new InvalidQueryError(`Dataset type '${spec.datasetType}' is not searched by this query`)
    }
    const { spatial, rest } = splitSpatial(tree.predicate)
    const relation = planRelation(universe, tree, searches, dims, elements, orderColumns, spatial)
    if (spec.kind === 'datasets' && spec.findFirst) checkCalibrationTime(relation, spec.datasetType)
    const plan = planSpatial(relation.group, spatial, searches)
    if (!plan) return this.selectFrom(relation, rest, tree, spec)
    const candidates = candidateQuery(plan, { tree, rest, searches, group: relation.group }, this.ctx.adapter)
    const table = await createSpatialTable(this.ctx, db, plan, candidates, (body) => this.pages(db, body))
    const release = () => dropSpatialTable(db, table.name)
    try {
      relation.join(sql.table(table.name), 'spatial', table.dimensions)
      return { ...this.selectFrom(relation, rest, tree, spec), release }
    } catch (error) {
      await release()
      throw error
    }
  }

  /** The selection of a planned relation: result columns, filters, ordering and find-first. */
  private selectFrom(
    relation: Relation,
    predicate: Predicate | null,
    tree: QueryTree,
    spec: ResultSpec,
  ): Selection {
    const compiler = new PredicateCompiler(relation, this.ctx.adapter)
    const filters: Sql[] = []
    for (const [d, value] of Object.entries(tree.dataId)) filters.push(sql`${relation.column(d)} = ${value}`)
    if (predicate) filters.push(compiler.predicate(predicate))
    const { columns, decode } = this.resultColumns(relation, spec)
    const orderExprs = (spec.orderBy ?? []).map((t) => compiler.scalarOf(t.column))
    const partition =
      spec.kind === 'datasets' && spec.findFirst ? relation.group.required.map((d) => relation.column(d)) : []
    // Asking for columns may have joined more tables: read the FROM list and conditions only now.
    const where = [...relation.conditions, ...filters]
    const selected = [
      ...columns.map((c, i) => sql`${c} as ${sql.id(`r${i}`)}`),
      ...orderExprs.map((c, i) => sql`${c} as ${sql.id(`o${i}`)}`),
    ]
    const whereSql = where.length > 0 ? sql`where ${sql.join(where, sql` and `)}` : sql``
    const fromSql = sql.join(relation.from, sql`, `)
    let body: Sql
    const outCols = sql.join([
      ...columns.map((_, i) => sql.id(`r${i}`)),
      ...orderExprs.map((_, i) => sql.id(`o${i}`)),
    ])
    if (spec.kind === 'datasets' && spec.findFirst) {
      const source = relation.datasets.get(spec.datasetType)!
      body = sql`select distinct ${outCols} from (select ${sql.join(selected)}, row_number() over (partition by ${sql.join(partition)} order by ${ref(source.alias, 'rank')}) as q_rank from ${fromSql} ${whereSql}) as q where q_rank = 1`
    } else {
      body = sql`select distinct ${outCols} from (select ${sql.join(selected)} from ${fromSql} ${whereSql}) as q`
    }
    const orderBy =
      orderExprs.length > 0
        ? sql.join(
            (spec.orderBy ?? []).map(
              (t, i) => sql`${sql.id(`o${i}`)} ${sql.raw(t.descending ? 'desc' : 'asc')}`,
            ),
          )
        : undefined
    return { body, orderBy, decode }
  }

  private resultColumns(
    relation: Relation,
    spec: ResultSpec,
  ): { columns: Sql[]; decode: Selection['decode'] } {
    const universe = this.ctx.universe
    const values = (row: Record<string, unknown>, n: number, offset = 0): DataIdValue[] =>
      Array.from({ length: n }, (_, i) => normalize(row[`r${i + offset}`]) as DataIdValue)
    if (spec.kind === 'dataIds') {
      const group = universe.group(spec.dimensions)
      const keys = group.dataCoordinateKeys
      return {
        columns: keys.map((d) => relation.column(d)),
        decode: (row) => DataCoordinate.fromFullValues(group, values(row, keys.length)),
      }
    }
    if (spec.kind === 'dimensionRecords') {
      const element = universe.getElement(spec.element)
      const cols = elementColumns(element)
      return {
        columns: cols.map((c) => ref(element.name, c)),
        decode: (row) => {
          const raw: Record<string, unknown> = {}
          cols.forEach((c, i) => {
            raw[c] = row[`r${i}`]
          })
          return DimensionRecord.fromObject(element, rowToRecordObject(element, raw))
        },
      }
    }
    const source = relation.datasets.get(spec.datasetType)!
    const datasetType = source.search.type.datasetType
    const keys = datasetType.dimensions.dataCoordinateKeys
    return {
      columns: [
        ref(source.alias, 'dataset_id'),
        ref(source.alias, 'run_id'),
        ...keys.map((d) => relation.column(d)),
      ],
      decode: async (row) => {
        const run = await this.collections.nameOf(Number(row.r1))
        const dataId = DataCoordinate.fromFullValues(datasetType.dimensions, values(row, keys.length, 2))
        return new DatasetRef(datasetType, dataId, run, String(row.r0))
      },
    }
  }
}

async function rows(db: AnyKysely, query: Sql): Promise<Record<string, unknown>[]> {
  const result = await query.execute(db)
  return result.rows as Record<string, unknown>[]
}

/** Releases a selection's temporary tables; after a failure, see `dropQuietly`. */
async function releaseQuietly(selection: Selection, succeeded: boolean): Promise<void> {
  try {
    await selection.release?.()
  } catch (error) {
    if (succeeded) throw error
  }
}

/**
 * Drops a temporary table. After a failure the drop's own error is ignored: on PostgreSQL the failed
 * statement has aborted the transaction, which discards the table anyway, and the first error is the
 * one to report.
 */
async function dropQuietly(db: AnyKysely, table: string, succeeded: boolean): Promise<void> {
  try {
    await rows(db, sql`drop table if exists ${sql.table(table)}`)
  } catch (error) {
    if (succeeded) throw error
  }
}

function warnCap(options: RunOptions, cap: number): void {
  options.onWarning?.(
    `More than ${cap} rows matched; only the first ${cap} are returned (the limit was negative)`,
  )
}

/** Driver values as data ID values: safe bigints become numbers. */
function normalize(v: unknown): unknown {
  if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) {
    return Number(v)
  }
  return v
}

/**
 * A find-first search through CALIBRATION collections picks one validity range per data ID, so the
 * query needs a dimension with a timespan (exposure, visit, day_obs) to pick by.
 */
function checkCalibrationTime(relation: Relation, datasetType: string): void {
  const search = relation.datasets.get(datasetType)?.search
  if (!search?.collections.some((c) => c.type === 'CALIBRATION')) return
  const timed = Object.values(relation.group.universe.temporalFamilies).some((members) =>
    members.some((m) => relation.group.elements.some((e) => e.name === m && e.hasOwnTable)),
  )
  if (!timed) {
    throw new InvalidQueryError(
      `A find-first search of '${datasetType}' through CALIBRATION collections needs a time: add a ` +
        'dimension with a timespan (exposure, visit) to the query, or search without find-first',
    )
  }
}
