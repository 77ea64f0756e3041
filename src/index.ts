/**
 * The Data Butler for TypeScript: store and retrieve datasets by dataset type and data ID.
 *
 * Start at `createRepository` / `openButler` (create-butler.ts), which build a `DirectButler`
 * (direct/direct-butler.ts) from a registry (registry/) and a datastore (datastore/).
 */
export type {
  Butler,
  ChainEdit,
  DatasetExistence,
  DatasetTypeArg,
  DeferredDatasetHandle,
  GetItem,
  GetOptions,
  IngestDatasetSpec,
  IngestFile,
  IngestFilesOptions,
  IngestZipOptions,
  PruneOptions,
  PutItem,
  PutOptions,
  RetrieveArtifactsOptions,
} from './butler.js'
export type { CreateRepositoryOptions, OpenButlerOptions } from './create-butler.js'
export { createRepository, openButler, readRepoConfig } from './create-butler.js'
export * from './datasets/dataset-id.js'
export type { SerializedDatasetRef } from './datasets/dataset-ref.js'
export { DatasetRef } from './datasets/dataset-ref.js'
export { DatasetType, splitDatasetTypeName } from './datasets/dataset-type.js'
export type { NdArray } from './datasets/ndarray.js'
export { createNdArray, isNdArray } from './datasets/ndarray.js'
export * from './datasets/provenance.js'
export { StorageClass, StorageClassFactory } from './datasets/storage-class.js'
export {
  registerConverter,
  registerStorageClassType,
  type StorageClassConverter,
  type StorageClassTypeBehaviour,
} from './datasets/storage-class-type.js'
export {
  TABLE_METADATA,
  type TableColumns,
  type TableRow,
  type TableSchemaDescription,
  tableMetadata,
  withTableMetadata,
} from './datasets/table-types.js'
export type {
  ArtifactInfo,
  Datastore,
  DatastoreGetOptions,
  FetchMode,
  LocalArtifact,
  TransferMode,
  VerifyProblem,
} from './datastore/datastore.js'
export { TRANSFER_MODES } from './datastore/datastore.js'
export { ObjectStoreDatastore } from './datastore/object-store/object-store-datastore.js'
export * from './dimensions/index.js'
export { DirectButler } from './direct/direct-butler.js'
export { ObjectCache, type ObjectCacheOptions, type ObjectCacheStats } from './direct/object-cache.js'
export type { TransferFromOptions } from './direct/transfer.js'
export * from './errors.js'
export {
  type ExpressionNode,
  type ExpressionPosition,
  formatExpression,
  parseExpression,
} from './expression/index.js'
export * from './geometry/index.js'
export * from './images/index.js'
export type { ExecuteOptions, QueryDriver, QueryRow } from './query/driver.js'
export {
  type DataIdQueryOptions,
  type DatasetQueryOptions,
  type QueryOptions,
  QueryResults,
} from './query/query.js'
export type { OrderTerm, Predicate, QueryTree, ResultSpec } from './query/tree.js'
export type {
  CollectionInfo,
  CollectionRecord,
  CollectionType,
  DatasetAssociation,
  DatasetAssociationQuery,
  QueryCollectionsOptions,
  Registry,
} from './registry/registry.js'
export * from './time/index.js'
export * from './transfers/index.js'
export { parseZipIndex, ZIP_INDEX_NAME, type ZipIndex } from './transfers/zip-index.js'
