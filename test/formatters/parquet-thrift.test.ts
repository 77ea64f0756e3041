import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Float64, Table, Utf8, vectorFromArray } from 'apache-arrow'
import { MemoryByteSource } from '../../src/formatters/byte-source.js'
import { loadDefaultStorageClasses } from '../../src/formatters/default-storage-classes.js'
import {
  buildEmptyParquet,
  buildProjectedParquet,
  readParquetFooter,
} from '../../src/formatters/parquet-footer.js'
import { ParquetFormatter } from '../../src/formatters/parquet-formatter.js'
import {
  decodeThriftStruct,
  encodeThriftStruct,
  ThriftDecodeError,
  type ThriftStruct,
  ThriftType,
} from '../../src/formatters/parquet-thrift.js'

const storageClass = loadDefaultStorageClasses().get('ArrowTable')

describe('Thrift compact protocol', () => {
  it('round-trips every wire type, long field ids and big containers', () => {
    const struct: ThriftStruct = {
      fields: [
        { id: 1, type: ThriftType.BOOL, value: true },
        { id: 2, type: ThriftType.BOOL, value: false },
        { id: 3, type: ThriftType.I8, value: -128 },
        { id: 4, type: ThriftType.I16, value: -32768 },
        { id: 5, type: ThriftType.I32, value: -(2 ** 31) },
        { id: 6, type: ThriftType.I32, value: 2 ** 31 - 1 },
        { id: 7, type: ThriftType.I64, value: -(2n ** 63n) },
        { id: 8, type: ThriftType.I64, value: 2n ** 63n - 1n },
        { id: 9, type: ThriftType.DOUBLE, value: -1.5e300 },
        { id: 10, type: ThriftType.BINARY, value: new TextEncoder().encode('héllo') },
        { id: 30, type: ThriftType.LIST, value: { elementType: ThriftType.I32, items: [1, -2, 3] } },
        {
          id: 31,
          type: ThriftType.LIST,
          value: {
            elementType: ThriftType.I64,
            items: Array.from({ length: 40 }, (_, i) => BigInt(i) << 40n),
          },
        },
        { id: 32, type: ThriftType.SET, value: { elementType: ThriftType.BOOL, items: [true, false, true] } },
        {
          id: 33,
          type: ThriftType.MAP,
          value: {
            keyType: ThriftType.BINARY,
            valueType: ThriftType.STRUCT,
            entries: [[new Uint8Array([1, 2]), { fields: [{ id: 1, type: ThriftType.I16, value: 7 }] }]],
          },
        },
        { id: 34, type: ThriftType.MAP, value: { keyType: 0, valueType: 0, entries: [] } },
        { id: 35, type: ThriftType.UUID, value: new Uint8Array(16).fill(9) },
        // Out of order and far apart: long-form field headers.
        { id: 2000, type: ThriftType.STRUCT, value: { fields: [{ id: -3, type: ThriftType.I8, value: 5 }] } },
        { id: 12, type: ThriftType.I32, value: 0 },
      ],
    }
    const bytes = encodeThriftStruct(struct)
    const { value, end } = decodeThriftStruct(bytes)
    assert.equal(end, bytes.length)
    assert.deepEqual(value, struct)
    assert.deepEqual(encodeThriftStruct(value), bytes)
  })

  it('re-encodes a real Parquet footer byte for byte', async () => {
    const table = new Table({
      x: vectorFromArray(
        Array.from({ length: 100 }, (_, i) => i / 3),
        new Float64(),
      ),
      s: vectorFromArray(
        Array.from({ length: 100 }, (_, i) => (i % 5 === 0 ? null : `v${i}`)),
        new Utf8(),
      ),
    })
    const [bytes] = await new ParquetFormatter().toBytes(table, {
      storageClass,
      writeParameters: { rowGroupSize: 30 },
    })
    const footer = await readParquetFooter(new MemoryByteSource(bytes!))
    const raw = bytes!.subarray(bytes!.length - 8 - footer.footerLength, bytes!.length - 8)
    assert.deepEqual(encodeThriftStruct(footer.metadata), raw)
    // The files built from it have footers that decode as well.
    const projected = await buildProjectedParquet(new MemoryByteSource(bytes!), footer, [1], {
      arrowSchema: null,
    })
    const small = await readParquetFooter(new MemoryByteSource(projected.bytes))
    assert.deepEqual(small.columns, ['s'])
    assert.equal(small.rowGroups.length, 4)
    assert.equal(small.keyValueMetadata.has('ARROW:schema'), false)
    assert.equal(
      projected.bytesRead,
      footer.rowGroups.reduce((s, rg) => s + rg.chunks[1]!.length, 0),
    )
    const empty = await readParquetFooter(new MemoryByteSource(buildEmptyParquet(footer)))
    assert.deepEqual(empty.columns, ['x', 's'])
    assert.equal(empty.numRows, 0)
    assert.deepEqual(empty.keyValueMetadata, footer.keyValueMetadata)
  })

  it('rejects malformed input with ThriftDecodeError, never RangeError', () => {
    const cases: [string, number[]][] = [
      ['empty', []],
      ['no stop byte', [0x15, 0x02]],
      ['unknown type', [0x1e, 0x00]],
      ['binary past the end', [0x18, 0x7f, 0x41]],
      ['list count beyond the data', [0x19, 0xf5, 0xff, 0xff, 0xff, 0x0f, 0x00]],
      ['map count beyond the data', [0x1b, 0xff, 0xff, 0x03, 0x55, 0x00]],
      ['overlong varint', [0x15, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]],
      ['i64 varint too long', [0x16, ...new Array(11).fill(0xff), 0x01, 0x00]],
      ['i16 out of range', [0x14, 0xff, 0xff, 0x0f, 0x00]],
      ['bad bool element', [0x19, 0x11, 0x07, 0x00]],
      ['double past the end', [0x17, 0x00, 0x00]],
      ['nesting too deep', new Array(200).fill(0x1c)],
    ]
    for (const [what, bytes] of cases) {
      assert.throws(
        () => decodeThriftStruct(new Uint8Array(bytes)),
        (e: Error) => e instanceof ThriftDecodeError && /at byte \d+/.test(e.message),
        what,
      )
    }
  })
})
