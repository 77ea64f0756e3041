/**
 * The registry: the SQL database of dimensions, dataset types, collections, datasets and datastore
 * records. This is the interface; `sql/` implements it over Kysely for SQLite (and PostgreSQL later).
 */
import type { DatasetIdGenerationMode } from '../datasets/dataset-id.js'
import type { DatasetRef } from '../datasets/dataset-ref.js'
import type { DatasetType } from '../datasets/dataset-type.js'
import type { DatastoreBridge } from '../datasets/stored-file-info.js'
import type { DataCoordinate, DataId } from '../dimensions/data-coordinate.js'
import type { DimensionGroup } from '../dimensions/dimension-group.js'
import type { DataIdValue, DimensionRecord } from '../dimensions/dimension-record.js'
import type { DimensionUniverse } from '../dimensions/dimension-universe.js'

/** Collection types, numbered as in the reference. */
export type CollectionType = 'RUN' | 'TAGGED' | 'CHAINED' | 'CALIBRATION'

/** One collection as the registry knows it. */
export interface CollectionRecord {
  readonly name: string
  readonly type: CollectionType
  readonly doc: string
}

/** How `insertDimensionRecords` treats records whose key already exists. */
export interface InsertRecordsOptions {
  /** Overwrite existing records with the new values. */
  readonly replace?: boolean
  /** Leave existing records alone (no error). */
  readonly skipExisting?: boolean
}

/** A simple dataset search (the full query system comes later). */
export interface DatasetSearch {
  /** Dataset type names; all when absent. */
  readonly datasetTypes?: readonly string[]
  /** Collections searched; all RUNs when absent. */
  readonly collections?: readonly string[]
  /** Only datasets whose data ID contains these values. */
  readonly dataId?: Readonly<Record<string, DataIdValue>>
  /** Return only the first match per (dataset type, data ID) in collection order (default false). */
  readonly findFirst?: boolean
}

/** The registry contract; every call is async so remote implementations can honour it too. */
export interface Registry {
  readonly universe: DimensionUniverse
  /** The bridge the datastore uses to keep its records in this database. */
  readonly datastoreBridge: DatastoreBridge

  /** Runs `fn` in one database transaction; nested calls join the outer one (savepoints). */
  transaction<T>(fn: () => Promise<T>): Promise<T>
  close(): Promise<void>

  getAttribute(name: string): Promise<string | undefined>
  setAttribute(name: string, value: string): Promise<void>

  /** Inserts records of one element; existing keys are an error unless `replace` or `skipExisting`. */
  insertDimensionRecords(
    element: string,
    records: readonly (DimensionRecord | Readonly<Record<string, unknown>>)[],
    options?: InsertRecordsOptions,
  ): Promise<number>
  /**
   * Inserts a record if its key is new; returns true if inserted, false if an identical record
   * exists, or (with `update`) the old values of changed fields. Different values without `update`
   * are a `ConflictingDefinitionError`.
   */
  syncDimensionRecord(
    element: string,
    record: DimensionRecord | Readonly<Record<string, unknown>>,
    options?: { readonly update?: boolean },
  ): Promise<boolean | Record<string, unknown>>
  /** Records of one element, all or those matching a partial data ID. */
  fetchDimensionRecords(
    element: string,
    where?: Readonly<Record<string, DataIdValue>>,
  ): Promise<DimensionRecord[]>
  /**
   * Validates a data ID and attaches implied values and records. A required value with no record is
   * a `DataIdValueError`.
   */
  expandDataId(
    dataId: DataId,
    options?: {
      readonly dimensions?: DimensionGroup
      readonly defaults?: Readonly<Record<string, DataIdValue>>
    },
  ): Promise<DataCoordinate>
  /** Expands many data IDs of one group at once (batched record lookups). */
  expandDataIds(dataIds: readonly DataCoordinate[]): Promise<DataCoordinate[]>

  /** Registers a dataset type; false if an identical one exists; a different one is a `ConflictingDefinitionError`. */
  registerDatasetType(datasetType: DatasetType): Promise<boolean>
  /** The named (parent) dataset type; `MissingDatasetTypeError` if unknown. */
  getDatasetType(name: string): Promise<DatasetType>
  /** Dataset types whose names match a glob (`*`, `?`), or all. */
  queryDatasetTypes(pattern?: string): Promise<DatasetType[]>

  /** Registers a RUN collection; false if it already exists as a RUN. */
  registerRun(name: string, doc?: string): Promise<boolean>
  /** The named collection; `MissingCollectionError` if unknown. */
  getCollection(name: string): Promise<CollectionRecord>
  /** Collections whose names match a glob, or all. */
  queryCollections(pattern?: string): Promise<CollectionRecord[]>
  /** Deletes RUN collections and their datasets' registry rows (datastore records must be trashed first). */
  removeRuns(names: readonly string[]): Promise<void>

  /** Inserts new datasets into a RUN; a (type, data ID) already in that run is a `ConflictingDefinitionError`. */
  insertDatasets(
    datasetType: DatasetType,
    run: string,
    dataIds: readonly DataCoordinate[],
    mode?: DatasetIdGenerationMode,
  ): Promise<DatasetRef[]>
  /** Inserts datasets with given IDs (put of resolved refs, import); same-ID same-dataset is a no-op. */
  importDatasets(refs: readonly DatasetRef[]): Promise<void>
  /** Finds the dataset of a type and data ID in the first collection that has it. */
  findDataset(
    datasetType: DatasetType,
    dataId: DataCoordinate,
    collections: readonly string[],
  ): Promise<DatasetRef | undefined>
  /** Vectorised `findDataset` for many data IDs of one dataset type. */
  findDatasets(
    datasetType: DatasetType,
    dataIds: readonly DataCoordinate[],
    collections: readonly string[],
  ): Promise<(DatasetRef | undefined)[]>
  /** Datasets by UUID (missing ones are left out). */
  getDatasets(ids: readonly string[]): Promise<DatasetRef[]>
  /** Datasets matching a simple search. */
  searchDatasets(search: DatasetSearch): AsyncIterable<DatasetRef[]>
  /** Deletes datasets' registry rows (datastore records must be trashed first). */
  removeDatasets(refs: readonly DatasetRef[]): Promise<void>
}
