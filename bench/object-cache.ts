/**
 * Latency of `get` served by the in-process object cache, against the same `get` reading the file
 * (cache off) and against the physical baseline: reading the file's bytes with `readFileSync`.
 *
 * Run: `node dist/bench/object-cache.js`. Target: a cache hit ≤ 20 µs.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { DatasetType } from '../src/index.js'
import { cleanup, makeRepo, scratch } from './setup.js'

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000)

/** Per-call latencies in microseconds: p50 and p95 over `n` calls of `fn` (after a warm-up). */
async function latency(n: number, fn: () => unknown): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < Math.min(1000, n); i++) await fn()
  const times = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint()
    await fn()
    times[i] = Number(process.hrtime.bigint() - t0) / 1000
  }
  times.sort()
  return { p50: times[Math.floor(n * 0.5)]!, p95: times[Math.floor(n * 0.95)]! }
}

const dir = await scratch('object-cache')
try {
  const butler = await makeRepo(dir, 'bench/cache')
  const dims = butler.universe.group(['instrument', 'visit', 'detector'])
  await butler.registerDatasetType(new DatasetType('bench_cached', dims, 'StructuredDataDict'))
  const dataId = { instrument: 'BenchCam', visit: 1, detector: 0 }
  const payload = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`key${i}`, i * 1.5]))
  const ref = await butler.put(payload, 'bench_cached', dataId)
  const file = fileURLToPath(await butler.getURI(ref))

  const rows: { what: string; p50: number; p95: number }[] = []
  const add = (what: string, r: { p50: number; p95: number }) => rows.push({ what, ...r })
  add('raw readFileSync of the same file', await latency(ITERATIONS, () => readFileSync(file)))
  add('get(ref), cache hit', await latency(ITERATIONS, () => butler.get(ref)))
  add(
    'get(ref), cache off (file read + decode)',
    await latency(Math.min(ITERATIONS, 5000), () => butler.get(ref, undefined, { cache: false })),
  )
  add(
    "get('bench_cached', dataId), cache hit (registry lookup + hit)",
    await latency(Math.min(ITERATIONS, 5000), () => butler.get('bench_cached', dataId)),
  )
  const stats = butler.objectCache.stats()
  await butler.close()

  const raw = rows[0]!.p50
  console.log(`object cache: ${ITERATIONS} calls per figure; a 200-key dict stored as JSON`)
  console.log('| read | p50 µs | p95 µs | vs raw file read |')
  console.log('|---|---:|---:|---:|')
  for (const r of rows) {
    console.log(`| ${r.what} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${(r.p50 / raw).toFixed(2)}x |`)
  }
  const hit = rows[1]!.p50
  console.log(`target: cache hit <= 20 µs: ${hit <= 20 ? 'met' : 'NOT met'} (${hit.toFixed(2)} µs p50)`)
  console.log(`cache stats: ${JSON.stringify(stats)}`)
  console.log(JSON.stringify({ bench: 'object-cache', rows }))
} finally {
  await cleanup(dir)
}
