import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  Table as ArrowTable,
  Bool,
  Field,
  Float32,
  Float64,
  Int32,
  Int64,
  Schema,
  type Table,
  TimestampMillisecond,
  tableFromArrays,
  Utf8,
  vectorFromArray,
} from 'apache-arrow'
import {
  CorruptArtifactError,
  FormatterError,
  ReadParameterError,
  StorageClassError,
} from '../../src/errors.js'
import { loadDefaultStorageClasses } from '../../src/formatters/default-storage-classes.js'
import { readWithParameters } from '../../src/formatters/formatter.js'
import { ParquetFormatter } from '../../src/formatters/parquet-formatter.js'

const storageClasses = loadDefaultStorageClasses()
const storageClass = storageClasses.get('ArrowTable')
const parquet = new ParquetFormatter()

function sampleTable(): Table {
  return new ArrowTable({
    ra: vectorFromArray([10.5, 20.25, Number.NaN], new Float64()),
    flux: vectorFromArray([1.5, null, -3], new Float32()),
    detector: vectorFromArray([0, 16, 103], new Int32()),
    id: vectorFromArray([1n, 2n, 9007199254740993n], new Int64()),
    band: vectorFromArray(['g', 'r', null], new Utf8()),
    good: vectorFromArray([true, false, null], new Bool()),
    time: vectorFromArray([0, 1_700_000_000_000, 1_700_000_000_001], new TimestampMillisecond()),
  })
}

function rows(table: Table): unknown[] {
  return table.toArray().map((r) => ({ ...r.toJSON() }))
}

describe('ParquetFormatter', () => {
  it('round-trips several column types, nulls and values', async () => {
    const table = sampleTable()
    const chunks = await parquet.toBytes(table, { storageClass, writeParameters: {} })
    assert.equal(chunks.length, 1)
    assert.deepEqual([...chunks[0]!.subarray(0, 4)], [0x50, 0x41, 0x52, 0x31], 'starts with PAR1')
    const { value, appliedParameters } = await parquet.fromBytes(chunks[0]!, {
      storageClass,
      readParameters: {},
    })
    assert.deepEqual(appliedParameters, [])
    const back = value as Table
    assert.deepEqual(
      back.schema.fields.map((f) => [f.name, String(f.type), f.nullable]),
      table.schema.fields.map((f) => [f.name, String(f.type), f.nullable]),
    )
    assert.equal(back.numRows, 3)
    assert.deepEqual(rows(back), rows(table))
    assert.equal(back.getChild('id')!.get(2), 9007199254740993n)
  })

  it('keeps schema metadata and honours compression and row group write parameters', async () => {
    const base = tableFromArrays({ x: Float64Array.from({ length: 5000 }, (_, i) => i % 7) })
    const schema = new Schema(base.schema.fields as Field[], new Map([['origin', 'test']]))
    const table = new ArrowTable(schema, base.batches)
    const sizes: number[] = []
    for (const compression of ['uncompressed', 'snappy', 'zstd', 'gzip']) {
      const [bytes] = await parquet.toBytes(table, {
        storageClass,
        writeParameters: { compression, rowGroupSize: 1000 },
      })
      sizes.push(bytes!.length)
      const back = (await parquet.fromBytes(bytes!, { storageClass, readParameters: {} })).value as Table
      assert.equal(back.schema.metadata.get('origin'), 'test')
      assert.deepEqual([...back.getChild('x')!.toArray()], [...table.getChild('x')!.toArray()])
    }
    assert.ok(sizes[2]! < sizes[0]!, `zstd (${sizes[2]}) is smaller than uncompressed (${sizes[0]})`)
    await assert.rejects(
      parquet.toBytes(table, { storageClass, writeParameters: { compression: 'lzma' } }),
      FormatterError,
    )
    await assert.rejects(
      parquet.toBytes(table, { storageClass, writeParameters: { level: 3 } }),
      /write parameter/,
    )
  })

  it('applies the columns parameter, in the requested order', async () => {
    const [bytes] = await parquet.toBytes(sampleTable(), { storageClass, writeParameters: {} })
    const { value, appliedParameters } = await parquet.fromBytes(bytes!, {
      storageClass,
      readParameters: { columns: ['band', 'ra'] },
    })
    assert.deepEqual(appliedParameters, ['columns'])
    assert.deepEqual(
      (value as Table).schema.fields.map((f) => f.name),
      ['band', 'ra'],
    )
    const single = (await readWithParameters(parquet, bytes!, {
      storageClass,
      readParameters: { columns: 'id' },
    })) as Table
    assert.deepEqual(
      single.schema.fields.map((f) => f.name),
      ['id'],
    )
    await assert.rejects(
      parquet.fromBytes(bytes!, { storageClass, readParameters: { columns: ['ra', 'dec'] } }),
      (e: Error) => e instanceof ReadParameterError && /'dec'/.test(e.message),
    )
    await assert.rejects(
      readWithParameters(parquet, bytes!, { storageClass, readParameters: { rows: 3 } }),
      ReadParameterError,
    )
  })

  it('round-trips an empty table', async () => {
    const empty = tableFromArrays({ a: new Float64Array(0), b: new Int32Array(0) })
    const [bytes] = await parquet.toBytes(empty, { storageClass, writeParameters: {} })
    const back = (await parquet.fromBytes(bytes!, { storageClass, readParameters: {} })).value as Table
    assert.equal(back.numRows, 0)
    assert.deepEqual(
      back.schema.fields.map((f) => f.name),
      ['a', 'b'],
    )
  })

  it('reports corrupt files as CorruptArtifactError and wrong objects as StorageClassError', async () => {
    const [bytes] = await parquet.toBytes(sampleTable(), { storageClass, writeParameters: {} })
    for (const bad of [
      new TextEncoder().encode('PAR1 not really'),
      bytes!.subarray(0, bytes!.length - 10),
      new Uint8Array(0),
    ]) {
      await assert.rejects(
        parquet.fromBytes(bad, { storageClass, readParameters: {}, location: 'r/t.parq' }),
        (e: Error) =>
          e instanceof CorruptArtifactError && /ParquetFormatter cannot read r\/t\.parq: ./.test(e.message),
      )
    }
    await assert.rejects(
      parquet.toBytes({ ra: [1, 2] }, { storageClass, writeParameters: {} }),
      (e: Error) => {
        assert.ok(e instanceof StorageClassError)
        assert.match(e.message, /object.*apache-arrow Table/)
        return true
      },
    )
    const schema = new Schema([new Field('x', new Int64())])
    await assert.rejects(parquet.toBytes(schema, { storageClass, writeParameters: {} }), /Schema/)
  })
})
