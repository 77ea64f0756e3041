/**
 * Worker of the Parquet corrupt-input fuzz test (run in a worker thread so that a hang can be cut off
 * by the test): truncates a sample file at many offsets and flips random bits in its footer, reads
 * each result whole and with a column projection, and reports anything other than the original table
 * or a user error (`ButlerUserError`).
 */
import { isDeepStrictEqual } from 'node:util'
import { parentPort, workerData } from 'node:worker_threads'
import {
  Bool,
  Dictionary,
  Float64,
  Int32,
  Int64,
  Table,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow'
import { isUserError } from '../../src/errors.js'
import { MemoryByteSource } from '../../src/formatters/byte-source.js'
import { loadDefaultStorageClasses } from '../../src/formatters/default-storage-classes.js'
import { ParquetFormatter } from '../../src/formatters/parquet-formatter.js'

/** What the worker reports. */
export interface ParquetFuzzReport {
  cases: number
  ok: number
  userErrors: number
  /** Unexpected exceptions and wrong tables, with the case that caused them. */
  failures: string[]
}

const storageClass = loadDefaultStorageClasses().get('ArrowTable')
const parquet = new ParquetFormatter()

function sampleTable(): Table {
  const n = 240
  const idx = Array.from({ length: n }, (_, i) => i)
  return new Table({
    ra: vectorFromArray(
      idx.map((i) => i * 0.25),
      new Float64(),
    ),
    band: vectorFromArray(
      idx.map((i) => (i % 7 === 0 ? null : `b${i % 5}`)),
      new Utf8(),
    ),
    id: vectorFromArray(
      idx.map((i) => BigInt(i) * 1_000_003n),
      new Int64(),
    ),
    detector: vectorFromArray(
      idx.map((i) => i % 189),
      new Int32(),
    ),
    filter: vectorFromArray(
      idx.map((i) => ['g', 'r', 'i'][i % 3]!),
      new Dictionary(new Utf8(), new Int32()),
    ),
    good: vectorFromArray(
      idx.map((i) => (i % 11 === 0 ? null : i % 2 === 0)),
      new Bool(),
    ),
    time: vectorFromArray(
      idx.map((i) => 1_700_000_000_000 + i),
      new TimestampMillisecond(),
    ),
  })
}

/**
 * Column names and values of a table, to compare results. Not the types: a flip in the key
 * `ARROW:schema` leaves a valid file without the writer's Arrow schema, which reads back with the same
 * values in plainer types (strings instead of dictionary-encoded strings).
 */
function snapshot(table: Table): unknown {
  return {
    names: table.schema.fields.map((f) => f.name),
    rows: table.toArray().map((r) => r.toJSON()),
  }
}

async function run(seed: number): Promise<ParquetFuzzReport> {
  const original = sampleTable()
  const [file] = await parquet.toBytes(original, { storageClass, writeParameters: { rowGroupSize: 80 } })
  const bytes = file!
  const footerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true)
  const footerStart = bytes.length - 8 - footerLength
  const projection = ['time', 'band']
  const expected = { all: snapshot(original), projected: snapshot(original.select(projection)) }
  const report: ParquetFuzzReport = { cases: 0, ok: 0, userErrors: 0, failures: [] }

  const check = async (damaged: Uint8Array, what: string) => {
    for (const columns of [undefined, projection]) {
      report.cases++
      try {
        const { value } = await parquet.readFrom(new MemoryByteSource(damaged, 'fuzz.parq'), {
          storageClass,
          readParameters: columns === undefined ? {} : { columns },
        })
        const got = snapshot(value as Table)
        if (isDeepStrictEqual(got, columns === undefined ? expected.all : expected.projected)) report.ok++
        else report.failures.push(`${what}, columns ${columns}: a different table came back`)
      } catch (error) {
        // A flip inside a column name renames the column: asking for the old name is then a bad parameter.
        if (isUserError(error) && (/fuzz\.parq/.test(error.message) || error.code === 'read_parameter'))
          report.userErrors++
        else report.failures.push(`${what}, columns ${columns}: ${(error as Error)?.stack ?? String(error)}`)
      }
    }
  }

  // Truncations: every offset in the footer and tail, every 17th before.
  for (let length = 0; length < bytes.length; length++) {
    if (length < footerStart && length % 17 !== 0) continue
    await check(bytes.subarray(0, length), `truncated to ${length} bytes`)
  }
  // Single bit flips and random bytes in the footer and its length field.
  let state = seed >>> 0
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
  for (let i = 0; i < 700; i++) {
    const damaged = bytes.slice()
    const position = footerStart + Math.floor(random() * (footerLength + 4))
    if (i % 4 === 3) damaged[position] = Math.floor(random() * 256)
    else damaged[position]! ^= 1 << Math.floor(random() * 8)
    await check(damaged, `byte ${position} changed from ${bytes[position]} to ${damaged[position]}`)
  }
  return report
}

parentPort!.postMessage(await run((workerData as { seed: number }).seed))
