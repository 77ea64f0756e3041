/**
 * Multi-row inserts from cached compiled statements: the hot paths (put, putMany) compile each
 * (table, columns, row count) shape once and then only bind new parameters. Large inserts take the
 * engine's bulk path where it has one (PostgreSQL: one array per column).
 */
import type { CompiledQuery } from 'kysely'
import type { SqlContext } from './sql-context.js'

const CACHE_SIZE = 128
/** From this many rows on, the engine's bulk path (`SqlDialectAdapter.insertRows`) is used where it has one. */
const BULK_ROWS = 64

/** Executes multi-row inserts of flat parameter lists through cached compiled queries. */
export class SqlInserter {
  private readonly ctx: SqlContext
  private readonly cache = new Map<string, CompiledQuery>()

  constructor(ctx: SqlContext) {
    this.ctx = ctx
  }

  /**
   * Inserts `params.length / columns.length` rows (row-major parameters) in one statement; with
   * `ignoreConflicts`, rows whose key already exists are skipped.
   */
  async insert(
    table: string,
    columns: readonly string[],
    params: readonly unknown[],
    ignoreConflicts: readonly string[] | undefined = undefined,
  ): Promise<number> {
    const rows = params.length / columns.length
    if (rows === 0) return 0
    const bulk = this.ctx.adapter.insertRows
    if (bulk && rows >= BULK_ROWS) {
      return bulk.call(this.ctx.adapter, this.ctx.db, table, columns, params, ignoreConflicts)
    }
    const key = `${table}|${columns.join(',')}|${rows}|${ignoreConflicts?.join(',') ?? ''}`
    let compiled = this.cache.get(key)
    if (!compiled) {
      const placeholderRows = Array.from({ length: rows }, () =>
        Object.fromEntries(columns.map((c) => [c, 0])),
      )
      let q = this.ctx.adapter.db.insertInto(table).values(placeholderRows)
      if (ignoreConflicts) q = q.onConflict((oc) => oc.columns(ignoreConflicts).doNothing())
      compiled = q.compile()
      if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!)
      this.cache.set(key, compiled)
    }
    const result = await this.ctx.db.executeQuery({ ...compiled, parameters: params })
    return Number(result.numAffectedRows ?? 0n)
  }
}
