import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  CalibrationLookupError,
  CollectionTypeError,
  ConflictingDefinitionError,
  DatasetNotFoundError,
  type DatasetRef,
  DatasetType,
  DatasetTypeError,
  type DirectButler,
  openButler,
  Timespan,
} from '../../src/index.js'
import { createTestRepository, DATABASES } from '../support/databases.js'

const T0 = 1_371_427_200_000_000_000n // 2013-06-17T00:00:00 TAI
const SECOND = 1_000_000_000n
/** An instant `s` seconds after T0. */
const at = (s: number): bigint => T0 + BigInt(s) * SECOND
const span = (a: number | null, b: number | null): Timespan =>
  new Timespan(a === null ? null : at(a), b === null ? null : at(b))

for (const db of DATABASES) {
  describe(`DirectButler calibrations (${db.name})`, { skip: db.skip }, () => {
    let base: string
    let butler: DirectButler
    const refs: Record<string, DatasetRef> = {}
    const collections = ['HSC/calib']
    const exposureId = (detector: number, exposure: number) => ({ instrument: 'HSC', detector, exposure })

    before(async () => {
      base = await mkdtemp(join(tmpdir(), 'butler-calibration-'))
      const repo = join(base, 'repo')
      await createTestRepository(db, repo)
      butler = await openButler(repo)
      await butler.insertDimensionRecords('instrument', [
        { name: 'HSC', detector_max: 200, visit_max: 30_000_000, exposure_max: 30_000_000 },
      ])
      await butler.insertDimensionRecords('physical_filter', [
        { instrument: 'HSC', name: 'HSC-R', band: 'r' },
      ])
      await butler.insertDimensionRecords('group', [{ instrument: 'HSC', name: 'g1' }])
      await butler.insertDimensionRecords('day_obs', [
        { instrument: 'HSC', id: 20130617, timespan: span(0, 86_400) },
        { instrument: 'HSC', id: 20130618, timespan: null },
      ])
      await butler.insertDimensionRecords('detector', [
        { instrument: 'HSC', id: 10, full_name: '1_10' },
        { instrument: 'HSC', id: 11, full_name: '1_11' },
      ])
      const exposure = (id: number, timespan: Timespan | null, day_obs = 20130617) => ({
        instrument: 'HSC',
        id,
        obs_id: `HSC${id}`,
        physical_filter: 'HSC-R',
        group: 'g1',
        day_obs,
        timespan,
      })
      await butler.insertDimensionRecords('exposure', [
        exposure(1, span(10, 40)), // inside the first validity range
        exposure(2, span(1010, 1040)), // inside the second
        exposure(3, span(990, 1010)), // straddles both
        exposure(4, null, 20130618), // no time at all
      ])
      const bias = new DatasetType(
        'bias',
        butler.universe.group(['instrument', 'detector']),
        'StructuredDataDict',
        {
          isCalibration: true,
        },
      )
      await butler.registerDatasetType(bias)
      await butler.registerDatasetType(
        new DatasetType('notes', butler.universe.group(['instrument', 'detector']), 'StructuredDataDict'),
      )
      refs.v1d10 = await butler.put(
        { v: 1, d: 10 },
        'bias',
        { instrument: 'HSC', detector: 10 },
        { run: 'calib/1' },
      )
      refs.v1d11 = await butler.put(
        { v: 1, d: 11 },
        'bias',
        { instrument: 'HSC', detector: 11 },
        { run: 'calib/1' },
      )
      refs.v2d10 = await butler.put(
        { v: 2, d: 10 },
        'bias',
        { instrument: 'HSC', detector: 10 },
        { run: 'calib/2' },
      )
      await butler.certify('HSC/calib', [refs.v1d10, refs.v1d11], span(0, 1000))
      await butler.certify('HSC/calib', [refs.v2d10], span(1000, null))
    })

    after(async () => {
      await butler.close()
      await rm(base, { recursive: true, force: true })
    })

    it('creates the CALIBRATION collection and refuses overlapping ranges', async () => {
      assert.equal((await butler.queryCollections('HSC/calib'))[0]?.type, 'CALIBRATION')
      await assert.rejects(
        butler.certify('HSC/calib', [refs.v2d10!], span(900, 950)),
        ConflictingDefinitionError,
      )
      await assert.rejects(butler.certify('calib/1', [refs.v2d10!], span(0, 1)), CollectionTypeError)
      const notes = await butler.put({}, 'notes', { instrument: 'HSC', detector: 10 }, { run: 'calib/1' })
      await assert.rejects(butler.certify('HSC/calib', [notes], span(0, 1)), DatasetTypeError)
    })

    it('finds calibrations through the timespan of an exposure in the data ID', async () => {
      assert.deepEqual(await butler.get('bias', exposureId(10, 1), { collections }), { v: 1, d: 10 })
      assert.deepEqual(await butler.get('bias', exposureId(10, 2), { collections }), { v: 2, d: 10 })
      assert.deepEqual(await butler.get('bias', exposureId(11, 1), { collections }), { v: 1, d: 11 })
      await assert.rejects(butler.get('bias', exposureId(11, 2), { collections }), DatasetNotFoundError)
      const ref = await butler.findDataset('bias', exposureId(10, 2), { collections })
      assert.equal(ref?.id, refs.v2d10!.id)
      assert.deepEqual(ref?.dataId.mapping, { instrument: 'HSC', detector: 10 })
      assert.equal((await butler.exists('bias', exposureId(10, 1), { collections })).exists, true)
      const handle = await butler.getDeferred('bias', exposureId(10, 1), { collections })
      assert.deepEqual(await handle.get(), { v: 1, d: 10 })
      assert.deepEqual(
        await butler.getMany(
          [
            { datasetType: 'bias', dataId: exposureId(10, 1) },
            { datasetType: 'bias', dataId: exposureId(10, 2) },
            { datasetType: 'bias', dataId: exposureId(11, 1) },
          ],
          { collections },
        ),
        [
          { v: 1, d: 10 },
          { v: 2, d: 10 },
          { v: 1, d: 11 },
        ],
      )
      // Through a chain, and through the day_obs record when that is the only temporal dimension.
      await butler.editCollectionChain('HSC/defaults', { mode: 'redefine', children: ['HSC/calib'] })
      assert.deepEqual(
        await butler.get(
          'bias',
          { instrument: 'HSC', detector: 11, day_obs: 20130617 },
          { collections: ['HSC/defaults'] },
        ),
        { v: 1, d: 11 },
      )
    })

    it('finds calibrations for an explicit timespan', async () => {
      const d10 = { instrument: 'HSC', detector: 10 }
      assert.deepEqual(await butler.get('bias', d10, { collections, timespan: span(5, 6) }), { v: 1, d: 10 })
      assert.deepEqual(
        await butler.get('bias', d10, { collections, timespan: Timespan.fromInstant(at(5000)) }),
        { v: 2, d: 10 },
      )
      // An explicit time wins over the exposure's.
      assert.deepEqual(
        await butler.get('bias', exposureId(10, 1), { collections, timespan: span(2000, 2001) }),
        {
          v: 2,
          d: 10,
        },
      )
      assert.equal(
        (await butler.findDataset('bias', d10, { collections, timespan: span(5, 6) }))?.id,
        refs.v1d10!.id,
      )
    })

    it('refuses ambiguous and timeless lookups', async () => {
      await assert.rejects(butler.get('bias', exposureId(10, 3), { collections }), (e) => {
        assert.ok(e instanceof CalibrationLookupError)
        assert.match(e.message, /HSC\/calib/)
        return true
      })
      await assert.rejects(
        butler.get('bias', { instrument: 'HSC', detector: 10 }, { collections, timespan: span(null, null) }),
        CalibrationLookupError,
      )
      for (const dataId of [{ instrument: 'HSC', detector: 10 }, exposureId(10, 4)]) {
        await assert.rejects(butler.get('bias', dataId, { collections }), (e) => {
          assert.ok(e instanceof CalibrationLookupError)
          assert.match(e.message, /timespan/)
          assert.match(e.message, /exposure/)
          return true
        })
      }
      await assert.rejects(
        butler.findDataset('bias', { instrument: 'HSC', detector: 10 }, { collections: ['HSC/defaults'] }),
        CalibrationLookupError,
      )
      // Without CALIBRATION collections a calibration dataset type needs no time.
      assert.deepEqual(
        await butler.get('bias', { instrument: 'HSC', detector: 10 }, { collections: ['calib/2'] }),
        {
          v: 2,
          d: 10,
        },
      )
    })

    it('decertifies part of a range for some data IDs', async () => {
      await butler.decertify('HSC/calib', 'bias', span(1000, 1050), {
        dataIds: [{ instrument: 'HSC', detector: 10 }],
      })
      const ranges = (await butler.queryDatasetAssociations('bias', { collections })).map((a) => [
        a.ref.dataId.get('detector'),
        a.ref.id,
        a.timespan?.begin === 0n ? 'min' : (a.timespan!.begin - T0) / SECOND,
        a.timespan!.isUnboundedEnd ? 'max' : (a.timespan!.end - T0) / SECOND,
      ])
      assert.deepEqual(ranges, [
        [10, refs.v1d10!.id, 0n, 1000n],
        [10, refs.v2d10!.id, 1050n, 'max'],
        [11, refs.v1d11!.id, 0n, 1000n],
      ])
      await assert.rejects(butler.get('bias', exposureId(10, 2), { collections }), DatasetNotFoundError)
      // Splitting: a hole in the middle of the first range.
      await butler.decertify('HSC/calib', 'bias', span(20, 30))
      const d11 = { instrument: 'HSC', detector: 11 }
      await assert.rejects(
        butler.get('bias', d11, { collections, timespan: span(22, 28) }),
        DatasetNotFoundError,
      )
      assert.deepEqual(await butler.get('bias', d11, { collections, timespan: span(30, 31) }), {
        v: 1,
        d: 11,
      })
      // Exposure 1 overlaps both pieces, which hold the same dataset: no ambiguity.
      assert.deepEqual(await butler.get('bias', exposureId(11, 1), { collections }), { v: 1, d: 11 })
      assert.deepEqual(
        (await butler.queryDatasetAssociations('bias', { collections }))
          .filter((a) => a.ref.dataId.get('detector') === 11)
          .map((a) => [(a.timespan!.begin - T0) / SECOND, (a.timespan!.end - T0) / SECOND]),
        [
          [0n, 20n],
          [30n, 1000n],
        ],
      )
    })
  })
}
