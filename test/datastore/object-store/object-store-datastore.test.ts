/**
 * The object-store datastore against a real S3-protocol server (s3rver in a child process): the
 * datastore contract with and without the local cache, then what only an object store does —
 * multipart uploads, ranged reads that fetch only the bytes needed, reads through the cache,
 * ingest by upload, artifacts handed out as local files, and clear errors when the bucket or the
 * server is not there.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { tableFromArrays } from 'apache-arrow'
import type { DatasetRef } from '../../../src/datasets/dataset-ref.js'
import { DatasetType } from '../../../src/datasets/dataset-type.js'
import { createNdArray, isNdArray } from '../../../src/datasets/ndarray.js'
import { FileCache } from '../../../src/datastore/cache/file-cache.js'
import { DEFAULT_FILE_TEMPLATES, FileTemplates } from '../../../src/datastore/file/file-template.js'
import { ObjectStoreDatastore } from '../../../src/datastore/object-store/object-store-datastore.js'
import { keyOf, parseS3Root } from '../../../src/datastore/object-store/s3-location.js'
import { DataCoordinate, defaultUniverse } from '../../../src/dimensions/index.js'
import { loadDefaultStorageClasses } from '../../../src/formatters/default-storage-classes.js'
import { FormatterFactory } from '../../../src/formatters/formatter-factory.js'
import { UndoLog } from '../../../src/internal/undo-log.js'
import type { Registry } from '../../../src/registry/registry.js'
import { createSqlRegistry } from '../../../src/registry/sql/create-sql-registry.js'
import { datastoreContract } from '../../contracts/datastore-contract.js'
import { ids, insertCameraRecords } from '../../support/records.js'
import { getsOf, type S3TestServer, splitS3Uri, startS3Server } from '../../support/s3-server.js'
import { storeDataset } from '../../support/store-dataset.js'

const serverReady = startS3Server()
let bucketCount = 0

after(async () => {
  await (await serverReady).stop()
})

/** A new bucket on the test server. */
async function newBucket(): Promise<string> {
  const name = `bucket-${process.pid}-${++bucketCount}`
  await (await serverReady).createBucket(name)
  return name
}

interface Setup {
  readonly dir: string
  readonly bucket: string
  readonly registry: Registry
  readonly datastore: ObjectStoreDatastore
  close(): Promise<void>
}

/** A registry in a temporary folder and an object-store datastore in a new bucket. */
async function setUp(
  options: {
    cache?: 'all' | 'none' | false
    checksum?: boolean
    multipartThreshold?: number
    multipartPartSize?: number
  } = {},
): Promise<Setup> {
  const server = await serverReady
  const dir = await mkdtemp(join(tmpdir(), 'butler-osds-'))
  const bucket = await newBucket()
  const registry = await createSqlRegistry({
    path: join(dir, 'registry.sqlite3'),
    universe: defaultUniverse(),
    create: true,
  })
  const storageClasses = loadDefaultStorageClasses()
  const cacheMode = options.cache ?? 'all'
  const cache =
    cacheMode === false
      ? undefined
      : FileCache.fromConfig({ root: join(dir, 'cache'), default: cacheMode === 'all' }, {})
  const datastore = new ObjectStoreDatastore({
    root: `s3://${bucket}/repo`,
    endpoint: server.endpoint,
    bridge: registry.datastoreBridge,
    storageClasses,
    formatters: new FormatterFactory({ storageClasses }),
    templates: new FileTemplates(DEFAULT_FILE_TEMPLATES),
    checksum: options.checksum ?? false,
    cache,
    multipartThreshold: options.multipartThreshold,
    multipartPartSize: options.multipartPartSize,
  })
  return {
    dir,
    bucket,
    registry,
    datastore,
    async close() {
      await datastore.close()
      await registry.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

for (const [cache, checksum] of [
  ['all', false],
  [false, true],
] as const) {
  datastoreContract(
    `ObjectStoreDatastore on s3rver (cache ${cache || 'off'}, checksum ${checksum})`,
    async () => {
      const s = await setUp({ cache, checksum })
      const server = await serverReady
      return {
        datastore: s.datastore,
        registry: s.registry,
        uriScheme: 's3',
        async damage(ref, how) {
          const { bucket, key } = splitS3Uri(await s.datastore.getURI(ref))
          if (how === 'truncate') await server.putObject(bucket, key, 'abc')
          else await server.deleteObject(bucket, key)
        },
        async leaveLeftover(kind) {
          if (kind === 'temporary') return false // PutObject writes no temporary objects
          await server.putObject(s.bucket, 'repo/stray.json', '{}')
          return true
        },
        close: () => s.close(),
      }
    },
  )
}

describe('ObjectStoreDatastore', () => {
  let server: S3TestServer
  let s: Setup
  let tableType: DatasetType
  let arrayType: DatasetType
  let dictType: DatasetType
  let detector = 20

  before(async () => {
    server = await serverReady
    s = await setUp({ cache: 'none', multipartThreshold: 1024 * 1024, multipartPartSize: 256 * 1024 })
    await insertCameraRecords(s.registry, { detectors: ids(200) })
    const dims = s.registry.universe.group(['instrument', 'visit', 'detector'])
    tableType = new DatasetType('catalog', dims, 'ArrowTable')
    arrayType = new DatasetType('pixels', dims, 'NumpyArray')
    dictType = new DatasetType('summary', dims, 'StructuredDataDict')
    for (const t of [tableType, arrayType, dictType]) await s.registry.registerDatasetType(t)
    await s.registry.registerRun('run1')
  })

  after(async () => {
    await s.close()
  })

  /**
   * Inserts a dataset (of the next detector) and stores `obj` for it in one transaction, as a butler
   * put does; with `fail`, the transaction then fails ('boom') and the put is undone.
   */
  function store(
    type: DatasetType,
    obj: unknown,
    datastore = s.datastore,
    fail = false,
  ): Promise<DatasetRef> {
    return storeDataset({ registry: s.registry, datastore }, type, ++detector, obj, { fail })
  }

  it('uploads big artifacts in parts, and they read back whole', async () => {
    const data = new Float64Array(300_000).map((_, i) => i * 0.5) // 2.4 MB
    await server.clearLog()
    const ref = await store(arrayType, createNdArray(data, [3000, 100]))
    const log = await server.requests()
    const key = splitS3Uri(await s.datastore.getURI(ref)).key
    const parts = log.filter((r) => r.method === 'PUT' && r.url.includes('partNumber='))
    assert.equal(parts.length, 10, 'ten parts of 256 KiB')
    assert.ok(log.some((r) => r.method === 'POST' && r.url.includes('uploads')))
    assert.ok(log.some((r) => r.method === 'POST' && r.url.includes('uploadId=')))
    assert.equal(log.filter((r) => r.method === 'PUT' && r.url.split('?')[0]!.endsWith(key)).length, 10)
    const back = await s.datastore.get(ref)
    assert.ok(isNdArray(back))
    assert.deepEqual(back.shape, [3000, 100])
    assert.equal(back.data[299_999], 299_999 * 0.5)
    const part = await s.datastore.get(ref, { parameters: { slice: [10, 12] } })
    assert.ok(isNdArray(part))
    assert.deepEqual([...part.data.slice(0, 2)], [1000 * 0.5, 1001 * 0.5])
  })

  it('reads only the bytes of the columns asked for (ranged GETs)', async (t) => {
    const n = 50_000
    const table = tableFromArrays({
      id: Int32Array.from({ length: n }, (_, i) => i),
      ra: Float64Array.from({ length: n }, (_, i) => i / n),
      dec: Float64Array.from({ length: n }, (_, i) => -i / n),
      flux: Float64Array.from({ length: n }, (_, i) => Math.sqrt(i)),
    })
    const ref = await store(tableType, table)
    const { bucket, key } = splitS3Uri(await s.datastore.getURI(ref))
    const size = (await s.datastore.artifacts([ref]))[0]!.fileSize
    assert.ok(size > 500_000, `the file is big enough to matter (${size} bytes)`)
    await server.clearLog()
    const part = (await s.datastore.get(ref, { parameters: { columns: ['id'] } })) as typeof table
    assert.deepEqual(
      part.schema.fields.map((f) => f.name),
      ['id'],
    )
    assert.equal(part.getChild('id')!.get(n - 1), n - 1)
    const gets = getsOf(await server.requests(), bucket, key)
    const fetched = gets.reduce((total, r) => total + r.bytes, 0)
    assert.ok(gets.length >= 2 && gets.every((r) => r.range !== null), 'only ranged GETs')
    assert.ok(fetched < size / 3, `fetched ${fetched} of ${size} bytes for one column of four`)
    t.diagnostic(`one column of four: ${gets.length} ranged GETs, ${fetched} of ${size} bytes`)
  })

  it('serves repeated reads of cacheable datasets from the cache: one GET, then none', async () => {
    const cached = await setUp({ cache: 'all' })
    try {
      await insertCameraRecords(cached.registry, { detectors: [5] })
      await cached.registry.registerDatasetType(dictType)
      await cached.registry.registerRun('run1')
      const ref = await storeDataset(cached, dictType, 5, { answer: 42 })
      const { bucket, key } = splitS3Uri(await cached.datastore.getURI(ref))
      await server.clearLog()
      assert.deepEqual(await cached.datastore.get(ref), { answer: 42 })
      assert.deepEqual(await cached.datastore.get(ref), { answer: 42 })
      assert.deepEqual(await cached.datastore.getMany([ref, ref]), [{ answer: 42 }, { answer: 42 }])
      const gets = getsOf(await server.requests(), bucket, key)
      assert.equal(gets.length, 1, 'downloaded once')
      assert.equal(gets[0]!.range, null, 'whole')
      assert.equal(await cached.datastore.cache!.has(ref.id, null), true)
      // Deleting the dataset drops its cached copy too.
      await cached.registry.transaction(() => cached.datastore.trash([ref]))
      assert.equal(await cached.datastore.emptyTrash(), 1)
      assert.equal(await cached.datastore.cache!.has(ref.id, null), false)
    } finally {
      await cached.close()
    }
  })

  it('rolls back uploads with the registry transaction', async () => {
    const before = await s.datastore.verify()
    await server.clearLog()
    await assert.rejects(store(dictType, { doomed: true }, s.datastore, true), /boom/)
    assert.deepEqual(await s.datastore.verify(), before)
    const listed = (await server.requests()).filter((r) => r.method === 'PUT' && r.url.includes('summary'))
    assert.ok(listed.length > 0, 'the object was written before the rollback')
  })

  it('ingests local files by upload (copy and move) and refuses links', async () => {
    const local = join(s.dir, 'in')
    await rm(local, { recursive: true, force: true })
    await import('node:fs/promises').then((fs) => fs.mkdir(local))
    const refs: DatasetRef[] = []
    for (const d of [101, 102, 103]) {
      const dataId = await s.registry.expandDataId(
        DataCoordinate.standardize(
          { instrument: 'HSC', visit: 903334, detector: d },
          { dimensions: dictType.dimensions },
        ),
      )
      refs.push(...(await s.registry.insertDatasets(dictType, 'run1', [dataId])))
      await writeFile(join(local, `${d}.json`), JSON.stringify({ d }))
    }
    await assert.rejects(
      s.registry.transaction(() =>
        s.datastore.ingest(
          [{ path: join(local, '101.json'), refs: [refs[0]!] }],
          { transfer: 'symlink' },
          new UndoLog(),
        ),
      ),
      (e: Error & { code?: string }) =>
        e.code === 'input' && /symlink/.test(e.message) && /copy/.test(e.message) && /move/.test(e.message),
    )
    await s.registry.transaction(() =>
      s.datastore.ingest(
        [{ path: join(local, '101.json'), refs: [refs[0]!] }],
        { transfer: 'copy' },
        new UndoLog(),
      ),
    )
    assert.ok(existsSync(join(local, '101.json')), 'copy leaves the file')
    // A move that is rolled back puts the file back and removes the object.
    const undo = new UndoLog()
    await assert.rejects(
      s.registry.transaction(async () => {
        await s.datastore.ingest(
          [{ path: join(local, '102.json'), refs: [refs[1]!] }],
          { transfer: 'move' },
          undo,
        )
        assert.equal(existsSync(join(local, '102.json')), false, 'moved away')
        throw new Error('boom')
      }),
      /boom/,
    )
    await undo.rollback()
    assert.equal(await readFile(join(local, '102.json'), 'utf8'), JSON.stringify({ d: 102 }))
    await s.registry.transaction(() =>
      s.datastore.ingest(
        [{ path: join(local, '103.json'), refs: [refs[2]!] }],
        { transfer: 'move' },
        new UndoLog(),
      ),
    )
    assert.equal(existsSync(join(local, '103.json')), false)
    assert.deepEqual(await s.datastore.get(refs[0]!), { d: 101 })
    assert.deepEqual(await s.datastore.get(refs[2]!), { d: 103 })
    assert.match(await s.datastore.getURI(refs[0]!), /^s3:\/\/.*\/repo\/.*\.json$/)
    // Ingesting onto an object that is there already is refused.
    const dataId = await s.registry.expandDataId(
      DataCoordinate.standardize(
        { instrument: 'HSC', visit: 903334, detector: 104 },
        { dimensions: dictType.dimensions },
      ),
    )
    const [other] = await s.registry.insertDatasets(dictType, 'run1', [dataId])
    const path = (await s.datastore.artifacts([refs[0]!]))[0]!.path
    await assert.rejects(
      s.registry.transaction(() =>
        s.datastore.ingest(
          [{ path: join(local, '101.json'), refs: [other!] }],
          { transfer: 'copy', targetPaths: [path] },
          new UndoLog(),
        ),
      ),
      { code: 'conflicting_definition' },
    )
  })

  it('hands artifacts out as local files: copies only, links refused', async () => {
    const ref = await store(dictType, { out: true })
    const [artifact] = await s.datastore.artifacts([ref])
    assert.match(artifact!.absolutePath, /^s3:\/\//)
    const target = join(s.dir, 'fetched.json')
    await s.datastore.fetchArtifact(artifact!, target)
    assert.deepEqual(JSON.parse(await readFile(target, 'utf8')), { out: true })
    await assert.rejects(
      s.datastore.fetchArtifact(artifact!, join(s.dir, 'x.json'), { transfer: 'symlink' }),
      {
        code: 'input',
        message: /symlink.*object store.*copy/,
      },
    )
    const local = await s.datastore.localArtifact(artifact!)
    assert.equal(local.isCopy, true)
    assert.deepEqual(JSON.parse(await readFile(local.path, 'utf8')), { out: true })
    await local.release()
    assert.equal(existsSync(local.path), false)
  })

  it('keeps every artifact inside its prefix', async () => {
    assert.deepEqual(parseS3Root('s3://my-bucket/a/b/'), { bucket: 'my-bucket', prefix: 'a/b' })
    assert.deepEqual(parseS3Root('s3://my-bucket'), { bucket: 'my-bucket', prefix: '' })
    for (const bad of ['/tmp/repo', 's3://', 's3://UPPER/x', 's3://b/../x', 's3://ok-bucket/a//b']) {
      assert.throws(() => parseS3Root(bad), { code: 'config' }, bad)
    }
    const location = parseS3Root('s3://my-bucket/repo')
    assert.equal(keyOf(location, 'run/a.json'), 'repo/run/a.json')
    for (const bad of ['../a.json', 'run/../../a.json', '/a.json', 'a//b.json', 'a\\b.json']) {
      assert.throws(() => keyOf(location, bad), { code: 'path_escape' }, bad)
    }
    // Paths given by callers (transfers keep the source's layout) are checked before any upload.
    const file = join(s.dir, 'escape.json')
    await writeFile(file, '{}')
    const dataId = await s.registry.expandDataId(
      DataCoordinate.standardize(
        { instrument: 'HSC', visit: 903334, detector: 160 },
        { dimensions: dictType.dimensions },
      ),
    )
    const [ref] = await s.registry.insertDatasets(dictType, 'run1', [dataId])
    await server.clearLog()
    await assert.rejects(
      s.registry.transaction(() =>
        s.datastore.ingest(
          [{ path: file, refs: [ref!] }],
          { transfer: 'copy', targetPaths: ['../escape.json'] },
          new UndoLog(),
        ),
      ),
      { code: 'path_escape' },
    )
    assert.deepEqual(
      (await server.requests()).filter((r) => r.method === 'PUT'),
      [],
    )
  })

  it('says clearly when the bucket is missing or the server is down, without hanging', async () => {
    const storageClasses = loadDefaultStorageClasses()
    const make = (root: string, endpoint: string) =>
      new ObjectStoreDatastore({
        root,
        endpoint,
        bridge: s.registry.datastoreBridge,
        storageClasses,
        formatters: new FormatterFactory({ storageClasses }),
        templates: new FileTemplates(DEFAULT_FILE_TEMPLATES),
      })
    const missing = make('s3://no-such-bucket/repo', server.endpoint)
    await assert.rejects(missing.checkBucket(), {
      code: 'repository',
      message: /no-such-bucket.*does not exist.*127\.0\.0\.1/,
    })
    await assert.rejects(store(dictType, { a: 1 }, missing), {
      code: 'repository',
      message: /no-such-bucket/,
    })
    await missing.close()
    // A port nothing listens on: connection refused, reported after the retries, quickly.
    const down = make(`s3://${s.bucket}/repo`, 'http://127.0.0.1:9')
    const started = Date.now()
    await assert.rejects(down.checkBucket(), { code: 'repository', message: /Cannot reach.*127\.0\.0\.1:9/ })
    await assert.rejects(store(dictType, { a: 2 }, down), { code: 'repository', message: /Cannot reach/ })
    assert.ok(Date.now() - started < 15_000, `failed within ${Date.now() - started} ms`)
    await down.close()
    // Credentials the server refuses (they come from the environment, never from config).
    // (s3rver checks access key IDs, not version 4 signatures.)
    const saved = process.env.AWS_ACCESS_KEY_ID
    process.env.AWS_ACCESS_KEY_ID = 'NOT-A-KNOWN-KEY'
    try {
      const refused = make(`s3://${s.bucket}/repo`, server.endpoint)
      await assert.rejects(refused.checkBucket(), {
        code: 'repository',
        message: /refused.*AWS_ACCESS_KEY_ID/,
      })
      await refused.close()
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved
    }
  })
})
