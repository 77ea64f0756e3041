/**
 * Query benchmark: a generated registry of 1,000,000 datasets (10 dataset types × 100,000 data IDs of
 * {instrument, visit, detector}; visits 1–500 in one RUN, 501–1000 in another, both in one chain),
 * plus 400 certified biases. Measures p50/p95 latency of typical queries, counting all datasets of one
 * type, and time and peak memory while streaming all 1,000,000 refs.
 *
 * Baselines, in the same run on the same database file: the equivalent hand-written SQL through
 * better-sqlite3 (no planning, no decoding into refs).
 *
 * Run alone with `node --expose-gc dist/bench/query.js` (BENCH_QUERY_DIR=<folder> keeps and reuses the generated
 * repository, which takes a few minutes to build); `bench/run.ts` does not include it.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import Database from 'better-sqlite3'
import { DataCoordinate } from '../src/dimensions/data-coordinate.js'
import { createRepository, DatasetType, type DirectButler, openButler, Timespan } from '../src/index.js'
import { parseTime } from '../src/time/parse-time.js'
import {
  HOUR_NS,
  insertScaleDimensions,
  SCALE_DETECTORS,
  SCALE_T0,
  SCALE_VISITS,
  scaleDataIds,
} from './scale-data.js'
import { cleanup, scratch } from './setup.js'

const VISITS = SCALE_VISITS
const DETECTORS = SCALE_DETECTORS
const TYPES = 10
const CHAIN = 'bench/chain'
const HOUR = HOUR_NS

/** Latency figures of one query, in milliseconds. */
interface Latency {
  readonly name: string
  readonly rows: number
  readonly p50: number
  readonly p95: number
  readonly baselineP50: number
}

async function build(root: string): Promise<DirectButler> {
  await createRepository(root)
  const butler = await openButler(root)
  await insertScaleDimensions(butler)
  const dims = butler.universe.group(['instrument', 'visit', 'detector'])
  for (const run of ['bench/run1', 'bench/run2']) await butler.registerRun(run)
  await butler.editCollectionChain(CHAIN, { mode: 'redefine', children: ['bench/run2', 'bench/run1'] })
  for (let k = 0; k < TYPES; k++) {
    const type = new DatasetType(`type${k}`, dims, 'StructuredDataDict')
    await butler.registerDatasetType(type)
    for (const [run, from, to] of [
      ['bench/run1', 1, VISITS / 2],
      ['bench/run2', VISITS / 2 + 1, VISITS],
    ] as const) {
      const ids = scaleDataIds(dims, from, to)
      await butler.registry.insertDatasets(type, run, ids)
    }
    process.stderr.write(`  generated type${k}\n`)
  }
  // 4 biases per detector, each valid for a quarter of the visits' time.
  const biasType = new DatasetType(
    'bias',
    butler.universe.group(['instrument', 'detector']),
    'StructuredDataDict',
    {
      isCalibration: true,
    },
  )
  await butler.registerDatasetType(biasType)
  const quarter = (BigInt(VISITS) * HOUR) / 4n
  const t0 = SCALE_T0
  for (let q = 0; q < 4; q++) {
    const run = `bench/calib${q}`
    await butler.registerRun(run)
    const ids = Array.from({ length: DETECTORS }, (_, d) =>
      DataCoordinate.fromRequiredValues(biasType.dimensions, ['Cam', d + 1]),
    )
    const refs = await butler.registry.insertDatasets(biasType, run, ids)
    const begin = q === 0 ? null : t0 + BigInt(q) * quarter
    const end = q === 3 ? null : t0 + BigInt(q + 1) * quarter
    await butler.certify('calib', refs, new Timespan(begin, end))
  }
  return butler
}

async function timed(fn: () => Promise<number>, repeat: number): Promise<{ rows: number; times: number[] }> {
  const times: number[] = []
  let rows = 0
  for (let i = 0; i < repeat; i++) {
    const t = performance.now()
    rows = await fn()
    times.push(performance.now() - t)
  }
  return { rows, times }
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

async function main(): Promise<void> {
  const keep = process.env.BENCH_QUERY_DIR
  const dir = keep ?? (await scratch('query'))
  const root = join(dir, 'repo')
  try {
    let butler: DirectButler
    if (keep && existsSync(join(root, 'butler.yaml'))) butler = await openButler(root)
    else {
      const t = performance.now()
      process.stderr.write('Generating 1,000,000 datasets...\n')
      butler = await build(root)
      process.stderr.write(`  done in ${((performance.now() - t) / 1000).toFixed(1)} s\n`)
    }
    const raw = new Database(join(root, 'gen3.sqlite3'), { readonly: true })
    const tag = raw.prepare("select tag_table as t, id from dataset_type where name = 'type0'").get() as {
      t: string
      id: number
    }
    const runIds = (
      raw.prepare("select collection_id as id from collection where name like 'bench/run%'").all() as {
        id: number
      }[]
    ).map((r) => r.id)
    const count = async (results: { pages(): AsyncIterable<unknown[]> }) => {
      let n = 0
      for await (const page of results.pages()) n += page.length
      return n
    }
    const base = (text: string, ...params: unknown[]) => {
      const stmt = raw.prepare(text)
      return async () => stmt.all(...params).length
    }
    const queries: [string, () => Promise<number>, () => Promise<number>][] = [
      [
        'data-ID constrained (1 visit, 50 detectors)',
        () =>
          count(
            butler.queryDatasets('type0', {
              collections: [CHAIN],
              where: 'visit = 123 AND detector IN (1..50)',
              dataId: { instrument: 'Cam' },
            }),
          ),
        base(
          `select dataset_id from ${tag.t} where dataset_type_id = ? and collection_id in (${runIds.join(',')}) and instrument = 'Cam' and visit = 123 and detector between 1 and 50`,
          tag.id,
        ),
      ],
      [
        'find-first over the chain (201 visits × 1 detector)',
        () =>
          count(
            butler.queryDatasets('type3', {
              collections: [CHAIN],
              where: "visit IN (400..600) AND detector = 7 AND instrument = 'Cam'",
            }),
          ),
        base(
          `select dataset_id from ${tag.t} where dataset_type_id = ? and collection_id in (${runIds.join(',')}) and instrument = 'Cam' and visit between 400 and 600 and detector = 7`,
          tag.id,
        ),
      ],
      [
        'temporal calibration join (bias valid at 1 visit, 100 detectors)',
        () =>
          count(
            butler.queryDatasets('bias', {
              collections: ['calib'],
              where: "visit = 250 AND instrument = 'Cam'",
            }),
          ),
        base("select id from visit where instrument = 'Cam' and id = 250"),
      ],
      [
        'dimension records (visits of a time window)',
        () =>
          count(
            butler.queryDimensionRecords('visit', {
              where:
                "visit.timespan OVERLAPS (T'2024-01-02T00:00:00', T'2024-01-03T00:00:00') AND instrument = 'Cam'",
            }),
          ),
        base(
          'select * from visit where timespan_begin < ? and timespan_end > ?',
          parseTime('2024-01-03T00:00:00/tai'),
          parseTime('2024-01-02T00:00:00/tai'),
        ),
      ],
      [
        'spatial join (patches overlapping one visit)',
        () =>
          count(
            butler.queryDataIds(['tract', 'patch'], {
              where: "visit = 123 AND instrument = 'Cam' AND skymap = 'sky'",
            }),
          ),
        base("select id from patch where skymap = 'sky'"),
      ],
      [
        'spatial constraint (visits overlapping a point)',
        () =>
          count(
            butler.queryDataIds(['visit'], {
              where: "visit.region OVERLAPS POINT(155.2, 7.3) AND instrument = 'Cam'",
            }),
          ),
        base("select id from visit where instrument = 'Cam'"),
      ],
    ]
    const latencies: Latency[] = []
    for (const [name, fn, baseline] of queries) {
      await fn()
      const { rows, times } = await timed(fn, 30)
      const b = await timed(baseline, 30)
      latencies.push({
        name,
        rows,
        p50: percentile(times, 50),
        p95: percentile(times, 95),
        baselineP50: percentile(b.times, 50),
      })
    }
    const countAll = await timed(
      () => butler.queryDatasets('type0', { collections: [CHAIN], findFirst: false }).count(),
      3,
    )
    const countBase = await timed(
      async () =>
        Number(
          (
            raw.prepare(`select count(*) as n from ${tag.t} where dataset_type_id = ?`).get(tag.id) as {
              n: number
            }
          ).n,
        ),
      3,
    )
    const countFirst = await timed(() => butler.queryDatasets('type0', { collections: [CHAIN] }).count(), 3)

    // Stream every ref of every type, sampling memory.
    global.gc?.()
    const rssBefore = process.memoryUsage().rss
    let peak = rssBefore
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss)
    }, 20)
    let streamed = 0
    let peakFirstType = 0
    const heapAfter: number[] = []
    const t = performance.now()
    for (let k = 0; k < TYPES; k++) {
      for await (const page of butler
        .queryDatasets(`type${k}`, { collections: [CHAIN], findFirst: false })
        .pages()) {
        streamed += page.length
        peak = Math.max(peak, process.memoryUsage().rss)
      }
      // Flat memory: the peak over all 1,000,000 refs stays near the peak over the first 100,000, and
      // the live heap after a collection (with --expose-gc) is the same after every type.
      if (k === 0) peakFirstType = peak
      if (global.gc) {
        global.gc()
        heapAfter.push(process.memoryUsage().heapUsed)
      }
    }
    const streamSeconds = (performance.now() - t) / 1000
    clearInterval(sampler)
    const tb = performance.now()
    let baseRows = 0
    for (const _ of raw
      .prepare('select dataset_id, collection_id, instrument, visit, detector from ' + tag.t)
      .iterate())
      baseRows++
    const baseSeconds = (performance.now() - tb) / 1000

    raw.close()
    await butler.close()
    const ms = (n: number) => n.toFixed(1)
    const lines = [
      'query benchmark (1,000,000 datasets; p50/p95 of 30 runs; baseline: hand-written SQL, better-sqlite3)',
      ...latencies.map(
        (l) =>
          `  ${l.name}: ${l.rows} rows, p50 ${ms(l.p50)} ms, p95 ${ms(l.p95)} ms (baseline p50 ${ms(l.baselineP50)} ms)`,
      ),
      `  count all of one type (no find-first): ${countAll.rows} in ${ms(percentile(countAll.times, 50))} ms (baseline ${ms(percentile(countBase.times, 50))} ms); target <= 1,000 ms`,
      `  count with find-first: ${countFirst.rows} in ${ms(percentile(countFirst.times, 50))} ms`,
      `  stream all ${streamed.toLocaleString('en-US')} refs: ${streamSeconds.toFixed(1)} s (${Math.round(streamed / streamSeconds).toLocaleString('en-US')} refs/s); ` +
        `RSS ${(rssBefore / 2 ** 20).toFixed(0)} MiB before, peak ${(peakFirstType / 2 ** 20).toFixed(0)} MiB over the ` +
        `first 100,000 and ${(peak / 2 ** 20).toFixed(0)} MiB over all; ` +
        (heapAfter.length > 0
          ? `live heap after each 100,000: ${heapAfter.map((h) => (h / 2 ** 20).toFixed(0)).join(', ')} MiB; `
          : '(run with node --expose-gc to see the live heap); ') +
        `baseline raw scan of one type's ${baseRows.toLocaleString('en-US')} tag rows ${baseSeconds.toFixed(2)} s`,
    ]
    process.stdout.write(`${lines.join('\n')}\n`)
  } finally {
    if (!keep) await cleanup(dir)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
