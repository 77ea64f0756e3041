/**
 * The read side of an object-store datastore: sources over stored objects for the dataset reader
 * (through the local file cache, whole, or by ranged GETs), zip members, and artifacts handed out as
 * local files.
 */
import { copyFile, writeFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { DatasetRef } from '../../datasets/dataset-ref.js'
import type { StoredFileInfo } from '../../datasets/stored-file-info.js'
import { ChecksumError, DatasetNotFoundError, InputError } from '../../errors.js'
import { type ByteSource, MemoryByteSource } from '../../formatters/byte-source.js'
import { CHECKSUM_ALGORITHM } from '../artifact-datastore.js'
import { lookupSubject } from '../artifact-planner.js'
import type { CachedFile, FileCache } from '../cache/file-cache.js'
import type { OpenedArtifact } from '../dataset-reader.js'
import type { ArtifactInfo, FetchMode, LocalArtifact } from '../datastore.js'
import { createChecksum, readFileChecked, SMALL_FILE_BYTES } from '../file/atomic-write.js'
import { FileByteSource } from '../file/file-byte-source.js'
import { withTemporaryFile } from '../file/local-artifact.js'
import { isZipMemberPath, splitZipPath } from '../file/zip-member.js'
import { ingestExtension } from '../ingest-plan.js'
import { RemoteZipDirectory } from './remote-zip.js'
import type { S3Bucket } from './s3-bucket.js'
import { S3ByteSource } from './s3-byte-source.js'
import { keyOf, type S3Location } from './s3-location.js'

/** A ranged source over a stored object, with its key. */
type KeyedSource = ByteSource & { readonly key: string }

/** Reads the objects of one bucket prefix, through an optional local file cache. */
export class ObjectStoreReader {
  readonly #bucket: S3Bucket
  readonly #location: S3Location
  readonly #cache: FileCache | undefined
  readonly #zips = new RemoteZipDirectory()
  readonly #name: string

  constructor(bucket: S3Bucket, location: S3Location, cache: FileCache | undefined, name: string) {
    this.#bucket = bucket
    this.#location = location
    this.#cache = cache
    this.#name = name
  }

  /**
   * A source over a recorded artifact of `ref`: a zip member read alone; a cacheable dataset's object
   * downloaded once into the cache and read there; a small or checksummed object read whole; any
   * other object read by ranged GETs. Sizes are checked against the record, checksums when asked.
   */
  async open(ref: DatasetRef, record: StoredFileInfo, verifyChecksum: boolean): Promise<OpenedArtifact> {
    const checks: ByteChecks = {
      displayName: record.path,
      ...(record.fileSize >= 0 ? { expectedSize: record.fileSize } : {}),
      ...(verifyChecksum && record.checksum !== null ? { expectedChecksum: record.checksum } : {}),
    }
    if (isZipMemberPath(record.path))
      return inMemory(checkBytes(await this.readZipMember(record), checks), record)
    if (this.#cache?.shouldCache(lookupSubject(ref))) return this.#openCached(record, checks)
    const key = this.#keyOf(record.path)
    if (
      checks.expectedChecksum !== undefined ||
      (record.fileSize >= 0 && record.fileSize <= SMALL_FILE_BYTES)
    ) {
      return inMemory(checkBytes(await this.#bucket.getAll(key), checks), record)
    }
    let size = record.fileSize
    if (size < 0) {
      const head = await this.#bucket.head(key)
      if (!head) throw missing(record)
      size = head.size
    }
    return { source: new S3ByteSource(this.#bucket, key, size, record.path), close: async () => {} }
  }

  /** Writes one artifact to a local file (a copy: an object store has no local file to link to). */
  async fetch(artifact: ArtifactInfo, target: string, mode: FetchMode): Promise<void> {
    if (mode !== 'copy' && mode !== 'auto') {
      throw new InputError(
        `Transfer mode '${mode}' cannot take artifacts out of an object store (${this.#name}): there is no local file to link to; use copy`,
      )
    }
    const record = recordOfArtifact(artifact)
    if (isZipMemberPath(record.path)) {
      await writeFile(target, await this.readZipMember(record))
      return
    }
    const cached = await this.#findCached(record)
    if (cached) {
      try {
        await copyFile(cached.path, target)
      } finally {
        await cached.release()
      }
      return
    }
    await this.#download(record, target)
  }

  /** A local file with one artifact's bytes: its cached copy, else a temporary download. */
  async local(artifact: ArtifactInfo): Promise<LocalArtifact> {
    const record = recordOfArtifact(artifact)
    const zip = splitZipPath(record.path)
    if (zip) {
      const bytes = await this.readZipMember(record)
      return withTemporaryFile(basename(zip.member), (path) => writeFile(path, bytes))
    }
    const cached = await this.#findCached(record)
    if (cached) return { path: cached.path, isCopy: true, release: () => cached.release() }
    return withTemporaryFile(basename(record.path), (path) => this.#download(record, path))
  }

  /** Reads a whole object and compares it with a checksum. */
  async checksumMatches(record: StoredFileInfo): Promise<boolean> {
    try {
      const bytes = isZipMemberPath(record.path)
        ? await this.readZipMember(record)
        : await this.#bucket.getAll(this.#keyOf(record.path))
      checkBytes(bytes, { displayName: record.path, expectedChecksum: record.checksum ?? '' })
      return true
    } catch {
      return false
    }
  }

  /** One member of a zip stored whole, read by ranged GETs. */
  async readZipMember(record: StoredFileInfo): Promise<Buffer> {
    const zip = splitZipPath(record.path)!
    const source = await this.#zipSource(zip.zip)
    if (!source) throw missing(record)
    return this.#zips.readMember(source.key, source, zip.member, record.path)
  }

  /** Member names and sizes of a stored zip (datastore-relative path); undefined when it is not there. */
  async zipMembers(path: string): Promise<Map<string, number> | undefined> {
    const source = await this.#zipSource(path)
    if (!source) return undefined
    const entries = await this.#zips.entries(source.key, source)
    return new Map([...entries].map(([name, entry]) => [name, entry.uncompressedSize]))
  }

  /** Forgets what is cached about objects that were deleted. */
  forget(keys: readonly string[]): void {
    for (const k of keys) this.#zips.forget(k)
  }

  async #openCached(record: StoredFileInfo, checks: ByteChecks): Promise<OpenedArtifact> {
    const cached = await this.#cachedCopy(record)
    if (checks.expectedChecksum !== undefined) {
      try {
        return inMemory(
          await readFileChecked(cached.path, { ...checks, algorithm: CHECKSUM_ALGORITHM }),
          record,
        )
      } finally {
        await cached.release()
      }
    }
    let source: FileByteSource
    try {
      source = await FileByteSource.open(cached.path, record.path)
    } catch (error) {
      await cached.release()
      throw error
    }
    return {
      source,
      close: async () => {
        await source.close()
        await cached.release()
      },
    }
  }

  /** The artifact in the cache (downloaded on a miss); a cached copy of the wrong size is replaced. */
  async #cachedCopy(record: StoredFileInfo): Promise<CachedFile> {
    const cache = this.#cache!
    const component = record.component || null
    const ext = ingestExtension(record.path)
    for (let attempt = 1; ; attempt++) {
      const cached = await cache.withCachedFile(record.datasetId, component, ext, (target) =>
        this.#download(record, target),
      )
      if (record.fileSize < 0 || cached.size === record.fileSize) return cached
      await cached.release()
      if (!cached.fromCache || attempt > 1) {
        throw new ChecksumError(
          `File ${record.path} has ${cached.size} bytes; ${record.fileSize} were recorded`,
        )
      }
      // A stale entry (a dataset ID stored again after a delete): drop it and fetch again.
      await cache.remove(record.datasetId, component)
    }
  }

  /** The artifact's cached copy if there is one of the recorded size (no download). */
  async #findCached(record: StoredFileInfo): Promise<CachedFile | undefined> {
    const cached = await this.#cache?.find(
      record.datasetId,
      record.component || null,
      ingestExtension(record.path),
    )
    if (!cached || record.fileSize < 0 || cached.size === record.fileSize) return cached
    await cached.release()
    return undefined
  }

  /** Downloads an object to a local file, checking its size against the record. */
  async #download(record: StoredFileInfo, target: string): Promise<void> {
    const size = await this.#bucket.download(this.#keyOf(record.path), target)
    if (record.fileSize >= 0 && size !== record.fileSize) {
      throw new ChecksumError(`File ${record.path} has ${size} bytes; ${record.fileSize} were recorded`)
    }
  }

  /** A ranged source over a stored zip, or undefined when it is not there. */
  async #zipSource(path: string): Promise<KeyedSource | undefined> {
    const key = this.#keyOf(path)
    const head = await this.#bucket.head(key)
    if (!head) return undefined
    return Object.assign(new S3ByteSource(this.#bucket, key, head.size, path), { key })
  }

  #keyOf(path: string): string {
    return keyOf(this.#location, path)
  }
}

/** The `DatasetNotFoundError` of a recorded artifact whose object is gone. */
export function missing(record: StoredFileInfo): DatasetNotFoundError {
  return new DatasetNotFoundError(`The object of ${record.path} (dataset ${record.datasetId}) is missing`)
}

/** What bytes read whole are checked against. */
interface ByteChecks {
  readonly displayName: string
  readonly expectedSize?: number
  readonly expectedChecksum?: string
}

/** Checks bytes against a recorded size and checksum (`ChecksumError` on a mismatch). */
function checkBytes<T extends Uint8Array>(bytes: T, checks: ByteChecks): T {
  if (checks.expectedSize !== undefined && bytes.byteLength !== checks.expectedSize) {
    throw new ChecksumError(
      `File ${checks.displayName} has ${bytes.byteLength} bytes; ${checks.expectedSize} were recorded`,
    )
  }
  if (checks.expectedChecksum !== undefined) {
    const actual = createChecksum(CHECKSUM_ALGORITHM).update(bytes).digest('hex')
    if (actual !== checks.expectedChecksum.toLowerCase()) {
      throw new ChecksumError(
        `File ${checks.displayName} has checksum ${actual}; ${checks.expectedChecksum} was recorded`,
      )
    }
  }
  return bytes
}

function inMemory(bytes: Uint8Array, record: StoredFileInfo): OpenedArtifact {
  return { source: new MemoryByteSource(bytes, record.path), close: async () => {} }
}

/** The record an artifact listing came from. */
function recordOfArtifact(a: ArtifactInfo): StoredFileInfo {
  return {
    datasetId: a.datasetId,
    component: a.component,
    path: a.path,
    formatter: a.formatter,
    storageClass: a.storageClass,
    checksum: a.checksum,
    fileSize: a.fileSize,
  }
}
