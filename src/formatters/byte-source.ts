/**
 * Random access to the bytes of one stored artifact.
 *
 * Formatters that can read part of a file (the columns of a Parquet table, the rows of a FITS image
 * under a bounding box, one HDU of a multi-extension file) implement `Formatter.readFrom` and ask a
 * `ByteSource` for just the ranges they need; the datastore hands them a source over a local file, a
 * zip member, a cached copy or an in-memory buffer without them knowing which.
 *
 * Formatters never touch the filesystem: the local-file source is `FileByteSource` in
 * `src/datastore/file/file-byte-source.ts` (benchmarks and tests import it from there).
 */

import { CorruptArtifactError } from '../errors.js'

/** Random-access reader of one artifact's bytes. */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number
  /** Where the bytes come from, for error messages only (a repository-relative path, never secret). */
  readonly location: string
  /**
   * Reads `length` bytes at `offset`; throws `CorruptArtifactError` when the range goes past the end
   * (a truncated file), never returns fewer bytes than asked.
   */
  read(offset: number, length: number): Promise<Uint8Array>
  /** Reads the whole artifact. */
  readAll(): Promise<Uint8Array>
}

/** Throws unless `offset`/`length` is a valid range within the source (`CorruptArtifactError` past the end). */
export function checkRange(source: ByteSource, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new RangeError(`Invalid byte range ${offset}+${length}`)
  }
  if (offset + length > source.size) {
    throw new CorruptArtifactError(
      `${source.location || 'artifact'} is truncated: needed bytes ${offset}..${offset + length} of a ${source.size}-byte file`,
    )
  }
}

/** A source over bytes already in memory (zip members, checksummed reads, tests). */
export class MemoryByteSource implements ByteSource {
  readonly size: number
  readonly location: string
  readonly #bytes: Uint8Array

  constructor(bytes: Uint8Array, location = '') {
    this.#bytes = bytes
    this.size = bytes.byteLength
    this.location = location
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length)
    return this.#bytes.subarray(offset, offset + length)
  }

  async readAll(): Promise<Uint8Array> {
    return this.#bytes
  }
}

/** A source over another one that reports a different location in its error messages. */
export class RelabelledSource implements ByteSource {
  readonly #inner: ByteSource
  readonly location: string

  /** Wraps `inner`; messages about its bytes name `location` instead of the inner source's. */
  constructor(inner: ByteSource, location: string) {
    this.#inner = inner
    this.location = location
  }

  /** Size of the inner source. */
  get size(): number {
    return this.#inner.size
  }

  /** Reads from the inner source. */
  read(offset: number, length: number): Promise<Uint8Array> {
    return this.#inner.read(offset, length)
  }

  /** Reads all of the inner source. */
  readAll(): Promise<Uint8Array> {
    return this.#inner.readAll()
  }
}
