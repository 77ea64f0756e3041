/**
 * A real S3-protocol server for tests: s3rver in a child process on an ephemeral port of 127.0.0.1,
 * storing objects in a temporary folder and logging every request, so tests can count the GETs and
 * bytes a read really cost.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'

/** Credentials s3rver accepts; tests put them in the environment, where the SDK's default chain finds them. */
export const S3_TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const

/** Puts the test credentials in `env` (default `process.env`, which child processes inherit). */
export function useS3TestCredentials(env: Record<string, string | undefined> = process.env): void {
  env.AWS_ACCESS_KEY_ID = S3_TEST_CREDENTIALS.accessKeyId
  env.AWS_SECRET_ACCESS_KEY = S3_TEST_CREDENTIALS.secretAccessKey
  env.AWS_REGION = 'us-east-1'
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
}

/** One request the server answered. */
export interface S3Request {
  readonly method: string
  /** Path and query: `/bucket/key?...`. */
  readonly url: string
  /** The `Range` header, or null. */
  readonly range: string | null
  readonly status: number
  /** Bytes of the response body (its Content-Length). */
  readonly bytes: number
}

/** A running server. */
export interface S3TestServer {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string
  readonly port: number
  /** Creates a bucket. */
  createBucket(name: string): Promise<void>
  /** Writes an object behind the datastore's back (to damage artifacts in tests). */
  putObject(bucket: string, key: string, body: Uint8Array | string): Promise<void>
  /** Deletes an object behind the datastore's back. */
  deleteObject(bucket: string, key: string): Promise<void>
  /** Keys of the objects whose keys start with `prefix`. */
  listKeys(bucket: string, prefix: string): Promise<string[]>
  /** Requests answered since the start or the last `clearLog`. */
  requests(): Promise<S3Request[]>
  clearLog(): Promise<void>
  /** Stops the server process and removes its data. */
  stop(): Promise<void>
}

/** Starts s3rver in a child process, with `buckets` created. */
export async function startS3Server(
  options: { readonly buckets?: readonly string[] } = {},
): Promise<S3TestServer> {
  useS3TestCredentials()
  const dir = await mkdtemp(join(tmpdir(), 'butler-s3rver-'))
  const log = join(dir, 'requests.jsonl')
  await writeFile(log, '')
  const script = join(dirname(fileURLToPath(import.meta.url)), 's3-server-child.js')
  const child = spawn(process.execPath, [script, join(dir, 'data'), log], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const port = await readPort(child)
  const endpoint = `http://127.0.0.1:${port}`
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3_TEST_CREDENTIALS,
  })
  const server: S3TestServer = {
    endpoint,
    port,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }))
    },
    async putObject(bucket, key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))
    },
    async deleteObject(bucket, key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
    },
    async listKeys(bucket, prefix) {
      const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))
      return (out.Contents ?? []).map((o) => o.Key ?? '')
    },
    async requests() {
      const text = await readFile(log, 'utf8')
      return text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as S3Request)
    },
    async clearLog() {
      await writeFile(log, '')
    },
    async stop() {
      client.destroy()
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
  for (const b of options.buckets ?? []) await server.createBucket(b)
  return server
}

/** Reads the `{"port": N}` line the child prints once it listens (fails if it exits first). */
function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    const timer = setTimeout(() => reject(new Error('s3rver did not start within 20 s')), 20_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`s3rver exited with code ${code} before listening`))
    })
    lines.once('line', (line) => {
      clearTimeout(timer)
      try {
        resolve((JSON.parse(line) as { port: number }).port)
      } catch (error) {
        reject(error)
      }
    })
  })
}

/** The GETs of one object key among logged requests (`/bucket/key`, query ignored). */
export function getsOf(requests: readonly S3Request[], bucket: string, key: string): S3Request[] {
  const path = `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`
  return requests.filter((r) => r.method === 'GET' && r.url.split('?')[0] === path)
}

/** The bucket and key of an `s3://` URI (a fragment such as `#zip-path=` left out); fails the test otherwise. */
export function splitS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/([^#]+)/.exec(uri)
  assert.ok(m, `not an s3 URI: ${uri}`)
  return { bucket: m[1]!, key: m[2]! }
}
