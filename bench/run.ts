/**
 * `npm run bench`: runs W1, W2 and W5 with their baselines and prints a table and JSON.
 *
 * Each figure is the median of several repetitions; ratios compare with the physical baseline
 * measured in the same run. Set BENCH_REPEAT to change the number of repetitions, BENCH_DIR to run on
 * another disk.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type ImportFigures, importFixture, runImportBench } from './import.js'
import { type IngestFigures, medianIngestFigures, runIngestBench } from './ingest.js'
import { cleanup, makeRepo, median, scratch, settle } from './setup.js'
import { runTransfer, type TransferFigures } from './transfer.js'
import { runW1W2, type W1W2Figures } from './w1-w2.js'

const REPEAT = Number(process.env.BENCH_REPEAT ?? 3)
const here = dirname(fileURLToPath(import.meta.url))

interface Row {
  readonly workload: string
  readonly figure: string
  readonly value: number
  readonly unit: string
  readonly baseline: number | undefined
  readonly ratio: string
  readonly target: string
}

const rows: Row[] = []

const w1w2: W1W2Figures[] = []
for (let i = 0; i < REPEAT; i++) {
  process.stderr.write(`W1/W2 repetition ${i + 1}/${REPEAT}\n`)
  w1w2.push(await runW1W2())
}
const pick = (k: keyof W1W2Figures) => median(w1w2.map((f) => f[k]))
rows.push(
  row('W1', 'put', pick('putsPerSecond'), 'puts/s', pick('baselineWritePerSecond'), '>= 3,000 puts/s'),
)
rows.push(
  row(
    'W1',
    'put vs durable files',
    pick('putsPerSecond'),
    'puts/s',
    pick('baselineDurableWritePerSecond'),
    'same durability as a put',
  ),
)
rows.push(
  row(
    'W1',
    'putMany',
    pick('putManyPerSecond'),
    'datasets/s',
    pick('baselineWritePerSecond'),
    '>= 50,000 datasets/s',
  ),
)
rows.push(
  row('W2', 'get', pick('getsPerSecond'), 'gets/s', pick('baselineReadPerSecond'), '>= 10,000 gets/s'),
)

// Import of hsc-rc2-subset.yaml (registry only) against raw inserts of the same rows.
const importFile = importFixture()
if (importFile) {
  const imports: ImportFigures[] = []
  for (let i = 0; i < REPEAT; i++) {
    process.stderr.write(`Import repetition ${i + 1}/${REPEAT}\n`)
    imports.push(await runImportBench(importFile))
  }
  const records = imports[0]!.records
  const seconds = median(imports.map((f) => f.seconds))
  const baseline = median(imports.map((f) => f.baselineSeconds))
  rows.push(row('import', 'hsc-rc2-subset.yaml', seconds, 's', undefined, '<= 2 s'))
  rows.push(row('import', 'records', records / seconds, 'records/s', records / baseline, 'raw inserts'))
} else {
  process.stderr.write('Import benchmark skipped: ../shared/fixtures/daf_butler not found\n')
}

// Ingest of 10,000 1 KiB files with copy and link, against cp -r / cp -rl of the same files.
const ingests: IngestFigures[] = []
for (let i = 0; i < REPEAT; i++) {
  process.stderr.write(`Ingest repetition ${i + 1}/${REPEAT}\n`)
  ingests.push(await runIngestBench())
}
const ingest = medianIngestFigures(ingests)
rows.push(
  row(
    'ingest',
    'copy vs cp -r',
    ingest.copyPerSecond,
    'files/s',
    ingest.cpPerSecond,
    'time <= 1.5x baseline',
  ),
)
rows.push(
  row(
    'ingest',
    'copy vs copyFile + sync',
    ingest.copyPerSecond,
    'files/s',
    ingest.nodeDurableCopyPerSecond,
    '',
  ),
)
rows.push(
  row('ingest', 'copy vs same tree + sync', ingest.copyPerSecond, 'files/s', ingest.treeCopyPerSecond, ''),
)
rows.push(
  row('ingest', 'link vs cp -rl', ingest.linkPerSecond, 'files/s', ingest.lnPerSecond, '>= 5,000 files/s'),
)

// W5: each measurement in its own process, so peak memory is measured cleanly.
const dir = await scratch('w5')
try {
  const butler = await makeRepo(dir, 'bench/w5')
  await butler.close()
  const repo = join(dir, 'repo')
  const child = (mode: string, rep: number) => {
    // Freed blocks of a deleted 100 MB file slow the next big write down for a while on this kind of
    // disk; let that pass before any write is timed, butler's or baseline's.
    if (mode === 'put' || mode === 'base-write')
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000)
    settle()
    const out = execFileSync(
      process.execPath,
      ['--max-old-space-size=2048', join(here, 'w5-child.js'), mode, repo, join(dir, `base-${rep}.bin`)],
      {
        encoding: 'utf8',
      },
    )
    return JSON.parse(out.trim().split('\n').pop()!) as {
      seconds: number
      bytes: number
      peakOverStart: number
    }
  }
  const times = { put: [] as number[], get: [] as number[], bw: [] as number[], br: [] as number[] }
  const peaks = { put: [] as number[], get: [] as number[] }
  let bytes = 0
  // The disk's speed drifts during a run, so butler and baseline alternate which goes first.
  for (let i = 0; i < Math.max(5, REPEAT); i++) {
    process.stderr.write(`W5 repetition ${i + 1}\n`)
    await removePreviousPut(repo, i)
    const order =
      i % 2 === 0 ? ['put', 'get', 'base-write', 'base-read'] : ['base-write', 'base-read', 'put', 'get']
    // Like each put, each baseline write makes a new file: a file rewritten in place right after
    // being deleted was measured to flush several times faster on this disk.
    const r = Object.fromEntries(order.map((mode) => [mode, child(mode, i)]))
    const put = r.put!
    const get = r.get!
    bytes = put.bytes
    times.put.push(put.seconds)
    times.get.push(get.seconds)
    times.bw.push(r['base-write']!.seconds)
    times.br.push(r['base-read']!.seconds)
    peaks.put.push(put.peakOverStart / put.bytes)
    peaks.get.push(get.peakOverStart / get.bytes)
    process.stderr.write(
      `  put ${ms(put.seconds)} get ${ms(get.seconds)} base-write ${ms(r['base-write']!.seconds)} base-read ${ms(r['base-read']!.seconds)}\n`,
    )
  }
  const mb = bytes / 1e6
  rows.push(
    row(
      'W5',
      'put 100 MB array',
      mb / median(times.put),
      'MB/s',
      mb / median(times.bw),
      'time <= 1.5x baseline',
    ),
  )
  rows.push(
    row(
      'W5',
      'get 100 MB array',
      mb / median(times.get),
      'MB/s',
      mb / median(times.br),
      'time <= 1.3x baseline',
    ),
  )
  rows.push(row('W5', 'put peak memory', median(peaks.put), 'x array size', undefined, '< 3x'))
  rows.push(row('W5', 'get peak memory', median(peaks.get), 'x array size', undefined, '< 3x'))
} finally {
  await cleanup(dir)
}

// Transfer of 10,000 datasets between two repositories.
const transfers: TransferFigures[] = []
for (let i = 0; i < REPEAT; i++) {
  process.stderr.write(`Transfer repetition ${i + 1}/${REPEAT}\n`)
  transfers.push(await runTransfer())
}
const pickTransfer = (k: keyof TransferFigures) => median(transfers.map((f) => f[k]))
rows.push(
  row(
    'transfer',
    'copy',
    pickTransfer('copyPerSecond'),
    'datasets/s',
    pickTransfer('baselineCopyPerSecond'),
    '',
  ),
  row(
    'transfer',
    'copy vs durable copy',
    pickTransfer('copyPerSecond'),
    'datasets/s',
    pickTransfer('baselineDurableCopyPerSecond'),
    '',
  ),
  row(
    'transfer',
    'link',
    pickTransfer('linkPerSecond'),
    'datasets/s',
    pickTransfer('baselineLinkPerSecond'),
    '',
  ),
)

printTable(rows)
const json = { date: new Date().toISOString(), repeat: REPEAT, node: process.version, rows }
mkdirSync('.bench-out', { recursive: true })
writeFileSync('.bench-out/results.json', `${JSON.stringify(json, null, 2)}\n`)
process.stdout.write(`\n${JSON.stringify(json)}\n`)

function ms(seconds: number): string {
  return `${(seconds * 1000).toFixed(0)} ms`
}

/** Removes the previous repetition's W5 dataset so the next put is a fresh write. */
async function removePreviousPut(repo: string, i: number): Promise<void> {
  if (i === 0) return
  const { openButler } = await import('../src/index.js')
  const butler = await openButler(repo)
  await butler.removeRuns(['bench/w5'])
  await butler.close()
}

function row(
  workload: string,
  figure: string,
  value: number,
  unit: string,
  baseline: number | undefined,
  target: string,
): Row {
  let ratio = ''
  if (baseline !== undefined) {
    // Ratio of times: how much longer the butler takes than the raw baseline for the same work.
    ratio = `${(baseline / value).toFixed(2)}x baseline time`
  }
  return { workload, figure, value, unit, baseline, ratio, target }
}

function printTable(table: readonly Row[]): void {
  const fmt = (n: number | undefined) =>
    n === undefined ? '' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2)
  const lines = [
    ['workload', 'figure', 'value', 'unit', 'baseline', 'butler/baseline', 'target'],
    ...table.map((r) => [r.workload, r.figure, fmt(r.value), r.unit, fmt(r.baseline), r.ratio, r.target]),
  ]
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)))
  for (const l of lines) process.stdout.write(`${l.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')}\n`)
}
