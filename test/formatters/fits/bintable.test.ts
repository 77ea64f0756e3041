import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CorruptArtifactError, FormatterError } from '../../../src/errors.js'
import { MemoryByteSource } from '../../../src/formatters/byte-source.js'
import {
  type FitsColumn,
  FitsHeader,
  type FitsTable,
  readFitsStructure,
  readTable,
  recordToTable,
  tableToRecord,
  writeFits,
} from '../../../src/formatters/fits/index.js'
import { concat, extremes } from './fits-test-utils.js'

async function roundTrip(table: FitsTable, header?: FitsHeader): Promise<FitsTable> {
  const src = new MemoryByteSource(
    concat(writeFits([{ kind: 'bintable', table, ...(header ? { header } : {}) }])),
  )
  const hdus = await readFitsStructure(src)
  assert.equal(hdus.length, 2, 'an empty primary is added before a table')
  assert.equal(hdus[0]!.header.get('NAXIS'), 0)
  assert.equal(hdus[1]!.kind, 'bintable')
  return readTable(src, hdus[1]!)
}

/** The columns without the `format` read back, for comparison with what was written. */
function strip(table: FitsTable): FitsTable {
  return { rows: table.rows, columns: table.columns.map(({ format: _, ...c }) => c) }
}

/** A table with every supported column type, extremes included. */
function everyType(rows: number): FitsTable {
  const columns: FitsColumn[] = [
    {
      name: 'flag',
      values: Array.from({ length: rows }, (_, i) => [true, false, null][i % 3]!),
      repeat: 1,
      format: '1L',
    },
    { name: 'u8', values: extremes('uint8', rows), repeat: 1 },
    { name: 'i8', values: extremes('int8', rows), repeat: 1 },
    { name: 'i16', values: extremes('int16', rows), repeat: 1, unit: 'adu' },
    { name: 'u16', values: extremes('uint16', rows), repeat: 1 },
    { name: 'i32', values: extremes('int32', rows), repeat: 1 },
    { name: 'u32', values: extremes('uint32', rows), repeat: 1 },
    { name: 'i64', values: extremes('int64', rows), repeat: 1 },
    { name: 'u64', values: extremes('uint64', rows), repeat: 1 },
    { name: 'f32', values: extremes('float32', rows), repeat: 1, unit: 'nJy' },
    { name: 'f64', values: extremes('float64', rows), repeat: 1 },
    { name: 'vec', values: extremes('float64', rows * 10), repeat: 10, unit: 'deg' },
    { name: 'ivec', values: extremes('int32', rows * 3), repeat: 3 },
    {
      name: 'bvec',
      values: Array.from({ length: rows * 2 }, (_, i) => i % 2 === 0),
      repeat: 2,
      format: '2L',
    },
    {
      name: 'text',
      values: Array.from(
        { length: rows },
        (_, i) => ['', 'a', "it's 'quoted'", '  lead', 'x'.repeat(20)][i % 5]!,
      ),
      repeat: 20,
    },
    { name: 'empty', values: new Float32Array(0), repeat: 0 },
  ]
  return { rows, columns }
}

describe('FITS binary tables', () => {
  it('round-trips every column type with extremes, vectors, units and strings', async () => {
    for (const rows of [0, 1, 7]) {
      const table = everyType(rows)
      const back = await roundTrip(table)
      assert.deepEqual(strip(back), strip(table), `${rows} rows`)
      assert.deepEqual(
        back.columns.map((c) => c.format),
        ['1L', '1B', '1B', '1I', '1I', '1J', '1J', '1K', '1K', '1E', '1D', '10D', '3J', '2L', '20A', '0E'],
      )
    }
  })

  it('writes TZEROn for unsigned columns and the row layout in NAXIS1', async () => {
    const src = new MemoryByteSource(
      concat(writeFits([{ kind: 'bintable', table: everyType(2), name: 'CAT' }])),
    )
    const [, hdu] = await readFitsStructure(src)
    const h = hdu!.header
    assert.equal(h.get('XTENSION'), 'BINTABLE')
    assert.equal(h.get('NAXIS1'), 1 + 1 + 1 + 2 + 2 + 4 + 4 + 8 + 8 + 4 + 8 + 80 + 12 + 2 + 20)
    assert.equal(h.get('NAXIS2'), 2)
    assert.equal(h.get('TFIELDS'), 16)
    assert.equal(h.get('TZERO3'), -128)
    assert.equal(h.get('TZERO5'), 32768)
    assert.equal(h.get('TZERO7'), 2147483648)
    assert.equal(h.get('TZERO9'), 9223372036854775808n)
    assert.equal(h.get('TZERO4'), undefined)
    assert.equal(h.get('TUNIT4'), 'adu')
    assert.equal(h.get('EXTNAME'), 'CAT')
    assert.equal(hdu!.name, 'CAT')
  })

  it('trims trailing spaces of strings and stops at a NUL', async () => {
    const back = await roundTrip({ rows: 2, columns: [{ name: 's', values: ['abc   ', 'x'], repeat: 8 }] })
    assert.deepEqual(back.columns[0]!.values, ['abc', 'x'])
    const header = new FitsHeader()
    for (const [k, v] of [
      ['XTENSION', 'BINTABLE'],
      ['BITPIX', 8],
      ['NAXIS', 2],
      ['NAXIS1', 4],
      ['NAXIS2', 1],
      ['PCOUNT', 0],
      ['GCOUNT', 1],
      ['TFIELDS', 1],
      ['TFORM1', '4A'],
    ] as const) {
      header.set(k, v)
    }
    const data = new Uint8Array(2880)
    data.set([0x61, 0x62, 0, 0x63])
    const src = primaryPlus(header, data)
    const [, hdu] = await readFitsStructure(src)
    const table = await readTable(src, hdu!)
    assert.deepEqual(table.columns[0], { name: 'col1', values: ['ab'], repeat: 4, format: '4A' })
  })

  it('keeps integer nulls as TNULLn, in the same terms as the values', async () => {
    const table: FitsTable = {
      rows: 3,
      columns: [
        { name: 'a', values: Int32Array.of(1, -99, 3), nullValue: -99 },
        { name: 'b', values: Uint16Array.of(65535, 0, 7), nullValue: 65535 },
        { name: 'c', values: BigUint64Array.of(0n, 2n ** 64n - 1n, 5n), nullValue: 2n ** 64n - 1n },
        { name: 'd', values: BigInt64Array.of(-1n, 0n, 1n), nullValue: -1n },
        { name: 'e', values: Uint8Array.of(255, 0, 1), nullValue: 255 },
      ],
    }
    const src = new MemoryByteSource(concat(writeFits([{ kind: 'bintable', table }])))
    const [, hdu] = await readFitsStructure(src)
    assert.equal(hdu!.header.get('TNULL1'), -99)
    assert.equal(hdu!.header.get('TNULL2'), 32767)
    assert.equal(hdu!.header.get('TNULL3'), 2n ** 63n - 1n)
    assert.deepEqual(strip(await readTable(src, hdu!)), {
      rows: 3,
      columns: table.columns.map((c) => ({ ...c, repeat: 1 })),
    })
    assert.throws(
      () =>
        writeFits([
          {
            kind: 'bintable',
            table: { rows: 1, columns: [{ name: 'x', values: Int16Array.of(1), nullValue: 1e6 }] },
          },
        ]),
      FormatterError,
    )
    assert.throws(
      () =>
        writeFits([
          {
            kind: 'bintable',
            table: { rows: 1, columns: [{ name: 'x', values: Float64Array.of(1), nullValue: 0 }] },
          },
        ]),
      FormatterError,
    )
  })

  it('applies TSCALn/TZEROn other than the unsigned conventions as float64 (TNULL → NaN)', async () => {
    const header = tableHeader(2, 2, ['1I'])
    header.set('TSCAL1', 0.5).set('TZERO1', 100).set('TNULL1', -1).set('TTYPE1', 'scaled')
    const data = new Uint8Array(2880)
    new DataView(data.buffer).setInt16(0, 8)
    new DataView(data.buffer).setInt16(2, -1)
    const src = primaryPlus(header, data)
    const [, hdu] = await readFitsStructure(src)
    const table = await readTable(src, hdu!)
    assert.deepEqual(table.columns[0]!.values, Float64Array.of(104, Number.NaN))
  })

  it('refuses variable-length, bit and complex columns with a clear FormatterError', async () => {
    for (const [form, width, kind] of [
      ['1PE(5)', 8, 'variable-length array'],
      ['1QD(2)', 16, 'variable-length array (64-bit descriptors)'],
      ['8X', 1, 'bit'],
      ['1C', 8, 'complex'],
      ['1M', 16, 'double complex'],
    ] as const) {
      const header = tableHeader(width, 1, [form])
      header.set('TTYPE1', 'weird')
      const src = primaryPlus(header, new Uint8Array(2880))
      const [, hdu] = await readFitsStructure(src)
      await assert.rejects(readTable(src, hdu!), (e: unknown) => {
        assert.ok(e instanceof FormatterError, String(e))
        assert.ok(
          e.message.endsWith(`"weird" (TFORM1 = '${form}') is a ${kind} column, which is not supported`),
          e.message,
        )
        return true
      })
    }
  })

  it('rejects tables whose TFORMs disagree with NAXIS1, or without TFIELDS', async () => {
    const header = tableHeader(10, 1, ['1D'])
    const src = primaryPlus(header, new Uint8Array(2880))
    const [, hdu] = await readFitsStructure(src)
    await assert.rejects(readTable(src, hdu!), /TFORMn add up to 8 bytes per row but NAXIS1 = 10/)
    header.delete('TFIELDS')
    const src2 = primaryPlus(header, new Uint8Array(2880))
    await assert.rejects(readTable(src2, (await readFitsStructure(src2))[1]!), CorruptArtifactError)
    header.set('TFIELDS', 1).set('TFORM1', 'Z')
    const src3 = primaryPlus(header, new Uint8Array(2880))
    await assert.rejects(
      readTable(src3, (await readFitsStructure(src3))[1]!),
      /TFORM1 = 'Z' is not a valid format/,
    )
  })

  it('rejects columns it cannot write', () => {
    const bad: FitsTable[] = [
      { rows: 2, columns: [{ name: 'a', values: Float64Array.of(1) }] },
      { rows: 1, columns: [{ name: 'a', values: ['toolong'], repeat: 3 }] },
      { rows: 1, columns: [{ name: 'a', values: ['caf\u00e9'] }] },
      { rows: 1, columns: [{ name: 'a', values: [1, 2] as unknown as string[] }] },
      { rows: 1, columns: [{ name: 'a', values: Float64Array.of(1), repeat: -1 }] },
      {
        rows: 1,
        columns: [
          { name: 'a', values: Float64Array.of(1) },
          { name: 'A', values: Float64Array.of(1) },
        ],
      },
      { rows: -1, columns: [] },
    ]
    for (const table of bad) assert.throws(() => writeFits([{ kind: 'bintable', table }]), FormatterError)
  })

  it('reads and writes one-row tables as plain objects', async () => {
    const record = {
      run: 'u/someone/run',
      id: 'a0b1c2d3-0000-4000-8000-000000000000',
      visit: 903342,
      exposure_time: 30.5,
      big: 2n ** 62n,
      huge: 2n ** 64n - 1n,
      ok: true,
      bad: false,
      missing: null,
      empty: '',
      skipped: undefined,
    }
    const table = recordToTable(record)
    assert.equal(table.rows, 1)
    const back = tableToRecord(await roundTrip(table))
    const { skipped: _, ...expected } = record
    assert.deepEqual(back, expected)
    assert.throws(() => tableToRecord({ rows: 2, columns: [] }), FormatterError)
    assert.throws(() => recordToTable({ x: 2n ** 70n }), FormatterError)
    assert.throws(() => recordToTable({ x: {} as unknown as string }), FormatterError)
    // Vector columns and TNULL come back as arrays and nulls.
    assert.deepEqual(
      tableToRecord({
        rows: 1,
        columns: [
          { name: 'v', values: Float32Array.of(1, 2), repeat: 2 },
          { name: 'n', values: Int16Array.of(-1), nullValue: -1 },
        ],
      }),
      { v: [1, 2], n: null },
    )
  })
})

function tableHeader(rowBytes: number, rows: number, forms: string[]): FitsHeader {
  const h = new FitsHeader()
  h.set('XTENSION', 'BINTABLE').set('BITPIX', 8).set('NAXIS', 2).set('NAXIS1', rowBytes).set('NAXIS2', rows)
  h.set('PCOUNT', 0).set('GCOUNT', 1).set('TFIELDS', forms.length)
  forms.forEach((f, i) => {
    h.set(`TFORM${i + 1}`, f)
  })
  return h
}

/** An empty primary HDU followed by a hand-made extension. */
function primaryPlus(header: FitsHeader, data: Uint8Array): MemoryByteSource {
  const primary = new FitsHeader().set('SIMPLE', true).set('BITPIX', 8).set('NAXIS', 0).set('EXTEND', true)
  return new MemoryByteSource(concat([primary.toBytes(), header.toBytes(), data]), 'table.fits')
}
