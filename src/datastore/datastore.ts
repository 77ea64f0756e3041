/**
 * The datastore: where dataset artifacts live. This is the interface; `file/` stores files on a
 * local disk (object stores, in-memory and chained datastores come later).
 */
import type { DatasetRef } from '../datasets/dataset-ref.js'
import type { UndoLog } from '../internal/undo-log.js'

/** Options of a read. */
export interface DatastoreGetOptions {
  /** Read parameters of the storage class (`columns`, `slice`, ...). */
  readonly parameters?: Readonly<Record<string, unknown>>
  /** Verify the recorded checksum (when one was recorded) before decoding. */
  readonly verifyChecksum?: boolean
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

/** Stores and retrieves dataset artifacts keyed by resolved refs. */
export interface Datastore {
  /** Name recorded with every artifact (`FileDatastore@<root>`). */
  readonly name: string

  /**
   * Writes one dataset. The artifact becomes visible atomically; its record goes to the registry
   * transaction in progress, and `undo` learns how to remove the artifact if that transaction fails.
   */
  put(obj: unknown, ref: DatasetRef, undo: UndoLog): Promise<void>
  /** Writes many datasets with batched I/O (all or nothing). */
  putMany(items: readonly { readonly obj: unknown; readonly ref: DatasetRef }[], undo: UndoLog): Promise<void>
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
  /** Checks artifacts against records; with `repair`, removes leftovers of interrupted writes and deletes. */
  verify(options?: { readonly repair?: boolean; readonly checksums?: boolean }): Promise<VerifyProblem[]>
}
