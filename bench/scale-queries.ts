/**
 * The workload of the scale benchmarks, the same on SQLite (bench/query.ts, 1,000,000 datasets) and
 * PostgreSQL (bench/pg-scale.ts, 10,000,000): building the registry through the public API, then
 * typical queries (p50/p95), counting one type and streaming refs, each next to the equivalent
 * hand-written SQL run straight through the driver.
 */
import { DataCoordinate } from '../src/dimensions/data-coordinate.js'
import { DatasetType, type DirectButler, Timespan } from '../src/index.js'
import { parseTime } from '../src/time/parse-time.js'
import {
  HOUR_NS,
  insertScaleDimensions,
  SCALE_DETECTORS,
  SCALE_T0,
  SCALE_VISITS,
  scaleDataIds,
} from './scale-data.js'

export const CHAIN = 'bench/chain'
/** Data IDs per dataset type (every visit × every detector). */
export const PER_TYPE = SCALE_VISITS * SCALE_DETECTORS

/** Hand-written SQL straight through the driver; `?` placeholders, rows returned. */
export interface RawSql {
  all(text: string, params?: readonly unknown[]): Promise<unknown[]>
}

/** What `buildScaleRepository` reports. */
export interface BuildFigures {
  readonly datasets: number
  readonly seconds: number
}

/**
 * Fills an empty repository: the scale dimension records, `types` dataset types of {instrument,
 * visit, detector} with every data ID each (visits 1–500 in `bench/run1`, 501–1000 in `bench/run2`,
 * both in the chain `bench/chain`, run2 first), inserted by `writers` concurrent callers of
 * `insertDatasets` in batches of `batch`; then 4 biases per detector certified in `calib`.
 */
export async function buildScaleRepository(
  butler: DirectButler,
  options: { types: number; writers?: number; batch?: number },
): Promise<BuildFigures> {
  const writers = options.writers ?? 1
  const batch = options.batch ?? 25_000
  await insertScaleDimensions(butler)
  for (const run of ['bench/run1', 'bench/run2']) await butler.registerRun(run)
  await butler.editCollectionChain(CHAIN, { mode: 'redefine', children: ['bench/run2', 'bench/run1'] })
  const dims = butler.universe.group(['instrument', 'visit', 'detector'])
  const halves = [
    ['bench/run1', scaleDataIds(dims, 1, SCALE_VISITS / 2)],
    ['bench/run2', scaleDataIds(dims, SCALE_VISITS / 2 + 1, SCALE_VISITS)],
  ] as const
  const types = Array.from(
    { length: options.types },
    (_, k) => new DatasetType(`type${k}`, dims, 'StructuredDataDict'),
  )
  for (const type of types) await butler.registerDatasetType(type)
  // Work items: (type, run, slice of data IDs), taken in order by each writer.
  const items: [DatasetType, string, DataCoordinate[]][] = []
  for (const type of types) {
    for (const [run, ids] of halves) {
      for (let i = 0; i < ids.length; i += batch) items.push([type, run, ids.slice(i, i + batch)])
    }
  }
  let next = 0
  let done = 0
  let reported = 0
  const t0 = performance.now()
  const writer = async () => {
    while (next < items.length) {
      const [type, run, ids] = items[next++]!
      await butler.registry.insertDatasets(type, run, ids)
      done += ids.length
      if (done - reported >= 1_000_000) {
        reported = done
        const rate = done / ((performance.now() - t0) / 1000)
        process.stderr.write(
          `  ${done.toLocaleString('en-US')} datasets, ${Math.round(rate).toLocaleString('en-US')}/s\n`,
        )
      }
    }
  }
  await Promise.all(Array.from({ length: writers }, writer))
  const seconds = (performance.now() - t0) / 1000

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
  const quarter = (BigInt(SCALE_VISITS) * HOUR_NS) / 4n
  for (let q = 0; q < 4; q++) {
    const run = `bench/calib${q}`
    await butler.registerRun(run)
    const ids = Array.from({ length: SCALE_DETECTORS }, (_, d) =>
      DataCoordinate.fromRequiredValues(biasType.dimensions, ['Cam', d + 1]),
    )
    const refs = await butler.registry.insertDatasets(biasType, run, ids)
    const begin = q === 0 ? null : SCALE_T0 + BigInt(q) * quarter
    const end = q === 3 ? null : SCALE_T0 + BigInt(q + 1) * quarter
    await butler.certify('calib', refs, new Timespan(begin, end))
  }
  return { datasets: done, seconds }
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

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/**
 * Runs the query set on a repository made by `buildScaleRepository` and returns the report lines:
 * each query's p50/p95 over 30 runs next to its hand-written SQL, counting one type, and streaming
 * every ref of `streamTypes` types with the process's memory.
 */
export async function runScaleQueries(
  butler: DirectButler,
  raw: RawSql,
  options: { streamTypes: number },
): Promise<string[]> {
  const [tag] = (await raw.all("select tag_table as t, id from dataset_type where name = 'type0'")) as {
    t: string
    id: number
  }[]
  const runIds = (
    (await raw.all("select collection_id as id from collection where name like 'bench/run%'")) as {
      id: number
    }[]
  ).map((r) => Number(r.id))
  const count = async (results: { pages(): AsyncIterable<unknown[]> }) => {
    let n = 0
    for await (const page of results.pages()) n += page.length
    return n
  }
  const base =
    (text: string, ...params: unknown[]) =>
    async () =>
      (await raw.all(text, params)).length
  const inRuns = `collection_id in (${runIds.join(',')})`
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
        `select dataset_id from ${tag!.t} where dataset_type_id = ? and ${inRuns} and instrument = 'Cam' and visit = 123 and detector between 1 and 50`,
        tag!.id,
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
        `select dataset_id from ${tag!.t} where dataset_type_id = ? and ${inRuns} and instrument = 'Cam' and visit between 400 and 600 and detector = 7`,
        tag!.id,
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
  const ms = (n: number) => n.toFixed(1)
  const lines: string[] = []
  for (const [name, fn, baseline] of queries) {
    await fn()
    const { rows, times } = await timed(fn, 30)
    const b = await timed(baseline, 30)
    lines.push(
      `  ${name}: ${rows} rows, p50 ${ms(percentile(times, 50))} ms, p95 ${ms(percentile(times, 95))} ms ` +
        `(baseline p50 ${ms(percentile(b.times, 50))} ms)`,
    )
  }
  const countAll = await timed(
    () => butler.queryDatasets('type0', { collections: [CHAIN], findFirst: false }).count(),
    3,
  )
  const countBase = await timed(
    async () =>
      Number(
        (
          (await raw.all(`select count(*) as n from ${tag!.t} where dataset_type_id = ?`, [tag!.id])) as {
            n: number
          }[]
        )[0]!.n,
      ),
    3,
  )
  const countFirst = await timed(() => butler.queryDatasets('type0', { collections: [CHAIN] }).count(), 3)
  lines.push(
    `  count all of one type (no find-first): ${countAll.rows} in ${ms(percentile(countAll.times, 50))} ms ` +
      `(baseline ${ms(percentile(countBase.times, 50))} ms); target <= 1,000 ms`,
    `  count with find-first: ${countFirst.rows} in ${ms(percentile(countFirst.times, 50))} ms`,
  )
  lines.push(await streamRefs(butler, raw, tag!.t, options.streamTypes))
  return lines
}

/** Streams every ref of the first `types` types, sampling memory; then the raw scan of their tag rows. */
async function streamRefs(
  butler: DirectButler,
  raw: RawSql,
  tagTable: string,
  types: number,
): Promise<string> {
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
  for (let k = 0; k < types; k++) {
    for await (const page of butler
      .queryDatasets(`type${k}`, { collections: [CHAIN], findFirst: false })
      .pages()) {
      streamed += page.length
      peak = Math.max(peak, process.memoryUsage().rss)
    }
    // Flat memory: the peak over all refs stays near the peak over the first type, and the live heap
    // after a collection (with --expose-gc) is the same after every type.
    if (k === 0) peakFirstType = peak
    if (global.gc) {
      global.gc()
      heapAfter.push(process.memoryUsage().heapUsed)
    }
  }
  const seconds = (performance.now() - t) / 1000
  clearInterval(sampler)
  const ids = (
    (await raw.all('select id from dataset_type where name like ?', ['type%'])) as { id: number }[]
  )
    .map((r) => Number(r.id))
    .sort((a, b) => a - b)
    .slice(0, types)
  const tb = performance.now()
  let baseRows = 0
  for (const id of ids) {
    baseRows += (
      await raw.all(
        `select dataset_id, collection_id, instrument, visit, detector from ${tagTable} where dataset_type_id = ?`,
        [id],
      )
    ).length
  }
  const baseSeconds = (performance.now() - tb) / 1000
  const mib = (n: number) => (n / 2 ** 20).toFixed(0)
  return (
    `  stream ${streamed.toLocaleString('en-US')} refs of ${types} types: ${seconds.toFixed(1)} s ` +
    `(${Math.round(streamed / seconds).toLocaleString('en-US')} refs/s); RSS ${mib(rssBefore)} MiB before, ` +
    `peak ${mib(peakFirstType)} MiB over the first type and ${mib(peak)} MiB over all; ` +
    (heapAfter.length > 0
      ? `live heap after each type: ${heapAfter.map(mib).join(', ')} MiB; `
      : '(run with node --expose-gc to see the live heap); ') +
    `baseline raw read of their ${baseRows.toLocaleString('en-US')} tag rows ${baseSeconds.toFixed(2)} s`
  )
}
