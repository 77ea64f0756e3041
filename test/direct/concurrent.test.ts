/**
 * Concurrency: 8 processes write one repository at once, on SQLite and on PostgreSQL. Afterwards every
 * dataset is there exactly once and reads back; of 8 overlapping certifications of one dataset exactly
 * one wins.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { DatasetType, openButler } from '../../src/index.js'
import { runNodeScript } from '../support/child-process.js'
import { testBackends } from './concurrent-backends.js'

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'concurrent-child.js')
const WRITERS = 8

/** Runs the child script and resolves with its stdout (rejects on a non-zero exit). */
const child = (args: readonly string[]): Promise<string> => runNodeScript(CHILD, args)

for (const backend of testBackends()) {
  describe(`concurrent writers on ${backend.name}`, { skip: backend.skip }, () => {
    let repo = ''
    before(async () => {
      repo = join(await mkdtemp(join(tmpdir(), 'butler-concurrent-')), 'repo')
      await backend.createRepository(repo)
      const butler = await openButler(repo)
      await butler.insertDimensionRecords('instrument', [{ name: 'Cam', detector_max: 200, visit_max: 1000 }])
      await butler.insertDimensionRecords('physical_filter', [{ instrument: 'Cam', name: 'F', band: 'r' }])
      await butler.insertDimensionRecords('day_obs', [{ instrument: 'Cam', id: 20240101 }])
      await butler.insertDimensionRecords(
        'detector',
        Array.from({ length: 200 }, (_, id) => ({ instrument: 'Cam', id, full_name: `D${id}` })),
      )
      await butler.insertDimensionRecords(
        'visit',
        Array.from({ length: WRITERS * 10 }, (_, k) => ({
          instrument: 'Cam',
          id: k + 1,
          name: `v${k + 1}`,
          physical_filter: 'F',
          day_obs: 20240101,
        })),
      )
      const u = butler.universe
      await butler.registerDatasetType(
        new DatasetType('cdict', u.group(['instrument', 'visit', 'detector']), 'StructuredDataDict'),
      )
      await butler.registerDatasetType(
        new DatasetType('cbias', u.group(['instrument', 'detector']), 'StructuredDataDict', {
          isCalibration: true,
        }),
      )
      await butler.close()
    })
    after(async () => {
      if (repo) await rm(dirname(repo), { recursive: true, force: true })
    })

    it(`${WRITERS} processes × 2,000 puts: exactly ${WRITERS * 2000} datasets, each readable`, {
      timeout: 600_000,
    }, async () => {
      const outputs = await Promise.all(
        Array.from({ length: WRITERS }, (_, i) => child([repo, 'put', String(i)])),
      )
      assert.deepEqual(outputs, Array(WRITERS).fill('done\n'))
      const butler = await openButler(repo, { collections: ['concurrent'] })
      try {
        const refs = await butler.queryDatasets('cdict', { findFirst: false }).toArray()
        assert.equal(refs.length, WRITERS * 2000)
        assert.equal(new Set(refs.map((r) => r.dataId.key)).size, WRITERS * 2000)
        // Every dataset reads back with the content its writer put (checked on a spread sample and in full for one writer).
        for (const ref of refs) {
          const visit = Number(ref.dataId.get('visit'))
          if (visit % 7 !== 0 && visit > 10) continue
          const value = (await butler.get(ref)) as { visit: number; detector: number; writer: number }
          assert.deepEqual(value, {
            visit,
            detector: Number(ref.dataId.get('detector')),
            writer: Math.floor((visit - 1) / 10),
          })
        }
        assert.deepEqual(await butler.verify(), [])
      } finally {
        await butler.close()
      }
    })

    it(`${WRITERS} overlapping certifications of one dataset: exactly one wins`, {
      timeout: 120_000,
    }, async () => {
      const butler = await openButler(repo, { run: 'calib/run' })
      const bias = await butler.put({ bias: 1 }, 'cbias', { instrument: 'Cam', detector: 1 })
      // Made beforehand, so that the children meet at the overlap check, not at creating the collection.
      await butler.registerCollection('calib', 'CALIBRATION')
      await butler.close()
      const startAt = String(Date.now() + 5000)
      const outputs = await Promise.all(
        Array.from({ length: WRITERS }, (_, i) => child([repo, 'certify', String(i), bias.id, startAt])),
      )
      const won = outputs.filter((o) => o === 'won\n')
      const lost = outputs.filter((o) => o.startsWith('lost '))
      assert.equal(won.length, 1, outputs.join(''))
      assert.equal(lost.length, WRITERS - 1)
      assert.ok(
        lost.every((o) => o === 'lost conflicting_definition\n'),
        lost.join(''),
      )
      const check = await openButler(repo)
      try {
        const ranges = await check.registry.queryDatasetAssociations('cbias', { collections: ['calib'] })
        assert.equal(ranges.length, 1)
      } finally {
        await check.close()
      }
    })
  })
}
