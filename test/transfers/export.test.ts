import assert from 'node:assert/strict'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type DatasetRef, DatasetType, type DirectButler, Timespan } from '../../src/index.js'
import { exportFile, type RepoExportContext } from '../../src/transfers/export.js'
import { importFile } from '../../src/transfers/import-file.js'
import { parseExportFile } from '../../src/transfers/read-export-file.js'
import { fixture, fixturesSkip } from '../fixtures.js'
import { freshRepo, snapshot, tempDir } from './helpers.js'
import { SAMPLE } from './sample.js'

/** Saves every record, dataset and collection of a repository. */
async function saveEverything(butler: DirectButler, ctx: RepoExportContext): Promise<void> {
  for (const element of butler.universe.elements) {
    if (!element.hasOwnTable) continue
    const records = await butler.registry.fetchDimensionRecords(element.name)
    if (records.length > 0) ctx.saveDimensionData(element.name, records)
  }
  const refs: DatasetRef[] = []
  for await (const page of butler.registry.searchDatasets({})) refs.push(...page)
  await ctx.saveDatasets(refs)
  for (const c of await butler.registry.queryCollections()) await ctx.saveCollection(c.name)
}

describe('export', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => {
    ;({ dir, cleanup } = await tempDir())
  })
  after(() => cleanup())

  it('export -> import into an empty repository gives an identical registry', {
    skip: fixturesSkip(),
  }, async () => {
    const source = await freshRepo(dir, 'source')
    const target = await freshRepo(dir, 'target')
    try {
      for (const name of [
        'hsc-rc2-subset.yaml',
        'ci_hsc-subset.yaml',
        'base.yaml',
        'datasets.yaml',
        'spatial.yaml',
      ]) {
        await importFile(source, { filename: fixture('registry_data', name), withoutDatastore: true })
      }
      await importFile(source, { text: SAMPLE, withoutDatastore: true })
      // A chain of a chain, listed before its child in name order.
      await source.registry.registerCollection('a_chain', 'CHAINED', 'outer chain')
      await source.registry.setCollectionChain('a_chain', ['chain9', 'imported_g'])
      const file = join(dir, 'everything.yaml')
      await exportFile(source, file, (ctx) => saveEverything(source, ctx))
      const text = await readFile(file, 'utf8')
      assert.match(
        text,
        /^description: Butler Data Repository Export\nversion: 1\.0\.2\nuniverse_version: 8\nuniverse_namespace: daf_butler\n/,
      )
      const parsed = parseExportFile(text)
      const names = parsed.data.filter((e) => e.type === 'collection').map((e) => e.name)
      assert.ok(names.indexOf('a_chain') > names.indexOf('chain9'), 'chains after their children')
      assert.ok(names.indexOf('chain9') > names.indexOf('tag9'))
      // Each dataset entry follows its dataset type entry.
      parsed.data.forEach((e, i) => {
        if (e.type === 'dataset') {
          const previous = parsed.data[i - 1]
          assert.ok(previous?.type === 'dataset_type' && previous.name === e.datasetType)
        }
      })
      await importFile(target, { filename: file, withoutDatastore: true })
      const [a, b] = [await snapshot(source), await snapshot(target)]
      assert.ok(Object.keys(a.records as object).length >= 13)
      assert.ok((a.memberships as string[]).length === 4)
      assert.deepEqual(b, a)
    } finally {
      await source.close()
      await target.close()
    }
  })

  it('saveDatasets brings dataset types, RUNs and the records of the data IDs, implied ones included', async () => {
    const source = await freshRepo(dir, 'source2')
    try {
      await importFile(source, { text: SAMPLE, withoutDatastore: true })
      const [ref] = await source.registry.getDatasets(['11111111-1111-4111-8111-111111111111'])
      const exported = await exportFile(source, join(dir, 'one.yaml'), (ctx) => ctx.saveDatasets([ref!]))
      const summary = exported.data.map((e) =>
        e.type === 'dimension'
          ? `${e.element}:${e.records.length}`
          : e.type === 'collection'
            ? `collection:${e.name}`
            : e.type,
      )
      assert.deepEqual(summary, ['instrument:1', 'detector:1', 'collection:run9', 'dataset_type', 'dataset'])
      const expTarget = await freshRepo(dir, 'target2')
      try {
        await importFile(expTarget, { filename: join(dir, 'one.yaml'), withoutDatastore: true })
        const [copy] = await expTarget.registry.getDatasets([ref!.id])
        assert.equal(copy?.run, 'run9')
        assert.deepEqual(copy?.dataId.required, ref!.dataId.required)
      } finally {
        await expTarget.close()
      }
      // Implied dimensions (physical_filter, day_obs, group of an exposure) come along.
      const exposureType = new DatasetType(
        'raw9',
        source.universe.group(['instrument', 'exposure', 'detector']),
        'StructuredDataDict',
      )
      await source.registry.registerDatasetType(exposureType)
      const [raw] = await source.registry.insertDatasets(exposureType, 'run9', [
        await source.registry.expandDataId({ instrument: 'Cam9', exposure: 5, detector: 2 }),
      ])
      const withImplied = await exportFile(source, join(dir, 'raw.yaml'), (ctx) => ctx.saveDatasets([raw!]))
      const elements = withImplied.data.flatMap((e) => (e.type === 'dimension' ? [e.element] : []))
      // In universe order.
      assert.deepEqual(elements, [
        'instrument',
        'day_obs',
        'detector',
        'group',
        'physical_filter',
        'exposure',
      ])
      const only = await exportFile(source, join(dir, 'raw-some.yaml'), (ctx) =>
        ctx.saveDatasets([raw!], { elements: ['exposure'] }),
      )
      assert.deepEqual(
        only.data.flatMap((e) => (e.type === 'dimension' ? [e.element] : [])),
        ['exposure'],
      )
    } finally {
      await source.close()
    }
  })

  it('copies artifacts with a transfer, and the import brings the files back', async () => {
    const source = await freshRepo(dir, 'files-source')
    const target = await freshRepo(dir, 'files-target')
    try {
      await source.insertDimensionRecords('instrument', [{ name: 'Cam9', detector_max: 4 }])
      await source.insertDimensionRecords('detector', [
        { instrument: 'Cam9', id: 1, full_name: 'd1' },
        { instrument: 'Cam9', id: 2, full_name: 'd2' },
      ])
      const type = new DatasetType(
        'notes',
        source.universe.group(['instrument', 'detector']),
        'StructuredDataDict',
      )
      await source.registerDatasetType(type)
      const refs = await source.putMany(
        [1, 2].map((detector) => ({
          obj: { detector, text: `hello ${detector}` },
          datasetType: 'notes',
          dataId: { instrument: 'Cam9', detector },
        })),
        { run: 'files_run' },
      )
      const out = join(dir, 'exported')
      const exported = await exportFile(source, join(out, 'export.yaml'), (ctx) => ctx.saveDatasets(refs), {
        directory: out,
        transfer: 'copy',
      })
      const entry = exported.data.find((e) => e.type === 'dataset')
      assert.ok(entry?.type === 'dataset')
      for (const f of entry.files) {
        assert.ok(f.path && !f.path.startsWith('/'), 'repository-relative paths')
        assert.ok((await stat(join(out, f.path))).isFile())
      }
      await importFile(target, { filename: join(out, 'export.yaml'), transfer: 'copy' })
      const read = await target.get(
        'notes',
        { instrument: 'Cam9', detector: 2 },
        { collections: ['files_run'] },
      )
      assert.deepEqual(read, { detector: 2, text: 'hello 2' })
    } finally {
      await source.close()
      await target.close()
    }
  })

  it('saveCollection of a chain brings its children, written before it', async () => {
    const source = await freshRepo(dir, 'chain-source')
    const target = await freshRepo(dir, 'chain-target')
    try {
      await importFile(source, { text: SAMPLE, withoutDatastore: true })
      const file = join(dir, 'chain.yaml')
      const exported = await exportFile(source, file, async (ctx) => {
        await ctx.saveCollection('chain9')
        await ctx.saveCollection('chain9')
      })
      assert.deepEqual(
        exported.data.map((e) => (e.type === 'collection' ? `${e.name}:${e.collectionType}` : e.type)),
        ['run9:RUN', 'tag9:TAGGED', 'chain9:CHAINED'],
      )
      await importFile(target, { filename: file, withoutDatastore: true })
      assert.deepEqual(await target.registry.getCollectionChain('chain9'), ['tag9', 'run9'])
      assert.equal((await target.registry.getCollection('tag9')).doc, 'tagged things')
    } finally {
      await source.close()
      await target.close()
    }
  })

  it('a failure after the files were ingested removes them again', async () => {
    const source = await freshRepo(dir, 'undo-source')
    const target = await freshRepo(dir, 'undo-target')
    try {
      await source.insertDimensionRecords('instrument', [{ name: 'Cam9', detector_max: 4 }])
      await source.insertDimensionRecords('detector', [{ instrument: 'Cam9', id: 1, full_name: 'd1' }])
      const type = new DatasetType(
        'flatnotes',
        source.universe.group(['instrument', 'detector']),
        'StructuredDataDict',
        {
          isCalibration: true,
        },
      )
      await source.registerDatasetType(type)
      const ref = await source.put(
        { a: 1 },
        'flatnotes',
        { instrument: 'Cam9', detector: 1 },
        { run: 'undo_run' },
      )
      const out = join(dir, 'undo-exported')
      await exportFile(source, join(out, 'export.yaml'), (ctx) => ctx.saveDatasets([ref]), {
        directory: out,
        transfer: 'copy',
      })
      // Two overlapping validity ranges of the same dataset: only certify (the last step) notices.
      const t = (d: string) => `!butler_time/tai/iso '${d} 00:00:00.000000000'`
      const bad = `${await readFile(join(out, 'export.yaml'), 'utf8')}- type: collection
  collection_type: CALIBRATION
  name: calib
- type: associations
  collection: calib
  collection_type: CALIBRATION
  validity_ranges:
  - {begin: ${t('2020-01-01')}, end: ${t('2021-01-01')}, dataset_ids: [!uuid '${ref.id}']}
  - {begin: ${t('2020-06-01')}, end: null, dataset_ids: [!uuid '${ref.id}']}
`
      const before = await snapshot(target)
      const files = async () => (await readdir(join(dir, 'undo-target'), { recursive: true })).sort()
      const filesBefore = await files()
      await assert.rejects(importFile(target, { text: bad, directory: out, transfer: 'copy' }), {
        code: 'conflicting_definition',
      })
      assert.deepEqual(await snapshot(target), before)
      assert.deepEqual(
        (await files()).filter((f) => !/sqlite3-(wal|shm|journal)$/.test(f)),
        filesBefore.filter((f) => !/sqlite3-(wal|shm|journal)$/.test(f)),
      )
      // The same file without the bad ranges imports, with the file.
      await importFile(target, { filename: join(out, 'export.yaml'), transfer: 'copy' })
      assert.deepEqual(
        await target.get('flatnotes', { instrument: 'Cam9', detector: 1 }, { collections: ['undo_run'] }),
        {
          a: 1,
        },
      )
    } finally {
      await source.close()
      await target.close()
    }
  })

  it('writes empty and bounded validity ranges of CALIBRATION memberships', async () => {
    const source = await freshRepo(dir, 'calib')
    try {
      await importFile(source, { text: SAMPLE, withoutDatastore: true })
      const refs = await source.registry.getDatasets([
        '11111111-1111-4111-8111-111111111111',
        '22222222-2222-4222-8222-222222222222',
      ])
      const exported = await exportFile(source, join(dir, 'calib.yaml'), async (ctx) => {
        await ctx.saveDatasets(refs)
        await ctx.saveCollection('calib9')
      })
      const assoc = exported.data.find((e) => e.type === 'associations')
      assert.ok(assoc?.type === 'associations' && assoc.collectionType === 'CALIBRATION')
      assert.equal(assoc.validityRanges.length, 2)
      assert.ok(assoc.validityRanges.some((r) => r.timespan.isUnboundedBegin && !r.timespan.isUnboundedEnd))
      assert.ok(assoc.validityRanges.every((r) => r.timespan instanceof Timespan))
      assert.match(
        await readFile(join(dir, 'calib.yaml'), 'utf8'),
        /timespan: !lsst\.daf\.butler\.Timespan\n\s+begin: null/,
      )
    } finally {
      await source.close()
    }
  })
})
