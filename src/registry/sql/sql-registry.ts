/**
 * `SqlRegistry`: the `Registry` over a SQL database through Kysely; engine differences live in a
 * `SqlDialectAdapter`.
 */

import type { DatasetIdGenerationMode } from '../../datasets/dataset-id.js'
import type { DatasetRef } from '../../datasets/dataset-ref.js'
import type { DatasetType } from '../../datasets/dataset-type.js'
import type { DatasetProvenance } from '../../datasets/provenance.js'
import type { DatastoreBridge } from '../../datasets/stored-file-info.js'
import type { DataCoordinate, DataId } from '../../dimensions/data-coordinate.js'
import type { DimensionGroup } from '../../dimensions/dimension-group.js'
import type { DataIdValue, DimensionRecord } from '../../dimensions/dimension-record.js'
import type { DimensionUniverse } from '../../dimensions/dimension-universe.js'
import type { ExecuteOptions, QueryRow } from '../../query/driver.js'
import type { QueryTree, ResultSpec } from '../../query/tree.js'
import type { Timespan } from '../../time/timespan.js'
import type {
  CollectionInfo,
  CollectionRecord,
  CollectionType,
  DatasetAssociation,
  DatasetAssociationQuery,
  DatasetSearch,
  FindDatasetOptions,
  FindDatasetsOptions,
  InsertRecordsOptions,
  ProvenanceEntry,
  QueryCollectionsOptions,
  Registry,
} from '../registry.js'
import { SqlQueries } from './query/sql-query.js'
import { SqlAssociations } from './sql-associations.js'
import { SqlCalibrations } from './sql-calibrations.js'
import { SqlCollections } from './sql-collections.js'
import type { SqlContext } from './sql-context.js'
import { searchDatasets } from './sql-dataset-search.js'
import { SqlDatasetTypes } from './sql-dataset-types.js'
import { SqlDatasets } from './sql-datasets.js'
import { SqlDatastoreBridge } from './sql-datastore-bridge.js'
import { SqlDimensionRecords } from './sql-dimension-records.js'
import { SqlProvenance } from './sql-provenance.js'

/**
 * The SQL registry. Create one with `createSqlRegistry`; every method joins the transaction opened
 * by `transaction()` in the same async context.
 */
export class SqlRegistry implements Registry {
  readonly universe: DimensionUniverse
  readonly datastoreBridge: DatastoreBridge
  private readonly ctx: SqlContext
  private readonly records: SqlDimensionRecords
  private readonly types: SqlDatasetTypes
  private readonly collections: SqlCollections
  private readonly datasets: SqlDatasets
  private readonly calibrations: SqlCalibrations
  private readonly associations: SqlAssociations
  private readonly queries: SqlQueries
  private readonly provenance: SqlProvenance

  constructor(ctx: SqlContext) {
    this.ctx = ctx
    this.universe = ctx.universe
    this.records = new SqlDimensionRecords(ctx)
    this.types = new SqlDatasetTypes(ctx)
    this.collections = new SqlCollections(ctx)
    this.calibrations = new SqlCalibrations(ctx)
    this.datasets = new SqlDatasets(ctx, this.types, this.collections, this.calibrations)
    this.associations = new SqlAssociations(
      ctx,
      this.types,
      this.collections,
      this.datasets,
      this.calibrations,
    )
    this.datastoreBridge = new SqlDatastoreBridge(ctx)
    this.queries = new SqlQueries(ctx, this.types, this.collections)
    this.provenance = new SqlProvenance(ctx)
  }

  executeQuery(tree: QueryTree, spec: ResultSpec, options?: ExecuteOptions): AsyncIterable<QueryRow[]> {
    return this.queries.run(tree, spec, options)
  }

  countQuery(tree: QueryTree, spec: ResultSpec): Promise<number> {
    return this.queries.count(tree, spec)
  }

  anyQuery(tree: QueryTree, spec: ResultSpec): Promise<boolean> {
    return this.queries.any(tree, spec)
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.ctx.transaction(fn)
  }

  close(): Promise<void> {
    return this.ctx.adapter.close()
  }

  async getAttribute(name: string): Promise<string | undefined> {
    const row = await this.ctx.db
      .selectFrom('butler_attributes')
      .select('value')
      .where('name', '=', name)
      .executeTakeFirst()
    return row ? String(row.value) : undefined
  }

  async setAttribute(name: string, value: string): Promise<void> {
    await this.ctx.db
      .insertInto('butler_attributes')
      .values({ name, value })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
      .execute()
  }

  insertDimensionRecords(
    element: string,
    records: readonly (DimensionRecord | Readonly<Record<string, unknown>>)[],
    options?: InsertRecordsOptions,
  ): Promise<number> {
    return this.records.insert(element, records, options)
  }

  syncDimensionRecord(
    element: string,
    record: DimensionRecord | Readonly<Record<string, unknown>>,
    options?: { readonly update?: boolean },
  ): Promise<boolean | Record<string, unknown>> {
    return this.records.sync(element, record, options?.update ?? false)
  }

  fetchDimensionRecords(
    element: string,
    where?: Readonly<Record<string, DataIdValue>>,
  ): Promise<DimensionRecord[]> {
    return this.records.fetch(element, where)
  }

  expandDataId(
    dataId: DataId,
    options: {
      readonly dimensions?: DimensionGroup
      readonly defaults?: Readonly<Record<string, DataIdValue>>
    } = {},
  ): Promise<DataCoordinate> {
    return this.records.expandDataId(dataId, options)
  }

  expandDataIds(dataIds: readonly DataCoordinate[]): Promise<DataCoordinate[]> {
    return this.records.expandDataIds(dataIds)
  }

  registerDatasetType(datasetType: DatasetType): Promise<boolean> {
    return this.types.register(datasetType)
  }

  async getDatasetType(name: string): Promise<DatasetType> {
    return (await this.types.get(name)).datasetType
  }

  async queryDatasetTypes(pattern?: string): Promise<DatasetType[]> {
    return (await this.types.query(pattern)).map((t) => t.datasetType)
  }

  registerRun(name: string, doc?: string): Promise<boolean> {
    return this.collections.registerRun(name, doc)
  }

  async getCollection(name: string): Promise<CollectionRecord> {
    const { id: _id, ...record } = await this.collections.get(name)
    return record
  }

  queryCollections(
    pattern?: string | readonly string[],
    options?: QueryCollectionsOptions,
  ): Promise<CollectionInfo[]> {
    return this.collections.queryInfo(pattern, options)
  }

  registerCollection(name: string, type: CollectionType, doc?: string): Promise<boolean> {
    return this.collections.register(name, type, doc)
  }

  removeCollection(name: string): Promise<void> {
    return this.collections.remove(name)
  }

  setCollectionDocumentation(name: string, doc: string): Promise<void> {
    return this.collections.setDocumentation(name, doc)
  }

  getCollectionChain(parent: string): Promise<string[]> {
    return this.collections.getChain(parent)
  }

  setCollectionChain(
    parent: string,
    children: readonly string[],
    options?: { readonly flatten?: boolean },
  ): Promise<void> {
    return this.collections.setChain(parent, children, options?.flatten ?? false)
  }

  getCollectionParentChains(name: string): Promise<string[]> {
    return this.collections.parentChains(name)
  }

  async flattenCollections(collections: readonly string[]): Promise<CollectionRecord[]> {
    return (await this.collections.flatten(collections)).map(({ id: _id, ...record }) => record)
  }

  removeRuns(names: readonly string[]): Promise<void> {
    return this.collections.removeRuns(names)
  }

  insertDatasets(
    datasetType: DatasetType,
    run: string,
    dataIds: readonly DataCoordinate[],
    mode?: DatasetIdGenerationMode,
  ): Promise<DatasetRef[]> {
    return this.datasets.insert(datasetType, run, dataIds, mode)
  }

  importDatasets(refs: readonly DatasetRef[]): Promise<void> {
    return this.datasets.import(refs)
  }

  async findDataset(
    datasetType: DatasetType,
    dataId: DataCoordinate,
    collections: readonly string[],
    options?: FindDatasetOptions,
  ): Promise<DatasetRef | undefined> {
    return (await this.datasets.find(datasetType, [dataId], collections, options?.timespan))[0]
  }

  findDatasets(
    datasetType: DatasetType,
    dataIds: readonly DataCoordinate[],
    collections: readonly string[],
    options?: FindDatasetsOptions,
  ): Promise<(DatasetRef | undefined)[]> {
    return this.datasets.find(datasetType, dataIds, collections, options?.timespan)
  }

  getDatasets(ids: readonly string[]): Promise<DatasetRef[]> {
    return this.datasets.get(ids)
  }

  searchDatasets(search: DatasetSearch): AsyncIterable<DatasetRef[]> {
    return searchDatasets(this.types, this.collections, this.datasets, this.calibrations, search)
  }

  removeDatasets(refs: readonly DatasetRef[]): Promise<void> {
    return this.datasets.remove(refs.map((r) => r.id))
  }

  removeDatasetType(pattern: string | readonly string[]): Promise<string[]> {
    return this.types.remove(typeof pattern === 'string' ? [pattern] : pattern)
  }

  associate(collection: string, refs: readonly DatasetRef[]): Promise<void> {
    return this.associations.associate(collection, refs)
  }

  disassociate(collection: string, refs: readonly DatasetRef[]): Promise<void> {
    return this.associations.disassociate(collection, refs)
  }

  certify(collection: string, refs: readonly DatasetRef[], timespan: Timespan): Promise<void> {
    return this.associations.certify(collection, refs, timespan)
  }

  decertify(
    collection: string,
    datasetType: string,
    timespan: Timespan,
    options?: { readonly dataIds?: readonly DataCoordinate[] },
  ): Promise<void> {
    return this.associations.decertify(collection, datasetType, timespan, options?.dataIds)
  }

  queryDatasetAssociations(
    datasetType: string,
    options?: DatasetAssociationQuery,
  ): Promise<DatasetAssociation[]> {
    return this.associations.query(datasetType, options)
  }

  insertProvenance(entries: readonly ProvenanceEntry[]): Promise<void> {
    return this.provenance.insert(entries)
  }

  getProvenance(datasetIds: readonly string[]): Promise<Map<string, DatasetProvenance>> {
    return this.provenance.get(datasetIds)
  }

  async findDerived(datasetIds: readonly string[]): Promise<Map<string, DatasetRef[]>> {
    const derived = await this.provenance.derived(datasetIds)
    const refs = new Map(
      (await this.datasets.get([...new Set([...derived.values()].flat())])).map((r) => [r.id, r]),
    )
    const out = new Map<string, DatasetRef[]>()
    for (const [input, ids] of derived)
      out.set(
        input,
        ids.flatMap((id) => refs.get(id) ?? []),
      )
    return out
  }
}
