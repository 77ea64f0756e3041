/**
 * One W5 measurement in a process of its own, so its peak memory is its own: `put` or `get` of one
 * 100 MB float64 array, or the baseline write/read of the same bytes. Prints one JSON line.
 */
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { createNdArray, isNdArray, openButler } from '../src/index.js'

const [mode, repo, file] = process.argv.slice(2)
const ELEMENTS = (100 * 1024 * 1024) / 8
const dataId = { instrument: 'BenchCam', visit: 1, detector: 0 }

const before = process.memoryUsage().rss
let seconds = 0
let bytes = ELEMENTS * 8
if (mode === 'put' || mode === 'base-write') {
  const data = new Float64Array(ELEMENTS)
  for (let i = 0; i < ELEMENTS; i++) data[i] = i * 0.5
  let t = performance.now()
  if (mode === 'put') {
    const butler = await openButler(repo!, { run: 'bench/w5' })
    t = performance.now()
    await butler.put(createNdArray(data, [ELEMENTS / 1024, 1024]), 'bench_array', dataId)
    seconds = (performance.now() - t) / 1000
    await butler.close()
  } else {
    const fd = openSync(join(file!), 'w')
    writeSync(fd, new Uint8Array(data.buffer))
    fsyncSync(fd)
    closeSync(fd)
    seconds = (performance.now() - t) / 1000
  }
} else {
  if (mode === 'get') {
    // Opening the repository is not part of the measured read.
    const butler = await openButler(repo!, { collections: ['bench/w5'] })
    const t = performance.now()
    const value = await butler.get('bench_array', dataId)
    seconds = (performance.now() - t) / 1000
    if (!isNdArray(value) || value.data.length !== ELEMENTS) throw new Error('wrong array read back')
    await butler.close()
  } else {
    const t = performance.now()
    bytes = readFileSync(file!).length
    seconds = (performance.now() - t) / 1000
  }
}
const peak = process.resourceUsage().maxRSS * 1024
process.stdout.write(`${JSON.stringify({ mode, seconds, bytes, peakOverStart: peak - before })}\n`)
