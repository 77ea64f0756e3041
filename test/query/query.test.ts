/**
 * The query API over the registry: base.yaml + datasets.yaml (two runs of bias and flat), find-first
 * across runs, where expressions with binds, the governor rule, ordering and limits, paging through a
 * temporary table, calibration lookups by exposure time, and hostile input.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type DirectButler, openButler, Timespan } from '../../src/index.js'
import { parseTime } from '../../src/time/parse-time.js'
import { importFile } from '../../src/transfers/import-file.js'
import { fixture, fixturesSkip } from '../fixtures.js'
import { createTestRepository, DATABASES } from '../support/databases.js'

const skip = fixturesSkip()
const RUNS = ['imported_g', 'imported_r']

/** `detector@run` of each ref, sorted. */
async function refsOf(results: AsyncIterable<{ dataId: { get(k: string): unknown }; run: string }>) {
  const out: string[] = []
  for await (const ref of results) out.push(`${ref.dataId.get('detector')}@${ref.run}`)
  return out.sort()
}

function code(expected: string, message?: RegExp) {
  return (e: { code?: string; message: string }) => {
    assert.equal(e.code, expected, e.message)
    if (message) assert.match(e.message, message)
    return true
  }
}

for (const db of DATABASES) {
  describe(`queries on base.yaml + datasets.yaml (${db.name})`, { skip: skip || db.skip }, () => {
    let dir = ''
    let butler: DirectButler
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'butler-query-'))
      await createTestRepository(db, join(dir, 'repo'))
      butler = await openButler(join(dir, 'repo'), { collections: RUNS })
      for (const f of ['base.yaml', 'datasets.yaml']) {
        await importFile(butler, { filename: fixture('registry_data', f), withoutDatastore: true })
      }
    })
    after(async () => {
      await butler?.close()
      await rm(dir, { recursive: true, force: true })
    })

    it('finds the first dataset per data ID in collection order, or every one', async () => {
      assert.deepEqual(await refsOf(butler.queryDatasets('bias')), [
        '1@imported_g',
        '2@imported_g',
        '3@imported_g',
        '4@imported_r',
      ])
      assert.deepEqual(await refsOf(butler.queryDatasets('bias', { collections: [...RUNS].reverse() })), [
        '1@imported_g',
        '2@imported_r',
        '3@imported_r',
        '4@imported_r',
      ])
      assert.equal((await butler.queryDatasets('bias', { findFirst: false }).toArray()).length, 6)
      assert.equal(await butler.queryDatasets('bias', { findFirst: false }).count(), 6)
    })

    it('constrains with where, binds, implied dimensions and data IDs', async () => {
      const where = (text: string, bind = {}) =>
        refsOf(butler.queryDatasets('bias', { where: text, bind, dataId: { instrument: 'Cam1' } }))
      assert.deepEqual(await where('detector > 2'), ['3@imported_g', '4@imported_r'])
      assert.deepEqual(await where('detector IN (1..4:2) AND NOT detector = 3'), ['1@imported_g'])
      assert.deepEqual(await where('detector IN (:ids)', { ids: [2, 4] }), ['2@imported_g', '4@imported_r'])
      assert.deepEqual(
        await where("detector.purpose = 'WAVEFRONT' OR detector.raft = :raft", { raft: 'A' }),
        ['1@imported_g', '2@imported_g', '4@imported_r'],
      )
      // The where clause filters before find-first picks: only imported_r's datasets compete here.
      assert.deepEqual(await where("GLOB(detector.full_name, 'B*') AND run = 'imported_r'"), [
        '3@imported_r',
        '4@imported_r',
      ])
      assert.deepEqual(await where('detector % 2 = 0 AND detector - 1 > 2'), ['4@imported_r'])
      const flats = await refsOf(
        butler.queryDatasets('flat', { where: "band = 'r' AND instrument = 'Cam1'" }),
      )
      assert.deepEqual(flats, ['1@imported_r', '2@imported_r', '3@imported_r', '4@imported_r'])
      const g = await butler
        .queryDatasets('flat', { dataId: { instrument: 'Cam1', physical_filter: 'Cam1-G' } })
        .toArray()
      assert.deepEqual(
        g.map((r) => r.dataId.get('band')),
        ['g', 'g', 'g'],
      )
    })

    it('returns data IDs and dimension records, constrained by dataset searches', async () => {
      const ids = await butler.queryDataIds(['detector'], { dataId: { instrument: 'Cam1' } }).toArray()
      assert.deepEqual(ids.map((d) => d.get('detector')).sort(), [1, 2, 3, 4])
      const withFlats = await butler
        .queryDataIds(['detector', 'physical_filter'], {
          datasets: ['flat'],
          where: "band = 'g' AND instrument = 'Cam1'",
        })
        .toArray()
      assert.deepEqual(withFlats.map((d) => `${d.get('detector')}/${d.get('band')}`).sort(), [
        '2/g',
        '3/g',
        '4/g',
      ])
      const records = await butler
        .queryDimensionRecords('detector', {
          where: "purpose = 'SCIENCE' AND instrument = 'Cam1'",
          orderBy: '-detector',
        })
        .toArray()
      assert.deepEqual(
        records.map((r) => r.get('full_name')),
        ['Ba', 'Ab', 'Aa'],
      )
      const filters = await butler
        .queryDimensionRecords('physical_filter', { orderBy: ['band', '-physical_filter.name'] })
        .toArray()
      assert.deepEqual(
        filters.map((r) => r.get('name')),
        ['Cam1-G', 'Cam1-R2', 'Cam1-R1'],
      )
      assert.equal(await butler.queryDataIds(['detector'], { where: "instrument = 'Nope'" }).any(), false)
    })

    it('runs a query tree that went through JSON the same (as a remote client sends it)', async () => {
      const results = butler.queryDatasets('flat', {
        where: "band = 'r' AND detector IN (1..3) AND ingest_date > T'2000-01-01' AND instrument = :i",
        bind: { i: 'Cam1' },
        orderBy: ['-detector', 'physical_filter'],
        limit: 5,
      })
      const tree = JSON.parse(JSON.stringify(results.tree))
      const spec = JSON.parse(JSON.stringify(results.spec))
      const ids = async (pages: AsyncIterable<unknown[]>) => {
        const out: string[] = []
        for await (const page of pages) for (const r of page) out.push((r as { id: string }).id)
        return out
      }
      const direct = await ids(results.pages())
      assert.equal(direct.length, 3)
      assert.deepEqual(await ids(butler.registry.executeQuery(tree, spec)), direct)
    })

    it('limits, with a negative limit capping and warning', async () => {
      const two = await butler.queryDatasets('bias', { orderBy: '-detector', limit: 2 }).toArray()
      assert.deepEqual(
        two.map((r) => r.dataId.get('detector')),
        [4, 3],
      )
      const warnings: string[] = []
      const capped = await butler
        .queryDatasets('bias', { limit: -3, onWarning: (w) => warnings.push(w) })
        .toArray()
      assert.equal(capped.length, 3)
      assert.match(warnings.join(), /More than 3 rows matched/)
      warnings.length = 0
      await butler.queryDatasets('bias', { limit: -10, onWarning: (w) => warnings.push(w) }).toArray()
      assert.deepEqual(warnings, [])
    })

    it('streams big results page by page through a temporary table that is dropped afterwards', async () => {
      const results = butler.queryDatasets('bias', { findFirst: false, orderBy: ['detector', 'run'] })
      const pages: string[][] = []
      for await (const page of butler.registry.executeQuery(results.tree, results.spec, { pageSize: 4 })) {
        pages.push(
          page.map((r) => String((r as { dataId: { get(k: string): unknown } }).dataId.get('detector'))),
        )
      }
      assert.deepEqual(pages, [
        ['1', '2', '2', '3'],
        ['3', '4'],
      ])
      const limited = butler.queryDatasets('bias', { findFirst: false, limit: 5 })
      let n = 0
      for await (const page of butler.registry.executeQuery(limited.tree, limited.spec, { pageSize: 2 }))
        n += page.length
      assert.equal(n, 5)
      const temp = butler.queryDataIds(['detector'], { where: "instrument = 'Cam1'" })
      assert.equal((await temp.toArray()).length, 4)
    })

    it('refuses unknown names, type errors, missing governors and bad binds with user errors', async () => {
      const fails = async (options: object, expected: string, message?: RegExp) =>
        assert.rejects(async () => butler.queryDatasets('bias', options).toArray(), code(expected, message))
      await fails({ where: 'detector = 1' }, 'invalid_query', /governor 'instrument'/)
      await fails(
        { where: "nosuch = 1 AND instrument = 'Cam1'" },
        'invalid_query',
        /Unknown identifier 'nosuch'/,
      )
      await fails(
        { where: "detector.nosuch = 1 AND instrument = 'Cam1'" },
        'invalid_query',
        /no field 'nosuch'/,
      )
      await fails({ where: 'detector = :missing' }, 'invalid_query', /No value given for bind ':missing'/)
      await fails({ where: 'detector = = 1' }, 'expression_syntax', /line 1, column 12/)
      await fails({ where: "detector = 1; DROP TABLE dataset; --'" }, 'expression_syntax')
      await fails({ orderBy: 'detector; drop table dataset' }, 'invalid_query')
      await fails(
        { where: "POINT(1, 2) OVERLAPS detector AND instrument = 'Cam1'" },
        'invalid_query',
        /Spatial/,
      )
      assert.throws(() => butler.queryDatasets('bias', { limit: 1.5 }), code('invalid_query'))
      assert.throws(
        () => butler.queryDataIds(['detector'], { dataId: { nosuch: 1 } }),
        code('dimension_name'),
      )
      await assert.rejects(butler.queryDatasets('nosuch').toArray(), code('missing_dataset_type'))
      await assert.rejects(
        butler.queryDatasets('bias', { collections: ['nosuch'] }).toArray(),
        code('missing_collection'),
      )
    })

    it('treats hostile strings and binds as values, never as SQL', async () => {
      const hostile = [
        "'; DROP TABLE dataset; --",
        'Cam1" OR 1=1 --',
        'x\u0000y',
        "Robert'); DELETE FROM collection; --",
      ]
      for (const value of hostile) {
        const found = await butler
          .queryDatasets('bias', { where: 'instrument = :v', bind: { v: value } })
          .toArray()
        assert.deepEqual(found, [])
        const globbed = await butler
          .queryDimensionRecords('detector', {
            where: 'GLOB(detector.full_name, :p) AND instrument = :v',
            bind: { p: value, v: value },
          })
          .toArray()
        assert.deepEqual(globbed, [])
      }
      assert.equal((await butler.queryDatasets('bias', { findFirst: false }).toArray()).length, 6)
      assert.equal((await butler.queryCollections()).length, 2)
    })
  })
}

for (const db of DATABASES) {
  describe(`calibration lookups in queries (${db.name})`, { skip: db.skip }, () => {
    let dir = ''
    let butler: DirectButler
    const t = (s: string) => parseTime(`${s}/tai`)
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'butler-query-calib-'))
      await createTestRepository(db, join(dir, 'repo'))
      butler = await openButler(join(dir, 'repo'), {
        run: 'calib/run',
        dataIdDefaults: { instrument: 'Cam' },
      })
      await butler.insertDimensionRecords('instrument', [
        { name: 'Cam', detector_max: 4, visit_max: 100, exposure_max: 100 },
      ])
      await butler.insertDimensionRecords('physical_filter', [{ instrument: 'Cam', name: 'F', band: 'r' }])
      await butler.insertDimensionRecords('day_obs', [{ instrument: 'Cam', id: 20240101 }])
      await butler.insertDimensionRecords('detector', [{ instrument: 'Cam', id: 1, full_name: 'one' }])
      await butler.insertDimensionRecords(
        'exposure',
        [1, 2, 3].map((id) => ({
          instrument: 'Cam',
          id,
          obs_id: `e${id}`,
          physical_filter: 'F',
          day_obs: 20240101,
          timespan: new Timespan(t(`2024-0${id}-15T00:00:00`), t(`2024-0${id}-15T00:01:00`)),
        })),
      )
      const { DatasetType } = await import('../../src/index.js')
      const type = new DatasetType(
        'bias',
        butler.universe.group(['instrument', 'detector']),
        'StructuredDataDict',
        {
          isCalibration: true,
        },
      )
      await butler.registerDatasetType(type)
      const early = await butler.put({ v: 'early' }, 'bias', { detector: 1 }, { run: 'calib/early' })
      const late = await butler.put({ v: 'late' }, 'bias', { detector: 1 }, { run: 'calib/late' })
      await butler.certify('calib', [early], new Timespan(t('2024-01-01T00:00:00'), t('2024-02-01T00:00:00')))
      await butler.certify('calib', [late], new Timespan(t('2024-02-01T00:00:00'), null))
    })
    after(async () => {
      await butler?.close()
      await rm(dir, { recursive: true, force: true })
    })

    it('finds the calibration valid at each exposure', async () => {
      for (const [exposure, run] of [
        [1, 'calib/early'],
        [2, 'calib/late'],
        [3, 'calib/late'],
      ] as const) {
        const refs = await butler
          .queryDatasets('bias', { collections: ['calib'], where: `exposure = ${exposure}` })
          .toArray()
        assert.deepEqual(
          refs.map((r) => r.run),
          [run],
          `exposure ${exposure}`,
        )
      }
      const all = await butler
        .queryDataIds(['exposure', 'detector'], { datasets: ['bias'], collections: ['calib'] })
        .toArray()
      assert.equal(all.length, 3)
      const window = await butler
        .queryDataIds(['exposure'], { where: "exposure.timespan OVERLAPS (T'2024-02-01', T'2024-03-01')" })
        .toArray()
      assert.deepEqual(
        window.map((d) => d.get('exposure')),
        [2],
      )
      const after = await butler
        .queryDataIds(['exposure'], { where: "exposure.timespan.begin > T'2024-02-01'" })
        .toArray()
      assert.deepEqual(after.map((d) => d.get('exposure')).sort(), [2, 3])
    })

    it('lists every certified dataset without find-first, whatever its validity', async () => {
      const refs = await butler.queryDatasets('bias', { collections: ['calib'], findFirst: false }).toArray()
      assert.deepEqual(refs.map((r) => r.run).sort(), ['calib/early', 'calib/late'])
      const ids = await butler
        .queryDataIds(['detector'], { datasets: ['bias'], collections: ['calib'] })
        .toArray()
      assert.deepEqual(
        ids.map((d) => d.get('detector')),
        [1],
      )
    })

    it('needs a time for a find-first search of CALIBRATION collections', async () => {
      await assert.rejects(
        butler.queryDatasets('bias', { collections: ['calib'] }).toArray(),
        code('invalid_query', /needs a time/),
      )
    })
  })
}
