import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { Worker } from 'node:worker_threads'
import {
  Bool,
  DateDay,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  List,
  makeVector,
  Schema,
  Struct,
  Table,
  TimestampMicrosecond,
  TimestampMillisecond,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
  type Vector,
  vectorFromArray,
} from 'apache-arrow'
import { selectArrowColumns } from '../../src/datasets/arrow-table.js'
import { FileByteSource, withFileSource } from '../../src/datastore/file/file-byte-source.js'
import { CorruptArtifactError, ReadParameterError } from '../../src/errors.js'
import { type ByteSource, MemoryByteSource } from '../../src/formatters/byte-source.js'
import { loadDefaultStorageClasses } from '../../src/formatters/default-storage-classes.js'
import type { FormatterReadContext } from '../../src/formatters/formatter.js'
import { readParquetFooter } from '../../src/formatters/parquet-footer.js'
import {
  PARQUET_COMPRESSIONS,
  ParquetFormatter,
  readParquetKeyValueMetadata,
} from '../../src/formatters/parquet-formatter.js'
import {
  encodeThriftStruct,
  type ThriftField,
  type ThriftList,
  type ThriftStruct,
  ThriftType,
} from '../../src/formatters/parquet-thrift.js'
import type { ParquetFuzzReport } from './parquet-fuzz-worker.js'

const storageClass = loadDefaultStorageClasses().get('ArrowTable')
const parquet = new ParquetFormatter()

/** Records every read, to prove how much of a file a formatter looked at. */
class CountingSource implements ByteSource {
  readonly reads: { offset: number; length: number }[] = []
  readAllCalls = 0
  constructor(readonly inner: ByteSource) {}
  get size(): number {
    return this.inner.size
  }
  get location(): string {
    return this.inner.location
  }
  get bytesRead(): number {
    return this.reads.reduce((s, r) => s + r.length, 0)
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    this.reads.push({ offset, length })
    return this.inner.read(offset, length)
  }
  async readAll(): Promise<Uint8Array> {
    this.readAllCalls++
    this.reads.push({ offset: 0, length: this.inner.size })
    return this.inner.readAll()
  }
}

/** A table with a column of each type the butler stores, nulls in several. */
function typesTable(n: number): Table {
  const idx = Array.from({ length: n }, (_, i) => i)
  const maybe = <T>(i: number, every: number, v: T): T | null => (i % every === 0 ? null : v)
  const table = new Table({
    i8: vectorFromArray(
      idx.map((i) => maybe(i, 5, (i % 256) - 128)),
      new Int8(),
    ),
    i16: vectorFromArray(
      idx.map((i) => (i * 37) % 65536).map((v) => v - 32768),
      new Int16(),
    ),
    i32: vectorFromArray(
      idx.map((i) => maybe(i, 9, i * 104_729 - 2 ** 30)),
      new Int32(),
    ),
    i64: vectorFromArray(
      idx.map((i) => BigInt(i) * 9_007_199_254_741n - 2n ** 62n),
      new Int64(),
    ),
    u8: vectorFromArray(
      idx.map((i) => i % 256),
      new Uint8(),
    ),
    u16: vectorFromArray(
      idx.map((i) => (i * 257) % 65536),
      new Uint16(),
    ),
    u32: vectorFromArray(
      idx.map((i) => maybe(i, 4, (i * 2_654_435_761) % 2 ** 32)),
      new Uint32(),
    ),
    u64: vectorFromArray(
      idx.map((i) => 2n ** 64n - 1n - BigInt(i)),
      new Uint64(),
    ),
    f32: vectorFromArray(
      idx.map((i) => maybe(i, 6, i / 8)),
      new Float32(),
    ),
    f64: vectorFromArray(
      idx.map((i) => (i === 3 ? Number.NaN : i === 4 ? -Infinity : Math.sin(i) * 1e10)),
      new Float64(),
    ),
    flag: vectorFromArray(
      idx.map((i) => maybe(i, 3, i % 2 === 0)),
      new Bool(),
    ),
    name: vectorFromArray(
      idx.map((i) => maybe(i, 7, `obj-${i}-é✓`)),
      new Utf8(),
    ),
    band: vectorFromArray(
      idx.map((i) => maybe(i, 10, ['u', 'g', 'r', 'i', 'z', 'y'][i % 6]!)),
      new Dictionary(new Utf8(), new Int32()),
    ),
    t_ms: vectorFromArray(
      idx.map((i) => maybe(i, 8, 1_700_000_000_000 + i * 1000)),
      new TimestampMillisecond(),
    ),
    t_us: vectorFromArray(
      idx.map((i) => 1_700_000_000_000_000 + i),
      new TimestampMicrosecond(),
    ),
    day: vectorFromArray(
      idx.map((i) => 19_000 + i),
      new DateDay(),
    ),
  })
  const schema = new Schema(table.schema.fields as Field[], new Map([['origin', 'parquet-columns test']]))
  return new Table(schema, table.batches)
}

function rows(table: Table): unknown[] {
  return table.toArray().map((r) => ({ ...r.toJSON() }))
}

function describeSchema(table: Table): unknown {
  return {
    fields: table.schema.fields.map((f) => [f.name, String(f.type), f.nullable]),
    metadata: Object.fromEntries(table.schema.metadata),
  }
}

function ctx(readParameters: Record<string, unknown> = {}, extra: Partial<FormatterReadContext> = {}) {
  return { storageClass, readParameters, ...extra }
}

async function write(table: Table, writeParameters: Record<string, unknown> = {}): Promise<Uint8Array> {
  const [bytes] = await parquet.toBytes(table, { storageClass, writeParameters })
  return bytes!
}

async function read(source: ByteSource, readParameters: Record<string, unknown> = {}): Promise<Table> {
  const { value, appliedParameters } = await parquet.readFrom(source, ctx(readParameters))
  assert.deepEqual(appliedParameters, readParameters.columns === undefined ? [] : ['columns'])
  return value as Table
}

/** Asserts that reading `columns` natively gives the same table as projecting the full read in memory. */
async function assertProjection(bytes: Uint8Array, columns: string | string[]): Promise<CountingSource> {
  const full = await read(new MemoryByteSource(bytes))
  const counting = new CountingSource(new MemoryByteSource(bytes, 'p.parq'))
  const projected = await read(counting, { columns })
  const expected = selectArrowColumns(full, columns)
  assert.deepEqual(describeSchema(projected), describeSchema(expected), `schema of ${columns}`)
  assert.equal(projected.numRows, full.numRows)
  assert.deepEqual(rows(projected), rows(expected), `values of ${columns}`)
  assert.equal(counting.readAllCalls, 0, 'a projection never reads the whole file')
  return counting
}

describe('ParquetFormatter column projection', () => {
  it('gives the in-memory projection for every column type, with several row groups', async () => {
    const table = typesTable(700)
    const bytes = await write(table, { rowGroupSize: 128 })
    const footer = await readParquetFooter(new MemoryByteSource(bytes))
    assert.equal(footer.rowGroups.length, 6)
    assert.equal(footer.numRows, 700)
    // Each column alone, and the full read itself matches what was written.
    const full = await read(new MemoryByteSource(bytes))
    assert.deepEqual(rows(full), rows(table))
    assert.deepEqual(describeSchema(full), describeSchema(table))
    for (const name of footer.columns) await assertProjection(bytes, name)
    await assertProjection(bytes, ['band', 'i64', 'name', 't_us'])
    await assertProjection(bytes, [...footer.columns].reverse())
  })

  it('works with every compression codec', async () => {
    const table = typesTable(300)
    for (const compression of PARQUET_COMPRESSIONS) {
      const bytes = await write(table, { compression, rowGroupSize: 100 })
      await assertProjection(bytes, ['f64', 'band', 'u64'])
      await assertProjection(bytes, 'name')
    }
  })

  it('returns columns in the order asked, duplicates as in memory', async () => {
    const bytes = await write(typesTable(50))
    const t = await read(new MemoryByteSource(bytes), { columns: ['t_ms', 'i8', 'flag'] })
    assert.deepEqual(
      t.schema.fields.map((f) => f.name),
      ['t_ms', 'i8', 'flag'],
    )
    await assertProjection(bytes, ['flag', 'i8', 'flag'])
    // fromBytes goes through the same path.
    const { value } = await parquet.fromBytes(bytes, ctx({ columns: ['u8', 'f32'] }))
    assert.deepEqual(
      (value as Table).schema.fields.map((f) => f.name),
      ['u8', 'f32'],
    )
  })

  it('reads a small fraction of the file for 1 column of 50', async () => {
    const n = 10_000
    const columns: Record<string, Vector> = {}
    for (let k = 0; k < 50; k++) {
      columns[`c${k}`] = makeVector(Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + k) * 1e6))
    }
    const bytes = await write(new Table(columns), { rowGroupSize: 2500 })
    const counting = await assertProjection(bytes, ['c31'])
    const fraction = counting.bytesRead / bytes.length
    assert.ok(
      fraction < 0.05,
      `read ${counting.bytesRead} of ${bytes.length} bytes (${(100 * fraction).toFixed(1)}%)`,
    )
    const values = (await read(new MemoryByteSource(bytes), { columns: 'c31' })).getChild('c31')!.toArray()
    assert.equal(values[1234], Math.sin(1234 * 0.37 + 31) * 1e6)
  })

  it('reads a projection from a file through FileByteSource', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parquet-columns-'))
    try {
      const table = typesTable(200)
      const path = join(dir, 't.parq')
      await writeFile(path, await write(table, { rowGroupSize: 64 }))
      const t = await withFileSource(path, 'repo/t.parq', (source) =>
        read(source, { columns: ['name', 'i32'] }),
      )
      assert.deepEqual(rows(t), rows(table.select(['name', 'i32'])))
      const source = await FileByteSource.open(path, 'repo/t.parq')
      try {
        await assert.rejects(read(source, { columns: ['nope'] }), ReadParameterError)
      } finally {
        await source.close()
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('rejects unknown columns, naming them and the available ones', async () => {
    const bytes = await write(typesTable(10))
    await assert.rejects(
      read(new MemoryByteSource(bytes), { columns: ['i8', 'dec', 'flux'] }),
      (e: Error) => {
        assert.ok(e instanceof ReadParameterError)
        assert.match(e.message, /'dec', 'flux'/)
        assert.match(e.message, /'i8', 'i16'/)
        return true
      },
    )
    await assert.rejects(read(new MemoryByteSource(bytes), { columns: 3 }), ReadParameterError)
  })

  it('projects nested schemas in memory, with the same result', async () => {
    const n = 40
    const point = new Struct([new Field('x', new Float64(), true), new Field('y', new Float64(), true)])
    const table = new Table({
      id: vectorFromArray(
        Array.from({ length: n }, (_, i) => i),
        new Int32(),
      ),
      pos: vectorFromArray(
        Array.from({ length: n }, (_, i) => ({ x: i, y: -i })),
        point,
      ),
      tags: vectorFromArray(
        Array.from({ length: n }, (_, i) => Array.from({ length: i % 4 }, (_, k) => k + i)),
        new List(new Field('item', new Int32(), true)),
      ),
      name: vectorFromArray(
        Array.from({ length: n }, (_, i) => `s${i}`),
        new Utf8(),
      ),
    })
    const bytes = await write(table, { rowGroupSize: 16 })
    const footer = await readParquetFooter(new MemoryByteSource(bytes))
    assert.equal(footer.flat, false)
    assert.deepEqual(footer.columns, ['id', 'pos', 'tags', 'name'])
    assert.equal(footer.leafCount, 5)
    for (const columns of [['name', 'id'], ['tags'], ['pos', 'name']] as (
      | 'id'
      | 'pos'
      | 'tags'
      | 'name'
    )[][]) {
      const t = await read(new MemoryByteSource(bytes), { columns })
      assert.deepEqual(
        t.schema.fields.map((f) => f.name),
        columns,
      )
      assert.deepEqual(JSON.stringify(rows(t)), JSON.stringify(rows(table.select(columns))))
    }
  })

  it('answers columns, rowcount and schema from the footer alone', async () => {
    const n = 20_000
    const table = new Table({
      a: makeVector(Float64Array.from({ length: n }, (_, i) => Math.cos(i))),
      b: vectorFromArray(
        Array.from({ length: n }, (_, i) => `x${(i * 7919) % 10007}`),
        new Utf8(),
      ),
      c: vectorFromArray(
        Array.from({ length: n }, (_, i) => ['p', 'q'][i % 2]!),
        new Dictionary(new Utf8(), new Int32()),
      ),
    })
    const bytes = await write(table, { rowGroupSize: 5000, compression: 'uncompressed' })
    assert.ok(bytes.length > 200_000, `${bytes.length} bytes`)
    const full = await read(new MemoryByteSource(bytes))
    for (const component of ['columns', 'rowcount', 'schema']) {
      const counting = new CountingSource(new MemoryByteSource(bytes))
      const result = await parquet.readFrom(counting, ctx({}, { component }))
      assert.equal(result.component, true)
      assert.deepEqual(result.appliedParameters, [])
      assert.equal(counting.readAllCalls, 0)
      // The footer and the magic bytes: at most the 64 KiB tail read and 4 bytes.
      assert.ok(counting.bytesRead <= 65536 + 4, `${component}: read ${counting.bytesRead} bytes`)
      const expected = storageClass.getComponent(full, component)
      if (component === 'schema') {
        const schema = result.value as Schema
        assert.deepEqual(
          schema.fields.map((f) => [f.name, String(f.type), f.nullable]),
          (expected as Schema).fields.map((f) => [f.name, String(f.type), f.nullable]),
        )
        assert.deepEqual(schema.metadata, (expected as Schema).metadata)
      } else assert.deepEqual(result.value, expected)
    }
    assert.deepEqual(
      (await parquet.readFrom(new MemoryByteSource(bytes), ctx({}, { component: 'rowcount' }))).value,
      n,
    )
    // With a columns parameter the components are those of the projection.
    const projected = await parquet.readFrom(
      new MemoryByteSource(bytes),
      ctx({ columns: ['c', 'a'] }, { component: 'schema' }),
    )
    assert.deepEqual(projected.appliedParameters, ['columns'])
    assert.deepEqual(
      (projected.value as Schema).fields.map((f) => `${f.name}: ${f.type}`),
      ['c: Dictionary<Int32, Utf8>', 'a: Float64'],
    )
    const names = await parquet.readFrom(
      new MemoryByteSource(bytes),
      ctx({ columns: 'b' }, { component: 'columns' }),
    )
    assert.deepEqual(names.value, ['b'])
    await assert.rejects(
      parquet.readFrom(new MemoryByteSource(bytes), ctx({ columns: 'z' }, { component: 'columns' })),
      ReadParameterError,
    )
    // Other components are left to the caller: the whole table comes back.
    const other = await parquet.readFrom(new MemoryByteSource(bytes), ctx({}, { component: 'nope' }))
    assert.equal(other.component, undefined)
    assert.equal((other.value as Table).numRows, n)
  })

  it('reads an empty table and its components', async () => {
    const empty = new Table({
      a: vectorFromArray([], new Float64()),
      s: vectorFromArray([], new Utf8()),
    })
    const bytes = await write(empty)
    const t = await read(new MemoryByteSource(bytes), { columns: ['s'] })
    assert.equal(t.numRows, 0)
    assert.deepEqual(
      t.schema.fields.map((f) => `${f.name}: ${f.type}`),
      ['s: Utf8'],
    )
    const count = await parquet.readFrom(new MemoryByteSource(bytes), ctx({}, { component: 'rowcount' }))
    assert.equal(count.value, 0)
  })
})

describe('ParquetFormatter on damaged input', () => {
  const isCorrupt = (name: RegExp) => (e: Error) => {
    assert.ok(e instanceof CorruptArtifactError, `${e.name}: ${e.message}`)
    assert.match(e.message, name)
    return true
  }

  it('reports non-Parquet, truncated and damaged files as CorruptArtifactError naming the file', async () => {
    const bytes = await write(typesTable(100), { rowGroupSize: 30 })
    const footerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true)
    const withFooterLength = (len: number) => {
      const b = bytes.slice()
      new DataView(b.buffer).setUint32(b.length - 8, len, true)
      return b
    }
    const garbageFooter = bytes.slice()
    for (let i = garbageFooter.length - 8 - footerLength; i < garbageFooter.length - 8; i++) {
      garbageFooter[i] = (i * 151) & 0xff
    }
    const badHead = bytes.slice()
    badHead[0] = 0x51
    const cases: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['text', new TextEncoder().encode('PAR1 this is not a parquet file at all')],
      ['magic only', new TextEncoder().encode('PAR1PAR1')],
      ['truncated', bytes.subarray(0, bytes.length - 10)],
      ['cut in half', bytes.subarray(0, bytes.length >> 1)],
      ['bad head magic', badHead],
      ['footer length beyond the file', withFooterLength(bytes.length)],
      ['huge footer length', withFooterLength(0xffffffff)],
      ['footer length too short', withFooterLength(footerLength - 5)],
      ['garbage footer', garbageFooter],
      ['encrypted footer', new Uint8Array([...bytes.subarray(0, bytes.length - 4), 0x50, 0x41, 0x52, 0x45])],
    ]
    for (const [what, damaged] of cases) {
      for (const readParameters of [{}, { columns: ['i8'] }]) {
        for (const component of [undefined, 'rowcount']) {
          const extra = component === undefined ? {} : { component }
          await assert.rejects(
            parquet.readFrom(new MemoryByteSource(damaged, 'src/t.parq'), ctx(readParameters, extra)),
            isCorrupt(/src\/t\.parq/),
            what,
          )
          await assert.rejects(
            parquet.fromBytes(damaged, ctx(readParameters, { location: 'repo/t.parq', ...extra })),
            isCorrupt(/repo\/t\.parq/),
            what,
          )
        }
      }
    }
    await assert.rejects(
      readParquetKeyValueMetadata(new MemoryByteSource(garbageFooter, 'k.parq')),
      isCorrupt(/k\.parq/),
    )
  })

  it('rejects well-formed footers that describe impossible files', async () => {
    const bytes = await write(typesTable(60), { rowGroupSize: 20 })
    const footer = await readParquetFooter(new MemoryByteSource(bytes))
    const footerStart = bytes.length - 8 - footer.footerLength
    /** The file with its footer changed by `edit` (applied to the first column chunk's metadata). */
    const withChunkMetadata = (edit: (md: ThriftField[]) => ThriftField[]) => {
      const rowGroups = footer.metadata.fields.find((f) => f.id === 4)!.value as ThriftList
      const rg0 = rowGroups.items[0] as ThriftStruct
      const chunks = rg0.fields.find((f) => f.id === 1)!.value as ThriftList
      const cc0 = chunks.items[0] as ThriftStruct
      const md = cc0.fields.find((f) => f.id === 3)!.value as ThriftStruct
      const replace = <T extends ThriftStruct | ThriftList>(
        s: ThriftStruct,
        id: number,
        value: T,
      ): ThriftStruct => ({
        fields: s.fields.map((f) => (f.id === id ? { ...f, value } : f)),
      })
      const newCc0 = replace(cc0, 3, { fields: edit([...md.fields]) })
      const newRg0 = replace(rg0, 1, { ...chunks, items: [newCc0, ...chunks.items.slice(1)] })
      const metadata = replace(footer.metadata, 4, {
        ...rowGroups,
        items: [newRg0, ...rowGroups.items.slice(1)],
      })
      const encoded = encodeThriftStruct(metadata)
      const out = new Uint8Array(footerStart + encoded.length + 8)
      out.set(bytes.subarray(0, footerStart))
      out.set(encoded, footerStart)
      new DataView(out.buffer).setUint32(out.length - 8, encoded.length, true)
      out.set(bytes.subarray(bytes.length - 4), out.length - 4)
      return out
    }
    const setI64 = (id: number, value: bigint) => (md: ThriftField[]) =>
      md.map((f) => (f.id === id ? { ...f, value } : f))
    // Unchanged, the rebuilt file reads fine: the edits below are what breaks it.
    assert.equal(
      (await read(new MemoryByteSource(withChunkMetadata((md) => md)), { columns: 'i8' })).numRows,
      60,
    )
    const cases: [string, Uint8Array, RegExp][] = [
      ['chunk overlapping the next one', withChunkMetadata(setI64(7, 10_000n)), /overlap|outside/],
      [
        'chunk past the data area',
        withChunkMetadata(setI64(9, BigInt(bytes.length))),
        /outside the data area/,
      ],
      ['negative size', withChunkMetadata(setI64(7, -5n)), /total_compressed_size -5/],
      [
        'offset as i32',
        withChunkMetadata((md) =>
          md.map((f) => (f.id === 9 ? { id: 9, type: ThriftType.I32, value: 4 } : f)),
        ),
        /wrong type/,
      ],
      ['no data page offset', withChunkMetadata((md) => md.filter((f) => f.id !== 9)), /no data_page_offset/],
    ]
    for (const [what, damaged, reason] of cases) {
      for (const readParameters of [{}, { columns: ['i8', 'name'] }]) {
        await assert.rejects(
          parquet.readFrom(new MemoryByteSource(damaged, 'w.parq'), ctx(readParameters)),
          isCorrupt(reason),
          what,
        )
      }
    }
  })

  it('reports errors of the decoder itself as CorruptArtifactError', async () => {
    // A valid footer over damaged column data: only parquet-wasm can notice.
    const bytes = await write(typesTable(100), { compression: 'zstd' })
    const damaged = bytes.slice()
    damaged.fill(0x7f, 4, 200)
    await assert.rejects(
      parquet.fromBytes(damaged, ctx({}, { location: 'd.parq' })),
      isCorrupt(/ParquetFormatter cannot read d\.parq/),
    )
    await assert.rejects(
      parquet.fromBytes(damaged, ctx({ columns: ['i8'] }, { location: 'd.parq' })),
      isCorrupt(/d\.parq/),
    )
  })

  it('fuzz: truncations and footer byte flips give the table or a user error, within a time bound', async () => {
    const limitMs = 240_000
    const worker = new Worker(new URL('./parquet-fuzz-worker.js', import.meta.url), {
      workerData: { seed: 7 },
    })
    let timer: NodeJS.Timeout | undefined
    try {
      const report = await new Promise<ParquetFuzzReport>((resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`fuzzing did not finish within ${limitMs} ms (a hang?)`)),
          limitMs,
        )
        worker.once('message', resolve)
        worker.once('error', reject)
        worker.once('exit', (code) => reject(new Error(`fuzz worker exited with code ${code}`)))
      })
      assert.deepEqual(report.failures.slice(0, 5), [])
      assert.ok(report.cases > 2000, `${report.cases} cases`)
      assert.ok(report.ok > 50, `${report.ok} unchanged tables`)
      assert.ok(report.userErrors > 1000, `${report.userErrors} user errors`)
    } finally {
      clearTimeout(timer)
      await worker.terminate()
    }
  })
})

describe('ParquetFormatter provenance', () => {
  const provenance = {
    id: '7c6d1e1a-0000-4000-8000-00000000beef',
    run: 'u/someone/run1',
    datasettype: 'sourceTable',
    'dataid.instrument': 'LSSTCam',
    'dataid.visit': 2024120100123,
    n_inputs: 2,
    'input.0.id': 'aaaa',
    'input.1.id': 'bbbb',
  }
  const expected = Object.fromEntries(
    Object.entries(provenance).map(([k, v]) => [`lsst.butler.${k}`, String(v)]),
  )

  it('stores provenance as Parquet key-value metadata and returns it in the schema metadata', async () => {
    // The table carries stale provenance from an earlier read: it is replaced, not merged.
    const base = typesTable(30)
    const stale = new Map([
      ...base.schema.metadata,
      ['lsst.butler.id', 'old'],
      ['lsst.butler.input.5.id', 'old'],
    ])
    const table = new Table(new Schema(base.schema.fields as Field[], stale), base.batches)
    const [bytes] = await parquet.toBytes(table, { storageClass, writeParameters: {}, provenance })
    const kv = await readParquetKeyValueMetadata(new MemoryByteSource(bytes!))
    for (const [key, value] of Object.entries(expected)) assert.equal(kv.get(key), value, key)
    assert.ok(kv.has('ARROW:schema'))
    assert.equal(kv.has('lsst.butler.input.5.id'), false)

    for (const readParameters of [{}, { columns: ['name'] }]) {
      const back = await read(new MemoryByteSource(bytes!), readParameters)
      const metadata = Object.fromEntries(back.schema.metadata)
      assert.deepEqual(metadata, { origin: 'parquet-columns test', ...expected })
    }
    const schema = (await parquet.readFrom(new MemoryByteSource(bytes!), ctx({}, { component: 'schema' })))
      .value as Schema
    assert.equal(schema.metadata.get('lsst.butler.run'), 'u/someone/run1')
  })

  it('writes no provenance keys without provenance', async () => {
    const bytes = await write(typesTable(5))
    const kv = await readParquetKeyValueMetadata(new MemoryByteSource(bytes))
    assert.deepEqual([...kv.keys()], ['ARROW:schema'])
    assert.deepEqual(Object.fromEntries((await read(new MemoryByteSource(bytes))).schema.metadata), {
      origin: 'parquet-columns test',
    })
  })
})
