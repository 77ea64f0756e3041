/**
 * Column projection of the Parquet formatter: a 1,000,000-row × 50-column table (float64, int32,
 * int64 and string columns in turn) written once with `ParquetFormatter` (snappy, the default) to a
 * scratch file, then read
 *
 * - whole through the formatter (`readFrom` on a `FileByteSource`, which reads the whole file),
 * - one column through `readFrom` with the `columns` read parameter (only that column's chunks and
 *   the footer are read), for a float64 and for a string column,
 *
 * against the physical baseline: `fs.readFile` of the same file. Each figure is the median of
 * BENCH_REPEAT runs (default 5) after one warm-up read; the file stays in the page cache throughout,
 * so these are decoding costs, not disk reads. Bytes read are counted at the byte source.
 *
 * Run alone with `node --expose-gc dist/bench/parquet-columns.js` (BENCH_PARQUET_ROWS changes the row
 * count; BENCH_DIR the scratch disk). Target: one column in at most 1/10 of the full read's time.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { makeVector, Table, type Vector, vectorFromArray } from 'apache-arrow'
import { FileByteSource } from '../src/datastore/file/file-byte-source.js'
import { loadDefaultStorageClasses } from '../src/formatters/default-storage-classes.js'
import { ParquetFormatter } from '../src/formatters/parquet-formatter.js'
import { CountingSource, cleanup, median, scratch } from './setup.js'

const ROWS = Number(process.env.BENCH_PARQUET_ROWS ?? 1_000_000)
const COLUMNS = 50
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5)

/** Column `c<k>`: float64, int32, int64, string for k = 0, 1, 2, 3 (mod 4). */
function makeTable(rows: number): Table {
  const columns: Record<string, Vector> = {}
  for (let k = 0; k < COLUMNS; k++) {
    const name = `c${String(k).padStart(2, '0')}`
    switch (k % 4) {
      case 0: {
        const data = new Float64Array(rows)
        for (let i = 0; i < rows; i++) data[i] = Math.sin(i * 0.001 + k) * 1000
        columns[name] = makeVector(data)
        break
      }
      case 1: {
        const data = new Int32Array(rows)
        for (let i = 0; i < rows; i++) data[i] = (i * 7919 + k) % 100_000
        columns[name] = makeVector(data)
        break
      }
      case 2: {
        const data = new BigInt64Array(rows)
        for (let i = 0; i < rows; i++) data[i] = BigInt(i) * 1_000_003n + BigInt(k)
        columns[name] = makeVector(data)
        break
      }
      default:
        columns[name] = vectorFromArray(
          Array.from({ length: rows }, (_, i) => `obj-${k}-${(i * 31) % 50_000}`),
        )
    }
  }
  return new Table(columns)
}

interface Figures {
  readonly ms: number
  readonly bytesRead: number
}

async function main(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})
  const storageClass = loadDefaultStorageClasses().get('ArrowTable')
  const formatter = new ParquetFormatter()
  const dir = await scratch('parquet')
  try {
    process.stderr.write(`Generating ${ROWS.toLocaleString('en-US')} rows × ${COLUMNS} columns...\n`)
    const table = makeTable(ROWS)
    const path = join(dir, 'table.parq')
    const t0 = performance.now()
    const chunks = await formatter.toBytes(table, { storageClass, writeParameters: {} })
    await writeFile(path, chunks)
    const writeMs = performance.now() - t0
    const size = chunks.reduce((s, c) => s + c.length, 0)

    const readWith = async (columns: string[] | undefined, check: (t: Table) => void): Promise<Figures> => {
      gc()
      const source = await FileByteSource.open(path, 'table.parq')
      try {
        const counting = new CountingSource(source)
        const t = performance.now()
        const { value } = await formatter.readFrom(counting, {
          storageClass,
          readParameters: columns === undefined ? {} : { columns },
        })
        const ms = performance.now() - t
        check(value as Table)
        return { ms, bytesRead: counting.bytesRead }
      } finally {
        await source.close()
      }
    }
    const checkShape = (cols: number) => (t: Table) => {
      if (t.numRows !== ROWS || t.numCols !== cols) throw new Error(`read back ${t.numRows} × ${t.numCols}`)
    }
    const baseline = async (): Promise<Figures> => {
      gc()
      const t = performance.now()
      const bytes = await readFile(path)
      return { ms: performance.now() - t, bytesRead: bytes.length }
    }

    const runs = {
      raw: [] as Figures[],
      full: [] as Figures[],
      float: [] as Figures[],
      string: [] as Figures[],
    }
    // Warm-up: page cache, wasm compilation, lazy imports.
    await baseline()
    await readWith(['c00'], checkShape(1))
    for (let i = 0; i < REPEAT; i++) {
      process.stderr.write(`Repetition ${i + 1}/${REPEAT}\n`)
      runs.raw.push(await baseline())
      runs.full.push(await readWith(undefined, checkShape(COLUMNS)))
      runs.float.push(await readWith(['c24'], checkShape(1)))
      runs.string.push(await readWith(['c27'], checkShape(1)))
    }
    const ms = (f: Figures[]) => median(f.map((x) => x.ms))
    const full = ms(runs.full)
    const raw = ms(runs.raw)
    const rows = [
      ['read', 'median ms', 'bytes read', 'vs full read', 'vs readFile', 'target'],
      row('fs.readFile (baseline)', runs.raw, ''),
      row('full read, 50 columns', runs.full, ''),
      row('1 column (float64)', runs.float, '<= 0.10x full read'),
      row('1 column (string)', runs.string, '<= 0.10x full read'),
    ]
    function row(name: string, figures: Figures[], target: string): string[] {
      const m = ms(figures)
      const bytes = figures[0]!.bytesRead
      return [
        name,
        m.toFixed(1),
        `${bytes.toLocaleString('en-US')} (${((100 * bytes) / size).toFixed(1)}%)`,
        `${(m / full).toFixed(3)}x`,
        `${(m / raw).toFixed(2)}x`,
        target,
      ]
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
    process.stdout.write(
      [
        `Parquet column projection (${ROWS.toLocaleString('en-US')} rows × ${COLUMNS} columns, snappy, ` +
          `${(size / 1e6).toFixed(1)} MB file written in ${(writeMs / 1000).toFixed(1)} s; ` +
          `median of ${REPEAT} runs, page cache warm, node ${process.version})`,
        ...rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')),
      ].join('\n') + '\n',
    )
  } finally {
    await cleanup(dir)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
