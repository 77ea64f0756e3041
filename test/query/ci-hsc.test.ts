/**
 * Queries on ci_hsc-subset.yaml (real HSC visits, detectors and calexps), checked against the same
 * selection made in JavaScript from the records and refs.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type DatasetRef, type DirectButler, openButler, Timespan } from '../../src/index.js'
import { importFile } from '../../src/transfers/import-file.js'
import { fixture, fixturesSkip } from '../fixtures.js'
import { createTestRepository, DATABASES } from '../support/databases.js'

for (const db of DATABASES) {
  describe(`queries on ci_hsc-subset.yaml (${db.name})`, { skip: fixturesSkip() || db.skip }, () => {
    let dir = ''
    let butler: DirectButler
    let all: DatasetRef[] = []
    const visits = new Map<number, { band: string; exposure: number; begin: bigint }>()
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'butler-cihsc-'))
      await createTestRepository(db, join(dir, 'repo'))
      butler = await openButler(join(dir, 'repo'), { dataIdDefaults: { instrument: 'HSC' } })
      await importFile(butler, {
        filename: fixture('registry_data', 'ci_hsc-subset.yaml'),
        withoutDatastore: true,
      })
      const run = (await butler.queryCollections()).find((c) => c.type === 'RUN')!.name
      butler = await reopen(butler, dir, run)
      all = await butler.queryDatasets('calexp', { findFirst: false }).toArray()
      for (const r of await butler.registry.fetchDimensionRecords('visit')) {
        const ts = r.get('timespan') as Timespan
        const filter = String(r.get('physical_filter'))
        visits.set(Number(r.get('id')), {
          band: filter === 'HSC-R' ? 'r' : 'i',
          exposure: Number(r.get('exposure_time')),
          begin: ts.begin,
        })
      }
    })
    after(async () => {
      await butler?.close()
      await rm(dir, { recursive: true, force: true })
    })

    const expected = (keep: (visit: number, detector: number) => boolean) =>
      all
        .filter((r) => keep(Number(r.dataId.get('visit')), Number(r.dataId.get('detector'))))
        .map((r) => r.id)
        .sort()
    const found = async (where: string, bind = {}) =>
      (await butler.queryDatasets('calexp', { where, bind }).toArray()).map((r) => r.id).sort()

    it('has the fixture calexps, each with a full data ID', () => {
      assert.ok(all.length >= 20, `${all.length} calexps`)
      assert.ok(all.every((r) => r.dataId.hasFull && typeof r.dataId.get('band') === 'string'))
    })

    it('selects by band, visit ranges, detectors and record fields as JavaScript does', async () => {
      assert.deepEqual(
        await found("band = 'r'"),
        expected((v) => visits.get(v)!.band === 'r'),
      )
      assert.deepEqual(
        await found('visit IN (903334..903338:2) AND detector < 20'),
        expected((v, d) => [903334, 903336, 903338].includes(v) && d < 20),
      )
      assert.deepEqual(
        await found('visit.exposure_time >= :t', { t: 30 }),
        expected((v) => visits.get(v)!.exposure >= 30),
      )
      const middle = [...visits.values()].map((v) => v.begin).sort((a, b) => (a < b ? -1 : 1))[
        Math.floor(visits.size / 2)
      ]!
      assert.deepEqual(
        await found('visit.timespan.begin < :t', { t: new Timespan(middle, middle + 1n) }).catch(
          () => 'refused',
        ),
        'refused',
        'a timespan bind is not a time',
      )
      const iso = await butler.queryDimensionRecords('visit', { orderBy: 'visit.timespan.begin' }).toArray()
      const begins = iso.map((r) => (r.get('timespan') as Timespan).begin)
      assert.deepEqual(
        begins,
        [...begins].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      )
    })

    it('counts agree with the streamed rows', async () => {
      for (const where of ["band = 'i'", 'detector > 50', "band = 'r' OR detector = 16"]) {
        const results = butler.queryDatasets('calexp', { where })
        assert.equal(await results.count(), (await results.toArray()).length, where)
      }
    })
  })
}

/** Reopens the repository with the run as default collections. */
async function reopen(butler: DirectButler, dir: string, run: string): Promise<DirectButler> {
  await butler.close()
  return openButler(join(dir, 'repo'), { collections: [run], dataIdDefaults: { instrument: 'HSC' } })
}
