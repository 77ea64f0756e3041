/**
 * The registry: the SQL database of dimensions, dataset types, collections, datasets and datastore
 * records. This is the interface; `sql/` implements it over Kysely for SQLite (and PostgreSQL later).
 */

import type { DatasetIdGenerationMode } from '../datasets/dataset-id.js'
import type { DatasetRef } from '../datasets/dataset-ref.js'
import type { DatasetType } from '../datasets/dataset-type.js'
import type { DatasetProvenance } from '../datasets/provenance.js'
import type { DatastoreBridge } from '../datasets/stored-file-info.js'
import type { DataCoordinate, DataId } from '../dimensions/data-coordinate.js'
import type { DimensionGroup } from '../dimensions/dimension-group.js'
import type { DataIdValue, DimensionRecord } from '../dimensions/dimension-record.js'
import type { DimensionUniverse } from '../dimensions/dimension-universe.js'
import type { QueryDriver } from '../query/driver.js'
import type { Timespan } from '../time/timespan.js'

/** Collection types, numbered as in the reference. */
export type CollectionType = 'RUN' | 'TAGGED' | 'CHAINED' | 'CALIBRATION'

/** One collection as the registry knows it. */
export interface CollectionRecord {
  readonly name: string
  readonly type: CollectionType
  readonly doc: string
}

/** A collection with its chain children (CHAINED only) and, on request, its parent chains. */
export interface CollectionInfo extends CollectionRecord {
  /** Children of a CHAINED collection in search order; empty for other types. */
  readonly children: readonly string[]
  /** CHAINED collections that list this one directly (only when asked for). */
  readonly parents?: readonly string[]
}

/** Options of `queryCollections`. */
export interface QueryCollectionsOptions {
  /** Only collections of these types (chains are still expanded when flattening). */
  readonly types?: readonly CollectionType[]
  /** Replace CHAINED collections by their (recursive) children. */
  readonly flattenChains?: boolean
  /** Keep the CHAINED collections themselves in the result (default: `!flattenChains`). */
  readonly includeChains?: boolean
  /** Fill `CollectionInfo.parents`. */
  readonly includeParents?: boolean
}

/** One membership of a dataset in a collection (with the validity range for CALIBRATION ones). */
export interface DatasetAssociation {
  readonly ref: DatasetRef
  readonly collection: string
  readonly timespan?: Timespan
}

/** Which memberships `queryDatasetAssociations` returns. */
export interface DatasetAssociationQuery {
  /** Collections or glob patterns searched (default: all). */
  readonly collections?: readonly string[]
  readonly collectionTypes?: readonly CollectionType[]
  /** Search the children of CHAINED collections instead of skipping them. */
  readonly flattenChains?: boolean
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
  /**
   * Collections searched, chains flattened (globs allowed unless `findFirst`); all RUNs when absent.
   * Without `findFirst`, datasets certified in a searched CALIBRATION collection match at any time;
   * with it, CALIBRATION collections are skipped (there is no time to choose a validity range).
   */
  readonly collections?: readonly string[]
  /** Only datasets whose data ID contains these values. */
  readonly dataId?: Readonly<Record<string, DataIdValue>>
  /** Return only the first match per (dataset type, data ID) in collection order (default false). */
  readonly findFirst?: boolean
}

/** The registry contract; every call is async so remote implementations can honour it too. */
export interface Registry extends QueryDriver {
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
  /**
   * Collections matching names or globs (`*`, `?`), or all; unordered, sorted by name, except that
   * flattened chains keep their search order. Unknown explicit names are a `MissingCollectionError`.
   */
  queryCollections(
    pattern?: string | readonly string[],
    options?: QueryCollectionsOptions,
  ): Promise<CollectionInfo[]>
  /** Registers a TAGGED, CHAINED or CALIBRATION collection (or a RUN); false if it exists with that type. */
  registerCollection(name: string, type: CollectionType, doc?: string): Promise<boolean>
  /** Deletes a TAGGED, CHAINED or CALIBRATION collection; `OrphanedRecordError` while a chain lists it. */
  removeCollection(name: string): Promise<void>
  /** Replaces the documentation string of a collection. */
  setCollectionDocumentation(name: string, doc: string): Promise<void>
  /** Direct children of a CHAINED collection; `CollectionTypeError` for other types. */
  getCollectionChain(parent: string): Promise<string[]>
  /**
   * Redefines a CHAINED collection's children (existing collections, no wildcards, duplicates
   * dropped after the first); a cycle is a `CollectionCycleError`. With `flatten`, stores the
   * children's flattened, non-CHAINED members instead.
   */
  setCollectionChain(
    parent: string,
    children: readonly string[],
    options?: { readonly flatten?: boolean },
  ): Promise<void>
  /** CHAINED collections that list this collection directly. */
  getCollectionParentChains(name: string): Promise<string[]>
  /**
   * The ordered search path of an ordered collection list: chains replaced depth-first by their
   * children, first occurrence kept. Unknown names are a `MissingCollectionError`.
   */
  flattenCollections(collections: readonly string[]): Promise<CollectionRecord[]>
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
  /**
   * Finds the dataset of a type and data ID in the first collection of the flattened search path
   * that has it. CALIBRATION collections are searched only with a `timespan` (the dataset whose
   * validity range overlaps it; several datasets with overlapping ranges are a
   * `CalibrationLookupError`) and are skipped without one; a calibration dataset type searched in
   * CALIBRATION collections only, without a timespan, is a `CalibrationLookupError`.
   */
  findDataset(
    datasetType: DatasetType,
    dataId: DataCoordinate,
    collections: readonly string[],
    options?: FindDatasetOptions,
  ): Promise<DatasetRef | undefined>
  /** Vectorised `findDataset` for many data IDs of one dataset type (one timespan per data ID, or one for all). */
  findDatasets(
    datasetType: DatasetType,
    dataIds: readonly DataCoordinate[],
    collections: readonly string[],
    options?: FindDatasetsOptions,
  ): Promise<(DatasetRef | undefined)[]>
  /** Datasets by UUID (missing ones are left out). */
  getDatasets(ids: readonly string[]): Promise<DatasetRef[]>
  /** Datasets matching a simple search. */
  searchDatasets(search: DatasetSearch): AsyncIterable<DatasetRef[]>
  /** Deletes datasets' registry rows (datastore records must be trashed first). */
  removeDatasets(refs: readonly DatasetRef[]): Promise<void>
  /** Deletes dataset type definitions matching names or globs; `OrphanedRecordError` while datasets of one exist. */
  removeDatasetType(pattern: string | readonly string[]): Promise<string[]>

  /**
   * Adds datasets to a TAGGED collection; re-adding a member is a no-op, another dataset of the same
   * type and data ID already there is a `ConflictingDefinitionError`.
   */
  associate(collection: string, refs: readonly DatasetRef[]): Promise<void>
  /** Removes datasets from a TAGGED collection (non-members are ignored). */
  disassociate(collection: string, refs: readonly DatasetRef[]): Promise<void>
  /**
   * Adds datasets to a CALIBRATION collection with a validity range. A range overlapping an existing
   * one for the same type + data ID (or two given refs of the same data ID) is a `ConflictingDefinitionError`.
   */
  certify(collection: string, refs: readonly DatasetRef[], timespan: Timespan): Promise<void>
  /**
   * Removes the part of validity ranges of a dataset type (optionally only for some data IDs) that
   * falls inside `timespan`: ranges inside it go, ranges straddling it are clipped or split in two.
   */
  decertify(
    collection: string,
    datasetType: string,
    timespan: Timespan,
    options?: { readonly dataIds?: readonly DataCoordinate[] },
  ): Promise<void>
  /** Memberships of datasets of a type in collections (RUN, TAGGED, CALIBRATION with validity ranges). */
  queryDatasetAssociations(
    datasetType: string,
    options?: DatasetAssociationQuery,
  ): Promise<DatasetAssociation[]>

  /**
   * Records the provenance of datasets of this registry, in bulk, inside the transaction in progress
   * (if any). Inputs are stored as given (they need not be in this registry). A dataset that does
   * not exist is a `DatasetNotFoundError`; one whose recorded provenance differs is a
   * `ConflictingDefinitionError`; recording the same provenance again is a no-op. Removing a dataset
   * removes its provenance (not the records of datasets that name it as an input).
   */
  insertProvenance(entries: readonly ProvenanceEntry[]): Promise<void>
  /** Recorded provenance by dataset ID; datasets without any (raws, unknown IDs) are left out. */
  getProvenance(datasetIds: readonly string[]): Promise<Map<string, DatasetProvenance>>
  /**
   * The datasets whose recorded inputs include each of these IDs ("what was made from X"), by input
   * ID; IDs nothing was made from are left out.
   */
  findDerived(datasetIds: readonly string[]): Promise<Map<string, DatasetRef[]>>
}

/** One dataset's provenance for `Registry.insertProvenance`. */
export interface ProvenanceEntry {
  readonly datasetId: string
  readonly provenance: DatasetProvenance
}

/** Options of `findDataset`. */
export interface FindDatasetOptions {
  /** Validity time searched in CALIBRATION collections. */
  readonly timespan?: Timespan
}

/** Options of `findDatasets`. */
export interface FindDatasetsOptions {
  /** Validity time(s) searched in CALIBRATION collections: one for all data IDs, or one per data ID. */
  readonly timespan?: Timespan | readonly (Timespan | undefined)[]
}
