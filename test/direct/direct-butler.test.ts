import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { tableFromArrays } from 'apache-arrow'
import { createNdArray, DatasetType, type DirectButler, isNdArray, openButler } from '../../src/index.js'
import { createTestRepository, DATABASES } from '../support/databases.js'
import { insertCameraRecords } from '../support/records.js'

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)))
  }
  return out.sort()
}

for (const db of DATABASES) {
  describe(`DirectButler (${db.name})`, { skip: db.skip }, () => {
    let base: string
    let repo: string
    let butler: DirectButler
    const dataId = { instrument: 'HSC', visit: 903334, detector: 16 }

    before(async () => {
      base = await mkdtemp(join(tmpdir(), 'butler-direct-'))
      repo = join(base, 'repo')
      await createTestRepository(db, repo)
      butler = await openButler(repo, { run: 'u/test/run1' })
      await insertCameraRecords(butler, {
        detectors: [
          { id: 16, full_name: '1_36' },
          { id: 17, full_name: '1_37' },
        ],
      })
      const dims = butler.universe.group(['instrument', 'visit', 'detector'])
      await butler.registerDatasetType(new DatasetType('meta', dims, 'StructuredDataDict'))
      await butler.registerDatasetType(new DatasetType('pixels', dims, 'NumpyArray'))
      await butler.registerDatasetType(new DatasetType('catalog', dims, 'ArrowTable'))
      await butler.registerDatasetType(new DatasetType('notes', dims, 'Text'))
    })

    after(async () => {
      await butler.close()
      await rm(base, { recursive: true, force: true })
    })

    it('puts and gets several storage classes, with parameters and components', async () => {
      await butler.put({ seeing: 0.7 }, 'meta', dataId)
      await butler.put('a note', 'notes', dataId)
      await butler.put(createNdArray(new Float32Array([1, 2, 3, 4]), [2, 2]), 'pixels', dataId)
      await butler.put(
        tableFromArrays({ id: Int32Array.from([1, 2, 3]), flux: Float64Array.from([1.5, 2.5, 3.5]) }),
        'catalog',
        dataId,
      )
      assert.deepEqual(await butler.get('meta', dataId), { seeing: 0.7 })
      assert.equal(await butler.get('notes', dataId), 'a note')
      const rows = await butler.get('pixels', dataId, { parameters: { slice: [1, 2] } })
      assert.ok(isNdArray(rows))
      assert.deepEqual([...rows.data], [3, 4])
      const table = (await butler.get('catalog', dataId, { parameters: { columns: ['flux'] } })) as {
        schema: { fields: { name: string }[] }
        numRows: number
      }
      assert.deepEqual(
        table.schema.fields.map((f) => f.name),
        ['flux'],
      )
      assert.equal(await butler.get('catalog.rowcount', dataId), 3)
      const handle = await butler.getDeferred('pixels', dataId)
      assert.deepEqual(await handle.get({ component: 'shape' }), [2, 2])
      assert.deepEqual(
        await butler.getMany([
          { datasetType: 'meta', dataId },
          { datasetType: 'notes', dataId },
        ]),
        [{ seeing: 0.7 }, 'a note'],
      )
      const existence = await butler.exists('meta', dataId, { fullCheck: true })
      assert.equal(existence.exists, true)
      const uri = await butler.getURI('meta', dataId)
      assert.ok((await stat(fileURLToPath(uri))).isFile())
      const predicted = await butler.getURI('meta', { ...dataId, detector: 17 }, { predict: true })
      assert.match(predicted, /#predicted$/)
    })

    it('rolls back every put of a failed transaction, files included', async () => {
      const before = await listFiles(repo)
      await assert.rejects(
        butler.transaction(async () => {
          await butler.put({ a: 1 }, 'meta', { ...dataId, detector: 17 }, { run: 'u/test/tx' })
          await butler.put('x', 'notes', { ...dataId, detector: 17 }, { run: 'u/test/tx' })
          throw new Error('abort')
        }),
        /abort/,
      )
      // The run registered inside the transaction went with it.
      await assert.rejects(
        butler.findDataset('meta', { ...dataId, detector: 17 }, { collections: ['u/test/tx'] }),
        {
          code: 'missing_collection',
        },
      )
      // ...and writing to it again registers it again.
      await butler.put({ a: 2 }, 'meta', { ...dataId, detector: 17 }, { run: 'u/test/tx' })
      await butler.removeRuns(['u/test/tx'])
      const afterFiles = (await listFiles(repo)).filter((f) => !f.startsWith('gen3.sqlite3'))
      assert.deepEqual(
        afterFiles,
        before.filter((f) => !f.startsWith('gen3.sqlite3')),
      )
    })

    describe('bad input is a user error and writes nothing', () => {
      const cases: [string, () => Promise<unknown>, string][] = [
        ['unknown dimension', () => butler.put({ a: 1 }, 'meta', { ...dataId, visitt: 1 }), 'dimension_name'],
        [
          'wrong value type',
          () => butler.put({ a: 1 }, 'meta', { ...dataId, visit: 'abc' }),
          'dimension_value',
        ],
        [
          'missing required key',
          () => butler.put({ a: 1 }, 'meta', { instrument: 'HSC', visit: 903334 }),
          'dimension_name',
        ],
        ['unknown dataset type', () => butler.put({ a: 1 }, 'nope', dataId), 'missing_dataset_type'],
        [
          'unknown storage class',
          () =>
            butler.registerDatasetType(
              new DatasetType('bad', butler.universe.group(['instrument']), 'NoSuchClass'),
            ),
          'storage_class',
        ],
        [
          'object of the wrong type',
          () => butler.put([1, 2, 3], 'meta', { ...dataId, detector: 17 }),
          'storage_class',
        ],
        [
          'value without a record',
          () => butler.put({ a: 1 }, 'meta', { ...dataId, visit: 1 }),
          'data_id_value',
        ],
        ['duplicate dataset', () => butler.put({ a: 1 }, 'meta', dataId), 'conflicting_definition'],
        ['missing dataset', () => butler.get('meta', { ...dataId, detector: 17 }), 'dataset_not_found'],
        ['unknown component', () => butler.get('meta.nothing', dataId), 'unknown_component'],
        [
          'unknown read parameter',
          () => butler.get('meta', dataId, { parameters: { columns: ['a'] } }),
          'read_parameter',
        ],
      ]
      for (const [name, call, code] of cases) {
        it(name, async () => {
          const before = await listFiles(repo)
          const datasets = (await butler.queryDatasetTypes()).length
          await assert.rejects(call(), (error: Error & { code?: string }) => {
            assert.equal(error.code, code, error.message)
            return true
          })
          assert.deepEqual(
            (await listFiles(repo)).filter((f) => !f.startsWith('gen3.sqlite3')),
            before.filter((f) => !f.startsWith('gen3.sqlite3')),
          )
          assert.equal((await butler.queryDatasetTypes()).length, datasets)
        })
      }
    })

    it('keeps a data ID value with ../ inside the repository', async () => {
      await butler.insertDimensionRecords('instrument', [{ name: '../../escape', detector_max: 2 }])
      await butler.insertDimensionRecords('physical_filter', [
        { instrument: '../../escape', name: '../f', band: '..' },
      ])
      await butler.insertDimensionRecords('day_obs', [{ instrument: '../../escape', id: 1 }])
      await butler.insertDimensionRecords('detector', [
        { instrument: '../../escape', id: 1, full_name: '../d' },
      ])
      await butler.insertDimensionRecords('visit', [
        { instrument: '../../escape', id: 1, name: '..', physical_filter: '../f', day_obs: 1 },
      ])
      const id = { instrument: '../../escape', visit: 1, detector: 1 }
      await butler.put({ safe: true }, 'meta', id)
      const path = fileURLToPath(await butler.getURI('meta', id))
      assert.ok(!relative(repo, path).startsWith('..'), path)
      assert.ok(!relative(repo, path).split('/').includes('..'), path)
      assert.deepEqual(await readdir(base), ['repo'])
      assert.deepEqual(await butler.get('meta', id), { safe: true })
    })

    it('removes runs and prunes datasets with their files', async () => {
      await butler.put({ n: 1 }, 'meta', { ...dataId, detector: 17 }, { run: 'u/test/doomed' })
      const ref = await butler.put('n', 'notes', { ...dataId, detector: 17 }, { run: 'u/test/pruned' })
      await butler.removeRuns(['u/test/doomed'])
      await assert.rejects(
        butler.findDataset('meta', { ...dataId, detector: 17 }, { collections: ['u/test/doomed'] }),
        {
          code: 'missing_collection',
        },
      )
      await butler.pruneDatasets([ref], { purge: true })
      assert.equal(
        await butler.findDataset('notes', { ...dataId, detector: 17 }, { collections: ['u/test/pruned'] }),
        undefined,
      )
      assert.deepEqual(await butler.verify(), [])
    })

    it('takes formatters and file templates from butler.yaml', async () => {
      const custom = join(base, 'custom')
      await createTestRepository(db, custom, {
        config: {
          datastore: {
            formatters: { meta: 'YamlFormatter', 'instrument+visit+detector': 'JsonFormatter' },
            templates: { meta: '{run}/{datasetType}/{visit:08d}/d{detector}' },
          },
        },
      })
      const b = await openButler(custom, { run: 'r' })
      try {
        await b.insertDimensionRecords('instrument', [{ name: 'HSC' }])
        await b.insertDimensionRecords('physical_filter', [{ instrument: 'HSC', name: 'HSC-R', band: 'r' }])
        await b.insertDimensionRecords('day_obs', [{ instrument: 'HSC', id: 20130617 }])
        await b.insertDimensionRecords('detector', [{ instrument: 'HSC', id: 16, full_name: '1_36' }])
        await b.insertDimensionRecords('visit', [
          { instrument: 'HSC', id: 42, name: 'v', physical_filter: 'HSC-R', day_obs: 20130617 },
        ])
        const dims = b.universe.group(['instrument', 'visit', 'detector'])
        await b.registerDatasetType(new DatasetType('meta', dims, 'StructuredDataDict'))
        await b.registerDatasetType(new DatasetType('other', dims, 'StructuredDataList'))
        const id = { instrument: 'HSC', visit: 42, detector: 16 }
        await b.put({ k: 'v' }, 'meta', id)
        await b.put([1, 2], 'other', id)
        assert.equal(relative(custom, fileURLToPath(await b.getURI('meta', id))), 'r/meta/00000042/d16.yaml')
        assert.match(await b.getURI('other', id), /\.json$/)
        assert.deepEqual(await b.get('meta', id), { k: 'v' })
      } finally {
        await b.close()
      }
    })

    it('refuses a corrupt butler.yaml with a config error', async () => {
      const copy = join(base, 'corrupt')
      await createTestRepository(db, copy)
      const config = join(copy, 'butler.yaml')
      const text = await readFile(config, 'utf8')
      await writeFile(config, `${text}\n  nonsense: [unclosed\n`)
      await assert.rejects(openButler(copy), { code: 'config' })
      await writeFile(config, 'datastore:\n  fsync: maybe\n')
      await assert.rejects(openButler(copy), { code: 'config', message: /datastore\.fsync/ })
      await assert.rejects(openButler(join(base, 'nowhere')), { code: 'repository' })
    })
  })
}
