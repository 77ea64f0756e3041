/**
 * Collections in SQL: the four collection types, chains (`collection_chain`), and a cache of names and
 * IDs. Chain contents are read from the database on every use (one recursive query per search path
 * that holds a chain), so edits by other processes are seen at once.
 */
import { hostname } from 'node:os'
import {
  CollectionCycleError,
  CollectionTypeError,
  ConflictingDefinitionError,
  InputError,
  MissingCollectionError,
  OrphanedRecordError,
} from '../../errors.js'
import type {
  CollectionInfo,
  CollectionRecord,
  CollectionType,
  QueryCollectionsOptions,
} from '../registry.js'
import { chunked, RETRY, type SqlContext } from './sql-context.js'
import { isGlob } from './sql-dataset-types.js'
import { deleteProvenanceRows } from './sql-provenance.js'

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
  registerRun(name: string, doc = ''): Promise<boolean> {
    return this.register(name, 'RUN', doc)
  }

  /** Registers a collection; false if it already exists with this type, `CollectionTypeError` if with another. */
  async register(name: string, type: CollectionType, doc = ''): Promise<boolean> {
    if (typeof name !== 'string' || !name || name.length > COLLECTION_NAME_MAX_LENGTH) {
      throw new InputError(
        `Collection name '${name}' must have 1 to ${COLLECTION_NAME_MAX_LENGTH} characters`,
      )
    }
    if (!(type in TYPE_NUMBERS)) throw new InputError(`Unknown collection type '${type}'`)
    const existing = await this.find(name)
    if (existing) {
      if (existing.type !== type)
        throw new CollectionTypeError(`Collection '${name}' exists as a ${existing.type}, not a ${type}`)
      return false
    }
    return this.ctx.transaction(async () => {
      const db = this.ctx.db
      const inserted = await db
        .insertInto('collection')
        .values({ name, type: TYPE_NUMBERS[type], doc })
        .onConflict((oc) => oc.column('name').doNothing())
        .returning('collection_id')
        .executeTakeFirst()
      if (!inserted) {
        // Another process created it in the meantime.
        const now = await this.find(name)
        if (now?.type === type) return false
        throw new ConflictingDefinitionError(
          `Collection '${name}' was created concurrently as a ${now?.type}`,
        )
      }
      if (type === 'RUN') {
        await db
          .insertInto('run')
          .values({ collection_id: inserted.collection_id, host: safeHostname() })
          .execute()
      }
      return true
    }, RETRY)
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
    return this.getOfType(name, 'RUN')
  }

  /** The named collection, which must have the given type (`CollectionTypeError` otherwise). */
  async getOfType(name: string, type: CollectionType): Promise<SqlCollection> {
    const c = await this.get(name)
    if (c.type !== type) throw new CollectionTypeError(`Collection '${name}' is a ${c.type}, not a ${type}`)
    return c
  }

  /** Collection name of a database key (cached). */
  async nameOf(id: number): Promise<string> {
    return (await this.byKey(id)).name
  }

  /** Collection of a database key (cached). */
  async byKey(id: number): Promise<SqlCollection> {
    const hit = this.byId.get(id)
    if (hit) return hit
    const row = await this.ctx.db
      .selectFrom('collection')
      .selectAll()
      .where('collection_id', '=', id)
      .executeTakeFirst()
    if (!row) throw new MissingCollectionError(`No collection with key ${id}`)
    return this.remember(row)
  }

  /** Collections whose names match a glob, or all, sorted by name. */
  async query(pattern?: string): Promise<SqlCollection[]> {
    let q = this.ctx.db.selectFrom('collection').selectAll().orderBy('name')
    if (pattern !== undefined) q = q.where(this.ctx.adapter.glob('name', pattern))
    return (await q.execute()).map((row) => this.remember(row))
  }

  /**
   * Collections matching names or globs, sorted by name and without duplicates; every explicit name
   * must exist. `undefined` matches every collection, an empty list none.
   */
  async resolve(patterns: string | readonly string[] | undefined): Promise<SqlCollection[]> {
    if (patterns === undefined) return this.query()
    const list = typeof patterns === 'string' ? [patterns] : patterns
    const found = new Map<number, SqlCollection>()
    for (const p of list) {
      if (isGlob(p)) {
        for (const c of await this.query(p)) found.set(c.id, c)
      } else {
        const c = await this.get(p)
        found.set(c.id, c)
      }
    }
    return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  /** See `Registry.queryCollections`. */
  async queryInfo(
    pattern: string | readonly string[] | undefined,
    options: QueryCollectionsOptions = {},
  ): Promise<CollectionInfo[]> {
    const top = await this.resolve(pattern)
    const flatten = options.flattenChains ?? false
    const includeChains = options.includeChains ?? !flatten
    let list: SqlCollection[]
    if (flatten) {
      const edges = await this.chainEdges(top.filter((c) => c.type === 'CHAINED').map((c) => c.id))
      const seen = new Set<number>()
      list = []
      const visit = (c: SqlCollection, stack: readonly number[]) => {
        if (c.type === 'CHAINED') {
          if (stack.includes(c.id)) return
          if (includeChains && !seen.has(c.id)) {
            seen.add(c.id)
            list.push(c)
          }
          for (const child of edges.get(c.id) ?? []) visit(child, [...stack, c.id])
        } else if (!seen.has(c.id)) {
          seen.add(c.id)
          list.push(c)
        }
      }
      for (const c of top) visit(c, [])
    } else {
      list = includeChains ? top : top.filter((c) => c.type !== 'CHAINED')
    }
    if (options.types) {
      const types = new Set(options.types)
      list = list.filter((c) => types.has(c.type))
    }
    const children = await this.directChildren(list.filter((c) => c.type === 'CHAINED').map((c) => c.id))
    const parents = options.includeParents ? await this.directParents(list.map((c) => c.id)) : undefined
    return list.map((c) => ({
      name: c.name,
      type: c.type,
      doc: c.doc,
      children: children.get(c.id) ?? [],
      ...(parents ? { parents: parents.get(c.id) ?? [] } : {}),
    }))
  }

  /**
   * The search path of an ordered list of collection names: chains replaced depth-first by their
   * children, first occurrence kept, never a CHAINED collection.
   */
  async flatten(names: readonly string[]): Promise<SqlCollection[]> {
    const records: SqlCollection[] = []
    for (const name of names) {
      if (typeof name !== 'string') throw new InputError(`Collection names must be strings, not ${name}`)
      const c = await this.find(name)
      if (!c) {
        if (isGlob(name)) {
          throw new InputError(
            `Collection '${name}' does not exist, and wildcards are not allowed in an ordered collection search`,
          )
        }
        throw new MissingCollectionError(`No collection named '${name}'`)
      }
      records.push(c)
    }
    if (records.every((c) => c.type !== 'CHAINED')) {
      if (new Set(records.map((c) => c.id)).size === records.length) return records
    }
    const edges = await this.chainEdges(records.filter((c) => c.type === 'CHAINED').map((c) => c.id))
    const out: SqlCollection[] = []
    const seen = new Set<number>()
    const visit = (c: SqlCollection, stack: readonly number[]) => {
      if (c.type !== 'CHAINED') {
        if (!seen.has(c.id)) {
          seen.add(c.id)
          out.push(c)
        }
        return
      }
      if (stack.includes(c.id)) return
      for (const child of edges.get(c.id) ?? []) visit(child, [...stack, c.id])
    }
    for (const c of records) visit(c, [])
    return out
  }

  /** Direct children of a CHAINED collection, in order. */
  async getChain(parent: string): Promise<string[]> {
    const c = await this.getOfType(parent, 'CHAINED')
    return (await this.directChildren([c.id])).get(c.id) ?? []
  }

  /** Names of the CHAINED collections that list this collection directly, sorted. */
  async parentChains(name: string): Promise<string[]> {
    const c = await this.get(name)
    return (await this.directParents([c.id])).get(c.id) ?? []
  }

  /** See `Registry.setCollectionChain`. */
  async setChain(parentName: string, childNames: readonly string[], flatten = false): Promise<void> {
    const parent = await this.getOfType(parentName, 'CHAINED')
    const children: SqlCollection[] = []
    for (const name of childNames) {
      const c = await this.find(name)
      if (!c) {
        if (isGlob(name)) {
          throw new InputError(
            `Chain '${parentName}' cannot have the child '${name}': wildcards are not allowed in a chain`,
          )
        }
        throw new MissingCollectionError(`No collection named '${name}' (child of chain '${parentName}')`)
      }
      if (!children.some((k) => k.id === c.id)) children.push(c)
    }
    const stored = flatten ? await this.flatten(children.map((c) => c.name)) : children
    await this.ctx.transaction(async () => {
      const cycle = await this.findCycle(parent, stored)
      if (cycle) {
        throw new CollectionCycleError(
          `Chain '${parent.name}' cannot list [${stored.map((c) => c.name).join(', ')}]: ${cycle.join(' -> ')} would be a cycle`,
        )
      }
      await this.ctx.db.deleteFrom('collection_chain').where('parent', '=', parent.id).execute()
      const rows = stored.map((c, position) => ({ parent: parent.id, position, child: c.id }))
      for (const chunk of chunked(rows, Math.floor(this.ctx.adapter.maxParameters / 3))) {
        await this.ctx.db.insertInto('collection_chain').values(chunk).execute()
      }
    }, RETRY)
  }

  /** Replaces the documentation string of a collection. */
  async setDocumentation(name: string, doc: string): Promise<void> {
    const c = await this.get(name)
    await this.ctx.db.updateTable('collection').set({ doc }).where('collection_id', '=', c.id).execute()
    this.remember({ collection_id: c.id, name: c.name, type: TYPE_NUMBERS[c.type], doc })
  }

  /**
   * Deletes a TAGGED, CHAINED or CALIBRATION collection with its memberships and chain links (the
   * datasets stay); `OrphanedRecordError` while a chain lists it.
   */
  async remove(name: string): Promise<void> {
    const c = await this.get(name)
    if (c.type === 'RUN') {
      throw new CollectionTypeError(
        `Collection '${name}' is a RUN; remove it with its datasets by removing the run`,
      )
    }
    await this.ctx.transaction(async () => {
      await this.ctx.lockRowsForDelete('collection', 'collection_id', [c.id])
      await this.refuseIfChained([c])
      if (c.type === 'TAGGED') {
        // Tag tables have no cascading foreign key to the collection (see schema.ts).
        for (const table of await this.tagTables()) {
          await this.ctx.db.deleteFrom(table).where('collection_id', '=', c.id).execute()
        }
      }
      await this.ctx.db.deleteFrom('collection').where('collection_id', '=', c.id).execute()
    }, RETRY)
    this.forget(c)
  }

  /** Deletes RUN collections and their datasets; refused while datastore records are not trashed. */
  async removeRuns(names: readonly string[]): Promise<void> {
    const runs = await Promise.all(names.map((n) => this.getRun(n)))
    if (runs.length === 0) return
    const ids = runs.map((r) => r.id)
    await this.ctx.transaction(async () => {
      const db = this.ctx.db
      await this.ctx.lockRowsForDelete('collection', 'collection_id', ids)
      await this.refuseIfChained(runs)
      if (this.ctx.adapter.rowLocks) {
        // Waits for writers holding these datasets (associate) before their tag rows are deleted.
        await db.selectFrom('dataset').select('id').where('run_id', 'in', ids).forUpdate().execute()
      }
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
      // Tag tables have no cascading foreign key to the dataset (see schema.ts).
      for (const table of await this.tagTables()) {
        await db
          .deleteFrom(table)
          .where('dataset_id', 'in', db.selectFrom('dataset').select('id').where('run_id', 'in', ids))
          .execute()
      }
      await deleteProvenanceRows(this.ctx, db.selectFrom('dataset').select('id').where('run_id', 'in', ids))
      await db.deleteFrom('dataset').where('run_id', 'in', ids).execute()
      await db.deleteFrom('run').where('collection_id', 'in', ids).execute()
      await db.deleteFrom('collection').where('collection_id', 'in', ids).execute()
    }, RETRY)
    for (const r of runs) this.forget(r)
  }

  /** Every tag table in use. */
  private async tagTables(): Promise<string[]> {
    const rows = await this.ctx.db.selectFrom('dataset_type').select('tag_table').distinct().execute()
    return rows.map((r) => String(r.tag_table))
  }

  private async refuseIfChained(collections: readonly SqlCollection[]): Promise<void> {
    const parents = await this.directParents(collections.map((c) => c.id))
    for (const c of collections) {
      const list = parents.get(c.id)
      if (list && list.length > 0) {
        throw new OrphanedRecordError(
          `Collection '${c.name}' is a child of chain(s) ${list.map((p) => `'${p}'`).join(', ')}; remove it from them first`,
        )
      }
    }
  }

  /**
   * The path `parent -> ... -> parent` that listing `children` under `parent` would close, if any.
   */
  private async findCycle(
    parent: SqlCollection,
    children: readonly SqlCollection[],
  ): Promise<string[] | undefined> {
    if (children.some((c) => c.id === parent.id)) return [parent.name, parent.name]
    const edges = await this.chainEdges(children.filter((c) => c.type === 'CHAINED').map((c) => c.id))
    const done = new Set<number>()
    const search = (c: SqlCollection, path: readonly string[]): string[] | undefined => {
      if (c.id === parent.id) return [...path, c.name]
      if (c.type !== 'CHAINED' || done.has(c.id)) return undefined
      done.add(c.id)
      for (const child of edges.get(c.id) ?? []) {
        const found = search(child, [...path, c.name])
        if (found) return found
      }
      return undefined
    }
    for (const c of children) {
      const found = search(c, [parent.name])
      if (found) return found
    }
    return undefined
  }

  /**
   * Every chain link reachable from some CHAINED collections, as children in order by parent key,
   * in one recursive query.
   */
  private async chainEdges(roots: readonly number[]): Promise<Map<number, SqlCollection[]>> {
    const out = new Map<number, SqlCollection[]>()
    if (roots.length === 0) return out
    const rows = await this.ctx.db
      .withRecursive('closure(parent, position, child)', (qb) =>
        qb
          .selectFrom('collection_chain')
          .select(['parent', 'position', 'child'])
          .where('parent', 'in', [...roots])
          .union((q) =>
            q
              .selectFrom('collection_chain as cc')
              .innerJoin('closure', 'closure.child', 'cc.parent')
              .select(['cc.parent as parent', 'cc.position as position', 'cc.child as child']),
          ),
      )
      .selectFrom('closure')
      .innerJoin('collection', 'collection.collection_id', 'closure.child')
      .select([
        'closure.parent as parent',
        'closure.position as position',
        'collection.collection_id as collection_id',
        'collection.name as name',
        'collection.type as type',
        'collection.doc as doc',
      ])
      .orderBy('closure.parent')
      .orderBy('closure.position')
      .execute()
    for (const row of rows as Record<string, unknown>[]) {
      const parent = Number(row.parent)
      const list = out.get(parent) ?? out.set(parent, []).get(parent)!
      list.push(this.remember(row))
    }
    return out
  }

  /** Direct children names of chains, in order. */
  private async directChildren(parents: readonly number[]): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>()
    for (const chunk of chunked(parents, this.ctx.adapter.maxParameters - 10)) {
      if (chunk.length === 0) continue
      const rows = await this.ctx.db
        .selectFrom('collection_chain')
        .innerJoin('collection', 'collection.collection_id', 'collection_chain.child')
        .select(['collection_chain.parent as parent', 'collection.name as name'])
        .where('collection_chain.parent', 'in', chunk)
        .orderBy('collection_chain.parent')
        .orderBy('collection_chain.position')
        .execute()
      for (const row of rows) {
        const key = Number(row.parent)
        const list = out.get(key) ?? out.set(key, []).get(key)!
        list.push(String(row.name))
      }
    }
    return out
  }

  /** Names of the chains listing each collection directly, sorted. */
  private async directParents(children: readonly number[]): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>()
    for (const chunk of chunked(children, this.ctx.adapter.maxParameters - 10)) {
      if (chunk.length === 0) continue
      const rows = await this.ctx.db
        .selectFrom('collection_chain')
        .innerJoin('collection', 'collection.collection_id', 'collection_chain.parent')
        .select(['collection_chain.child as child', 'collection.name as name'])
        .where('collection_chain.child', 'in', chunk)
        .orderBy('collection.name')
        .execute()
      for (const row of rows) {
        const key = Number(row.child)
        const list = out.get(key) ?? out.set(key, []).get(key)!
        list.push(String(row.name))
      }
    }
    return out
  }

  private forget(c: SqlCollection): void {
    this.byName.delete(c.name)
    this.byId.delete(c.id)
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
