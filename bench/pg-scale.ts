/**
 * Scale benchmark on PostgreSQL: bulk insert of N datasets (default 10,000,000: 100 dataset types ×
 * 100,000 data IDs of {instrument, visit, detector}, alternating between two runs of one chain) through
 * `registry.insertDatasets`, in datasets per second, against a physical baseline in the same run: the
 * same number of rows written with `COPY`-free multi-row INSERTs of plain (uuid, int, int, int) rows
 * into an unindexed table. Then the data-ID constrained query of the query benchmark, p50/p95.
 *
 * Needs a server (BUTLER_BENCH_PG_URL, default postgresql://postgres@127.0.0.1:5432/postgres); the data
 * goes into a fresh schema that is dropped at the end (BENCH_PG_KEEP=1 keeps it).
 * Run with `node dist/bench/pg-scale.js` (BENCH_PG_DATASETS=1000000 for a quicker run).
 */
import { randomUUID } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { DatasetType } from '../src/datasets/dataset-type.js'
import { createSqlRegistry } from '../src/registry/sql/create-sql-registry.js'
import { insertScaleDimensions, scaleDataIds } from './scale-data.js'

const URL = process.env.BUTLER_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
const TOTAL = Number(process.env.BENCH_PG_DATASETS ?? 10_000_000)
const PER_TYPE = 100_000
const CHUNK = 20_000

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

async function main(): Promise<void> {
  const schema = `bench_scale_${process.pid}`
  const admin = new pg.Client({ connectionString: URL })
  await admin.connect()
  try {
    const registry = await createSqlRegistry({ url: URL, schema, create: true })
    await insertScaleDimensions(registry)
    for (const run of ['bench/run1', 'bench/run2']) await registry.registerRun(run)
    await registry.registerCollection('bench/chain', 'CHAINED')
    await registry.setCollectionChain('bench/chain', ['bench/run2', 'bench/run1'])
    const dims = registry.universe.group(['instrument', 'visit', 'detector'])
    const allIds = scaleDataIds(dims)
    const types = Math.ceil(TOTAL / PER_TYPE)
    let inserted = 0
    const t0 = performance.now()
    for (let k = 0; k < types; k++) {
      const type = new DatasetType(`type${k}`, dims, 'StructuredDataDict')
      await registry.registerDatasetType(type)
      for (let i = 0; i < PER_TYPE && inserted < TOTAL; i += CHUNK) {
        const chunk = allIds.slice(i, Math.min(i + CHUNK, PER_TYPE, i + TOTAL - inserted))
        await registry.insertDatasets(type, (i / CHUNK) % 2 === 0 ? 'bench/run1' : 'bench/run2', chunk)
        inserted += chunk.length
      }
      if ((k + 1) % 10 === 0) {
        const rate = inserted / ((performance.now() - t0) / 1000)
        process.stderr.write(
          `  ${inserted.toLocaleString('en-US')} datasets, ${Math.round(rate).toLocaleString('en-US')}/s\n`,
        )
      }
    }
    const insertSeconds = (performance.now() - t0) / 1000

    // Baseline: the same number of plain rows through multi-row INSERTs in one transaction.
    await admin.query(`create table ${schema}.baseline (id uuid, a int, b int, c int)`)
    const tb = performance.now()
    await admin.query('begin')
    for (let done = 0; done < TOTAL; done += 10_000) {
      const n = Math.min(10_000, TOTAL - done)
      const params: unknown[] = []
      const rows: string[] = []
      for (let j = 0; j < n; j++) {
        const p = params.length
        rows.push(`($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4})`)
        params.push(randomUUID(), j % 1000, j % 100, done)
      }
      await admin.query(`insert into ${schema}.baseline values ${rows.join(',')}`, params)
    }
    await admin.query('commit')
    const baselineSeconds = (performance.now() - tb) / 1000

    const times: number[] = []
    let rows = 0
    for (let i = 0; i < 31; i++) {
      const t = performance.now()
      rows = 0
      for await (const page of registry.executeQuery(
        {
          dimensions: [],
          datasets: { type0: { collections: ['bench/chain'] } },
          dataId: { instrument: 'Cam', visit: 123 },
          predicate: {
            kind: 'in',
            operand: { kind: 'dimension', dimension: 'detector' },
            values: [],
            ranges: [{ start: 1, stop: 50, stride: 1 }],
          },
        },
        { kind: 'datasets', datasetType: 'type0', findFirst: true },
      )) {
        rows += page.length
      }
      if (i > 0) times.push(performance.now() - t)
    }
    await registry.close()
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
    process.stdout.write(
      [
        `PostgreSQL scale benchmark (${fmt(inserted)} datasets)`,
        `  insert: ${insertSeconds.toFixed(1)} s, ${fmt(inserted / insertSeconds)} datasets/s (target >= 50,000/s); ` +
          `baseline multi-row INSERT of plain rows ${fmt(TOTAL / baselineSeconds)} rows/s (${(insertSeconds / baselineSeconds).toFixed(1)}x the time)`,
        `  data-ID constrained query (${rows} rows): p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms (target <= 30 ms p50)`,
      ].join('\n') + '\n',
    )
  } finally {
    if (!process.env.BENCH_PG_KEEP) await admin.query(`drop schema if exists ${schema} cascade`)
    await admin.end()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
