/**
 * Dataset types in SQL, with interned dimension groups, one tag table per group (plus one calibration
 * table per group of calibration types), and a cache.
 */
import { DatasetType } from '../../datasets/dataset-type.js'
import type { DimensionGroup } from '../../dimensions/dimension-group.js'
import {
  ConflictingDefinitionError,
  DatasetTypeError,
  MissingDatasetTypeError,
  OrphanedRecordError,
} from '../../errors.js'
import { calibTableName, createCalibTable, createTagTable, tagTableName } from './schema.js'
import { RETRY, type SqlContext } from './sql-context.js'

/** A registered dataset type with its database key, tag table and (calibration types) calibration table. */
export interface SqlDatasetType {
  readonly id: number
  readonly datasetType: DatasetType
  readonly tagTable: string
  readonly calibTable: string | undefined
}

/** Dataset type table access with name and ID caches. */
export class SqlDatasetTypes {
  private readonly ctx: SqlContext
  private readonly byName = new Map<string, SqlDatasetType>()
  private readonly byId = new Map<number, SqlDatasetType>()

  constructor(ctx: SqlContext) {
    this.ctx = ctx
    ctx.onReset(() => {
      this.byName.clear()
      this.byId.clear()
    })
  }

  /** Registers a dataset type; false if an identical one exists. */
  async register(datasetType: DatasetType): Promise<boolean> {
    if (datasetType.isComponent) {
      throw new DatasetTypeError(
        `Component dataset type '${datasetType.name}' cannot be registered; register its parent`,
      )
    }
    const existing = await this.find(datasetType.name)
    if (existing) {
      if (existing.datasetType.equals(datasetType)) return false
      throw new ConflictingDefinitionError(
        `Dataset type ${datasetType} conflicts with the registered ${existing.datasetType}`,
      )
    }
    return this.ctx.transaction(async () => {
      const dimensionsKey = await this.internGroup(datasetType.dimensions)
      const tagTable = tagTableName(dimensionsKey)
      await createTagTable(this.ctx.db, this.ctx.adapter, tagTable, datasetType.dimensions)
      const calibTable = datasetType.isCalibration ? calibTableName(dimensionsKey) : undefined
      if (calibTable) {
        await createCalibTable(this.ctx.db, this.ctx.adapter, calibTable, datasetType.dimensions)
      }
      const inserted = await this.ctx.db
        .insertInto('dataset_type')
        .values({
          name: datasetType.name,
          storage_class: datasetType.storageClassName,
          dimensions_key: dimensionsKey,
          is_calibration: this.ctx.adapter.booleanValue(datasetType.isCalibration),
          tag_table: tagTable,
          calib_table: calibTable ?? null,
        })
        .onConflict((oc) => oc.column('name').doNothing())
        .returning('id')
        .executeTakeFirst()
      if (!inserted) return this.register(datasetType) // registered concurrently: compare again
      this.remember({ id: Number(inserted.id), datasetType, tagTable, calibTable })
      return true
    }, RETRY)
  }

  /** The named dataset type; `MissingDatasetTypeError` if unknown. */
  async get(name: string): Promise<SqlDatasetType> {
    const t = await this.find(name)
    if (!t) throw new MissingDatasetTypeError(`Dataset type '${name}' is not registered`)
    return t
  }

  /** The named dataset type, or undefined. */
  async find(name: string): Promise<SqlDatasetType | undefined> {
    const hit = this.byName.get(name)
    if (hit) return hit
    const [t] = await this.load((q) => q.where('dataset_type.name', '=', name))
    return t
  }

  /** The dataset type of a database key. */
  async byKey(id: number): Promise<SqlDatasetType> {
    const hit = this.byId.get(id)
    if (hit) return hit
    const [t] = await this.load((q) => q.where('dataset_type.id', '=', id))
    if (!t) throw new MissingDatasetTypeError(`No dataset type with key ${id}`)
    return t
  }

  /**
   * The registered form of a dataset type the caller holds; a definition that differs from the
   * registered one (other than in storage class, which readers may override) is an error.
   */
  async resolve(datasetType: DatasetType): Promise<SqlDatasetType> {
    const t = await this.get(datasetType.parentName)
    if (!t.datasetType.dimensions.equals(datasetType.dimensions)) {
      throw new ConflictingDefinitionError(
        `Dataset type ${datasetType} has other dimensions than the registered ${t.datasetType}`,
      )
    }
    return t
  }

  /** Dataset types whose names match a glob, or all, sorted by name. */
  async query(pattern?: string): Promise<SqlDatasetType[]> {
    return this.load((q) =>
      pattern === undefined ? q : q.where(this.ctx.adapter.glob('dataset_type.name', pattern)),
    )
  }

  private async load(
    // biome-ignore lint/suspicious/noExplicitAny: dynamic query builder
    filter: (q: any) => any,
  ): Promise<SqlDatasetType[]> {
    const base = this.ctx.db
      .selectFrom('dataset_type')
      .innerJoin('dimension_group', 'dimension_group.id', 'dataset_type.dimensions_key')
      .select([
        'dataset_type.id as id',
        'dataset_type.name as name',
        'dataset_type.storage_class as storage_class',
        'dataset_type.is_calibration as is_calibration',
        'dataset_type.tag_table as tag_table',
        'dataset_type.calib_table as calib_table',
        'dimension_group.names as names',
      ])
      .orderBy('dataset_type.name')
    const rows = (await filter(base).execute()) as Record<string, unknown>[]
    return rows.map((row) => {
      const names = String(row.names)
      const group = this.ctx.universe.group(names === '' ? [] : names.split(','))
      const datasetType = new DatasetType(String(row.name), group, String(row.storage_class), {
        isCalibration: Boolean(row.is_calibration),
      })
      return this.remember({
        id: Number(row.id),
        datasetType,
        tagTable: String(row.tag_table),
        calibTable: row.calib_table == null ? undefined : String(row.calib_table),
      })
    })
  }

  /**
   * Deletes the dataset types matching names or globs (unknown names match nothing) and returns
   * their names; `OrphanedRecordError`, and nothing deleted, while datasets of one of them exist.
   */
  async remove(patterns: readonly string[]): Promise<string[]> {
    const matched = new Map<string, SqlDatasetType>()
    for (const pattern of patterns) {
      const found = isGlob(pattern) ? await this.query(pattern) : [await this.find(pattern)]
      for (const t of found) if (t) matched.set(t.datasetType.name, t)
    }
    if (matched.size === 0) return []
    const ids = [...matched.values()].map((t) => t.id)
    await this.ctx.transaction(async () => {
      await this.ctx.lockRowsForDelete('dataset_type', 'id', ids)
      const used = await this.ctx.db
        .selectFrom('dataset')
        .select(['dataset_type_id', this.ctx.db.fn.countAll().as('n')])
        .where('dataset_type_id', 'in', ids)
        .groupBy('dataset_type_id')
        .execute()
      if (used.length > 0) {
        const names = used.map((u) => {
          const t = [...matched.values()].find((m) => m.id === Number(u.dataset_type_id))!
          return `'${t.datasetType.name}' (${Number(u.n)} datasets)`
        })
        throw new OrphanedRecordError(
          `Cannot remove dataset type(s) ${names.join(', ')}: remove their datasets first`,
        )
      }
      await this.ctx.db.deleteFrom('dataset_type').where('id', 'in', ids).execute()
    }, RETRY)
    for (const t of matched.values()) {
      this.byName.delete(t.datasetType.name)
      this.byId.delete(t.id)
    }
    return [...matched.keys()].sort()
  }

  private async internGroup(group: DimensionGroup): Promise<number> {
    const names = group.names.join(',')
    await this.ctx.db
      .insertInto('dimension_group')
      .values({ names })
      .onConflict((oc) => oc.column('names').doNothing())
      .execute()
    const row = await this.ctx.db
      .selectFrom('dimension_group')
      .select('id')
      .where('names', '=', names)
      .executeTakeFirstOrThrow()
    return Number(row.id)
  }

  private remember(t: SqlDatasetType): SqlDatasetType {
    this.byName.set(t.datasetType.name, t)
    this.byId.set(t.id, t)
    return t
  }
}

/** Whether a name is a glob pattern (`*`, `?`, `[...]`). */
export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern)
}
