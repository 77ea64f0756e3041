/**
 * The datastore: where dataset artifacts live. This is the interface; `file/` stores files on a
 * local disk, `object-store/` stores objects in an S3-compatible bucket (in-memory and chained
 * datastores come later).
 */
import type { DatasetRef } from '../datasets/dataset-ref.js'
import type { UndoLog } from '../internal/undo-log.js'

/** Options of a read. */
export interface DatastoreGetOptions {
  /** Read parameters of the storage class (`columns`, `slice`, ...). */
  readonly parameters?: Readonly<Record<string, unknown>>
  /** Verify the recorded checksum (when one was recorded) before decoding. */
  readonly verifyChecksum?: boolean
  /**
   * Storage class to return (default: the ref's dataset type's); the stored object is converted with
   * the storage class converters, or `StorageClassConversionError` says it cannot be.
   */
  readonly storageClass?: string
}

/** Options of a write. */
export interface DatastorePutOptions {
  /**
   * Provenance flattened to a dictionary (see `flattenProvenance`), embedded in the file where the
   * format has a place for it (FITS header, Parquet metadata).
   */
  readonly provenance?: Readonly<Record<string, string | number>>
}

/** One dataset of a `putMany`. */
export interface DatastorePutItem extends DatastorePutOptions {
  readonly obj: unknown
  readonly ref: DatasetRef
}

/** One problem found by `verify`. */
export interface VerifyProblem {
  readonly kind:
    | 'temporary-file'
    | 'orphan-file'
    | 'pending-trash'
    | 'missing-file'
    | 'size-mismatch'
    | 'checksum-mismatch'
  /** Datastore-relative path. */
  readonly path: string
  readonly datasetId?: string
  /** Whether `repair` fixes it (leftovers are removed; lost data can only be reported). */
  readonly repairable: boolean
  readonly repaired: boolean
}

/**
 * How an existing file becomes a datastore artifact (the reference's transfer modes).
 * - `auto`: files inside the root are used in place (`none`), files outside are `link`ed.
 * - `copy`: atomic copy; `move`: rename (copy + delete across devices).
 * - `link`: hard link, falling back to a symlink; `hardlink`, `symlink`, `relsymlink` (relative symlink).
 * - `direct`: no transfer; the record keeps the absolute URI and the butler never deletes the file.
 * - `split`: inside the root like `none`, outside like `direct`.
 * - `none`: the file already is inside the root; its relative path is recorded.
 */
export const TRANSFER_MODES = [
  'auto',
  'copy',
  'move',
  'link',
  'hardlink',
  'symlink',
  'relsymlink',
  'direct',
  'split',
  'none',
] as const
export type TransferMode = (typeof TRANSFER_MODES)[number]

/** One existing file to ingest, backing one or more datasets (refs with the same dataset type). */
export interface FileDataset {
  /** Absolute path, `file://` URI, or a path relative to the working directory. */
  readonly path: string
  readonly refs: readonly DatasetRef[]
  /** Formatter name (as in the formatter config); default from the file's extension or the lookup config. */
  readonly formatter?: string
}

/** Options of `Datastore.ingest`. */
export interface IngestOptions {
  readonly transfer?: TransferMode
  /** Record size (and checksum, when configured); false records size -1 and no checksum (default true). */
  readonly recordValidationInfo?: boolean
  /**
   * Datastore-relative destination per file (same order as the files) instead of the file template;
   * used by transfers between repositories to keep the source's layout.
   */
  readonly targetPaths?: readonly (string | undefined)[]
  /** Checksums to record as given instead of computing them (transfers). */
  readonly checksums?: readonly (string | null | undefined)[]
  /** Told how many more files were placed, as the ingest goes (for progress bars). */
  readonly onProgress?: (files: number) => void
}

/** A zip of artifacts ingested whole (see `Datastore.ingestZip`). */
export interface ZipDataset {
  /** Absolute path of the zip file. */
  readonly path: string
  /** File name it is stored under (`<uuid5>.zip`). */
  readonly name: string
  /** The members and the datasets each one holds, with what their records say. */
  readonly members: readonly {
    readonly member: string
    readonly refs: readonly DatasetRef[]
    readonly formatter: string
    readonly storageClass: string
    readonly checksum: string | null
    readonly fileSize: number
  }[]
}

/** One stored artifact of a dataset, as transfers and retrieval see it. */
export interface ArtifactInfo {
  readonly datasetId: string
  /** '' for the whole dataset, or the component stored in this file. */
  readonly component: string
  /** The recorded path: datastore-relative, absolute URI (`direct`), or with a `#zip-path=` fragment. */
  readonly path: string
  /**
   * Where the stored file is: its absolute local path for local datastores (the zip file for zip
   * members), its URI (`s3://bucket/key`) otherwise. Use `Datastore.fetchArtifact` or
   * `Datastore.localArtifact` to get at the bytes, whatever the datastore.
   */
  readonly absolutePath: string
  readonly formatter: string
  readonly storageClass: string
  readonly checksum: string | null
  readonly fileSize: number
}

/** A local file holding an artifact's bytes (a zip member's alone), readable until released. */
export interface LocalArtifact {
  /** Absolute local path. */
  readonly path: string
  /** True for a copy made for the caller (downloaded, extracted), false for the stored file itself. */
  readonly isCopy: boolean
  /** Lets the file go (a copy is removed); idempotent. */
  release(): Promise<void>
}

/** How `Datastore.fetchArtifact` places an artifact: a copy, or a link where the datastore is local. */
export type FetchMode = 'auto' | 'copy' | 'link' | 'hardlink' | 'symlink' | 'relsymlink'

/** Stores and retrieves dataset artifacts keyed by resolved refs. */
export interface Datastore {
  /** Name recorded with every artifact (`FileDatastore@<root>`). */
  readonly name: string

  /**
   * Writes one dataset. The artifact becomes visible atomically; its record goes to the registry
   * transaction in progress, and `undo` learns how to remove the artifact if that transaction fails.
   */
  put(obj: unknown, ref: DatasetRef, undo: UndoLog, options?: DatastorePutOptions): Promise<void>
  /** Writes many datasets with batched I/O (all or nothing). */
  putMany(items: readonly DatastorePutItem[], undo: UndoLog): Promise<void>
  /**
   * Writes one component (`ref` is a component ref) of a dataset stored one file per component; fails
   * with `ConflictingDefinitionError` if the dataset is stored as one file or has that component.
   */
  putComponent(obj: unknown, ref: DatasetRef, undo: UndoLog, options?: DatastorePutOptions): Promise<void>
  /** Reads one dataset (or a component, when the ref's dataset type is a component). */
  get(ref: DatasetRef, options?: DatastoreGetOptions): Promise<unknown>
  /** Reads many datasets with batched record lookups and concurrent I/O. */
  getMany(refs: readonly DatasetRef[], options?: DatastoreGetOptions): Promise<unknown[]>
  /** Whether the datastore has a record of the dataset (no artifact I/O). */
  knows(ref: DatasetRef): Promise<boolean>
  /** Whether the dataset's artifact is really there. */
  exists(ref: DatasetRef): Promise<boolean>
  /** URI of the artifact; with `predict`, where a not-yet-written dataset would go (`#predicted`). */
  getURI(ref: DatasetRef, options?: { readonly predict?: boolean }): Promise<string>
  /** Phase one of deletion: forget the artifacts inside the registry transaction in progress. */
  trash(refs: readonly DatasetRef[]): Promise<void>
  /** Phase two: delete trashed artifacts no longer used by any record; returns how many files went. */
  emptyTrash(): Promise<number>
  /**
   * Registers existing files as the artifacts of datasets already in the registry transaction in
   * progress, transferring them as `options.transfer` says; files placed are undone with `undo`.
   */
  ingest(files: readonly FileDataset[], options: IngestOptions, undo: UndoLog): Promise<void>
  /** Stored artifacts of datasets (missing ones are left out). */
  artifacts(refs: readonly DatasetRef[]): Promise<ArtifactInfo[]>
  /**
   * Stores a zip whole as the artifacts of datasets already in the registry transaction in progress:
   * each record points at its member (`<zip>#zip-path=<member>`); the placed zip is undone with `undo`.
   */
  ingestZip(zip: ZipDataset, options: { readonly transfer?: TransferMode }, undo: UndoLog): Promise<void>
  /**
   * Writes one artifact (as listed by `artifacts`; a zip member alone) to the local file `target`,
   * replacing it: copied (`copy`, `auto`), or linked where the datastore is local. A mode the
   * datastore cannot honour (a link to an object in a bucket) is an `InputError` naming it.
   */
  fetchArtifact(
    artifact: ArtifactInfo,
    target: string,
    options?: { readonly transfer?: FetchMode },
  ): Promise<void>
  /**
   * A local file with one artifact's bytes, for code that needs a path (zip writing, transfers): the
   * stored file itself for local datastores, else a temporary copy. Release it when done.
   */
  localArtifact(artifact: ArtifactInfo): Promise<LocalArtifact>
  /** Lets go of connections and caches (object stores); optional. */
  close?(): Promise<void>
  /** Checks artifacts against records; with `repair`, removes leftovers of interrupted writes and deletes. */
  verify(options?: { readonly repair?: boolean; readonly checksums?: boolean }): Promise<VerifyProblem[]>
}
