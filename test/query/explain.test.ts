/**
 * `explainNoResults`: the reasons given for empty queries on base.yaml + datasets.yaml.
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
  describe(`explainNoResults (${db.name})`, { skip: fixturesSkip() || db.skip }, () => {
    let dir = ''
    let butler: DirectButler
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'butler-explain-'))
      await createTestRepository(db, join(dir, 'repo'))
      butler = await openButler(join(dir, 'repo'), { collections: ['imported_g', 'imported_r'] })
      for (const f of ['base.yaml', 'datasets.yaml']) {
        await importFile(butler, { filename: fixture('registry_data', f), withoutDatastore: true })
      }
      await butler.registerCollection('empty', 'TAGGED')
    })
    after(async () => {
      await butler?.close()
      await rm(dir, { recursive: true, force: true })
    })

    it('says nothing when there are rows', async () => {
      assert.deepEqual(await butler.queryDatasets('bias').explainNoResults(), [])
    })

    it('names an empty dataset search', async () => {
      const reasons = await butler.queryDatasets('bias', { collections: ['empty'] }).explainNoResults()
      assert.deepEqual(reasons, ["No datasets of type 'bias' in collections [empty]."])
    })

    it('names a data ID value without a record', async () => {
      const reasons = await butler
        .queryDatasets('bias', { dataId: { instrument: 'Cam1', detector: 9 } })
        .explainNoResults()
      assert.deepEqual(reasons, ["No 'detector' record with instrument='Cam1', detector=9."])
      assert.deepEqual(
        await butler.queryDataIds(['detector'], { dataId: { instrument: 'Nope' } }).explainNoResults(),
        ["No 'instrument' record with instrument='Nope'."],
      )
    })

    it('blames the where expression when rows exist without it', async () => {
      const reasons = await butler
        .queryDatasets('bias', { where: "detector > 10 AND instrument = 'Cam1'" })
        .explainNoResults()
      assert.match(reasons.join(), /expression excludes every one/)
    })

    it('explains datasets that do not join the other dimensions', async () => {
      // Biases exist for detector 1 and records for detector 4, but no bias of imported_g has detector 4.
      const reasons = await butler
        .queryDatasets('bias', { collections: ['imported_g'], dataId: { instrument: 'Cam1', detector: 4 } })
        .explainNoResults()
      assert.match(reasons.join(), /datasets found do not match/)
    })
  })
}
