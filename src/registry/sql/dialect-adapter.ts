/**
 * The seam between the SQL registry and one database engine: everything the registry needs that
 * differs between SQLite and PostgreSQL, and nothing else.
 */
import type { ColumnDataType, Expression, Kysely, SqlBool } from 'kysely'

/** Any Kysely database: the registry's tables are partly dynamic (tag and dimension tables). */
// biome-ignore lint/suspicious/noExplicitAny: table set is only known at run time
export type AnyKysely = Kysely<any>

/** What one database engine supplies to the SQL registry. */
export interface SqlDialectAdapter {
  /** Engine name, used in messages (`sqlite`, `postgresql`). */
  readonly name: string
  /** The Kysely instance over this engine's connection (pragmas applied, integers handled). */
  readonly db: AnyKysely
  /** Where the database is (a file path, or a URL without password), for messages. */
  readonly location: string
  /**
   * Whether `db` is a pool of connections, so that session state (temporary tables) is only seen by
   * statements pinned to one connection (see `SqlContext.session`).
   */
  readonly pooled: boolean
  /** Largest number of bound parameters in one statement. */
  readonly maxParameters: number
  /** Column type of auto-increment integer primary keys (`integer` in SQLite, `bigserial` in PostgreSQL). */
  readonly autoIncrementType: ColumnDataType
  /** Column type of 64-bit integers (TAI nanoseconds are read back as bigint). */
  readonly bigintType: ColumnDataType
  /** Column type of binary values (regions, hashes). */
  readonly blobType: ColumnDataType
  /** Column type of floating-point values. */
  readonly floatType: ColumnDataType
  /** Column type of dataset IDs (`char(36)` text in SQLite, the 16-byte `uuid` in PostgreSQL). */
  readonly uuidType: ColumnDataType
  /**
   * Whether `select … for update` and `for key share` lock rows (PostgreSQL). SQLite has no row
   * locks and needs none: `begin immediate` lets one writer at a time in.
   */
  readonly rowLocks: boolean
  /** A boolean expression matching `column` (a column name or an expression) against a glob (`*`, `?`; case-sensitive). */
  glob(column: string | Expression<unknown>, pattern: string): Expression<SqlBool>
  /** The value bound for a boolean (SQLite stores 0 and 1). */
  booleanValue(value: boolean): unknown
  /**
   * A string compared with stored text in a query. PostgreSQL text cannot hold U+0000, so no stored
   * value contains it; there it is bound as U+FFFF (a noncharacter), which keeps comparisons false
   * instead of failing the statement.
   */
  textValue(value: string): string
  /**
   * Whether a table of this name exists in the registry's schema (temporary tables aside), as seen
   * by `db` (default: the adapter's own; pass the transaction's inside one).
   */
  hasTable(name: string, db?: AnyKysely): Promise<boolean>
  /** Whether a driver error is a unique or primary-key violation. */
  isUniqueViolation(error: unknown): boolean
  /** Whether a driver error is a foreign-key violation. */
  isForeignKeyViolation(error: unknown): boolean
  /**
   * Whether a driver error means the transaction lost a race and may succeed if run again: a
   * serialization failure or a deadlock (PostgreSQL 40001, 40P01), a lock not obtained (SQLite busy).
   */
  isTransientConflict(error: unknown): boolean
  /**
   * Makes writers of one `(space, key)` pair, inside `db`'s transaction, wait for each other until
   * that transaction ends. PostgreSQL takes a transaction-scoped advisory lock; SQLite does nothing,
   * since `begin immediate` already lets one writer at a time in. Callers taking several locks take
   * them in ascending order, so two transactions never wait for each other.
   */
  lockUntilCommit(db: AnyKysely, space: number, key: number): Promise<void>
  /**
   * A faster path for large multi-row inserts than one statement of bound rows, where the engine has
   * one (PostgreSQL: `insert … select * from unnest($1::type[], …)`, one array per column). Same
   * contract as `SqlInserter.insert`; returns the number of rows inserted.
   */
  insertRows?(
    db: AnyKysely,
    table: string,
    columns: readonly string[],
    params: readonly unknown[],
    ignoreConflicts: readonly string[] | undefined,
  ): Promise<number>
  /**
   * Makes the database itself refuse overlapping validity ranges in a new calibration table: rows
   * equal in `keyColumns` whose `[validity_begin, validity_end)` ranges overlap (PostgreSQL: an
   * exclusion constraint over `int8range` with `btree_gist`). Engines without one rely on the
   * registry's check under `lockUntilCommit`.
   */
  excludeOverlappingValidity?(db: AnyKysely, table: string, keyColumns: readonly string[]): Promise<void>
  /**
   * Told after a commit that added `rows` rows to `table`, outside any transaction: takes fresh
   * planner statistics (`ANALYZE`) when `StatisticsRefresher`'s rule says so, so that queries right
   * after a load are not planned for an empty table.
   */
  noteInserted?(table: string, rows: number): Promise<void>
  /** Closes the connection. */
  close(): Promise<void>
}
