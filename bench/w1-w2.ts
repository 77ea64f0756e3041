/**
 * W1 (put, putMany) and W2 (get by data ID) with their physical baselines.
 *
 * Baselines, measured in the same run on the same disk: writing the same 10,000 JSON files with `fs`
 * plus inserting 10,000 rows in one SQLite transaction (W1); reading the same 10,000 files (W2).
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { cleanup, dataIds, makeRepo, payload, scratch, settle } from './setup.js'

/** One repetition's figures. */
export interface W1W2Figures {
  readonly putsPerSecond: number
  readonly putManyPerSecond: number
  readonly getsPerSecond: number
  readonly baselineWritePerSecond: number
  readonly baselineReadPerSecond: number
  /** Files written with fsync and rename, rows committed one by one: the floor for durable single puts. */
  readonly baselineDurableWritePerSecond: number
}

/** Runs W1 and W2 once in a fresh repository. */
export async function runW1W2(): Promise<W1W2Figures> {
  const dir = await scratch('w1')
  try {
    const ids = dataIds()
    const butler = await makeRepo(dir, 'bench/put')

    settle()
    let t = performance.now()
    for (const dataId of ids) await butler.put(payload(dataId), 'bench_dict', dataId)
    const putSeconds = (performance.now() - t) / 1000

    settle()
    t = performance.now()
    await butler.putMany(
      ids.map((dataId) => ({ obj: payload(dataId), datasetType: 'bench_dict', dataId })),
      { run: 'bench/putmany' },
    )
    const putManySeconds = (performance.now() - t) / 1000

    settle()
    t = performance.now()
    for (const dataId of ids) await butler.get('bench_dict', dataId, { collections: ['bench/put'] })
    const getSeconds = (performance.now() - t) / 1000
    await butler.close()

    // Baseline: the same bytes as plain files, plus raw SQL rows in one transaction.
    const base = join(dir, 'baseline')
    mkdirSync(base)
    for (let v = 1; v <= 1000; v++) mkdirSync(join(base, String(v)))
    const texts = ids.map((d) => JSON.stringify(payload(d)))
    settle()
    t = performance.now()
    for (const [i, d] of ids.entries())
      writeFileSync(join(base, String(d.visit), `${d.detector}.json`), texts[i]!)
    const db = new Database(join(dir, 'baseline.sqlite3'))
    db.pragma('journal_mode = WAL')
    db.exec('CREATE TABLE dataset (id TEXT PRIMARY KEY, visit INTEGER, detector INTEGER, path TEXT)')
    const insert = db.prepare('INSERT INTO dataset VALUES (?, ?, ?, ?)')
    db.transaction(() => {
      for (const [i, d] of ids.entries())
        insert.run(`id-${i}`, d.visit, d.detector, `${d.visit}/${d.detector}.json`)
    })()
    db.close()
    const baseWriteSeconds = (performance.now() - t) / 1000

    settle()
    t = performance.now()
    for (const d of ids) JSON.parse(readFileSync(join(base, String(d.visit), `${d.detector}.json`), 'utf8'))
    const baseReadSeconds = (performance.now() - t) / 1000

    // A second write baseline with the durability a single put gives: each file written to a
    // temporary name, fsynced and renamed, and each row committed on its own.
    const durable = join(dir, 'durable')
    for (let v = 1; v <= 1000; v++) mkdirSync(join(durable, String(v)), { recursive: true })
    const db2 = new Database(join(dir, 'durable.sqlite3'))
    db2.pragma('journal_mode = WAL')
    db2.pragma('synchronous = NORMAL')
    db2.exec('CREATE TABLE dataset (id TEXT PRIMARY KEY, visit INTEGER, detector INTEGER, path TEXT)')
    const insert2 = db2.prepare('INSERT INTO dataset VALUES (?, ?, ?, ?)')
    settle()
    t = performance.now()
    for (const [i, d] of ids.entries()) {
      const target = join(durable, String(d.visit), `${d.detector}.json`)
      const fd = openSync(`${target}.tmp`, 'wx')
      writeSync(fd, texts[i]!)
      fsyncSync(fd)
      closeSync(fd)
      renameSync(`${target}.tmp`, target)
      insert2.run(`id-${i}`, d.visit, d.detector, `${d.visit}/${d.detector}.json`)
    }
    const durableSeconds = (performance.now() - t) / 1000
    db2.close()

    return {
      baselineDurableWritePerSecond: ids.length / durableSeconds,
      putsPerSecond: ids.length / putSeconds,
      putManyPerSecond: ids.length / putManySeconds,
      getsPerSecond: ids.length / getSeconds,
      baselineWritePerSecond: ids.length / baseWriteSeconds,
      baselineReadPerSecond: ids.length / baseReadSeconds,
    }
  } finally {
    await cleanup(dir)
  }
}
