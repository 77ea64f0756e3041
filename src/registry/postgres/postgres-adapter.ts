/**
 * The PostgreSQL implementation of `SqlDialectAdapter`, over a `pg` pool: an optional schema namespace
 * (the connection's `search_path`), 64-bit integers read back as numbers when safe and as bigint
 * beyond 2^53, and clear errors naming the server (never the password) when it cannot be reached.
 */
import { CompiledQuery, type Expression, Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { RepositoryError } from '../../errors.js'
import type { AnyKysely, SqlDialectAdapter } from '../sql/dialect-adapter.js'
import { StatisticsRefresher } from '../sql/statistics.js'
import { checkSchemaName, describeTarget, type PostgresTarget, parsePostgresUrl } from './postgres-url.js'

/** Options of `createPostgresAdapter`. */
export interface PostgresAdapterOptions {
  /** `postgresql://user[:password]@host:port/db`; without a password, `PGPASSWORD` or `~/.pgpass` is used. */
  readonly url: string
  /** Schema holding the registry's tables (default: the server's search path, usually `public`). */
  readonly schema?: string
  /** Whether the schema may be created when missing. */
  readonly create: boolean
  /** Most connections in the pool (default 10). */
  readonly maxConnections?: number
  /** How long to wait for a connection, in ms (default 10 000). */
  readonly connectionTimeoutMs?: number
  /** How long an idle connection stays open, in ms (default 30 000). */
  readonly idleTimeoutMs?: number
}

const INT8_OID = 20
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER)
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/** `int8` text as a number when safe, else a bigint (TAI nanoseconds). */
function parseInt8(text: string): number | bigint {
  const n = Number(text)
  if (Number.isSafeInteger(n)) return n
  const big = BigInt(text)
  return big >= MIN_SAFE && big <= MAX_SAFE ? Number(big) : big
}

/** Type parsers of this pool only: `pg.types` (global) stays untouched. */
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return parseInt8
    // biome-ignore lint/suspicious/noExplicitAny: pg-types' overloads do not accept a union format
    return pg.types.getTypeParser(oid, format as any)
  },
}

/**
 * Opens a pool on a PostgreSQL database, checks that the server answers (creating the schema when
 * `create` is set) and wraps it for the registry.
 *
 * @throws RepositoryError when the server is unreachable, the database is missing or login fails.
 */
export async function createPostgresAdapter(options: PostgresAdapterOptions): Promise<SqlDialectAdapter> {
  const target = parsePostgresUrl(options.url)
  const schema = options.schema === undefined ? undefined : checkSchemaName(options.schema)
  const location = describeTarget(target, schema)
  const pool = new pg.Pool({
    host: target.host,
    port: target.port,
    database: target.database,
    ...(target.user === undefined ? {} : { user: target.user }),
    ...(target.password === undefined ? {} : { password: target.password }),
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    types: typeParsers,
  })
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', () => {})
  try {
    const client = await pool.connect()
    try {
      if (schema !== undefined && options.create) {
        await client.query(`create schema if not exists "${schema}"`)
      }
    } finally {
      client.release()
    }
  } catch (cause) {
    await pool.end().catch(() => {})
    throw connectionError(target, location, cause)
  }
  const db: AnyKysely = new Kysely({ dialect: new PostgresDialect({ pool }) })
  return new PostgresAdapter(db, location)
}

function connectionError(target: PostgresTarget, location: string, cause: unknown): RepositoryError {
  const code = (cause as { code?: unknown } | null)?.code
  const text = cause instanceof Error ? cause.message : String(cause)
  const reason =
    code === '3D000'
      ? `database '${target.database}' does not exist`
      : code === '28P01' || code === '28000'
        ? `login refused (${text}); give the password in the URL, PGPASSWORD or ~/.pgpass`
        : code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH'
          ? `no server answers at ${target.host}:${target.port} (${code})`
          : text
  return new RepositoryError(`Cannot open the PostgreSQL registry at ${location}: ${reason}`, { cause })
}

/** Turns a glob (`*`, `?`, `[...]`) into an anchored POSIX regular expression. */
export function globToRegex(pattern: string): string {
  let out = '^'
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '*') out += '.*'
    else if (c === '?') out += '.'
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2)
      if (close < 0) {
        out += '\\['
        continue
      }
      let body = pattern.slice(i + 1, close).replace(/\\/g, '\\\\')
      if (body.startsWith('^')) body = `^${body.slice(1)}`
      out += `[${body}]`
      i = close
    } else out += /[\\^$.|+(){}[\]]/.test(c) ? `\\${c}` : c
  }
  return `${out}$`
}

/** A double-quoted SQL identifier. */
function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

class PostgresAdapter implements SqlDialectAdapter {
  readonly name = 'postgresql'
  readonly db: AnyKysely
  readonly location: string
  /** 65 535 bound parameters at most, with room for a few extra ones. */
  readonly maxParameters = 65_000
  readonly autoIncrementType = 'bigserial' as const
  readonly bigintType = 'bigint' as const
  readonly blobType = 'bytea' as const
  readonly floatType = 'double precision' as const
  readonly uuidType = 'uuid' as const
  readonly rowLocks = true
  readonly pooled = true
  /** Per table: rows added since statistics were last taken, and the row count they were taken at. */
  private readonly statistics = new StatisticsRefresher(
    async (table) => {
      const { rows } = await sql<{ n: number }>`
        select greatest(reltuples, 0)::float8 as n from pg_class where oid = to_regclass(${quote(table)})`.execute(
        this.db,
      )
      return Number(rows[0]?.n ?? 0)
    },
    async (table) => {
      await sql.raw(`analyze ${quote(table)}`).execute(this.db)
    },
  )
  /** Column types (`regtype` names) of tables bulk-inserted into, by table name. */
  private readonly columnTypes = new Map<string, Map<string, string>>()

  constructor(db: AnyKysely, location: string) {
    this.db = db
    this.location = location
  }

  glob(column: string | Expression<unknown>, pattern: string) {
    const regex = globToRegex(this.textValue(pattern))
    return sql<boolean>`${typeof column === 'string' ? sql.ref(column) : column} ~ ${regex}`
  }

  booleanValue(value: boolean): unknown {
    return value
  }

  textValue(value: string): string {
    return value.includes('\u0000') ? value.replaceAll('\u0000', '\uffff') : value
  }

  async hasTable(name: string, db: AnyKysely = this.db): Promise<boolean> {
    const { rows } =
      await sql`select 1 from information_schema.tables where table_schema = current_schema() and table_name = ${name}`.execute(
        db,
      )
    return rows.length > 0
  }

  isUniqueViolation(error: unknown): boolean {
    return (error as { code?: unknown } | null)?.code === '23505'
  }

  isForeignKeyViolation(error: unknown): boolean {
    return (error as { code?: unknown } | null)?.code === '23503'
  }

  isTransientConflict(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code
    return code === '40001' || code === '40P01'
  }

  async lockUntilCommit(db: AnyKysely, space: number, key: number): Promise<void> {
    // The two-int4 form: ids beyond 2^31 wrap, which only makes unrelated pairs share a lock.
    await sql`select pg_advisory_xact_lock(${space | 0}::int4, ${key | 0}::int4)`.execute(db)
  }

  async insertRows(
    db: AnyKysely,
    table: string,
    columns: readonly string[],
    params: readonly unknown[],
    ignoreConflicts: readonly string[] | undefined,
  ): Promise<number> {
    const types = await this.tableColumnTypes(db, table)
    const n = params.length / columns.length
    const arrays = columns.map((_, j) => {
      const values = new Array<unknown>(n)
      for (let i = 0; i < n; i++) values[i] = params[i * columns.length + j]
      return values
    })
    const casts = columns.map((c, j) => {
      const type = types.get(c)
      if (type === undefined) throw new RepositoryError(`Table ${table} has no column ${c}`)
      return `$${j + 1}::${type}[]`
    })
    const list = columns.map(quote).join(', ')
    const conflict = ignoreConflicts
      ? ` on conflict (${ignoreConflicts.map(quote).join(', ')}) do nothing`
      : ''
    const text = `insert into ${quote(table)} (${list}) select * from unnest(${casts.join(', ')})${conflict}`
    const result = await db.executeQuery(CompiledQuery.raw(text, arrays))
    return Number(result.numAffectedRows ?? 0n)
  }

  private async tableColumnTypes(db: AnyKysely, table: string): Promise<Map<string, string>> {
    let types = this.columnTypes.get(table)
    if (!types) {
      const { rows } = await sql<{ name: string; type: string }>`
        select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
        where attrelid = to_regclass(${quote(table)}) and attnum > 0 and not attisdropped`.execute(db)
      types = new Map(rows.map((r) => [r.name, r.type]))
      if (types.size === 0) throw new RepositoryError(`No table ${table} in ${this.location}`)
      this.columnTypes.set(table, types)
    }
    return types
  }

  async noteInserted(table: string, rows: number): Promise<void> {
    await this.statistics.note(table, rows)
  }

  async excludeOverlappingValidity(
    db: AnyKysely,
    table: string,
    keyColumns: readonly string[],
  ): Promise<void> {
    const { rows } = await sql`select 1 from pg_extension where extname = 'btree_gist'`.execute(db)
    if (rows.length === 0) {
      try {
        // In `public` when there is one, so that dropping the registry's own schema keeps it.
        const { rows: pub } = await sql`select 1 from pg_namespace where nspname = 'public'`.execute(db)
        await sql
          .raw(`create extension if not exists btree_gist${pub.length > 0 ? ' schema public' : ''}`)
          .execute(db)
      } catch (cause) {
        throw new RepositoryError(
          `Cannot create the PostgreSQL extension btree_gist in ${this.location}, which calibration tables need ` +
            `(${cause instanceof Error ? cause.message : String(cause)}); ask the database owner to run 'create extension btree_gist'`,
          { cause },
        )
      }
    }
    const keys = keyColumns.map((c) => `${quote(c)} with =`).join(', ')
    await sql
      .raw(
        `alter table ${quote(table)} add constraint ${quote(`${table}_no_overlap`)} ` +
          `exclude using gist (${keys}, int8range(validity_begin, validity_end) with &&)`,
      )
      .execute(db)
  }

  async close(): Promise<void> {
    await this.db.destroy()
  }
}
