/**
 * `ByteSource` over one object in a bucket, read with ranged GETs (`Range: bytes=a-b`), so a formatter
 * that needs a few columns of a Parquet file or the rows of a FITS cutout fetches only those bytes.
 */
import { ChecksumError } from '../../errors.js'
import { type ByteSource, checkRange } from '../../formatters/byte-source.js'
import type { S3Bucket } from './s3-bucket.js'

/** Reads shorter than this fetch a window of this size, kept for the reads that follow. */
export const READ_WINDOW_BYTES = 64 * 1024

/** How many windows a source keeps. */
const WINDOWS_KEPT = 4

interface Window {
  readonly start: number
  readonly bytes: Uint8Array
}

/**
 * Ranged reads of one object. Formatters often read small pieces in sequence (headers, footers,
 * directory entries): a read shorter than 64 KiB fetches a 64 KiB window from its offset and serves
 * later reads inside it from memory; longer reads fetch exactly their range.
 *
 * The size is the recorded one: every response's `Content-Range` total is checked against it, so a
 * replaced or truncated object is a `ChecksumError`, never silently mixed bytes.
 */
export class S3ByteSource implements ByteSource {
  readonly size: number
  readonly location: string
  /** Bytes fetched so far (for statistics and tests). */
  fetchedBytes = 0
  /** Requests made so far. */
  requests = 0
  readonly #bucket: S3Bucket
  readonly #key: string
  readonly #windows: Window[] = []

  constructor(bucket: S3Bucket, key: string, size: number, location: string) {
    this.#bucket = bucket
    this.#key = key
    this.size = size
    this.location = location
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length)
    if (length === 0) return new Uint8Array(0)
    const hit = this.#windows.find(
      (w) => offset >= w.start && offset + length <= w.start + w.bytes.byteLength,
    )
    if (hit) return hit.bytes.subarray(offset - hit.start, offset - hit.start + length)
    if (length >= READ_WINDOW_BYTES) return this.#fetch(offset, offset + length)
    const end = Math.min(this.size, offset + READ_WINDOW_BYTES)
    const bytes = await this.#fetch(offset, end)
    this.#windows.push({ start: offset, bytes })
    if (this.#windows.length > WINDOWS_KEPT) this.#windows.shift()
    return bytes.subarray(0, length)
  }

  async readAll(): Promise<Uint8Array> {
    return this.read(0, this.size)
  }

  async #fetch(start: number, end: number): Promise<Uint8Array> {
    this.requests++
    const { bytes, totalSize } = await this.#bucket.getRange(this.#key, start, end)
    this.fetchedBytes += bytes.byteLength
    if (totalSize !== this.size) {
      throw new ChecksumError(`File ${this.location} has ${totalSize} bytes; ${this.size} were recorded`)
    }
    if (bytes.byteLength !== end - start) {
      throw new ChecksumError(
        `File ${this.location}: asked for ${end - start} bytes at ${start}, got ${bytes.byteLength}`,
      )
    }
    return bytes
  }
}
