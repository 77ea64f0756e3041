/**
 * `butler.query()` built step by step, and `queryAllDatasets`, on base.yaml + datasets.yaml.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type DirectButler, openButler } from '../../src/index.js'
import { importFile } from '../../src/transfers/import-file.js'
import { fixture, fixturesSkip } from '../fixtures.js'
import { createTestRepository, DATABASES } from '../support/databases.js'

for (const db of DATABASES) {
  describe(`query builder and queryAllDatasets (${db.name})`, { skip: fixturesSkip() || db.skip }, () => {
    let dir = ''
    let butler: DirectButler
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'butler-builder-'))
      await createTestRepository(db, join(dir, 'repo'))
      butler = await openButler(join(dir, 'repo'), { collections: ['imported_g', 'imported_r'] })
      for (const f of ['base.yaml', 'datasets.yaml']) {
        await importFile(butler, { filename: fixture('registry_data', f), withoutDatastore: true })
      }
    })
    after(async () => {
      await butler?.close()
      await rm(dir, { recursive: true, force: true })
    })

    it('ANDs conditions, merges binds and data IDs, and leaves earlier queries unchanged', async () => {
      const base = butler.query().where({ instrument: 'Cam1' })
      const narrowed = base.where('detector > :d', { d: 1 }).where("detector.raft = 'B'")
      const ids = await narrowed.dataIds(['detector']).toArray()
      assert.deepEqual(ids.map((d) => d.get('detector')).sort(), [3, 4])
      assert.equal((await base.dataIds(['detector']).toArray()).length, 4)
      const ordered = await narrowed
        .dimensionRecords('detector', { orderBy: '-detector', limit: 1 })
        .toArray()
      assert.deepEqual(
        ordered.map((r) => r.get('full_name')),
        ['Bb'],
      )
    })

    it('joins a dataset search to constrain other results', async () => {
      // Detectors that have a flat in imported_g: 2, 3 and 4; biases found first there for 2 and 3.
      const q = butler.query().where({ instrument: 'Cam1' }).joinDatasetSearch('flat', ['imported_g'])
      const biases = await q.datasets('bias', { collections: ['imported_g'] }).toArray()
      assert.deepEqual(biases.map((r) => r.dataId.get('detector')).sort(), [2, 3])
      const detectors = await q.joinDimensions(['detector']).dataIds(['detector']).toArray()
      assert.deepEqual(detectors.map((d) => d.get('detector')).sort(), [2, 3, 4])
    })

    it('attaches dimension records with withDimensionRecords', async () => {
      const plain = await butler
        .queryDatasets('flat', { where: "band = 'g' AND instrument = 'Cam1'" })
        .toArray()
      assert.ok(plain.every((r) => !r.dataId.hasRecords))
      const refs = await butler
        .queryDatasets('flat', { where: "band = 'g' AND instrument = 'Cam1'", orderBy: 'detector' })
        .withDimensionRecords()
        .toArray()
      assert.deepEqual(
        refs.map((r) => r.dataId.record('detector')?.get('full_name')),
        ['Ab', 'Ba', 'Bb'],
      )
      assert.ok(refs.every((r) => r.dataId.record('physical_filter')?.get('band') === 'g'))
      const ids = await butler
        .query()
        .where({ instrument: 'Cam1' })
        .dataIds(['detector'])
        .withDimensionRecords()
        .toArray()
      assert.ok(ids.every((d) => d.hasRecords && d.record('instrument')?.get('detector_max') === 4))
    })

    it('queryAllDatasets yields every dataset type, or those matching globs', async () => {
      const all: string[] = []
      for await (const page of butler.queryAllDatasets({ findFirst: false })) {
        for (const ref of page) all.push(ref.datasetType.name)
      }
      assert.equal(all.filter((n) => n === 'bias').length, 6)
      assert.equal(all.length, 6 + (await butler.queryDatasets('flat', { findFirst: false }).count()))
      const biases: string[] = []
      for await (const page of butler.queryAllDatasets({
        datasetTypes: 'b*',
        where: "detector = 1 AND instrument = 'Cam1'",
      })) {
        for (const ref of page)
          biases.push(`${ref.datasetType.name}:${ref.dataId.get('detector')}@${ref.run}`)
      }
      assert.deepEqual(biases, ['bias:1@imported_g'])
    })
  })
}
