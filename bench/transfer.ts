/**
 * Transfer of 10,000 small datasets between two repositories (`transferFrom`), with `copy` and with
 * `link`, against a physical baseline measured in the same run: the same files copied (or hard-linked)
 * one by one with `fs`, plus raw SQL inserts of the same rows (dataset, tag and datastore record per
 * dataset) in one SQLite transaction.
 *
 * Run alone with `node dist/bench/transfer.js`; `bench/run.ts` runs it too.
 */
import { copyFileSync, linkSync, mkdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import type { DatasetRef, DirectButler } from '../src/index.js'
import { cleanup, dataIds, makeRepo, median, payload, scratch, settle } from './setup.js'

/** One repetition's figures (datasets per second). */
export interface TransferFigures {
  readonly copyPerSecond: number
  readonly linkPerSecond: number
  readonly baselineCopyPerSecond: number
  readonly baselineLinkPerSecond: number
  /** Copy baseline followed by one `sync`, since the butler's copies are durable. */
  readonly baselineDurableCopyPerSecond: number
}

/** Runs the transfer benchmark once in fresh repositories. */
export async function runTransfer(): Promise<TransferFigures> {
  const dir = await scratch('transfer')
  try {
    const source = await makeRepo(join(dir, 'source'), 'bench/source')
    const ids = dataIds()
    const refs = await source.putMany(
      ids.map((dataId) => ({ obj: payload(dataId), datasetType: 'bench_dict', dataId })),
    )
    const artifacts = await source.datastore.artifacts(refs)
    const copySeconds = await timeTransfer(source, refs, join(dir, 'copy'), 'copy')
    const linkSeconds = await timeTransfer(source, refs, join(dir, 'link'), 'link')
    await source.close()

    const baseline = (name: string, place: (from: string, to: string) => void, sync: boolean) => {
      const root = join(dir, name)
      const paths = artifacts.map((a) => a.path)
      // Folders are made outside the timed part: the butler's repositories start empty too, but
      // a baseline has no reason to pay for them differently.
      for (const d of new Set(paths.map((p) => dirname(join(root, p))))) mkdirSync(d, { recursive: true })
      settle()
      const t = performance.now()
      for (const a of artifacts) place(a.absolutePath, join(root, a.path))
      insertRows(join(dir, `${name}.sqlite3`), refs, artifacts)
      if (sync) settle()
      return (performance.now() - t) / 1000
    }
    const baseCopy = baseline('base-copy', (a, b) => copyFileSync(a, b), false)
    const baseDurable = baseline('base-copy-sync', (a, b) => copyFileSync(a, b), true)
    const baseLink = baseline('base-link', (a, b) => linkSync(a, b), false)
    const n = refs.length
    return {
      copyPerSecond: n / copySeconds,
      linkPerSecond: n / linkSeconds,
      baselineCopyPerSecond: n / baseCopy,
      baselineLinkPerSecond: n / baseLink,
      baselineDurableCopyPerSecond: n / baseDurable,
    }
  } finally {
    await cleanup(dir)
  }
}

/** Seconds taken by `transferFrom` into a fresh repository that has the records and dataset types. */
async function timeTransfer(
  source: DirectButler,
  refs: readonly DatasetRef[],
  dir: string,
  transfer: 'copy' | 'link',
): Promise<number> {
  const target = await makeRepo(dir, 'bench/unused')
  try {
    settle()
    const t = performance.now()
    const moved = await target.transferFrom(source, refs, { transfer })
    const seconds = (performance.now() - t) / 1000
    if (moved.length !== refs.length) throw new Error(`transferred ${moved.length} of ${refs.length}`)
    const [a] = await target.datastore.artifacts([refs[0]!])
    if (!a || statSync(a.absolutePath).size <= 0) throw new Error('artifact missing after transfer')
    return seconds
  } finally {
    await target.close()
  }
}

/** The rows a transfer writes, as plain SQL in one transaction. */
function insertRows(
  file: string,
  refs: readonly DatasetRef[],
  artifacts: readonly { path: string; formatter: string; storageClass: string; fileSize: number }[],
): void {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.exec(
    'CREATE TABLE dataset (id TEXT PRIMARY KEY, type INTEGER, run INTEGER, ingest_date INTEGER);' +
      'CREATE TABLE tags (type INTEGER, id TEXT, run INTEGER, instrument TEXT, visit INTEGER, detector INTEGER,' +
      ' PRIMARY KEY (type, run, instrument, visit, detector));' +
      'CREATE TABLE records (id TEXT, component TEXT, path TEXT, formatter TEXT, storage_class TEXT,' +
      ' checksum TEXT, file_size INTEGER, PRIMARY KEY (id, component))',
  )
  const dataset = db.prepare('INSERT INTO dataset VALUES (?, 1, 1, ?)')
  const tag = db.prepare('INSERT INTO tags VALUES (1, ?, 1, ?, ?, ?)')
  const record = db.prepare("INSERT INTO records VALUES (?, '', ?, ?, ?, NULL, ?)")
  const now = Date.now()
  db.transaction(() => {
    refs.forEach((ref, i) => {
      const a = artifacts[i]!
      dataset.run(ref.id, now)
      tag.run(ref.id, ref.dataId.get('instrument'), ref.dataId.get('visit'), ref.dataId.get('detector'))
      record.run(ref.id, a.path, a.formatter, a.storageClass, a.fileSize)
    })
  })()
  db.close()
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs: TransferFigures[] = []
  const repeat = Number(process.env.BENCH_REPEAT ?? 3)
  for (let i = 0; i < repeat; i++) runs.push(await runTransfer())
  const pick = (k: keyof TransferFigures) => median(runs.map((r) => r[k]))
  const line = (label: string, value: number, base: number) =>
    `${label.padEnd(28)} ${Math.round(value).toLocaleString('en-US').padStart(8)} datasets/s   baseline ${Math.round(base).toLocaleString('en-US').padStart(8)}/s   ${(base / value).toFixed(2)}x baseline time`
  process.stdout.write(
    `${[
      line('transfer copy', pick('copyPerSecond'), pick('baselineCopyPerSecond')),
      line('transfer copy vs durable', pick('copyPerSecond'), pick('baselineDurableCopyPerSecond')),
      line('transfer link', pick('linkPerSecond'), pick('baselineLinkPerSecond')),
    ].join('\n')}\n`,
  )
}
