/**
 * A datastore of objects in an S3-compatible bucket, under one key prefix.
 */
import type { DatasetRef } from '../../datasets/dataset-ref.js'
import type { UndoLog } from '../../internal/undo-log.js'
import { ArtifactDatastore, type ArtifactDatastoreOptions } from '../artifact-datastore.js'
import { checkDistinctPaths, checkPathsUnused, type PreparedArtifact, recordOf } from '../artifact-planner.js'
import type { VerifyHost } from '../artifact-upkeep.js'
import type { FileCache } from '../cache/file-cache.js'
import type { DatasetReaderHost } from '../dataset-reader.js'
import type {
  ArtifactInfo,
  Datastore,
  FetchMode,
  FileDataset,
  IngestOptions,
  LocalArtifact,
  TransferMode,
  ZipDataset,
} from '../datastore.js'
import { createChecksum, readFileChecked } from '../file/atomic-write.js'
import { zipFileOf, zipFragmentOf } from '../file/zip-member.js'
import { forEachLimited } from '../for-each-limited.js'
import { ingestIntoObjectStore, ingestZipIntoObjectStore } from './object-store-ingest.js'
import { ObjectStoreReader } from './object-store-reader.js'
import { objectStoreUpkeepHost } from './object-store-upkeep.js'
import { chunkParts, concatBytes, fileParts, S3Bucket } from './s3-bucket.js'
import { keyOf, parseS3Root, rootUri, type S3Location, s3Uri } from './s3-location.js'

/** Objects bigger than this are written by multipart upload. */
export const DEFAULT_MULTIPART_THRESHOLD = 64 * 1024 * 1024

/** Size of the parts of a multipart upload (S3's minimum is 5 MiB). */
export const DEFAULT_MULTIPART_PART_SIZE = 16 * 1024 * 1024

/** Options of an `ObjectStoreDatastore`. */
export interface ObjectStoreDatastoreOptions extends ArtifactDatastoreOptions {
  /**
   * `s3://bucket/prefix`: the datastore owns every object under the prefix (the name defaults to
   * `ObjectStoreDatastore@<root>`).
   */
  readonly root: string
  /** Endpoint URL of an S3-compatible server (default: AWS). */
  readonly endpoint?: string | undefined
  /** Region (default `us-east-1`). */
  readonly region?: string | undefined
  /** Path-style addressing (`endpoint/bucket/key`); default true when an endpoint is given. */
  readonly forcePathStyle?: boolean | undefined
  /** Local cache of whole artifacts for reads; without one, every read is ranged GETs. */
  readonly cache?: FileCache | undefined
  /** Objects bigger than this many bytes are uploaded in parts (default 64 MiB). */
  readonly multipartThreshold?: number | undefined
  /** Part size of multipart uploads in bytes (default 16 MiB). */
  readonly multipartPartSize?: number | undefined
  /** Milliseconds to wait for a connection to the server (default 5000). */
  readonly connectTimeoutMs?: number | undefined
}

/**
 * Stores each dataset as one object at `<prefix>/<template path><ext>` (or one per component of a
 * disassembled composite), in the format of the formatter chosen for its dataset type; templates,
 * formatters, composites and records work exactly as in `FileDatastore`. An object appears whole
 * (PutObject, or a completed multipart upload) before the registry transaction that records it
 * commits, and is deleted again if that transaction fails.
 *
 * Reads of datasets the cache config says to cache download the object once into the local file
 * cache and read it there; other reads fetch only the byte ranges the formatter asks for.
 *
 * @example
 * const datastore = new ObjectStoreDatastore({
 *   root: 's3://my-bucket/repo', endpoint: 'http://127.0.0.1:9000',
 *   bridge: registry.datastoreBridge, storageClasses, formatters, templates,
 *   cache: FileCache.fromConfig({ root: '/var/cache/butler' }),
 * })
 */
export class ObjectStoreDatastore
  extends ArtifactDatastore<ObjectStoreDatastoreOptions>
  implements Datastore
{
  readonly name: string
  /** The root URI, `s3://bucket/prefix`. */
  readonly root: string
  readonly location: S3Location
  readonly bucket: S3Bucket
  readonly cache: FileCache | undefined
  private readonly reader: ObjectStoreReader

  constructor(options: ObjectStoreDatastoreOptions) {
    super(options)
    this.location = parseS3Root(options.root)
    this.root = rootUri(this.location)
    this.name = options.name ?? `ObjectStoreDatastore@${this.root}`
    this.cache = options.cache
    this.bucket = new S3Bucket({
      bucket: this.location.bucket,
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      connectTimeoutMs: options.connectTimeoutMs,
    })
    this.reader = new ObjectStoreReader(this.bucket, this.location, this.cache, this.name)
  }

  ingest(files: readonly FileDataset[], options: IngestOptions, undo: UndoLog): Promise<void> {
    return ingestIntoObjectStore(this.ingestHost(), files, options, undo)
  }

  ingestZip(zip: ZipDataset, options: { readonly transfer?: TransferMode }, undo: UndoLog): Promise<void> {
    return ingestZipIntoObjectStore(this.ingestHost(), zip, options.transfer ?? 'auto', undo)
  }

  fetchArtifact(
    artifact: ArtifactInfo,
    target: string,
    options: { readonly transfer?: FetchMode } = {},
  ): Promise<void> {
    return this.reader.fetch(artifact, target, options.transfer ?? 'copy')
  }

  localArtifact(artifact: ArtifactInfo): Promise<LocalArtifact> {
    return this.reader.local(artifact)
  }

  /** Checks that the bucket exists and the server answers (a `RepositoryError` otherwise). */
  checkBucket(timeoutMs?: number): Promise<void> {
    return this.bucket.checkBucket(timeoutMs)
  }

  /** Lets the S3 client's connections go and closes the cache. */
  async close(): Promise<void> {
    await this.bucket.close()
    await this.cache?.close()
  }

  /** Uploads serialised artifacts, then records them; written objects are deleted on failure. */
  protected async writePrepared(prepared: readonly PreparedArtifact[], undo: UndoLog): Promise<void> {
    checkDistinctPaths(prepared)
    const keys = prepared.map((p) => this.keyOf(p.path))
    // One query instead of a HEAD per object: what is at an unused path is a leftover, overwritten.
    await checkPathsUnused(this.bridge, prepared)
    const results: { size: number; checksum: string | undefined }[] = new Array(prepared.length)
    const written: string[] = []
    try {
      await forEachLimited(prepared, this.concurrency, async (p, i) => {
        results[i] = await this.upload(keys[i]!, p.chunks)
        written.push(keys[i]!)
      })
    } catch (error) {
      await this.bucket.deleteMany(written).catch(() => {})
      throw error
    }
    undo.push(() => this.bucket.deleteMany(keys).then(() => undefined))
    await this.bridge.insertRecords(
      this.name,
      prepared.map((p, i) => recordOf(p, results[i]!.size, results[i]!.checksum)),
    )
  }

  /** Writes one object from chunks: one PutObject, or a multipart upload above the threshold. */
  private async upload(
    key: string,
    chunks: readonly Uint8Array[],
  ): Promise<{ size: number; checksum: string | undefined }> {
    let size = 0
    const hash = this.checksum ? createChecksum(this.checksum) : undefined
    for (const c of chunks) {
      size += c.byteLength
      hash?.update(c)
    }
    if (size > (this.options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD)) {
      await this.bucket.putMultipart(key, chunkParts(chunks, this.partSize()))
    } else {
      await this.bucket.put(key, concatBytes(chunks, size))
    }
    return { size, checksum: hash?.digest('hex') }
  }

  /** Uploads a local file (ingest): one PutObject, or a multipart upload above the threshold. */
  private async uploadFile(key: string, file: string, size: number): Promise<void> {
    if (size > (this.options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD)) {
      await this.bucket.putMultipart(key, fileParts(file, size, this.partSize()))
    } else {
      await this.bucket.put(key, await readFileChecked(file))
    }
  }

  private partSize(): number {
    return this.options.multipartPartSize ?? DEFAULT_MULTIPART_PART_SIZE
  }

  /** The reader host for one read: `open` knows the ref, which decides whether reads are cached. */
  protected readerHost(ref: DatasetRef): DatasetReaderHost {
    return {
      name: this.name,
      storageClasses: this.options.storageClasses,
      formatters: this.options.formatters,
      open: (record, o) => this.reader.open(ref, record, o.verifyChecksum),
    }
  }

  private keyOf(path: string): string {
    return keyOf(this.location, path)
  }

  protected async hasArtifact(recordPath: string): Promise<boolean> {
    return (await this.bucket.head(this.keyOf(zipFileOf(recordPath)))) !== undefined
  }

  protected uriOf(recordPath: string): string {
    return this.locationOf(recordPath) + zipFragmentOf(recordPath)
  }

  protected newArtifactUri(path: string): string {
    return s3Uri(this.location.bucket, this.keyOf(path))
  }

  protected locationOf(recordPath: string): string {
    return s3Uri(this.location.bucket, this.keyOf(zipFileOf(recordPath)))
  }

  protected checkNewPath(path: string): void {
    this.keyOf(path)
  }

  private ingestHost() {
    return {
      ...this.ingestPlanHost(),
      keyOf: (path: string) => this.keyOf(path),
      exists: async (key: string) => (await this.bucket.head(key)) !== undefined,
      upload: (key: string, file: string, size: number) => this.uploadFile(key, file, size),
      download: async (key: string, file: string) => {
        await this.bucket.download(key, file)
      },
      remove: async (keys: readonly string[]) => {
        await this.bucket.deleteMany(keys)
      },
      zipMembers: async (path: string) => {
        const members = await this.reader.zipMembers(path)
        return members && [...members.keys()]
      },
    } as const
  }

  /** The storage operations of deletion and checks: objects under the prefix. */
  protected upkeepHost(): VerifyHost {
    return objectStoreUpkeepHost({
      name: this.name,
      bridge: this.bridge,
      bucket: this.bucket,
      location: this.location,
      reader: this.reader,
      cache: this.cache,
    })
  }
}
