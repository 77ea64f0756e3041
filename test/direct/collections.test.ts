import assert from 'node:assert/strict'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  CollectionCycleError,
  CollectionTypeError,
  ConflictingDefinitionError,
  DatasetNotFoundError,
  DatasetType,
  type DirectButler,
  InputError,
  MissingCollectionError,
  OrphanedRecordError,
  openButler,
} from '../../src/index.js'
import { createTestRepository, DATABASES } from '../support/databases.js'
import { insertCameraRecords } from '../support/records.js'

for (const db of DATABASES) {
  describe(`DirectButler collections (${db.name})`, { skip: db.skip }, () => {
    let base: string
    let repo: string
    let butler: DirectButler
    const dataId = (detector: number) => ({ instrument: 'HSC', visit: 903334, detector })

    before(async () => {
      base = await mkdtemp(join(tmpdir(), 'butler-collections-'))
      repo = join(base, 'repo')
      await createTestRepository(db, repo)
      butler = await openButler(repo)
      await insertCameraRecords(butler, {
        detectors: [
          { id: 16, full_name: '1_36' },
          { id: 17, full_name: '1_37' },
        ],
      })
      const dims = butler.universe.group(['instrument', 'visit', 'detector'])
      await butler.registerDatasetType(new DatasetType('meta', dims, 'StructuredDataDict'))
    })

    after(async () => {
      await butler.close()
      await rm(base, { recursive: true, force: true })
    })

    it('registers, documents and queries collections', async () => {
      assert.equal(await butler.registerCollection('u/tagged', 'TAGGED', 'picked'), true)
      assert.equal(await butler.registerCollection('u/tagged', 'TAGGED'), false)
      await assert.rejects(butler.registerCollection('u/tagged', 'RUN'), CollectionTypeError)
      await butler.setCollectionDocumentation('u/tagged', 'picked by hand')
      const [info] = await butler.queryCollections('u/tagged')
      assert.deepEqual(info, { name: 'u/tagged', type: 'TAGGED', doc: 'picked by hand', children: [] })
      await butler.removeCollections(['u/tagged'])
      assert.deepEqual(await butler.queryCollections('u/*'), [])
    })

    it('edits chains in every mode', async () => {
      for (const run of ['r/a', 'r/b', 'r/c', 'r/d']) await butler.registerRun(run)
      await assert.rejects(
        butler.editCollectionChain('chain', { mode: 'remove', children: ['r/a'] }),
        MissingCollectionError,
      )
      await assert.rejects(butler.editCollectionChain('chain', { mode: 'pop' }), MissingCollectionError)
      assert.deepEqual(
        await butler.editCollectionChain('chain', { mode: 'extend', children: ['r/a', 'r/b'] }),
        ['r/a', 'r/b'],
      )
      assert.equal((await butler.queryCollections('chain'))[0]?.type, 'CHAINED')
      assert.deepEqual(
        await butler.editCollectionChain('chain', { mode: 'prepend', children: ['r/c', 'r/b'] }),
        ['r/c', 'r/b', 'r/a'],
      )
      assert.deepEqual(await butler.editCollectionChain('chain', { mode: 'extend', children: ['r/c'] }), [
        'r/b',
        'r/a',
        'r/c',
      ])
      assert.deepEqual(
        await butler.editCollectionChain('chain', { mode: 'remove', children: ['r/a', 'r/d'] }),
        ['r/b', 'r/c'],
      )
      await assert.rejects(
        butler.editCollectionChain('chain', { mode: 'remove', children: ['nope'] }),
        MissingCollectionError,
      )
      assert.deepEqual(await butler.editCollectionChain('chain', { mode: 'pop', positions: [-1] }), ['r/b'])
      await assert.rejects(butler.editCollectionChain('chain', { mode: 'pop', positions: [3] }), InputError)
      assert.deepEqual(await butler.editCollectionChain('chain', { mode: 'pop' }), [])
      assert.deepEqual(
        await butler.editCollectionChain('chain2', { mode: 'redefine', children: ['chain'] }),
        ['chain'],
      )
      await butler.editCollectionChain('chain', { mode: 'redefine', children: ['r/a', 'r/b'] })
      assert.deepEqual(
        await butler.editCollectionChain('flat', {
          mode: 'redefine',
          children: ['chain2', 'r/c'],
          flatten: true,
        }),
        ['r/a', 'r/b', 'r/c'],
      )
      await assert.rejects(
        butler.editCollectionChain('chain', { mode: 'extend', children: ['chain2'] }),
        CollectionCycleError,
      )
      // A refused edit of a new chain does not leave the chain behind.
      await assert.rejects(
        butler.editCollectionChain('new-chain', { mode: 'redefine', children: ['r/a', 'missing'] }),
        MissingCollectionError,
      )
      await assert.rejects(butler.getCollectionChain('new-chain'), MissingCollectionError)
      await assert.rejects(
        butler.editCollectionChain('r/a', { mode: 'extend', children: ['r/b'] }),
        CollectionTypeError,
      )
      assert.deepEqual(await butler.getCollectionChain('chain2'), ['chain'])
      await butler.removeCollections(['flat', 'chain2', 'chain'])
      await butler.removeRuns(['r/a', 'r/b', 'r/c', 'r/d'])
    })

    it('gets the first dataset through a chain of chains of runs and a tagged collection', async () => {
      const a16 = await butler.put({ v: 'a16' }, 'meta', dataId(16), { run: 'find/a' })
      await butler.put({ v: 'a17' }, 'meta', dataId(17), { run: 'find/a' })
      await butler.put({ v: 'b16' }, 'meta', dataId(16), { run: 'find/b' })
      await butler.associate('find/tagged', [a16])
      assert.equal((await butler.queryCollections('find/tagged'))[0]?.type, 'TAGGED')
      await butler.editCollectionChain('find/inner', {
        mode: 'redefine',
        children: ['find/tagged', 'find/b'],
      })
      await butler.editCollectionChain('find/outer', { mode: 'redefine', children: ['find/inner', 'find/a'] })
      const collections = ['find/outer']
      assert.deepEqual(await butler.get('meta', dataId(16), { collections }), { v: 'a16' })
      assert.deepEqual(await butler.get('meta', dataId(17), { collections }), { v: 'a17' })
      assert.deepEqual(
        await butler.getMany(
          [
            { datasetType: 'meta', dataId: dataId(17) },
            { datasetType: 'meta', dataId: dataId(16) },
          ],
          { collections },
        ),
        [{ v: 'a17' }, { v: 'a16' }],
      )
      await butler.disassociate('find/tagged', [a16])
      assert.deepEqual(await butler.get('meta', dataId(16), { collections }), { v: 'b16' })
      assert.equal(
        (await butler.findDataset('meta', dataId(16), { collections: ['find/tagged'] }))?.id,
        undefined,
      )
      await assert.rejects(
        butler.get('meta', dataId(16), { collections: ['find/tagged'] }),
        DatasetNotFoundError,
      )
      // One dataset per data ID in a TAGGED collection.
      await butler.associate('find/tagged', [a16])
      const b16 = await butler.findDataset('meta', dataId(16), { collections: ['find/b'] })
      await assert.rejects(butler.associate('find/tagged', [b16!]), ConflictingDefinitionError)
      await assert.rejects(butler.associate('find/a', [b16!]), CollectionTypeError)
      const associations = await butler.queryDatasetAssociations('meta', {
        collections: ['find/outer'],
        flattenChains: true,
      })
      assert.deepEqual(
        associations.map((a) => [a.collection, a.ref.dataId.get('detector')]),
        [
          ['find/tagged', 16],
          ['find/b', 16],
          ['find/a', 16],
          ['find/a', 17],
        ],
      )
    })

    it('removes collections, with their chain links on request', async () => {
      await assert.rejects(butler.removeCollections(['find/tagged']), OrphanedRecordError)
      await assert.rejects(butler.removeCollections(['find/a']), CollectionTypeError)
      await butler.removeCollections(['find/tagged'], { removeFromParents: true })
      assert.deepEqual(await butler.getCollectionChain('find/inner'), ['find/b'])
      // A chain and its child in one call.
      await butler.removeCollections(['find/inner', 'find/outer'])
      assert.deepEqual(
        (await butler.queryCollections('find/*')).map((c) => c.name),
        ['find/a', 'find/b'],
      )
      assert.deepEqual(await butler.get('meta', dataId(16), { collections: ['find/a'] }), { v: 'a16' })
    })

    it('removes runs listed by chains only when asked to unlink them', async () => {
      await butler.editCollectionChain('find/chain', { mode: 'redefine', children: ['find/b', 'find/a'] })
      const uri = await butler.getURI('meta', dataId(16), { collections: ['find/b'] })
      await assert.rejects(butler.removeRuns(['find/b']), (e) => {
        assert.ok(e instanceof OrphanedRecordError)
        assert.match(e.message, /find\/chain/)
        return true
      })
      assert.ok((await stat(fileURLToPath(uri))).isFile())
      await butler.removeRuns(['find/b'], { unlinkFromChains: true })
      assert.deepEqual(await butler.getCollectionChain('find/chain'), ['find/a'])
      await assert.rejects(stat(fileURLToPath(uri)), { code: 'ENOENT' })
      assert.deepEqual(await butler.get('meta', dataId(16), { collections: ['find/chain'] }), { v: 'a16' })
    })

    it('removes dataset types that have no datasets', async () => {
      const dims = butler.universe.group(['instrument', 'detector'])
      await butler.registerDatasetType(new DatasetType('spare_one', dims, 'StructuredDataDict'))
      await butler.registerDatasetType(new DatasetType('spare_two', dims, 'StructuredDataDict'))
      await assert.rejects(butler.removeDatasetType('meta'), OrphanedRecordError)
      assert.deepEqual(await butler.removeDatasetType(['spare_*']), ['spare_one', 'spare_two'])
      assert.deepEqual(
        (await butler.queryDatasetTypes()).map((t) => t.name),
        ['meta'],
      )
    })

    it('inserts and syncs dimension records, and fills governor defaults', async () => {
      const detector = (id: number, full_name: string) => ({ instrument: 'HSC', id, full_name })
      await assert.rejects(
        butler.insertDimensionRecords('detector', [detector(16, 'other')]),
        ConflictingDefinitionError,
      )
      assert.equal(
        await butler.insertDimensionRecords('detector', [detector(16, 'other'), detector(18, '1_38')], {
          skipExisting: true,
        }),
        1,
      )
      await butler.insertDimensionRecords('detector', [detector(18, '1_38b')], { replace: true })
      const names = async () =>
        (await butler.registry.fetchDimensionRecords('detector'))
          .map((r) => [r.get('id') as number, r.get('full_name') as string] as const)
          .sort((x, y) => x[0] - y[0])
      assert.deepEqual(await names(), [
        [16, '1_36'],
        [17, '1_37'],
        [18, '1_38b'],
      ])
      assert.equal(await butler.syncDimensionRecord('detector', detector(19, '1_39')), true)
      assert.equal(await butler.syncDimensionRecord('detector', detector(19, '1_39')), false)
      await assert.rejects(
        butler.syncDimensionRecord('detector', detector(19, 'x')),
        ConflictingDefinitionError,
      )
      assert.deepEqual(await butler.syncDimensionRecord('detector', detector(19, 'x'), { update: true }), {
        full_name: '1_39',
      })
      const withDefaults = await openButler(repo, {
        collections: ['find/a'],
        dataIdDefaults: { instrument: 'HSC' },
      })
      try {
        assert.deepEqual(await withDefaults.get('meta', { visit: 903334, detector: 16 }), { v: 'a16' })
        const expanded = await withDefaults.expandDataId({ detector: 19 })
        assert.equal(expanded.record('detector')?.get('full_name'), 'x')
      } finally {
        await withDefaults.close()
      }
    })
  })
}
