/**
 * The few S3 operations an object-store datastore needs, over the AWS SDK v3 (loaded on first use,
 * so repositories without an object store never pay for it), with failures turned into errors that
 * name the bucket and endpoint: a missing bucket, refused credentials or an unreachable server are
 * `RepositoryError`s; anything else is a `ButlerError` with the SDK error as its cause.
 *
 * Credentials come from the SDK's default chain (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`,
 * `AWS_PROFILE` and `~/.aws/credentials`, web identity, instance metadata); they are never part of
 * the datastore config.
 */
import { createWriteStream } from 'node:fs'
import { open, unlink } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type {
  GetObjectCommandOutput,
  ListMultipartUploadsCommandOutput,
  S3Client,
  S3ClientConfig,
} from '@aws-sdk/client-s3'
import { ButlerError, ChecksumError, DatasetNotFoundError, RepositoryError } from '../../errors.js'

type Sdk = typeof import('@aws-sdk/client-s3')

/** How to reach a bucket. */
export interface S3BucketOptions {
  readonly bucket: string
  /** Endpoint URL of an S3-compatible server (default: AWS for `region`). */
  readonly endpoint?: string | undefined
  /** Region (default `us-east-1`). */
  readonly region?: string | undefined
  /** Address buckets as `endpoint/bucket` (default: true when an endpoint is given). */
  readonly forcePathStyle?: boolean | undefined
  /** Milliseconds to wait for a TCP connection (default 5000). */
  readonly connectTimeoutMs?: number | undefined
  /** Milliseconds a connection may stay silent during a request (default 60000). */
  readonly socketTimeoutMs?: number | undefined
  /** Attempts per request, retries included (default 3). */
  readonly maxAttempts?: number | undefined
}

/** One object of a listing. */
export interface ListedObject {
  readonly key: string
  readonly size: number
}

/** One multipart upload that was started and never completed nor aborted. */
export interface PendingUpload {
  readonly key: string
  readonly uploadId: string
  /** When it was started (undefined when the server does not say). */
  readonly initiated: Date | undefined
}

/** Bytes of a ranged read, and the object's total size as the server reported it. */
export interface RangeResult {
  readonly bytes: Uint8Array
  readonly totalSize: number
}

/** S3 caps one DeleteObjects request at 1000 keys. */
const DELETE_BATCH = 1000

let sdkPromise: Promise<Sdk> | undefined

/** Loads the SDK once (and silences its warning about the Node version, printed on every CLI run). */
function loadSdk(): Promise<Sdk> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  sdkPromise ??= import('@aws-sdk/client-s3')
  return sdkPromise
}

/** A bucket reached through one S3 client. */
export class S3Bucket {
  readonly bucket: string
  /** Endpoint for messages (`AWS` when none was given), without credentials. */
  readonly endpointLabel: string
  readonly #options: S3BucketOptions
  #client: Promise<{ sdk: Sdk; client: S3Client }> | undefined

  constructor(options: S3BucketOptions) {
    this.bucket = options.bucket
    this.#options = options
    this.endpointLabel = options.endpoint
      ? redactEndpoint(options.endpoint)
      : `AWS (${options.region ?? 'us-east-1'})`
  }

  /** Checks that the bucket exists and answers, within `timeoutMs`; a `RepositoryError` otherwise. */
  async checkBucket(timeoutMs = 10_000): Promise<void> {
    const { sdk, client } = await this.#connect()
    try {
      await client.send(new sdk.HeadBucketCommand({ Bucket: this.bucket }), {
        abortSignal: AbortSignal.timeout(timeoutMs),
      })
    } catch (error) {
      if (statusOf(error) === 404 || nameOf(error) === 'NotFound' || nameOf(error) === 'NoSuchBucket') {
        throw new RepositoryError(`Bucket '${this.bucket}' does not exist at ${this.endpointLabel}`, {
          cause: error,
        })
      }
      throw this.#wrap(error, 'check of the bucket', undefined, timeoutMs)
    }
  }

  /** Size of an object, or undefined when there is none. */
  async head(key: string): Promise<{ readonly size: number } | undefined> {
    const { sdk, client } = await this.#connect()
    try {
      const out = await client.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: key }))
      return { size: out.ContentLength ?? 0 }
    } catch (error) {
      if (statusOf(error) === 404) return undefined
      throw this.#wrap(error, 'HEAD', key)
    }
  }

  /** Reads bytes `start` to `end` (exclusive) of an object with one ranged GET. */
  async getRange(key: string, start: number, end: number): Promise<RangeResult> {
    const { sdk, client } = await this.#connect()
    let out: GetObjectCommandOutput
    try {
      out = await client.send(
        new sdk.GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end - 1}` }),
      )
    } catch (error) {
      if (statusOf(error) === 416) {
        throw new ChecksumError(`${key} is shorter than expected: bytes ${start}..${end} are not there`, {
          cause: error,
        })
      }
      throw this.#wrap(error, 'GET', key)
    }
    const bytes = await this.#readBody(out.Body, key)
    const total = /\/(\d+)\s*$/.exec(out.ContentRange ?? '')
    return { bytes, totalSize: total ? Number(total[1]) : bytes.byteLength }
  }

  /** Reads a whole object. */
  async getAll(key: string): Promise<Uint8Array> {
    return this.#readBody(await this.#getBody(key), key)
  }

  /** Streams a whole object into a new local file (removed again on failure); returns its size. */
  async download(key: string, target: string): Promise<number> {
    const body = await this.#getBody(key)
    const out = createWriteStream(target, { flags: 'w' })
    let size = 0
    try {
      await pipeline(
        body as Readable,
        async function* (source: AsyncIterable<Uint8Array>) {
          for await (const chunk of source) {
            size += chunk.byteLength
            yield chunk
          }
        },
        out,
      )
    } catch (error) {
      await unlink(target).catch(() => {})
      throw this.#wrap(error, 'download', key)
    }
    return size
  }

  /** Writes an object in one request (it appears whole, atomically). */
  async put(key: string, body: Uint8Array): Promise<void> {
    await this.#send('PUT', key, (sdk, client) =>
      client.send(
        new sdk.PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentLength: body.byteLength,
        }),
      ),
    )
  }

  /**
   * Writes an object by multipart upload from parts produced in order (each but the last at least
   * 5 MiB on AWS). The object appears only when the upload completes; on failure the upload is
   * aborted (best effort: `verify` lists and `verify --repair` aborts what is left).
   */
  async putMultipart(key: string, parts: AsyncIterable<Uint8Array>): Promise<void> {
    const { sdk, client } = await this.#connect()
    let uploadId: string | undefined
    try {
      const created = await client.send(
        new sdk.CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key }),
      )
      uploadId = created.UploadId
      if (!uploadId) throw new ButlerError(`The object store started no upload for ${key}`)
      const done: { PartNumber: number; ETag: string }[] = []
      let number = 0
      for await (const part of parts) {
        number++
        const out = await client.send(
          new sdk.UploadPartCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: number,
            Body: part,
            ContentLength: part.byteLength,
          }),
        )
        done.push({ PartNumber: number, ETag: out.ETag ?? '' })
      }
      await client.send(
        new sdk.CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: done },
        }),
      )
    } catch (error) {
      if (uploadId) await this.abortUpload(key, uploadId).catch(() => {})
      throw error instanceof ButlerError ? error : this.#wrap(error, 'multipart upload', key)
    }
  }

  /** Abandons a multipart upload, freeing its parts. */
  async abortUpload(key: string, uploadId: string): Promise<void> {
    await this.#send('abort of an upload', key, (sdk, client) =>
      client.send(new sdk.AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId })),
    )
  }

  /** Deletes objects (missing ones are fine) in batches; returns how many keys were deleted. */
  async deleteMany(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0
    let deleted = 0
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH)
      const out = await this.#send('DELETE', batch[0], (sdk, client) =>
        client.send(
          new sdk.DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        ),
      )
      const errors = out.Errors ?? []
      if (errors.length > 0) {
        const first = errors[0]!
        throw new ButlerError(
          `${errors.length} of ${batch.length} objects could not be deleted from bucket '${this.bucket}' (e.g. ${first.Key}: ${first.Code})`,
        )
      }
      deleted += batch.length
    }
    return deleted
  }

  /** Every object whose key starts with `prefix`, in pages. */
  async *list(prefix: string): AsyncGenerator<ListedObject> {
    let token: string | undefined
    do {
      const out = await this.#send('listing', prefix, (sdk, client) =>
        client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        ),
      )
      for (const o of out.Contents ?? []) if (o.Key) yield { key: o.Key, size: o.Size ?? 0 }
      token = out.IsTruncated ? out.NextContinuationToken : undefined
    } while (token)
  }

  /** Whether any object's key starts with `prefix`. */
  async hasObjectsUnder(prefix: string): Promise<boolean> {
    for await (const _ of this.list(prefix)) return true
    return false
  }

  /**
   * Multipart uploads under `prefix` that were never completed nor aborted. Servers that do not
   * implement the listing (some S3-compatible ones) give an empty list.
   */
  async listPendingUploads(prefix: string): Promise<PendingUpload[]> {
    const { sdk, client } = await this.#connect()
    const out: PendingUpload[] = []
    let keyMarker: string | undefined
    let uploadIdMarker: string | undefined
    for (;;) {
      let page: ListMultipartUploadsCommandOutput
      try {
        page = await client.send(
          new sdk.ListMultipartUploadsCommand({
            Bucket: this.bucket,
            Prefix: prefix,
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
          }),
        )
      } catch (error) {
        const name = nameOf(error)
        if (name === 'NotImplemented' || statusOf(error) === 501 || name === 'MethodNotAllowed') return out
        throw this.#wrap(error, 'listing of uploads', prefix)
      }
      for (const u of page.Uploads ?? []) {
        if (u.Key && u.UploadId) out.push({ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated })
      }
      if (!page.IsTruncated) return out
      keyMarker = page.NextKeyMarker
      uploadIdMarker = page.NextUploadIdMarker
    }
  }

  /** Lets the client's connections go. */
  async close(): Promise<void> {
    const connected = this.#client
    this.#client = undefined
    if (connected) (await connected.catch(() => undefined))?.client.destroy()
  }

  #connect(): Promise<{ sdk: Sdk; client: S3Client }> {
    this.#client ??= loadSdk().then((sdk) => {
      const o = this.#options
      const config: S3ClientConfig = {
        region: o.region ?? 'us-east-1',
        maxAttempts: o.maxAttempts ?? 3,
        requestHandler: {
          connectionTimeout: o.connectTimeoutMs ?? 5000,
          socketTimeout: o.socketTimeoutMs ?? 60_000,
        },
        ...(o.endpoint
          ? {
              endpoint: o.endpoint,
              forcePathStyle: o.forcePathStyle ?? true,
              // S3-compatible servers do not all know the newer flexible checksums.
              requestChecksumCalculation: 'WHEN_REQUIRED',
              responseChecksumValidation: 'WHEN_REQUIRED',
            }
          : o.forcePathStyle !== undefined
            ? { forcePathStyle: o.forcePathStyle }
            : {}),
      }
      return { sdk, client: new sdk.S3Client(config) }
    })
    return this.#client
  }

  /**
   * Sends one request with the connected client; a failure is wrapped (see `#wrap`) as the `what`
   * of `key`.
   */
  async #send<T>(
    what: string,
    key: string | undefined,
    request: (sdk: Sdk, client: S3Client) => Promise<T>,
  ): Promise<T> {
    const { sdk, client } = await this.#connect()
    try {
      return await request(sdk, client)
    } catch (error) {
      throw this.#wrap(error, what, key)
    }
  }

  /** The body of a whole object (a GET). */
  #getBody(key: string): Promise<unknown> {
    return this.#send('GET', key, async (sdk, client) => {
      return (await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: key }))).Body
    })
  }

  async #readBody(body: unknown, key: string): Promise<Uint8Array> {
    try {
      return await (body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()
    } catch (error) {
      throw this.#wrap(error, 'GET', key)
    }
  }

  /** A user error for what users can fix (bucket, credentials, server), else an internal one. */
  #wrap(error: unknown, what: string, key?: string, timeoutMs?: number): Error {
    if (error instanceof ButlerError) return error
    const name = nameOf(error)
    const code = (error as { code?: string } | undefined)?.code
    const status = statusOf(error)
    const where = `bucket '${this.bucket}' at ${this.endpointLabel}`
    if (name === 'NoSuchBucket') {
      return new RepositoryError(`Bucket '${this.bucket}' does not exist at ${this.endpointLabel}`, {
        cause: error,
      })
    }
    if (key !== undefined && (name === 'NoSuchKey' || (status === 404 && what !== 'DELETE'))) {
      return new DatasetNotFoundError(
        `Object s3://${this.bucket}/${key} is missing from ${this.endpointLabel} (butler verify lists such problems)`,
        { cause: error },
      )
    }
    const hint =
      'S3 credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE and ~/.aws/credentials'
    if (name === 'CredentialsProviderError') {
      return new RepositoryError(`No S3 credentials were found to reach ${where}; ${hint}`, { cause: error })
    }
    if (
      name === 'InvalidAccessKeyId' ||
      name === 'SignatureDoesNotMatch' ||
      name === 'AccessDenied' ||
      name === 'ExpiredToken' ||
      status === 403
    ) {
      return new RepositoryError(`Access to ${where} was refused (${name}); ${hint}`, { cause: error })
    }
    const network = new Set([
      'ECONNREFUSED',
      'ENOTFOUND',
      'EAI_AGAIN',
      'ETIMEDOUT',
      'EHOSTUNREACH',
      'ECONNRESET',
      'ENETUNREACH',
    ])
    if (
      name === 'TimeoutError' ||
      name === 'AbortError' ||
      (code !== undefined && network.has(code)) ||
      /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|socket hang up/.test(String((error as Error)?.message))
    ) {
      const reason =
        name === 'AbortError' && timeoutMs ? `no answer within ${timeoutMs / 1000} s` : (code ?? name)
      return new RepositoryError(`Cannot reach the object store holding ${where}: ${reason}`, {
        cause: error,
      })
    }
    const target = key === undefined ? where : `s3://${this.bucket}/${key} (${this.endpointLabel})`
    return new ButlerError(
      `S3 ${what} of ${target} failed: ${name}: ${(error as Error)?.message ?? String(error)}`,
      {
        cause: error,
      },
    )
  }
}

/** A local file's bytes in parts of `partSize` (for multipart uploads of big files). */
export async function* fileParts(path: string, size: number, partSize: number): AsyncGenerator<Uint8Array> {
  const handle = await open(path, 'r')
  try {
    for (let offset = 0; offset < size; offset += partSize) {
      const length = Math.min(partSize, size - offset)
      const buf = Buffer.alloc(length)
      let done = 0
      while (done < length) {
        const { bytesRead } = await handle.read(buf, done, length - done, offset + done)
        if (bytesRead === 0) throw new ButlerError(`${path} shrank while being uploaded`)
        done += bytesRead
      }
      yield buf
    }
  } finally {
    await handle.close()
  }
}

/** Cuts chunks into parts of `partSize` bytes (the last one shorter), copying only across chunk edges. */
export async function* chunkParts(
  chunks: readonly Uint8Array[],
  partSize: number,
): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = []
  let pendingSize = 0
  for (const chunk of chunks) {
    let offset = 0
    while (offset < chunk.byteLength) {
      const take = Math.min(partSize - pendingSize, chunk.byteLength - offset)
      pending.push(chunk.subarray(offset, offset + take))
      pendingSize += take
      offset += take
      if (pendingSize === partSize) {
        yield concatBytes(pending, pendingSize)
        pending = []
        pendingSize = 0
      }
    }
  }
  if (pendingSize > 0) yield concatBytes(pending, pendingSize)
}

/** One buffer of chunks (the chunk itself when there is only one). */
export function concatBytes(chunks: readonly Uint8Array[], size?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!
  const total = size ?? chunks.reduce((n, c) => n + c.byteLength, 0)
  const out = new Uint8Array(total)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.byteLength
  }
  return out
}

function nameOf(error: unknown): string {
  return (error as { name?: string } | undefined)?.name ?? 'Error'
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode
}

/** An endpoint URL without user name or password. */
function redactEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint)
    url.username = ''
    url.password = ''
    return url.href.replace(/\/$/, '')
  } catch {
    return endpoint
  }
}
