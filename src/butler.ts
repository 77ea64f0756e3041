/**
 * The `Butler` interface: what scientific code calls to store and retrieve datasets by dataset type
 * and data ID. `DirectButler` (registry + datastore in this process) implements it now; a remote
 * client over HTTP implements the same contract later, which is why every method is async.
 */

import type { DatasetIdGenerationMode } from './datasets/dataset-id.js'
import type { DatasetRef } from './datasets/dataset-ref.js'
import type { DatasetType } from './datasets/dataset-type.js'
import type { DatasetProvenance, ProvenanceGraph } from './datasets/provenance.js'
import type { TransferMode, VerifyProblem } from './datastore/datastore.js'
import type { DataCoordinate, DataId } from './dimensions/data-coordinate.js'
import type { DataIdValue, DimensionRecord } from './dimensions/dimension-record.js'
import type { DimensionUniverse } from './dimensions/dimension-universe.js'
import type { Query } from './query/builder.js'
import type { DataIdQueryOptions, DatasetQueryOptions, QueryResults } from './query/query.js'
import type {
  CollectionInfo,
  CollectionType,
  DatasetAssociation,
  DatasetAssociationQuery,
  InsertRecordsOptions,
  QueryCollectionsOptions,
} from './registry/registry.js'
import type { Timespan } from './time/timespan.js'

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
  /**
   * Storage class to return the dataset as (`ArrowRows` for a dataset stored as `ArrowTable`); the
   * object is converted with the storage class converters.
   */
  readonly storageClass?: string
  /**
   * Use the in-process object cache (default true). Objects from the cache are shared between callers
   * and must not be modified; `false` reads a private object and leaves the cache alone.
   */
  readonly cache?: boolean
  /**
   * Validity time for calibration dataset types; by default the timespan of a temporal dimension
   * (exposure, visit) in the data ID.
   */
  readonly timespan?: Timespan
}

/** Options of writes. */
export interface PutOptions {
  /** RUN collection written to (default: the butler's run); registered if it does not exist. */
  readonly run?: string
  /** How the new dataset's UUID is made (default UNIQUE: a random UUIDv7). */
  readonly idGenerationMode?: DatasetIdGenerationMode
  /**
   * How the dataset was made: recorded in the registry with it and embedded in the file where the
   * format has a place for it. For `putMany`, the default of items without their own.
   */
  readonly provenance?: DatasetProvenance
}

/** Options of `walkProvenance`. */
export interface WalkProvenanceOptions {
  /** Most input steps followed from the dataset (default: until datasets without provenance). */
  readonly maxDepth?: number
}

/** A dataset backed by an ingested file, given by type and data ID (its ID is generated). */
export interface IngestDatasetSpec {
  readonly datasetType: DatasetTypeArg
  readonly dataId: DataId
}

/** An existing file to ingest and the datasets it backs (one file may back several). */
export interface IngestFile {
  /** Absolute or relative path, or `file://` URI. */
  readonly path: string
  /** Resolved refs (imported with their IDs and runs) or type + data ID pairs (into the ingest's run). */
  readonly refs: readonly (DatasetRef | IngestDatasetSpec)[]
  /** Formatter name; default: one that reads the file's extension for the storage class. */
  readonly formatter?: string
}

/** Options of `ingest`. */
export interface IngestFilesOptions {
  /** How files become artifacts (default `auto`); see `TransferMode`. */
  readonly transfer?: TransferMode
  /** RUN for type + data ID items (default: the butler's run); registered if missing. */
  readonly run?: string
  /** How IDs of type + data ID items are made (default UNIQUE). */
  readonly idGenerationMode?: DatasetIdGenerationMode
  /** Skip datasets already in the registry (a file whose datasets all exist is not touched). */
  readonly skipExisting?: boolean
  /** Record file sizes and checksums (default true). */
  readonly recordValidationInfo?: boolean
  /** Told how many more files were placed, as the ingest goes. */
  readonly onProgress?: (files: number) => void
}

/** Options of `retrieveArtifacts`. */
export interface RetrieveArtifactsOptions {
  /** `copy` (default), `link`, `hardlink`, `symlink` or `relsymlink`; `move` is refused. */
  readonly transfer?: TransferMode
  /** Keep each file's path relative to the datastore root (default true); else only its name. */
  readonly preservePath?: boolean
  /** Replace existing files (default false: an existing file is an error and nothing is written). */
  readonly overwrite?: boolean
  /** Told how many more files were written, as the retrieval goes. */
  readonly onProgress?: (files: number) => void
}

/** Options of `ingestZip`. */
export interface IngestZipOptions {
  /** How the zip gets into the datastore (default `auto`: copied, or used in place inside the root). */
  readonly transfer?: TransferMode
  /** Insert the dimension records stored in the zip's index (default false). */
  readonly transferDimensions?: boolean
  /** Check the zip and report its datasets, writing nothing. */
  readonly dryRun?: boolean
  /** Leave out datasets already in the repository instead of failing (default false). */
  readonly skipExisting?: boolean
}

/** One item of `putMany`. */
export interface PutItem {
  readonly obj: unknown
  readonly datasetType: DatasetTypeArg
  readonly dataId: DataId
  /** How this dataset was made (default: `PutOptions.provenance`). */
  readonly provenance?: DatasetProvenance
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
  /** Reads the dataset (or a component of it); options given here override the `getDeferred` ones. */
  get(options?: {
    readonly parameters?: Readonly<Record<string, unknown>>
    readonly component?: string
    readonly storageClass?: string
    readonly cache?: boolean
  }): Promise<unknown>
}

/** An edit of a CHAINED collection's children. */
export type ChainEdit =
  | {
      readonly mode: 'redefine' | 'extend' | 'prepend' | 'remove'
      readonly children: readonly string[]
      readonly flatten?: boolean
    }
  | { readonly mode: 'pop'; readonly positions?: readonly number[] }

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
  /**
   * Registers existing files as datasets in one transaction, transferring them as `transfer` says;
   * returns the refs of every item in order (with `skipExisting`, existing ones for skipped items).
   */
  ingest(files: readonly IngestFile[], options?: IngestFilesOptions): Promise<DatasetRef[]>
  /** Copies (or links) datasets' artifacts into a folder and returns the paths written. */
  retrieveArtifacts(
    refs: readonly DatasetRef[],
    destination: string,
    options?: RetrieveArtifactsOptions,
  ): Promise<string[]>
  /** Writes datasets' artifacts into one zip with an index (`_butler_zip_index.json`); returns its path. */
  retrieveArtifactsZip(
    refs: readonly DatasetRef[],
    destination: string,
    options?: { readonly overwrite?: boolean },
  ): Promise<string>
  /** Ingests a zip made by `retrieveArtifactsZip` (same UUIDs; runs and dataset types created as needed). */
  ingestZip(zipPath: string, options?: IngestZipOptions): Promise<DatasetRef[]>
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
  /** Finds a dataset's ref without reading it (calibrations: see `GetOptions.timespan`). */
  findDataset(
    datasetType: DatasetTypeArg,
    dataId?: DataId,
    options?: { readonly collections?: readonly string[]; readonly timespan?: Timespan },
  ): Promise<DatasetRef | undefined>
  /** Whether a dataset is recorded and stored (with `fullCheck`, whether its artifact is really there). */
  exists(
    datasetType: DatasetTypeArg | DatasetRef,
    dataId?: DataId,
    options?: {
      readonly collections?: readonly string[]
      readonly fullCheck?: boolean
      readonly timespan?: Timespan
    },
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
  /** Data IDs of `dimensions` matching a `where` expression, data ID and dataset searches (see docs/queries.md). */
  queryDataIds(dimensions: readonly string[], options?: DataIdQueryOptions): QueryResults<DataCoordinate>
  /** Datasets of a type found in collections, first per data ID by default (see docs/queries.md). */
  queryDatasets(datasetType: string, options?: DatasetQueryOptions): QueryResults<DatasetRef>
  /** Records of a dimension element matching the constraints (see docs/queries.md). */
  queryDimensionRecords(element: string, options?: DataIdQueryOptions): QueryResults<DimensionRecord>
  /** Datasets of every dataset type (or those matching globs), in pages (see docs/queries.md). */
  queryAllDatasets(
    options?: DatasetQueryOptions & { readonly datasetTypes?: string | readonly string[] },
  ): AsyncIterable<DatasetRef[]>
  /** A query built step by step: `where`, `joinDimensions`, `joinDatasetSearch`, then results. */
  query(): Query
  /** Deletes dataset type definitions (names or globs) that have no datasets; returns the names removed. */
  removeDatasetType(pattern: string | readonly string[]): Promise<string[]>
  registerRun(name: string, doc?: string): Promise<boolean>
  /** Registers a collection of any type; false if it already exists with that type. */
  registerCollection(name: string, type: CollectionType, doc?: string): Promise<boolean>
  /** Collections matching names or globs (see `Registry.queryCollections`). */
  queryCollections(
    pattern?: string | readonly string[],
    options?: QueryCollectionsOptions,
  ): Promise<CollectionInfo[]>
  /** Deletes TAGGED, CHAINED and CALIBRATION collections (not their datasets); see `removeRuns` for RUNs. */
  removeCollections(
    names: readonly string[],
    options?: { readonly removeFromParents?: boolean },
  ): Promise<void>
  setCollectionDocumentation(name: string, doc: string): Promise<void>
  /** Direct children of a CHAINED collection. */
  getCollectionChain(parent: string): Promise<string[]>
  /**
   * Edits a CHAINED collection (created if missing for `redefine`, `extend` and `prepend`) and returns
   * its new children. `pop` takes positions (negative ones count from the end; default the first).
   */
  editCollectionChain(parent: string, edit: ChainEdit): Promise<string[]>
  /** Adds datasets to a TAGGED collection (created if missing). */
  associate(collection: string, refs: readonly DatasetRef[]): Promise<void>
  /** Removes datasets from a TAGGED collection. */
  disassociate(collection: string, refs: readonly DatasetRef[]): Promise<void>
  /** Adds datasets to a CALIBRATION collection (created if missing) with a validity range. */
  certify(collection: string, refs: readonly DatasetRef[], timespan: Timespan): Promise<void>
  /** Removes validity within `timespan` (clipping or splitting ranges). */
  decertify(
    collection: string,
    datasetType: string,
    timespan: Timespan,
    options?: { readonly dataIds?: readonly DataId[] },
  ): Promise<void>
  /** Memberships of a dataset type's datasets in collections. */
  queryDatasetAssociations(
    datasetType: string,
    options?: DatasetAssociationQuery,
  ): Promise<DatasetAssociation[]>
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

  /**
   * Deletes RUN collections with all their datasets and artifacts; a run listed by a chain is an
   * `OrphanedRecordError` unless `unlinkFromChains` removes it from its chains first.
   */
  removeRuns(names: readonly string[], options?: { readonly unlinkFromChains?: boolean }): Promise<void>
  /** Deletes datasets' artifacts, and with `purge` their registry entries (two-phase). */
  pruneDatasets(refs: readonly DatasetRef[], options?: PruneOptions): Promise<void>
  /** Runs `fn` in one transaction: registry changes commit together, and files written are removed on failure. */
  transaction<T>(fn: () => Promise<T>): Promise<T>
  /** Finds leftovers of interrupted operations and artifacts that disagree with the registry. */
  verify(options?: { readonly repair?: boolean; readonly checksums?: boolean }): Promise<VerifyProblem[]>

  /** The provenance recorded for a dataset (by ref or UUID), or undefined when none is (raws). */
  getProvenance(ref: DatasetRef | string): Promise<DatasetProvenance | undefined>
  /**
   * The ancestors of a dataset: its inputs, their inputs and so on, until datasets without recorded
   * provenance (raws) or `maxDepth`. A dataset not in the repository is a `DatasetNotFoundError`.
   */
  walkProvenance(ref: DatasetRef | string, options?: WalkProvenanceOptions): Promise<ProvenanceGraph>
  /** The datasets recorded as made from this one (one step: their inputs include it). */
  findDerived(ref: DatasetRef | string): Promise<DatasetRef[]>
  close(): Promise<void>
}
