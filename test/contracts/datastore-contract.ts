/**
 * The datastore contract: one suite, run against every `Datastore` implementation (the file
 * datastore now; object-store and in-memory ones later). Each test gets a datastore wired to a real
 * registry, because records live in the registry database through the datastore bridge.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { DatasetRef } from '../../src/datasets/dataset-ref.js'
import { DatasetType } from '../../src/datasets/dataset-type.js'
import { createNdArray, isNdArray } from '../../src/datasets/ndarray.js'
import type { Datastore } from '../../src/datastore/datastore.js'
import { DataCoordinate } from '../../src/dimensions/index.js'
import { UndoLog } from '../../src/internal/undo-log.js'
import type { Registry } from '../../src/registry/registry.js'
import { storeDataset } from '../support/store-dataset.js'
import { insertHscRecords } from './registry-contract.js'

/** A datastore and the registry whose bridge it uses. */
export interface DatastoreFixture {
  readonly datastore: Datastore
  readonly registry: Registry
  /** Damages the stored artifact of a dataset (truncates or deletes it), to test error paths. */
  damage(ref: DatasetRef, how: 'truncate' | 'delete'): Promise<void>
  /**
   * Leaves a stray artifact behind, as a killed writer would; returns false when the datastore has no
   * such leftovers (an object store writes no temporary files).
   */
  leaveLeftover(kind: 'temporary' | 'orphan'): Promise<unknown>
  /** What artifact URIs look like (default: `file://` URIs). */
  readonly uriScheme?: string
  close(): Promise<void>
}

/** Runs the datastore contract against one implementation. */
export function datastoreContract(name: string, make: () => Promise<DatastoreFixture>): void {
  describe(`Datastore contract: ${name}`, () => {
    let f: DatastoreFixture
    let dictType: DatasetType
    let arrayType: DatasetType

    before(async () => {
      f = await make()
      await insertHscRecords(f.registry)
      const dims = f.registry.universe.group(['instrument', 'visit', 'detector'])
      dictType = new DatasetType('summary', dims, 'StructuredDataDict')
      arrayType = new DatasetType('pixels', dims, 'NumpyArray')
      await f.registry.registerDatasetType(dictType)
      await f.registry.registerDatasetType(arrayType)
      await f.registry.registerRun('run1')
    })

    after(async () => {
      await f.close()
    })

    /** Inserts a dataset in the registry and stores `obj` for it, in one transaction like a butler put. */
    function store(type: DatasetType, detector: number, obj: unknown, run = 'run1'): Promise<DatasetRef> {
      return storeDataset(f, type, detector, obj, { run })
    }

    it('puts and gets objects back, knowing and finding their artifacts', async () => {
      const ref = await store(dictType, 10, { a: 1, b: 'two' })
      assert.deepEqual(await f.datastore.get(ref), { a: 1, b: 'two' })
      assert.equal(await f.datastore.knows(ref), true)
      assert.equal(await f.datastore.exists(ref), true)
      const uri = await f.datastore.getURI(ref)
      assert.match(uri, new RegExp(`^${f.uriScheme ?? 'file'}://.*summary.*\\.json$`))
      await f.registry.transaction(() => f.datastore.trash([ref]))
      await f.datastore.emptyTrash()
      await f.registry.removeDatasets([ref])
    })

    it('applies read parameters and derived components', async () => {
      const ref = await store(arrayType, 11, createNdArray(new Float64Array([0, 1, 2, 3, 4, 5]), [3, 2]))
      const part = await f.datastore.get(ref, { parameters: { slice: [1, 3] } })
      assert.ok(isNdArray(part))
      assert.deepEqual([...part.data], [2, 3, 4, 5])
      const shape = await f.datastore.get(ref.makeComponentRef('shape', 'StructuredDataList'))
      assert.deepEqual(shape, [3, 2])
      await assert.rejects(f.datastore.get(ref, { parameters: { nonsense: 1 } }), { code: 'read_parameter' })
      await f.registry.transaction(() => f.datastore.trash([ref]))
      await f.datastore.emptyTrash()
      await f.registry.removeDatasets([ref])
    })

    it('refuses an object of the wrong type before writing anything', async () => {
      await assert.rejects(store(dictType, 10, [1, 2, 3]), { code: 'storage_class' })
      assert.deepEqual(await f.datastore.verify(), [])
      const found = await f.registry.findDataset(
        dictType,
        DataCoordinate.standardize(
          { instrument: 'HSC', visit: 903334, detector: 10 },
          { dimensions: dictType.dimensions },
        ),
        ['run1'],
      )
      assert.equal(found, undefined)
    })

    it('writes and reads many datasets at once, all or nothing', async () => {
      const dims = dictType.dimensions
      const dataIds = await f.registry.expandDataIds(
        [10, 11].map((detector) =>
          DataCoordinate.standardize({ instrument: 'HSC', visit: 903334, detector }, { dimensions: dims }),
        ),
      )
      const undo = new UndoLog()
      const refs = await f.registry.transaction(async () => {
        const inserted = await f.registry.insertDatasets(dictType, 'run1', dataIds)
        await f.datastore.putMany(
          inserted.map((ref, i) => ({ obj: { i }, ref })),
          undo,
        )
        return inserted
      })
      assert.deepEqual(await f.datastore.getMany(refs), [{ i: 0 }, { i: 1 }])
      // A batch with one bad object writes nothing.
      await f.registry.registerRun('run2')
      const before = await f.datastore.verify()
      await assert.rejects(
        f.registry.transaction(async () => {
          const inserted = await f.registry.insertDatasets(dictType, 'run2', dataIds)
          await f.datastore.putMany(
            inserted.map((ref, i) => ({ obj: i === 0 ? { ok: true } : 'not a dict', ref })),
            new UndoLog(),
          )
        }),
        { code: 'storage_class' },
      )
      assert.deepEqual(await f.datastore.verify(), before)
      await f.registry.transaction(() => f.datastore.trash(refs))
      await f.datastore.emptyTrash()
      await f.registry.removeDatasets(refs)
    })

    it('deletes in two phases: trashed artifacts stay until the trash is emptied', async () => {
      const ref = await store(dictType, 10, { x: 1 })
      await f.registry.transaction(() => f.datastore.trash([ref]))
      assert.equal(await f.datastore.knows(ref), false)
      const pending = await f.datastore.verify()
      assert.deepEqual(
        pending.map((p) => p.kind),
        ['pending-trash'],
      )
      assert.equal(await f.datastore.emptyTrash(), 1)
      assert.deepEqual(await f.datastore.verify(), [])
      await f.registry.removeDatasets([ref])
    })

    it('rolls back with the registry transaction: no record, no artifact', async () => {
      await assert.rejects(storeDataset(f, dictType, 11, { doomed: true }, { fail: true }), /boom/)
      assert.deepEqual(await f.datastore.verify(), [])
    })

    it('reports damaged artifacts and repairs leftovers', async () => {
      const ref = await store(dictType, 11, { y: 2 })
      const temporary = (await f.leaveLeftover('temporary')) !== false
      await f.leaveLeftover('orphan')
      const problems = await f.datastore.verify()
      assert.deepEqual(
        problems.map((p) => p.kind).sort(),
        temporary ? ['orphan-file', 'temporary-file'] : ['orphan-file'],
      )
      await f.datastore.verify({ repair: true })
      assert.deepEqual(await f.datastore.verify(), [])
      await f.damage(ref, 'truncate')
      await assert.rejects(f.datastore.get(ref), { code: 'checksum' })
      assert.deepEqual(
        (await f.datastore.verify()).map((p) => p.kind),
        ['size-mismatch'],
      )
      await f.damage(ref, 'delete')
      assert.equal(await f.datastore.exists(ref), false)
      assert.deepEqual(
        (await f.datastore.verify()).map((p) => [p.kind, p.repairable]),
        [['missing-file', false]],
      )
    })
  })
}
