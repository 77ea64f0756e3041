/**
 * Query benchmark on SQLite: a generated registry of 1,000,000 datasets (10 dataset types × 100,000
 * data IDs of {instrument, visit, detector}; visits 1–500 in one RUN, 501–1000 in another, both in
 * one chain), plus 400 certified biases. Measures the insert rate, p50/p95 latency of typical
 * queries, counting all datasets of one type, and time and peak memory while streaming all
 * 1,000,000 refs (the workload of `scale-queries.ts`, which bench/pg-scale.ts runs on PostgreSQL at
 * 10,000,000).
 *
 * Baselines, in the same run on the same database file: the equivalent hand-written SQL through
 * better-sqlite3 (no planning, no decoding into refs).
 *
 * Run alone with `node --expose-gc dist/bench/query.js` (BENCH_QUERY_DIR=<folder> keeps and reuses
 * the generated repository, which takes a minute or two to build); `bench/run.ts` does not include it.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import Database from 'better-sqlite3'
import { createRepository, type DirectButler, openButler } from '../src/index.js'
import { buildScaleRepository, type RawSql, runScaleQueries } from './scale-queries.js'
import { cleanup, scratch } from './setup.js'

const TYPES = 10

async function main(): Promise<void> {
  const keep = process.env.BENCH_QUERY_DIR
  const dir = keep ?? (await scratch('query'))
  const root = join(dir, 'repo')
  try {
    let butler: DirectButler
    let insertLine = '  insert: (reused repository)'
    if (keep && existsSync(join(root, 'butler.yaml'))) butler = await openButler(root)
    else {
      process.stderr.write(`Generating ${(TYPES * 100_000).toLocaleString('en-US')} datasets...\n`)
      await createRepository(root)
      butler = await openButler(root)
      const built = await buildScaleRepository(butler, { types: TYPES })
      insertLine = `  insert: ${built.datasets.toLocaleString('en-US')} datasets in ${built.seconds.toFixed(1)} s, ${Math.round(built.datasets / built.seconds).toLocaleString('en-US')} datasets/s`
    }
    const db = new Database(join(root, 'gen3.sqlite3'), { readonly: true })
    const raw: RawSql = {
      async all(text, params = []) {
        return db.prepare(text).all(...params)
      },
    }
    const lines = await runScaleQueries(butler, raw, { streamTypes: TYPES })
    db.close()
    await butler.close()
    process.stdout.write(
      [
        'SQLite scale benchmark (1,000,000 datasets; p50/p95 of 30 runs; baseline: hand-written SQL, better-sqlite3)',
        insertLine,
        ...lines,
      ].join('\n') + '\n',
    )
  } finally {
    if (!keep) await cleanup(dir)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
