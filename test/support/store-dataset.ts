/**
 * Storing a dataset in datastore tests the way a butler put does: the dataset is inserted in the
 * registry and its artifact written in one registry transaction, and the write is undone when that
 * transaction fails.
 */
import type { DatasetRef } from '../../src/datasets/dataset-ref.js'
import type { DatasetType } from '../../src/datasets/dataset-type.js'
import type { Datastore } from '../../src/datastore/datastore.js'
import { DataCoordinate } from '../../src/dimensions/index.js'
import { UndoLog } from '../../src/internal/undo-log.js'
import type { Registry } from '../../src/registry/registry.js'

/** A datastore and the registry whose bridge it uses. */
export interface StoreTarget {
  readonly registry: Registry
  readonly datastore: Datastore
}

/**
 * Inserts a dataset of `type` for `detector` of HSC visit 903334 in `run` (default `run1`) and stores
 * `obj` for it, in one transaction. With `fail`, the transaction fails (`Error('boom')`) right after
 * the put, which is then undone.
 */
export async function storeDataset(
  target: StoreTarget,
  type: DatasetType,
  detector: number,
  obj: unknown,
  options: { readonly run?: string; readonly fail?: boolean } = {},
): Promise<DatasetRef> {
  const { registry, datastore } = target
  const dataId = await registry.expandDataId(
    DataCoordinate.standardize(
      { instrument: 'HSC', visit: 903334, detector },
      { dimensions: type.dimensions },
    ),
  )
  const undo = new UndoLog()
  try {
    return await registry.transaction(async () => {
      const [ref] = await registry.insertDatasets(type, options.run ?? 'run1', [dataId])
      await datastore.put(obj, ref!, undo)
      if (options.fail) throw new Error('boom')
      return ref!
    })
  } catch (error) {
    await undo.rollback()
    throw error
  }
}
