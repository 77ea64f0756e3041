/**
 * State shared by the parts of the SQL registry: the database, the transaction in progress (carried
 * by `AsyncLocalStorage`, so every call made inside `transaction()` joins it) and cache invalidation.
 */

import { AsyncLocalStorage } from 'node:async_hooks'
import { CompiledQuery as Compiled, type CompiledQuery, type ControlledTransaction } from 'kysely'
import { isUuid } from '../../datasets/dataset-id.js'
import type { DimensionUniverse } from '../../dimensions/dimension-universe.js'
import type { AnyKysely, SqlDialectAdapter } from './dialect-adapter.js'

interface Frame {
  // biome-ignore lint/suspicious/noExplicitAny: see AnyKysely
  readonly trx: ControlledTransaction<any>
  /** Nesting depth: 0 for the transaction itself, 1 for its first savepoint, ... */
  readonly depth: number
}

/** Most runs of a retried transaction's function (see `SqlContext.transaction`). */
export const MAX_ATTEMPTS = 5
/** Base pause before a retry, in ms; it doubles with each attempt and is drawn at random below it. */
const BACKOFF_MS = 10

/** Options of `SqlContext.transaction`. */
export interface TransactionOptions {
  /** Whether an outermost transaction that loses a race runs `fn` again (see `SqlContext.transaction`). */
  readonly retry?: boolean
}

/** Options of a transaction made only of registry statements, safe to rerun when it loses a race. */
export const RETRY: TransactionOptions = { retry: true }

/** A database handle pinned to one connection (see `SqlContext.session`). */
export interface SqlSession {
  readonly db: AnyKysely
  /** Gives the connection back (its session state is discarded). */
  end(): Promise<void>
}

/** The database, the current transaction and the caches' invalidation hooks. */
export class SqlContext {
  readonly adapter: SqlDialectAdapter
  readonly universe: DimensionUniverse
  private readonly storage = new AsyncLocalStorage<Frame>()
  private readonly resetHooks: (() => void)[] = []
  /** SQL text by query shape (null: that shape cannot be cached). */
  private readonly compiledCache = new Map<string, string | null>()

  constructor(adapter: SqlDialectAdapter, universe: DimensionUniverse) {
    this.adapter = adapter
    this.universe = universe
  }

  /** The transaction in progress in this async context, or the database itself. */
  get db(): AnyKysely {
    return this.storage.getStore()?.trx ?? this.adapter.db
  }

  /**
   * Inside a transaction: whether the row of `table` whose `column` is `id` still exists; where rows
   * lock (PostgreSQL) it is also share-locked until the transaction ends, so that it cannot be
   * deleted under a writer that refers to it. Rows are held in the order collection, dataset type.
   */
  async holdRow(table: string, column: string, id: number): Promise<boolean> {
    let q = this.db.selectFrom(table).select(column).where(column, '=', id)
    if (this.adapter.rowLocks) q = q.forKeyShare()
    return (await q.executeTakeFirst()) !== undefined
  }

  /**
   * Inside a transaction, before deleting rows that writers hold with `holdRow`: waits for those
   * writers to finish and keeps new ones out until this transaction ends (PostgreSQL).
   */
  async lockRowsForDelete(table: string, column: string, ids: readonly (number | string)[]): Promise<void> {
    if (!this.adapter.rowLocks || ids.length === 0) return
    for (const chunk of chunked([...ids], this.adapter.maxParameters - 10)) {
      await this.db
        .selectFrom(table)
        .select(column)
        .where(column, 'in', chunk)
        .orderBy(column)
        .forUpdate()
        .execute()
    }
  }

  /**
   * Inside a transaction: the number of rows of `table` whose `column` is one of `ids`, share-locked
   * until the transaction ends where rows lock (see `holdRow`).
   */
  async holdRows(table: string, column: string, ids: readonly string[]): Promise<number> {
    let n = 0
    for (const chunk of idChunks(ids, this.adapter.maxParameters - 10)) {
      let q = this.db.selectFrom(table).select(column).where(column, 'in', chunk)
      if (this.adapter.rowLocks) q = q.forKeyShare()
      n += (await q.execute()).length
    }
    return n
  }

  /**
   * After a write that added `rows` rows to each of `tables`: lets the engine refresh its planner
   * statistics (`SqlDialectAdapter.noteInserted`). Skipped inside a transaction, whose rows other
   * sessions cannot see yet; the next write outside one counts them.
   */
  async noteInserted(tables: readonly string[], rows: number): Promise<void> {
    const note = this.adapter.noteInserted
    if (!note || this.inTransaction || rows === 0) return
    for (const table of tables) await note.call(this.adapter, table, rows)
  }

  /** Whether a transaction is in progress in this async context. */
  get inTransaction(): boolean {
    return this.storage.getStore() !== undefined
  }

  /**
   * Runs a query whose SQL text depends only on `key`, building it with Kysely only the first time.
   * `params` must list the values in the order the built query binds them; the first build checks
   * this, and a mismatch simply disables the cache for that key.
   */
  async executeCached<R>(
    key: string,
    params: readonly unknown[],
    build: () => CompiledQuery<R>,
  ): Promise<R[]> {
    let text = this.compiledCache.get(key)
    if (text === undefined) {
      const compiled = build()
      const same =
        compiled.parameters.length === params.length && compiled.parameters.every((p, i) => p === params[i])
      text = same ? compiled.sql : null
      this.compiledCache.set(key, text)
      if (!same) return (await this.db.executeQuery(compiled)).rows
    }
    if (text === null) return (await this.db.executeQuery(build())).rows
    return (await this.db.executeQuery(Compiled.raw(text, [...params]))).rows as R[]
  }

  /**
   * A database handle on which session state (temporary tables) stays visible from one statement to
   * the next, and the function that gives it back. Inside a transaction, or on a single-connection
   * engine, that is simply `db`; on a pool it is a connection held (in a transaction) until `end`.
   */
  async session(): Promise<SqlSession> {
    if (this.inTransaction || !this.adapter.pooled) return { db: this.db, end: async () => {} }
    const trx = await this.adapter.db.startTransaction().execute()
    let open = true
    return {
      db: trx,
      end: async () => {
        if (!open) return
        open = false
        await trx.rollback().execute()
      },
    }
  }

  /** Registers a cache reset, run whenever a transaction or savepoint rolls back. */
  onReset(hook: () => void): void {
    this.resetHooks.push(hook)
  }

  /** Clears every cache (after a rollback, the caches may name rows that no longer exist). */
  resetCaches(): void {
    for (const hook of this.resetHooks) hook()
  }

  /**
   * Runs `fn` in a transaction; inside another transaction it runs in a savepoint, so a failure of
   * the inner call undoes only the inner call's work.
   *
   * With `retry`, an outermost transaction that the database aborts because it lost a race (see
   * `SqlDialectAdapter.isTransientConflict`) is rolled back and `fn` runs again, up to
   * `MAX_ATTEMPTS` times in all, after a short random pause. Only functions whose every side effect
   * is in this database may ask for it: `Registry.transaction` does not, since its callers write
   * files and keep undo logs that a rerun would not rewind. A savepoint never retries (the enclosing
   * transaction is what the database aborted).
   */
  async transaction<T>(fn: () => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const frame = this.storage.getStore()
    if (frame) {
      // Named by depth, so the same few statements are prepared once and reused.
      const depth = frame.depth + 1
      const name = `sp${depth}`
      const sp = await frame.trx.savepoint(name).execute()
      try {
        const result = await this.storage.run({ trx: frame.trx, depth }, fn)
        await sp.releaseSavepoint(name).execute()
        return result
      } catch (error) {
        await sp.rollbackToSavepoint(name).execute()
        this.resetCaches()
        throw error
      }
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runOutermost(fn)
      } catch (error) {
        if (!options.retry || attempt >= MAX_ATTEMPTS || !this.adapter.isTransientConflict(error)) throw error
        // Jittered exponential backoff, so the racers do not meet again at once.
        await sleep(Math.random() * BACKOFF_MS * 2 ** attempt)
      }
    }
  }

  private async runOutermost<T>(fn: () => Promise<T>): Promise<T> {
    const trx = await this.adapter.db.startTransaction().execute()
    let result: T
    try {
      result = await this.storage.run({ trx, depth: 0 }, fn)
    } catch (error) {
      await trx.rollback().execute()
      this.resetCaches()
      throw error
    }
    try {
      await trx.commit().execute()
    } catch (error) {
      // A failed commit has ended the transaction: rows cached during it may not exist.
      this.resetCaches()
      throw error
    }
    return result
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Splits a list into chunks of at most `size` items. */
/**
 * Distinct dataset IDs in chunks of `size`, leaving out strings that are not canonical UUIDs: no
 * stored dataset has one, and PostgreSQL's `uuid` columns would refuse to compare with them.
 */
export function idChunks(ids: readonly string[], size: number): string[][] {
  return chunked(
    [...new Set(ids)].filter((id) => isUuid(id)),
    size,
  )
}

export function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  const n = Math.max(1, Math.floor(size))
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n))
  return out
}
