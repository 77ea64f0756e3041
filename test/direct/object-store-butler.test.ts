/**
 * A repository whose artifacts live in an S3-compatible object store (s3rver in a child process)
 * while its registry stays in the repository folder: creation and its errors, puts and gets with
 * read parameters, reads through a cache shared by processes, deletion and checks, and artifacts
 * moving in and out (export/import, transfers, retrieval, zips) between it and local repositories.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { type Table, tableFromArrays } from 'apache-arrow'
import { createRepository, openButler } from '../../src/create-butler.js'
import type { DatasetRef } from '../../src/datasets/dataset-ref.js'
import { DatasetType } from '../../src/datasets/dataset-type.js'
import { createNdArray, isNdArray } from '../../src/datasets/ndarray.js'
import type { DirectButler } from '../../src/direct/direct-butler.js'
import { Exposure } from '../../src/images/exposure.js'
import { Mask } from '../../src/images/mask.js'
import { MaskedImage } from '../../src/images/masked-image.js'
import { PropertyList } from '../../src/images/property-list.js'
import { Wcs } from '../../src/images/wcs.js'
import { exportFile } from '../../src/transfers/export.js'
import { importFile } from '../../src/transfers/import-file.js'
import { rampImage } from '../images/fixtures.js'
import { insertCameraRecords } from '../support/records.js'
import { getsOf, type S3TestServer, splitS3Uri, startS3Server } from '../support/s3-server.js'

const run = promisify(execFile)
const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'object-store-reader-child.js')
const BUCKET = 'repos'

/** Registers the dataset types of these tests. */
async function registerTypes(butler: DirectButler): Promise<void> {
  const dims = butler.universe.group(['instrument', 'visit', 'detector'])
  await butler.registerDatasetType(new DatasetType('summary', dims, 'StructuredDataDict'))
  await butler.registerDatasetType(new DatasetType('catalog', dims, 'ArrowTable'))
  await butler.registerDatasetType(new DatasetType('pixels', dims, 'NumpyArray'))
}

describe('a repository whose artifacts are in an object store', () => {
  let server: S3TestServer
  let base: string
  let repo: string
  let butler: DirectButler
  let n = 0
  const summaries: DatasetRef[] = []

  /** The datastore config of an object-store repository under `prefix`. */
  function s3Config(prefix: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      datastore: {
        cls: 'ObjectStoreDatastore',
        root: `s3://${BUCKET}/${prefix}`,
        endpoint: server.endpoint,
        cached: {
          root: join(base, 'cache'),
          default: false,
          cacheable: { StructuredDataDict: true },
          expiry: { mode: 'size', threshold: 100_000_000 },
        },
        ...extra,
      },
    }
  }

  /** A new repository (object store under a new prefix, or local), with records and types. */
  async function newRepo(kind: 's3' | 'local', runName = 'u/test/run'): Promise<DirectButler> {
    const root = join(base, `repo-${++n}`)
    await createRepository(root, kind === 's3' ? { config: s3Config(`r${n}`) } : {})
    const b = await openButler(root, { run: runName, objectCache: { enabled: false } })
    await insertCameraRecords(b, { detectors: [16, 17, 18, 19, 20, 21] })
    await registerTypes(b)
    return b
  }

  before(async () => {
    server = await startS3Server({ buckets: [BUCKET] })
    base = await mkdtemp(join(tmpdir(), 'butler-s3repo-'))
    repo = join(base, 'main')
    await createRepository(repo, { config: s3Config('main') })
    butler = await openButler(repo, { run: 'u/test/run', objectCache: { enabled: false } })
    await insertCameraRecords(butler, { detectors: [16, 17, 18, 19, 20, 21] })
    await registerTypes(butler)
  })

  after(async () => {
    await butler?.close()
    await server?.stop()
    await rm(base, { recursive: true, force: true })
  })

  it('keeps the registry in the folder and writes no credentials to butler.yaml', async () => {
    const text = await readFile(join(repo, 'butler.yaml'), 'utf8')
    assert.match(text, /cls: ObjectStoreDatastore/)
    assert.match(text, new RegExp(`root: s3://${BUCKET}/main`))
    assert.match(text, /endpoint: http:\/\/127\.0\.0\.1:\d+/)
    assert.doesNotMatch(text, /S3RVER|AWS_|secret|accessKey/i)
    assert.ok(existsSync(join(repo, 'gen3.sqlite3')))
    assert.deepEqual(
      (await readdir(repo)).filter((f) => !f.startsWith('gen3.sqlite3')),
      ['butler.yaml'],
    )
  })

  it('puts and gets dicts, tables with columns and arrays with slices', async () => {
    for (const detector of [16, 17, 18, 19]) {
      summaries.push(
        await butler.put({ detector, ok: true }, 'summary', { instrument: 'HSC', visit: 903334, detector }),
      )
    }
    const dataId = { instrument: 'HSC', visit: 903334, detector: 16 }
    const table = tableFromArrays({
      id: Int32Array.from({ length: 1000 }, (_, i) => i),
      flux: Float64Array.from({ length: 1000 }, (_, i) => i * 2),
    })
    await butler.put(table, 'catalog', dataId)
    await butler.put(
      createNdArray(
        new Float32Array(12).map((_, i) => i),
        [4, 3],
      ),
      'pixels',
      dataId,
    )
    assert.deepEqual(await butler.get('summary', dataId), { detector: 16, ok: true })
    const columns = (await butler.get('catalog', dataId, { parameters: { columns: ['flux'] } })) as Table
    assert.deepEqual(
      columns.schema.fields.map((f) => f.name),
      ['flux'],
    )
    assert.equal(columns.getChild('flux')!.get(999), 1998)
    assert.equal(await butler.get('catalog.rowcount', dataId), 1000)
    const rows = await butler.get('pixels', dataId, { parameters: { slice: [1, 3] } })
    assert.ok(isNdArray(rows))
    assert.deepEqual([...rows.data], [3, 4, 5, 6, 7, 8])
    assert.deepEqual(await butler.get('pixels.shape', dataId), [4, 3])
    const uri = await butler.getURI('summary', dataId)
    assert.match(uri, new RegExp(`^s3://${BUCKET}/main/u/test/run/summary/.*\\.json$`))
    assert.match(
      await butler.getURI('summary', { instrument: 'HSC', visit: 903334, detector: 21 }, { predict: true }),
      /^s3:\/\/.*#predicted$/,
    )
    assert.equal((await butler.exists('summary', dataId)).exists, true)
    assert.deepEqual(await butler.verify(), [])
  })

  it('shares one cache directory between processes: each object is fetched at most once per reader', async (t) => {
    const detectors = [17, 18, 19]
    const keys = await Promise.all(
      detectors.map(async (detector) =>
        splitS3Uri(await butler.getURI('summary', { instrument: 'HSC', visit: 903334, detector })),
      ),
    )
    await server.clearLog()
    const args = [CHILD, repo, 'u/test/run', JSON.stringify(detectors)]
    const [a, b] = await Promise.all([run(process.execPath, args), run(process.execPath, args)])
    const expected = detectors.map((detector) => ({ detector, ok: true }))
    assert.deepEqual(JSON.parse(a.stdout), expected)
    assert.deepEqual(JSON.parse(b.stdout), expected)
    const firstRound = await server.requests()
    for (const { key } of keys) {
      const gets = getsOf(firstRound, BUCKET, key)
      assert.ok(gets.length >= 1 && gets.length <= 2, `${key}: ${gets.length} GETs for two readers`)
    }
    t.diagnostic(
      `two readers at once: ${keys.map(({ key }) => getsOf(firstRound, BUCKET, key).length).join(', ')} GETs per object`,
    )
    // A third process finds everything in the shared cache: no GET at all.
    await server.clearLog()
    const c = await run(process.execPath, args)
    assert.deepEqual(JSON.parse(c.stdout), expected)
    const secondRound = await server.requests()
    assert.deepEqual(
      secondRound.filter((r) => r.method === 'GET'),
      [],
    )
    assert.ok(existsSync(join(base, 'cache')))
  })

  it('deletes objects with the datasets and repairs what verify finds', async () => {
    const dataId = { instrument: 'HSC', visit: 903334, detector: 20 }
    const ref = await butler.put({ doomed: true }, 'summary', dataId)
    const { key } = splitS3Uri(await butler.getURI(ref))
    await butler.pruneDatasets([ref], { purge: true })
    await server.clearLog()
    await assert.rejects(butler.get('summary', dataId), { code: 'dataset_not_found' })
    assert.deepEqual(await butler.verify(), [])
    await server.putObject(BUCKET, key, '{"stray": true}')
    const problems = await butler.verify()
    assert.deepEqual(
      problems.map((p) => [p.kind, p.path]),
      [['orphan-file', key.slice('main/'.length)]],
    )
    await butler.verify({ repair: true })
    assert.deepEqual(await butler.verify(), [])
    // The datastore holds exactly the stored datasets' objects again.
    assert.equal(await butler.datastore.exists(ref), false)
  })

  it('exports with artifacts to a folder and imports them into a local repository, and back', async () => {
    const dir = join(base, 'export')
    const file = join(dir, 'export.yaml')
    await exportFile(butler, file, (ctx) => ctx.saveDatasets(summaries), { directory: dir, transfer: 'copy' })
    await assert.rejects(
      exportFile(butler, join(base, 'x.yaml'), (ctx) => ctx.saveDatasets(summaries), {
        directory: join(base, 'x'),
        transfer: 'symlink',
      }),
      { code: 'input', message: /symlink.*object store/ },
    )
    const local = await newRepo('local')
    try {
      await importFile(local, { filename: file, directory: dir, transfer: 'copy' })
      assert.deepEqual(await local.get(summaries[1]!), { detector: 17, ok: true })
    } finally {
      await local.close()
    }
    // And from the export folder into another object-store repository.
    const remote = await newRepo('s3')
    try {
      await importFile(remote, { filename: file, directory: dir, transfer: 'copy' })
      assert.deepEqual(await remote.get(summaries[2]!), { detector: 18, ok: true })
      assert.match(await remote.getURI(summaries[2]!), /^s3:\/\//)
      assert.deepEqual(await remote.verify(), [])
    } finally {
      await remote.close()
    }
  })

  it('transfers datasets from the object store to a local repository and back', async () => {
    const local = await newRepo('local')
    const remote = await newRepo('s3')
    try {
      const toLocal = await local.transferFrom(butler, summaries)
      assert.equal(toLocal.length, summaries.length)
      assert.deepEqual(await local.get(summaries[0]!), { detector: 16, ok: true })
      assert.match(await local.getURI(summaries[0]!), /^file:\/\//)
      const linked = await newRepo('local')
      await assert.rejects(linked.transferFrom(butler, summaries, { transfer: 'symlink' }), {
        code: 'input',
        message: /symlink.*local disk.*copy/,
      })
      await linked.close()
      const toRemote = await remote.transferFrom(local, summaries)
      assert.equal(toRemote.length, summaries.length)
      assert.deepEqual(await remote.get(summaries[3]!), { detector: 19, ok: true })
      assert.match(await remote.getURI(summaries[3]!), /^s3:\/\//)
      assert.deepEqual(await remote.verify(), [])
    } finally {
      await local.close()
      await remote.close()
    }
  })

  it('retrieves artifacts as local copies, refusing links', async () => {
    const dest = join(base, 'retrieved')
    const files = await butler.retrieveArtifacts(summaries.slice(0, 2), dest)
    assert.equal(files.length, 2)
    assert.deepEqual(JSON.parse(await readFile(files[0]!, 'utf8')), { detector: 16, ok: true })
    await assert.rejects(
      butler.retrieveArtifacts(summaries.slice(0, 1), join(base, 'links'), { transfer: 'symlink' }),
      {
        code: 'input',
        message: /symlink/,
      },
    )
  })

  it('stores a zip of artifacts whole and reads each member with ranged GETs', async () => {
    const zip = await butler.retrieveArtifactsZip(summaries, join(base, 'zips'))
    const remote = await newRepo('s3', 'unused/run')
    try {
      const refs = await remote.ingestZip(zip)
      assert.equal(refs.length, summaries.length)
      const uri = await remote.getURI(summaries[1]!)
      assert.match(uri, /^s3:\/\/.*\/zips\/.*\.zip#zip-path=/)
      await server.clearLog()
      const values = await Promise.all(summaries.map((r) => remote.get(r)))
      assert.deepEqual(
        values.map((v) => (v as { detector: number }).detector),
        [16, 17, 18, 19],
      )
      const { key } = splitS3Uri(uri)
      const gets = getsOf(await server.requests(), BUCKET, key)
      assert.ok(gets.length > 0 && gets.every((g) => g.range !== null), 'ranged reads of the zip only')
      assert.deepEqual(await remote.verify(), [])
      // The zip goes with its last dataset.
      await remote.pruneDatasets(summaries.slice(0, 3), { purge: true })
      assert.deepEqual(await remote.get(summaries[3]!), { detector: 19, ok: true })
      await remote.pruneDatasets(summaries.slice(3), { purge: true })
      assert.deepEqual(await remote.verify(), [])
      assert.deepEqual(await server.listKeys(BUCKET, key), [], 'the zip is gone')
    } finally {
      await remote.close()
    }
  })

  it('stores exposures one object per component and reads a cutout with ranged GETs', async (t) => {
    const root = join(base, `repo-${++n}`)
    const cached = {
      root: join(base, 'cache-exposures'),
      cacheable: { ExposureF: false, Exposure: false },
      default: true,
      expiry: { mode: 'size', threshold: 100_000_000 },
    }
    const composites = { disassembled: { ExposureF: true } }
    await createRepository(root, { config: s3Config(`r${n}`, { cached, composites }) })
    const repoButler = await openButler(root, { run: 'u/test/run', objectCache: { enabled: false } })
    try {
      await insertCameraRecords(repoButler, { detectors: [16] })
      const dims = repoButler.universe.group(['instrument', 'visit', 'detector'])
      await repoButler.registerDatasetType(new DatasetType('calexp', dims, 'ExposureF'))
      const dataId = { instrument: 'HSC', visit: 903334, detector: 16 }
      const size = 600
      const exposure = new Exposure(
        new MaskedImage(
          rampImage(size, size, 1000, 2000),
          Mask.zeros(size, size, 1000, 2000),
          rampImage(size, size, 1000, 2000, 0.5),
        ),
        {
          wcs: new Wcs({
            crpix: [50, 60],
            crval: [150, 2],
            cd: [
              [-5e-5, 0],
              [0, 5e-5],
            ],
          }),
          metadata: new PropertyList([['EXPTIME', 30, 'seconds']]),
          filter: 'r',
        },
      )
      const ref = await repoButler.put(exposure, 'calexp', dataId)
      const artifacts = await repoButler.datastore.artifacts([ref])
      assert.ok(
        ['image', 'mask', 'variance', 'wcs'].every((c) => artifacts.some((a) => a.component === c)),
        `one object per component: ${artifacts.map((a) => a.component).join(', ')}`,
      )
      const total = artifacts.reduce((sum, a) => sum + a.fileSize, 0)
      await server.clearLog()
      const bbox = { x0: 1200, y0: 2300, width: 100, height: 100 }
      const cutout = (await repoButler.get('calexp', dataId, { parameters: { bbox } })) as Exposure
      assert.deepEqual({ ...cutout.bbox }, { x0: 1200, y0: 2300, width: 100, height: 100 })
      assert.equal(cutout.image.get(1250, 2350), 100 * 350 + 250)
      assert.equal(cutout.maskedImage.variance.get(1250, 2350), 100 * 350 + 250 + 0.5)
      const log = await server.requests()
      const gets = log.filter((r) => r.method === 'GET')
      const fetched = gets.reduce((sum, r) => sum + r.bytes, 0)
      t.diagnostic(
        `100x100 cutout of a ${size}x${size} exposure: ${gets.length} GETs, ${fetched} of ${total} bytes`,
      )
      assert.ok(fetched < total / 3, `fetched ${fetched} of ${total} bytes`)
      // A component is read from its own object alone.
      await server.clearLog()
      const wcs = (await repoButler.get('calexp.wcs', dataId)) as Wcs
      assert.ok(wcs instanceof Wcs)
      const wcsKey = splitS3Uri(artifacts.find((a) => a.component === 'wcs')!.absolutePath).key
      const wcsGets = (await server.requests()).filter((r) => r.method === 'GET')
      assert.ok(
        wcsGets.length > 0 && wcsGets.every((r) => r.url.split('?')[0]!.endsWith(wcsKey.split('/').pop()!)),
      )
      // The whole exposure comes back from its components.
      const whole = (await repoButler.get('calexp', dataId)) as Exposure
      assert.deepEqual({ ...whole.bbox }, { x0: 1000, y0: 2000, width: size, height: size })
      assert.equal(whole.image.get(1599, 2599), 100 * 599 + 599)
      assert.deepEqual(await repoButler.verify(), [])
    } finally {
      await repoButler.close()
    }
  })

  it('refuses to create a repository on a missing bucket, a non-empty prefix or a server that is down', async () => {
    const target = join(base, 'never')
    /** Creates the repository with an object store at `root` on the server at `endpoint`. */
    const create = (root: string, endpoint: string) =>
      createRepository(target, { config: { datastore: { cls: 'ObjectStoreDatastore', root, endpoint } } })
    await assert.rejects(create('s3://no-such-bucket/x', server.endpoint), {
      code: 'repository',
      message: new RegExp(`no-such-bucket.*does not exist.*127\\.0\\.0\\.1:${server.port}`),
    })
    assert.equal(existsSync(target), false, 'nothing was made')
    await assert.rejects(createRepository(target, { config: s3Config('main') }), {
      code: 'repository',
      message: /already holds objects/,
    })
    const started = Date.now()
    await assert.rejects(create(`s3://${BUCKET}/y`, 'http://127.0.0.1:9'), {
      code: 'repository',
      message: /Cannot reach.*127\.0\.0\.1:9/,
    })
    assert.ok(Date.now() - started < 15_000, `gave up after ${Date.now() - started} ms`)
    assert.equal(existsSync(target), false)
    await assert.rejects(createRepository(target, { config: { datastore: { root: `s3://${BUCKET}/z` } } }), {
      code: 'config',
      message: /ObjectStoreDatastore/,
    })
    await assert.rejects(create(`s3://${BUCKET}/z`, 'http://me:secret@127.0.0.1:1'), {
      code: 'config',
      message: /credentials/,
    })
    await assert.rejects(
      createRepository(target, {
        config: { datastore: { cls: 'ObjectStoreDatastore', root: join(base, 'local') } },
      }),
      { code: 'config', message: /S3 URI/ },
    )
  })
})
