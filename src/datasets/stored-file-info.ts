/**
 * Datastore records and the bridge through which a datastore keeps them in the registry database.
 *
 * The registry implements `DatastoreBridge`; the datastore uses it. Neither imports the other: both
 * import this file, and `direct/` hands the registry's bridge to the datastore.
 */

/** Where and how one artifact of one dataset is stored (one row of `file_datastore_records`). */
export interface StoredFileInfo {
  readonly datasetId: string
  /** Component name, or '' for the whole dataset. */
  readonly component: string
  /** Path relative to the datastore root, or an absolute URI for files stored in place. */
  readonly path: string
  /** Name of the formatter that wrote the file (used to read it, forever). */
  readonly formatter: string
  readonly storageClass: string
  /** Hex digest, when checksums are enabled. */
  readonly checksum: string | null
  /** Size in bytes, or -1 when not recorded. */
  readonly fileSize: number
}

/**
 * Datastore records in the registry database, with two-phase deletion: `trash` marks datasets'
 * artifacts for removal inside the caller's registry transaction; after the artifacts are deleted,
 * `forget` removes the records for good. Every call joins the registry transaction in progress.
 */
export interface DatastoreBridge {
  /** Records the artifacts of newly stored datasets (and their location rows). */
  insertRecords(datastoreName: string, records: readonly StoredFileInfo[]): Promise<void>
  /** Records of these datasets (trashed or not), by dataset ID. */
  fetchRecords(datasetIds: readonly string[]): Promise<Map<string, StoredFileInfo[]>>
  /** IDs among these that this datastore holds and that are not trashed. */
  knownIds(datastoreName: string, datasetIds: readonly string[]): Promise<Set<string>>
  /** Marks datasets' artifacts for deletion (they stop being known immediately). */
  trash(datastoreName: string, datasetIds: readonly string[]): Promise<void>
  /** Records of trashed datasets, up to `limit`, oldest first. */
  fetchTrashed(datastoreName: string, limit: number): Promise<StoredFileInfo[]>
  /** Of these paths, the ones still used by a record that is not trashed. */
  pathsInUse(paths: readonly string[]): Promise<Set<string>>
  /** Deletes records and trash rows of these datasets (after their artifacts were removed). */
  forget(datastoreName: string, datasetIds: readonly string[]): Promise<void>
  /** Every recorded path of this datastore (for consistency checks), in pages. */
  iterateRecords(datastoreName: string, pageSize?: number): AsyncIterable<StoredFileInfo[]>
}
