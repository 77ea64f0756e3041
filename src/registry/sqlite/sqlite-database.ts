/**
 * A better-sqlite3 database wrapped for Kysely: cached prepared statements, `BEGIN IMMEDIATE` for
 * transactions, and 64-bit integers read back as bigint where they may exceed 2^53.
 */
import type BetterSqlite3 from 'better-sqlite3'
import type { SqliteDatabase, SqliteStatement } from 'kysely'

const STATEMENT_CACHE_SIZE = 500
/** Columns whose values may exceed 2^53 (TAI nanoseconds); statements reading them use safe integers. */
const BIG_COLUMNS = /timespan_(begin|end)|validity_(begin|end)|ingest_date/

/**
 * Wraps a better-sqlite3 connection in Kysely's `SqliteDatabase` shape.
 *
 * Statements that read `timespan_*`, `validity_*` or `ingest_date` columns (named in the SQL or among
 * the result columns, as with `select *`) return every integer as a
 * bigint from the driver; this wrapper turns the safe ones back into numbers, so only the large values
 * stay bigint.
 */
export function wrapSqliteDatabase(raw: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>()
  return {
    close: () => raw.close(),
    prepare(sql: string): SqliteStatement {
      let stmt = cache.get(sql)
      if (stmt) return stmt
      // Writers take the lock at BEGIN, so two processes never deadlock upgrading read locks.
      const text = sql === 'begin' ? 'begin immediate' : sql
      const prepared = raw.prepare(text)
      stmt = prepared.reader && readsBigColumn(prepared, text) ? bigintReader(prepared) : prepared
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!)
      cache.set(sql, stmt)
      return stmt
    },
  }
}

/** Whether a reading statement returns a big column, by its text or by a result column's name or origin. */
function readsBigColumn(stmt: BetterSqlite3.Statement, text: string): boolean {
  if (BIG_COLUMNS.test(text)) return true
  return stmt
    .columns()
    .some((c) => BIG_COLUMNS.test(c.name) || (c.column !== null && BIG_COLUMNS.test(c.column)))
}

function bigintReader(stmt: BetterSqlite3.Statement): SqliteStatement {
  stmt.safeIntegers(true)
  return {
    reader: true,
    all: (parameters) => (stmt.all(...parameters) as Record<string, unknown>[]).map(narrowRow),
    run: (parameters) => stmt.run(...parameters),
    iterate: function* (parameters) {
      for (const row of stmt.iterate(...parameters)) yield narrowRow(row as Record<string, unknown>)
    },
  }
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER)
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

function narrowRow(row: Record<string, unknown>): Record<string, unknown> {
  for (const key in row) {
    const v = row[key]
    if (typeof v === 'bigint' && v >= MIN_SAFE && v <= MAX_SAFE) row[key] = Number(v)
  }
  return row
}
