/**
 * The SQLite implementation of `SqlDialectAdapter`, over better-sqlite3.
 */
import Database from 'better-sqlite3'
import { type Expression, Kysely, SqliteDialect, sql } from 'kysely'
import { RepositoryError } from '../../errors.js'
import type { AnyKysely, SqlDialectAdapter } from '../sql/dialect-adapter.js'
import { StatisticsRefresher } from '../sql/statistics.js'
import { wrapSqliteDatabase } from './sqlite-database.js'

/** Options of `createSqliteAdapter`. */
export interface SqliteAdapterOptions {
  /** Database file, or `:memory:`. */
  readonly path: string
  /** Whether the file may be created (otherwise it must exist). */
  readonly create: boolean
  /** How long a writer waits for another process's lock, in ms (default 300 000 as in the reference). */
  readonly busyTimeoutMs?: number
}

/** Opens a SQLite database with WAL, foreign keys, a busy timeout and `synchronous=NORMAL`. */
export function createSqliteAdapter(options: SqliteAdapterOptions): SqlDialectAdapter {
  let raw: Database.Database
  try {
    // The timeout is set at open, so that switching to WAL below also waits for other processes.
    raw = new Database(options.path, {
      fileMustExist: !options.create && options.path !== ':memory:',
      timeout: options.busyTimeoutMs ?? 300_000,
    })
  } catch (cause) {
    throw new RepositoryError(`Cannot open the registry database ${options.path}`, { cause })
  }
  raw.pragma('journal_mode = WAL')
  raw.pragma('foreign_keys = ON')
  raw.pragma('synchronous = NORMAL')
  // ANALYZE reads at most about this many rows per index: statistics in milliseconds at any size.
  raw.pragma('analysis_limit = 1000')
  const db: AnyKysely = new Kysely({ dialect: new SqliteDialect({ database: wrapSqliteDatabase(raw) }) })
  return new SqliteAdapter(db, options.path)
}

class SqliteAdapter implements SqlDialectAdapter {
  readonly name = 'sqlite'
  readonly db: AnyKysely
  readonly maxParameters = 32_000
  readonly autoIncrementType = 'integer' as const
  readonly bigintType = 'bigint' as const
  readonly blobType = 'blob' as const
  readonly floatType = 'double precision' as const
  readonly uuidType = 'char(36)' as const
  readonly rowLocks = false
  readonly pooled = false
  readonly location: string
  // Counted per process; `sqlite_stat1` is not read back, so a process analyzes at its first insert.
  private readonly statistics = new StatisticsRefresher(
    async () => 0,
    async (table) => {
      await sql.raw(`analyze "${table.replaceAll('"', '""')}"`).execute(this.db)
    },
  )

  constructor(db: AnyKysely, location: string) {
    this.db = db
    this.location = location
  }

  glob(column: string | Expression<unknown>, pattern: string) {
    return sql<boolean>`${typeof column === 'string' ? sql.ref(column) : column} glob ${pattern}`
  }

  booleanValue(value: boolean): unknown {
    return value ? 1 : 0
  }

  textValue(value: string): string {
    return value
  }

  async hasTable(name: string, db: AnyKysely = this.db): Promise<boolean> {
    const { rows } = await sql`select 1 from sqlite_master where type = 'table' and name = ${name}`.execute(
      db,
    )
    return rows.length > 0
  }

  isUniqueViolation(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  }

  isForeignKeyViolation(error: unknown): boolean {
    return (error as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
  }

  isTransientConflict(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code
    return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'))
  }

  async lockUntilCommit(): Promise<void> {}

  async noteInserted(table: string, rows: number): Promise<void> {
    await this.statistics.note(table, rows)
  }

  async close(): Promise<void> {
    await this.db.destroy()
  }
}
