/**
 * The `Butler` interface: what scientific code calls to store and retrieve datasets by dataset type
 * and data ID. `DirectButler` (registry + datastore in this process) implements it now; a remote
 * client over HTTP implements the same contract later, which is why every method is async.
 */
import type { DatasetIdGenerationMode } from './datasets/dataset-id.js'
import type { DatasetRef } from './datasets/dataset-ref.js'
import type { DatasetType } from './datasets/dataset-type.js'
import type { VerifyProblem } from './datastore/datastore.js'
import type { DataCoordinate, DataId } from './dimensions/data-coordinate.js'
import type { DataIdValue, DimensionRecord } from './dimensions/dimension-record.js'
import type { DimensionUniverse } from './dimensions/dimension-universe.js'
import type { CollectionRecord, InsertRecordsOptions } from './registry/registry.js'

/** A dataset type given by name or definition. */
export type DatasetTypeArg = string | DatasetType

/** Options of reads. */
export interface GetOptions {
  /** Collections searched in order (default: the butler's default collections). */
  readonly collections?: readonly string[]
  /** Read parameters of the storage class (`columns`, `slice`, ...). */
  readonly parameters?: Readonly<Record<string, unknown>>
  /** Verify the recorded checksum before decoding. */
  readonly verifyChecksum?: boolean
}

/** Options of writes. */
export interface PutOptions {
  /** RUN collection written to (default: the butler's run); registered if it does not exist. */
  readonly run?: string
  /** How the new dataset's UUID is made (default UNIQUE: a random UUIDv7). */
  readonly idGenerationMode?: DatasetIdGenerationMode
}

/** One item of `putMany`. */
export interface PutItem {
  readonly obj: unknown
  readonly datasetType: DatasetTypeArg
  readonly dataId: DataId
}

/** One item of `getMany`. */
export interface GetItem {
  readonly datasetType: DatasetTypeArg
  readonly dataId: DataId
}

/** What is known about a dataset: recorded in the registry, known to the datastore, artifact verified. */
export interface DatasetExistence {
  readonly recorded: boolean
  readonly datastore: boolean
  /** Only checked with `fullCheck`; undefined otherwise. */
  readonly artifact: boolean | undefined
  /** True when the dataset can be read. */
  readonly exists: boolean
}

/** A dataset found now and read later. */
export interface DeferredDatasetHandle {
  readonly ref: DatasetRef
  readonly dataId: DataCoordinate
  get(options?: {
    readonly parameters?: Readonly<Record<string, unknown>>
    readonly component?: string
  }): Promise<unknown>
}

/** Options of `pruneDatasets`. */
export interface PruneOptions {
  /** Delete the artifacts (default true). */
  readonly unstore?: boolean
  /** Delete the registry entries too (implies `unstore`). */
  readonly purge?: boolean
}

/** The butler contract shared by every implementation. */
export interface Butler {
  readonly universe: DimensionUniverse
  /** Default RUN collection for writes, if any. */
  readonly run: string | undefined
  /** Default collections searched by reads. */
  readonly collections: readonly string[]
  /** Default data ID values (governor dimensions). */
  readonly dataIdDefaults: Readonly<Record<string, DataIdValue>>

  /** Stores an object as a dataset and returns its ref. */
  put(
    obj: unknown,
    datasetType: DatasetTypeArg | DatasetRef,
    dataId?: DataId,
    options?: PutOptions,
  ): Promise<DatasetRef>
  /** Stores many objects in one transaction with batched I/O. */
  putMany(items: readonly PutItem[], options?: PutOptions): Promise<DatasetRef[]>
  /** Finds and reads a dataset (a component with `calexp.wcs`). */
  get(datasetType: DatasetTypeArg | DatasetRef, dataId?: DataId, options?: GetOptions): Promise<unknown>
  /** Finds and reads many datasets with batched lookups and I/O. */
  getMany(items: readonly (GetItem | DatasetRef)[], options?: GetOptions): Promise<unknown[]>
  /** Finds a dataset now; reads it when asked. */
  getDeferred(
    datasetType: DatasetTypeArg | DatasetRef,
    dataId?: DataId,
    options?: GetOptions,
  ): Promise<DeferredDatasetHandle>
  /** Finds a dataset's ref without reading it. */
  findDataset(
    datasetType: DatasetTypeArg,
    dataId?: DataId,
    options?: { readonly collections?: readonly string[] },
  ): Promise<DatasetRef | undefined>
  /** Whether a dataset is recorded and stored (with `fullCheck`, whether its artifact is really there). */
  exists(
    datasetType: DatasetTypeArg | DatasetRef,
    dataId?: DataId,
    options?: { readonly collections?: readonly string[]; readonly fullCheck?: boolean },
  ): Promise<DatasetExistence>
  /** URI of a dataset's artifact; with `predict`, where it would be written. */
  getURI(
    datasetType: DatasetTypeArg | DatasetRef,
    dataId?: DataId,
    options?: { readonly collections?: readonly string[]; readonly run?: string; readonly predict?: boolean },
  ): Promise<string>

  registerDatasetType(datasetType: DatasetType): Promise<boolean>
  getDatasetType(name: string): Promise<DatasetType>
  queryDatasetTypes(pattern?: string): Promise<DatasetType[]>
  registerRun(name: string, doc?: string): Promise<boolean>
  queryCollections(pattern?: string): Promise<CollectionRecord[]>
  insertDimensionRecords(
    element: string,
    records: readonly (DimensionRecord | Readonly<Record<string, unknown>>)[],
    options?: InsertRecordsOptions,
  ): Promise<number>
  syncDimensionRecord(
    element: string,
    record: DimensionRecord | Readonly<Record<string, unknown>>,
    options?: { readonly update?: boolean },
  ): Promise<boolean | Record<string, unknown>>
  /** Validates a data ID and attaches implied values and dimension records. */
  expandDataId(dataId: DataId, options?: { readonly datasetType?: DatasetTypeArg }): Promise<DataCoordinate>

  /** Deletes RUN collections with all their datasets and artifacts. */
  removeRuns(names: readonly string[]): Promise<void>
  /** Deletes datasets' artifacts, and with `purge` their registry entries (two-phase). */
  pruneDatasets(refs: readonly DatasetRef[], options?: PruneOptions): Promise<void>
  /** Runs `fn` in one transaction: registry changes commit together, and files written are removed on failure. */
  transaction<T>(fn: () => Promise<T>): Promise<T>
  /** Finds leftovers of interrupted operations and artifacts that disagree with the registry. */
  verify(options?: { readonly repair?: boolean; readonly checksums?: boolean }): Promise<VerifyProblem[]>
  close(): Promise<void>
}
