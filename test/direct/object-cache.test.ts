import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ObjectCache, stableStringify } from '../../src/direct/object-cache.js'
import { createNdArray, DatasetType, type DirectButler, openButler } from '../../src/index.js'
import { createTestRepository, DATABASES } from '../support/databases.js'
import { insertCameraRecords } from '../support/records.js'

describe('ObjectCache', () => {
  it('evicts least recently used entries by count and by bytes', () => {
    const cache = new ObjectCache({ maxEntries: 2, maxBytes: 100 })
    cache.set('a', 'd1', 'A', 10)
    cache.set('b', 'd2', 'B', 10)
    assert.equal(cache.get('a'), 'A') // a is now the most recent
    cache.set('c', 'd3', 'C', 10)
    assert.equal(cache.get('b'), undefined)
    assert.equal(cache.get('a'), 'A')
    cache.set('big', 'd4', 'X', 95) // pushes everything else out
    assert.deepEqual([cache.get('a'), cache.get('c'), cache.get('big')], [undefined, undefined, 'X'])
    cache.set('huge', 'd5', 'H', 101) // larger than the budget: never cached
    assert.equal(cache.get('huge'), undefined)
    assert.equal(cache.stats().bytes, 95)
  })

  it('forgets every entry of a dataset', () => {
    const cache = new ObjectCache()
    cache.set(ObjectCache.key('d1', undefined, 'A', undefined), 'd1', 1, 8)
    cache.set(ObjectCache.key('d1', 'wcs', 'B', undefined), 'd1', 2, 8)
    cache.set(ObjectCache.key('d2', undefined, 'A', undefined), 'd2', 3, 8)
    cache.forget(['d1'])
    assert.equal(cache.stats().entries, 1)
    assert.equal(cache.get(ObjectCache.key('d2', undefined, 'A', undefined)), 3)
  })

  it('keys equal parameters equally, whatever their key order', () => {
    assert.equal(
      ObjectCache.key('d', undefined, 'S', { b: 1, a: { y: 2, x: [1, 2] } }),
      ObjectCache.key('d', undefined, 'S', { a: { x: [1, 2], y: 2 }, b: 1 }),
    )
    assert.notEqual(
      ObjectCache.key('d', undefined, 'S', { slice: [0, 1] }),
      ObjectCache.key('d', undefined, 'S', { slice: [0, 2] }),
    )
    assert.equal(stableStringify({ n: 5n }), '{"n":"5n"}')
  })

  it('does nothing when disabled', () => {
    const cache = new ObjectCache({ enabled: false })
    cache.set('a', 'd', 'A', 1)
    assert.equal(cache.get('a'), undefined)
  })
})

const db = DATABASES[0]!
describe('DirectButler reads: object cache, deferred handles, storage class overrides', () => {
  let base: string
  let butler: DirectButler
  const dataId = { instrument: 'HSC', visit: 903334, detector: 16 }

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'butler-cache-'))
    const repo = join(base, 'repo')
    await createTestRepository(db, repo)
    butler = await openButler(repo, { run: 'u/test/run1' })
    await insertCameraRecords(butler, {
      detectors: [{ id: 16, full_name: '1_36' }],
      visits: [903334, 903336],
    })
    const dims = butler.universe.group(['instrument', 'visit', 'detector'])
    await butler.registerDatasetType(new DatasetType('meta', dims, 'StructuredDataDict'))
    await butler.registerDatasetType(new DatasetType('pixels', dims, 'NumpyArray'))
  })

  after(async () => {
    await butler.close()
    await rm(base, { recursive: true, force: true })
  })

  it('serves repeated gets from memory; cache: false reads a private object', async () => {
    const ref = await butler.put({ seeing: 0.7 }, 'meta', dataId)
    const first = await butler.get(ref)
    const second = await butler.get('meta', dataId)
    assert.equal(first, second, 'the same object from the cache')
    const own = (await butler.get(ref, undefined, { cache: false })) as Record<string, unknown>
    assert.notEqual(own, first)
    assert.deepEqual(own, first)
    own.seeing = 99 // a private object: the cached one is untouched
    assert.deepEqual(await butler.get(ref), { seeing: 0.7 })
    const many = await butler.getMany([ref, ref])
    assert.equal(many[0], first)
    assert.equal(many[1], first)
  })

  it('keys by read parameters and storage class', async () => {
    const array = createNdArray(
      Float64Array.from({ length: 12 }, (_, i) => i),
      [4, 3],
    )
    const ref = await butler.put(array, 'pixels', dataId)
    const all = await butler.get(ref)
    const rows = (await butler.get(ref, undefined, { parameters: { slice: [1, 3] } })) as { shape: number[] }
    assert.deepEqual(rows.shape, [2, 3])
    assert.notEqual(all, rows)
    assert.equal(await butler.get(ref, undefined, { parameters: { slice: [1, 3] } }), rows)
  })

  it('drops a pruned dataset from the cache', async () => {
    const ref = await butler.put({ v: 1 }, 'meta', { ...dataId, visit: 903336 })
    await butler.get(ref)
    await butler.pruneDatasets([ref], { purge: true })
    await assert.rejects(butler.get(ref), { code: 'dataset_not_found' })
  })

  it('getDeferred reads later, with components, parameters and storage classes', async () => {
    const handle = await butler.getDeferred('pixels', dataId)
    assert.equal(handle.ref.datasetType.name, 'pixels')
    assert.deepEqual(await handle.get({ component: 'shape' }), [4, 3])
    const sliced = (await handle.get({ parameters: { slice: [0, 1] } })) as { shape: number[] }
    assert.deepEqual(sliced.shape, [1, 3])
    await assert.rejects(handle.get({ component: 'nope' }), { code: 'unknown_component' })
    await assert.rejects(handle.get({ parameters: { nope: 1 } }), { code: 'read_parameter' })
    await assert.rejects(handle.get({ storageClass: 'StructuredDataDict' }), {
      code: 'storage_class_conversion',
    })
  })
})
