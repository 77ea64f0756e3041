/**
 * Child process of the kill test: writes datasets as fast as it can until it is killed.
 *
 * argv: repository, run, seed. Prints "ready" once the butler is open and "wrote" after its first
 * committed write.
 */
import { createNdArray } from '../../src/datasets/ndarray.js'
import { openButler } from '../../src/index.js'
import { expectedArray, expectedDict, killTestDataIds } from './kill-shared.js'

const [repo, run, seedText] = process.argv.slice(2)
const butler = await openButler(repo!, { run: run! })
process.stdout.write('ready\n')
let seed = Number(seedText)
const ids = killTestDataIds()
let i = 0
let announced = false
for (;;) {
  if (i > 0 && !announced) {
    process.stdout.write('wrote\n')
    announced = true
  }
  seed = (seed * 1103515245 + 12345) % 2147483648
  if (seed % 3 === 0) {
    // A batch of 1 to 20 dicts through putMany.
    const n = 1 + (seed % 20)
    const batch = []
    for (let k = 0; k < n && i < ids.length; k++, i++) {
      batch.push({ obj: expectedDict(ids[i]!), datasetType: 'kill_dict', dataId: ids[i]! })
    }
    if (batch.length === 0) break
    await butler.putMany(batch)
  } else {
    if (i >= ids.length) break
    const dataId = ids[i++]!
    await butler.put(expectedDict(dataId), 'kill_dict', dataId)
    await butler.put(createNdArray(expectedArray(dataId)), 'kill_array', dataId)
  }
}
await butler.close()
process.stdout.write('done\n')
