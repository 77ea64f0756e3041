/**
 * Memberships of datasets in TAGGED and CALIBRATION collections: associate, disassociate, certify,
 * decertify, and the listing of every membership of a dataset type.
 */
import type { DatasetRef } from '../../datasets/dataset-ref.js'
import { DataCoordinate } from '../../dimensions/data-coordinate.js'
import { ConflictingDefinitionError, DatasetNotFoundError, MissingCollectionError } from '../../errors.js'
import type { Timespan } from '../../time/timespan.js'
import type { DatasetAssociation, DatasetAssociationQuery } from '../registry.js'
import type { SqlCalibrations } from './sql-calibrations.js'
import { toCalibRow } from './sql-calibrations.js'
import type { SqlCollection, SqlCollections } from './sql-collections.js'
import { chunked, idChunks, RETRY, type SqlContext } from './sql-context.js'
import type { SqlDatasetType, SqlDatasetTypes } from './sql-dataset-types.js'
import { type SqlDatasets, toTagRow } from './sql-datasets.js'
import { SqlInserter } from './sql-inserter.js'

/** TAGGED and CALIBRATION memberships. */
export class SqlAssociations {
  private readonly ctx: SqlContext
  private readonly types: SqlDatasetTypes
  private readonly collections: SqlCollections
  private readonly datasets: SqlDatasets
  private readonly calibrations: SqlCalibrations
  private readonly inserter: SqlInserter

  constructor(
    ctx: SqlContext,
    types: SqlDatasetTypes,
    collections: SqlCollections,
    datasets: SqlDatasets,
    calibrations: SqlCalibrations,
  ) {
    this.ctx = ctx
    this.types = types
    this.collections = collections
    this.datasets = datasets
    this.calibrations = calibrations
    this.inserter = new SqlInserter(ctx)
  }

  /** See `Registry.associate`. */
  async associate(collection: string, refs: readonly DatasetRef[]): Promise<void> {
    const c = await this.collections.getOfType(collection, 'TAGGED')
    const groups = await this.storedByType(refs)
    await this.ctx.transaction(async () => {
      if (!(await this.ctx.holdRow('collection', 'collection_id', c.id))) {
        throw new MissingCollectionError(`Collection '${collection}' does not exist (it was removed)`)
      }
      const ids = [...groups.values()].flatMap((list) => list.map((r) => r.id))
      if ((await this.ctx.holdRows('dataset', 'id', ids)) !== new Set(ids).size) {
        throw new DatasetNotFoundError(`Some of the datasets to associate with '${collection}' were removed`)
      }
      for (const [t, list] of groups) {
        const dims = t.datasetType.dimensions.required
        const columns = ['dataset_type_id', 'dataset_id', 'collection_id', ...dims]
        try {
          await this.ctx.transaction(async () => {
            for (const chunk of chunked(list, Math.floor(this.ctx.adapter.maxParameters / columns.length))) {
              const params: unknown[] = []
              for (const ref of chunk) params.push(t.id, ref.id, c.id, ...ref.dataId.requiredValues)
              // A dataset already in the collection is skipped; another one of its data ID is a conflict.
              await this.inserter.insert(t.tagTable, columns, params, ['dataset_id', 'collection_id'])
            }
          })
        } catch (error) {
          if (!this.ctx.adapter.isUniqueViolation(error)) throw error
          throw await this.describeTagConflict(c, t, list, error)
        }
      }
    }, RETRY)
  }

  /** See `Registry.disassociate`. */
  async disassociate(collection: string, refs: readonly DatasetRef[]): Promise<void> {
    const c = await this.collections.getOfType(collection, 'TAGGED')
    const byType = new Map<string, string[]>()
    for (const ref of refs) {
      const name = ref.datasetType.parentName
      const list = byType.get(name) ?? byType.set(name, []).get(name)!
      list.push(ref.id)
    }
    await this.ctx.transaction(async () => {
      for (const [name, ids] of byType) {
        const t = await this.types.get(name)
        for (const chunk of idChunks(ids, this.ctx.adapter.maxParameters - 10)) {
          await this.ctx.db
            .deleteFrom(t.tagTable)
            .where('collection_id', '=', c.id)
            .where('dataset_id', 'in', chunk)
            .execute()
        }
      }
    }, RETRY)
  }

  /** See `Registry.certify`. */
  async certify(collection: string, refs: readonly DatasetRef[], timespan: Timespan): Promise<void> {
    const c = await this.collections.getOfType(collection, 'CALIBRATION')
    const groups = await this.storedByType(refs)
    await this.ctx.transaction(async () => {
      await this.calibrations.lock(c, [...groups.keys()])
      for (const [t, list] of groups) await this.calibrations.certify(c, t, list, timespan)
    }, RETRY)
  }

  /** See `Registry.decertify`. */
  async decertify(
    collection: string,
    datasetType: string,
    timespan: Timespan,
    dataIds?: readonly DataCoordinate[],
  ): Promise<void> {
    const c = await this.collections.getOfType(collection, 'CALIBRATION')
    const t = await this.types.get(datasetType)
    const coords = dataIds?.map((d) =>
      DataCoordinate.standardize(d, { dimensions: t.datasetType.dimensions }),
    )
    await this.calibrations.decertify(c, t, timespan, coords)
  }

  /** See `Registry.queryDatasetAssociations`. */
  async query(datasetType: string, options: DatasetAssociationQuery = {}): Promise<DatasetAssociation[]> {
    const t = await this.types.get(datasetType)
    const dims = t.datasetType.dimensions.required
    let cols: SqlCollection[] = await this.collections.resolve(options.collections)
    cols = options.flattenChains
      ? await this.collections.flatten(cols.map((c) => c.name))
      : cols.filter((c) => c.type !== 'CHAINED')
    if (options.collectionTypes) {
      const wanted = new Set(options.collectionTypes)
      cols = cols.filter((c) => wanted.has(c.type))
    }
    const order = new Map(cols.map((c, i) => [c.id, i]))
    const tagIds = cols.filter((c) => c.type === 'RUN' || c.type === 'TAGGED').map((c) => c.id)
    const calibIds = cols.filter((c) => c.type === 'CALIBRATION').map((c) => c.id)
    const found: { rank: number; key: string; begin: bigint; association: DatasetAssociation }[] = []
    if (tagIds.length > 0) {
      const rows = await this.datasets
        .tagQuery(t)
        .where('tag.collection_id', 'in', tagIds)
        .orderBy('tag.dataset_id')
        .execute()
      for (const raw of rows) {
        const row = toTagRow(raw, dims)
        const ref = await this.datasets.toRef(t, row)
        found.push({
          rank: order.get(row.collectionId)!,
          key: ref.dataId.toString(),
          begin: 0n,
          association: { ref, collection: await this.collections.nameOf(row.collectionId) },
        })
      }
    }
    if (calibIds.length > 0 && t.calibTable) {
      const rows = await this.calibrations.calibQuery(t).where('cal.collection_id', 'in', calibIds).execute()
      for (const raw of rows) {
        const row = toCalibRow(raw as Record<string, unknown>, dims)
        const ref = await this.datasets.toRef(t, row)
        found.push({
          rank: order.get(row.collectionId)!,
          key: ref.dataId.toString(),
          begin: row.validity.begin,
          association: {
            ref,
            collection: await this.collections.nameOf(row.collectionId),
            timespan: row.validity,
          },
        })
      }
    }
    found.sort(
      (a, b) =>
        a.rank - b.rank ||
        (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) ||
        (a.begin < b.begin ? -1 : a.begin > b.begin ? 1 : 0),
    )
    return found.map((f) => f.association)
  }

  /**
   * The stored form of refs (their registered type and data ID), grouped by dataset type; an
   * unknown dataset ID is a `DatasetNotFoundError`.
   */
  private async storedByType(refs: readonly DatasetRef[]): Promise<Map<SqlDatasetType, DatasetRef[]>> {
    const stored = new Map((await this.datasets.get(refs.map((r) => r.id))).map((r) => [r.id, r]))
    const groups = new Map<string, { t: SqlDatasetType; refs: DatasetRef[]; ids: Set<string> }>()
    for (const ref of refs) {
      const s = stored.get(ref.id)
      if (!s)
        throw new DatasetNotFoundError(
          `Dataset ${ref.id} (${ref.datasetType.name}@${ref.dataId}) is not in the registry`,
        )
      let g = groups.get(s.datasetType.name)
      if (!g) {
        g = { t: await this.types.get(s.datasetType.name), refs: [], ids: new Set() }
        groups.set(s.datasetType.name, g)
      }
      if (g.ids.has(s.id)) continue
      g.ids.add(s.id)
      g.refs.push(s)
    }
    return new Map([...groups.values()].map((g) => [g.t, g.refs]))
  }

  private async describeTagConflict(
    c: SqlCollection,
    t: SqlDatasetType,
    refs: readonly DatasetRef[],
    cause: unknown,
  ): Promise<Error> {
    const seen = new Map<string, DatasetRef>()
    for (const ref of refs) {
      const other = seen.get(ref.dataId.key)
      if (other) {
        return new ConflictingDefinitionError(
          `Cannot associate '${t.datasetType.name}' datasets ${other.id} and ${ref.id} with the same data ID ${ref.dataId} to TAGGED collection '${c.name}'`,
          { cause },
        )
      }
      seen.set(ref.dataId.key, ref)
    }
    const found = await this.datasets.find(
      t.datasetType,
      refs.map((r) => r.dataId),
      [c.name],
    )
    for (let i = 0; i < refs.length; i++) {
      const existing = found[i]
      if (existing && existing.id !== refs[i]!.id) {
        return new ConflictingDefinitionError(
          `Cannot associate ${refs[i]!.id} to TAGGED collection '${c.name}': it already holds the '${t.datasetType.name}' dataset ${existing.id} with data ID ${refs[i]!.dataId}`,
          { cause },
        )
      }
    }
    return new ConflictingDefinitionError(
      `Conflict associating '${t.datasetType.name}' datasets to TAGGED collection '${c.name}'`,
      { cause },
    )
  }
}
