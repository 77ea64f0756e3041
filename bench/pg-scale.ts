/**
 * Scale benchmark on PostgreSQL: a repository whose registry holds N datasets (default 10,000,000:
 * 100 dataset types × 100,000 data IDs of {instrument, visit, detector}, as in bench/query.ts) built
 * through `registry.insertDatasets` by BENCH_PG_WRITERS concurrent writers (default 2), in datasets
 * per second, against a physical baseline in the same run: the same number of rows of (uuid, int8,
 * int8, int8) written by one client with the fastest plain SQL (`insert … select * from unnest(…)`)
 * into an unindexed table. Then the query set of `scale-queries.ts`, p50/p95, next to hand-written SQL.
 *
 * Needs a server (BUTLER_BENCH_PG_URL, default postgresql://postgres@127.0.0.1:5432/postgres); the data
 * goes into a fresh schema that is dropped at the end (BENCH_PG_KEEP=1 keeps it).
 * Run with `node --expose-gc dist/bench/pg-scale.js` (BENCH_PG_DATASETS=1000000 for a quicker run).
 */
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { createRepository, openButler } from '../src/index.js'
import { buildScaleRepository, PER_TYPE, type RawSql, runScaleQueries } from './scale-queries.js'
import { cleanup, scratch } from './setup.js'

const URL = process.env.BUTLER_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
const TOTAL = Number(process.env.BENCH_PG_DATASETS ?? 10_000_000)
const WRITERS = Number(process.env.BENCH_PG_WRITERS ?? 2)

async function main(): Promise<void> {
  const schema = `bench_scale_${process.pid}`
  const dir = await scratch('pg-scale')
  const admin = new pg.Client({ connectionString: URL })
  await admin.connect()
  try {
    const root = join(dir, 'repo')
    await createRepository(root, { config: { registry: { db: URL, namespace: schema } } })
    const butler = await openButler(root)
    const types = Math.max(1, Math.round(TOTAL / PER_TYPE))
    process.stderr.write(
      `Generating ${(types * PER_TYPE).toLocaleString('en-US')} datasets with ${WRITERS} writers...\n`,
    )
    const built = await buildScaleRepository(butler, { types, writers: WRITERS })

    // Baseline: the same number of plain rows through unnest, one client, one transaction.
    await admin.query(`create table ${schema}.baseline (id uuid, a int8, b int8, c int8)`)
    const tb = performance.now()
    await admin.query('begin')
    for (let done = 0; done < built.datasets; done += 25_000) {
      const n = Math.min(25_000, built.datasets - done)
      const ids: string[] = []
      const a: number[] = []
      for (let j = 0; j < n; j++) {
        ids.push(randomUUID())
        a.push(done + j)
      }
      await admin.query(
        `insert into ${schema}.baseline select * from unnest($1::uuid[], $2::int8[], $2::int8[], $2::int8[])`,
        [ids, a],
      )
    }
    await admin.query('commit')
    const baselineSeconds = (performance.now() - tb) / 1000

    await admin.query(`set search_path to ${schema}`)
    const raw: RawSql = {
      async all(text, params = []) {
        let i = 0
        return (
          await admin.query(
            text.replace(/\?/g, () => `$${++i}`),
            params as unknown[],
          )
        ).rows
      },
    }
    const lines = await runScaleQueries(butler, raw, { streamTypes: 10 })
    await butler.close()
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
    process.stdout.write(
      [
        `PostgreSQL scale benchmark (${fmt(built.datasets)} datasets; p50/p95 of 30 runs; baseline: hand-written SQL, pg)`,
        `  insert: ${built.seconds.toFixed(1)} s with ${WRITERS} writers, ${fmt(built.datasets / built.seconds)} datasets/s (target >= 50,000/s); ` +
          `baseline unnest insert of plain rows ${fmt(built.datasets / baselineSeconds)} rows/s (${(built.seconds / baselineSeconds).toFixed(1)}x the time)`,
        ...lines,
      ].join('\n') + '\n',
    )
  } finally {
    if (!process.env.BENCH_PG_KEEP) await admin.query(`drop schema if exists ${schema} cascade`)
    await admin.end()
    await cleanup(dir)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
