/**
 * Collections in SQL (RUN collections for now), with a name/ID cache.
 */
import { hostname } from 'node:os'
import {
  CollectionTypeError,
  ConflictingDefinitionError,
  InputError,
  MissingCollectionError,
  OrphanedRecordError,
} from '../../errors.js'
import type { CollectionRecord, CollectionType } from '../registry.js'
import type { SqlContext } from './sql-context.js'

const TYPE_NUMBERS: Readonly<Record<CollectionType, number>> = {
  RUN: 1,
  TAGGED: 2,
  CHAINED: 3,
  CALIBRATION: 4,
}
const TYPE_NAMES: readonly CollectionType[] = ['RUN', 'TAGGED', 'CHAINED', 'CALIBRATION']
/** Longest collection name the registry stores. */
export const COLLECTION_NAME_MAX_LENGTH = 64

/** A collection with its database key. */
export interface SqlCollection extends CollectionRecord {
  readonly id: number
}

/** Collections table access with a cache of names and IDs. */
export class SqlCollections {
  private readonly ctx: SqlContext
  private readonly byName = new Map<string, SqlCollection>()
  private readonly byId = new Map<number, SqlCollection>()

  constructor(ctx: SqlContext) {
    this.ctx = ctx
    ctx.onReset(() => {
      this.byName.clear()
      this.byId.clear()
    })
  }

  /** Registers a RUN collection; false if it already exists as a RUN. */
  async registerRun(name: string, doc = ''): Promise<boolean> {
    if (!name || name.length > COLLECTION_NAME_MAX_LENGTH) {
      throw new InputError(
        `Collection name '${name}' must have 1 to ${COLLECTION_NAME_MAX_LENGTH} characters`,
      )
    }
    const existing = await this.find(name)
    if (existing) {
      if (existing.type !== 'RUN')
        throw new CollectionTypeError(`Collection '${name}' exists as a ${existing.type}, not a RUN`)
      return false
    }
    return this.ctx.transaction(async () => {
      const db = this.ctx.db
      const inserted = await db
        .insertInto('collection')
        .values({ name, type: TYPE_NUMBERS.RUN, doc })
        .onConflict((oc) => oc.column('name').doNothing())
        .returning('collection_id')
        .executeTakeFirst()
      if (!inserted) {
        // Another process created it in the meantime.
        const now = await this.find(name)
        if (now?.type === 'RUN') return false
        throw new ConflictingDefinitionError(
          `Collection '${name}' was created concurrently as a ${now?.type}`,
        )
      }
      await db
        .insertInto('run')
        .values({ collection_id: inserted.collection_id, host: safeHostname() })
        .execute()
      return true
    })
  }

  /** The named collection; `MissingCollectionError` if unknown. */
  async get(name: string): Promise<SqlCollection> {
    const c = await this.find(name)
    if (!c) throw new MissingCollectionError(`No collection named '${name}'`)
    return c
  }

  /** The named collection, or undefined. */
  async find(name: string): Promise<SqlCollection | undefined> {
    const hit = this.byName.get(name)
    if (hit) return hit
    const row = await this.ctx.db
      .selectFrom('collection')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst()
    return row ? this.remember(row) : undefined
  }

  /** The named RUN collection; `CollectionTypeError` if it is of another type. */
  async getRun(name: string): Promise<SqlCollection> {
    const c = await this.get(name)
    if (c.type !== 'RUN') throw new CollectionTypeError(`Collection '${name}' is a ${c.type}, not a RUN`)
    return c
  }

  /** Collection name of a database key (cached). */
  async nameOf(id: number): Promise<string> {
    const hit = this.byId.get(id)
    if (hit) return hit.name
    const row = await this.ctx.db
      .selectFrom('collection')
      .selectAll()
      .where('collection_id', '=', id)
      .executeTakeFirst()
    if (!row) throw new MissingCollectionError(`No collection with key ${id}`)
    return this.remember(row).name
  }

  /** Collections whose names match a glob, or all, sorted by name. */
  async query(pattern?: string): Promise<SqlCollection[]> {
    let q = this.ctx.db.selectFrom('collection').selectAll().orderBy('name')
    if (pattern !== undefined) q = q.where(this.ctx.adapter.glob('name', pattern))
    return (await q.execute()).map((row) => this.remember(row))
  }

  /** Deletes RUN collections and their datasets; refused while datastore records are not trashed. */
  async removeRuns(names: readonly string[]): Promise<void> {
    const runs = await Promise.all(names.map((n) => this.getRun(n)))
    if (runs.length === 0) return
    const ids = runs.map((r) => r.id)
    await this.ctx.transaction(async () => {
      const db = this.ctx.db
      const stored = await db
        .selectFrom('dataset_location')
        .innerJoin('dataset', 'dataset.id', 'dataset_location.dataset_id')
        .select(['dataset.id as id'])
        .where('dataset.run_id', 'in', ids)
        .limit(1)
        .executeTakeFirst()
      if (stored) {
        throw new OrphanedRecordError(
          `Cannot remove run(s) ${names.join(', ')}: datastore records of their datasets (e.g. ${stored.id}) are not trashed`,
        )
      }
      await db.deleteFrom('dataset').where('run_id', 'in', ids).execute()
      await db.deleteFrom('run').where('collection_id', 'in', ids).execute()
      await db.deleteFrom('collection').where('collection_id', 'in', ids).execute()
    })
    for (const r of runs) {
      this.byName.delete(r.name)
      this.byId.delete(r.id)
    }
  }

  private remember(row: Record<string, unknown>): SqlCollection {
    const c: SqlCollection = {
      id: Number(row.collection_id),
      name: String(row.name),
      type: TYPE_NAMES[Number(row.type) - 1] ?? 'RUN',
      doc: (row.doc as string | null) ?? '',
    }
    // Rows written by a transaction that rolls back are dropped by the context's reset hook.
    this.byName.set(c.name, c)
    this.byId.set(c.id, c)
    return c
  }
}

function safeHostname(): string {
  try {
    return hostname().slice(0, 128)
  } catch {
    return ''
  }
}
