import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  Binary,
  Bool,
  type DataType,
  Decimal,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  List,
  makeData,
  makeVector,
  Null,
  RecordBatch,
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
import fc from 'fast-check'
import { isArrowSchema } from '../../src/datasets/arrow-table.js'
import { converterNames, storageClassTypeNames } from '../../src/datasets/storage-class-type.js'
import {
  isTableColumns,
  isTableRows,
  TABLE_METADATA,
  type TableColumns,
  type TableRow,
  type TableSchemaDescription,
  tableMetadata,
  withTableMetadata,
} from '../../src/datasets/table-types.js'
import {
  ButlerUserError,
  ReadParameterError,
  StorageClassConversionError,
  StorageClassError,
} from '../../src/errors.js'
import { loadDefaultStorageClasses } from '../../src/formatters/default-storage-classes.js'

const factory = loadDefaultStorageClasses()
const convert = (obj: unknown, from: string, to: string) => factory.convert(obj, from, to)
const toRows = async (t: unknown) => (await convert(t, 'ArrowTable', 'ArrowRows')) as TableRow[]
const toColumns = async (t: unknown) => (await convert(t, 'ArrowTable', 'ArrowColumns')) as TableColumns
const rowsToTable = async (r: unknown) => (await convert(r, 'ArrowRows', 'ArrowTable')) as Table
const columnsToTable = async (c: unknown) => (await convert(c, 'ArrowColumns', 'ArrowTable')) as Table

/** A table from named vectors, in the given order (whatever the names). */
function tableOf(columns: [string, Vector][], metadata?: Map<string, string>): Table {
  const fields = columns.map(([n, v]) => new Field(n, v.type, v.nullCount > 0))
  const schema = new Schema(fields, metadata)
  const data = makeData({
    type: new Struct(fields),
    length: columns[0]?.[1].length ?? 0,
    nullCount: 0,
    children: columns.map(([, v]) => v.data[0] as never),
  })
  return new Table(schema, new RecordBatch(schema, data))
}

const typesOf = (t: Table) => t.schema.fields.map((f) => `${f.name}:${String(f.type)}`)
const valuesOf = (t: Table) =>
  Object.fromEntries(t.schema.fields.map((f, i) => [f.name, Array.from(t.getChildAt(i) as Vector)]))

/** Asserts that `fn` rejects with `cls` (and its stable code) and a message matching `pattern`. */
async function rejectsWith(
  fn: () => unknown,
  cls: new (message: string) => ButlerUserError,
  pattern: RegExp,
) {
  await assert.rejects(
    async () => fn(),
    (e: unknown) => {
      assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`)
      assert.ok(e instanceof ButlerUserError)
      assert.equal(e.code, new cls('x').code)
      assert.match(e.message, pattern)
      return true
    },
  )
}

describe('table family storage classes', () => {
  it('are defined in the default config with parameters, derived components and converters', () => {
    assert.ok(
      storageClassTypeNames().includes('arrow-rows') && storageClassTypeNames().includes('arrow-columns'),
    )
    for (const c of [
      'arrowTableToRows',
      'rowsToArrowTable',
      'arrowTableToColumns',
      'columnsToArrowTable',
      'rowsToColumns',
      'columnsToRows',
    ]) {
      assert.ok(converterNames().includes(c), c)
    }
    const derived = { columns: 'ArrowColumnList', rowcount: 'int', schema: 'ArrowSchema' }
    for (const [name, type] of [
      ['ArrowRows', 'arrow-rows'],
      ['ArrowColumns', 'arrow-columns'],
    ] as const) {
      const sc = factory.get(name)
      assert.equal(sc.type, type)
      assert.deepEqual(sc.parameters, ['columns'])
      assert.deepEqual(sc.derivedComponents, derived)
    }
    assert.deepEqual(factory.get('ArrowTable').converters, {
      ArrowRows: 'rowsToArrowTable',
      ArrowColumns: 'columnsToArrowTable',
    })
    assert.deepEqual(factory.get('ArrowRows').converters, {
      ArrowTable: 'arrowTableToRows',
      ArrowColumns: 'columnsToRows',
    })
    assert.deepEqual(factory.get('ArrowColumns').converters, {
      ArrowTable: 'arrowTableToColumns',
      ArrowRows: 'rowsToColumns',
    })
  })

  it('can convert in every direction within the family, and not outside it', () => {
    const family = ['ArrowTable', 'ArrowRows', 'ArrowColumns']
    for (const from of family)
      for (const to of family) assert.ok(factory.canConvert(from, to), `${from}->${to}`)
    assert.ok(!factory.canConvert('ArrowRows', 'NumpyArray'))
    assert.ok(!factory.canConvert('StructuredDataList', 'ArrowTable'))
    assert.ok(!factory.canConvert('ArrowColumns', 'StructuredDataDict'))
  })

  it('recognise instances structurally', () => {
    assert.ok(isTableRows([]) && isTableRows([{ a: 1 }]) && !isTableRows([1]) && !isTableRows({ a: [1] }))
    assert.ok(isTableColumns({}) && isTableColumns({ a: [1], b: new Float32Array(1) }))
    assert.ok(!isTableColumns({ a: 1 }) && !isTableColumns({ a: new DataView(new ArrayBuffer(1)) }))
    assert.ok(!isTableColumns([]) && !isTableColumns(new Map()))
    const rows = factory.get('ArrowRows')
    const columns = factory.get('ArrowColumns')
    assert.ok(rows.isInstance([{ a: 1 }]) && !rows.isInstance({ a: [1] }))
    assert.ok(columns.isInstance({ a: [1] }) && !columns.isInstance([{ a: 1 }]))
    assert.ok(rows.sizeOf([{ name: 'x'.repeat(1000) }]) > 2000)
    assert.ok(columns.sizeOf({ a: new Float64Array(1000) }) > 8000)
  })
})

describe('ArrowTable -> rows and columns', () => {
  const table = tableOf(
    [
      ['f64', makeVector(new Float64Array([1.5, -0, Number.NaN]))],
      ['f32', makeVector(new Float32Array([0.25, 1, 2]))],
      ['i8', makeVector(new Int8Array([-128, 0, 127]))],
      ['i16', makeVector(new Int16Array([-1, 0, 1]))],
      ['i32', makeVector(new Int32Array([7, 8, 9]))],
      ['i64', makeVector(new BigInt64Array([-(2n ** 63n), 0n, 2n ** 63n - 1n]))],
      ['u8', makeVector(new Uint8Array([0, 1, 255]))],
      ['u16', makeVector(new Uint16Array([0, 1, 65535]))],
      ['u32', makeVector(new Uint32Array([0, 1, 2 ** 32 - 1]))],
      ['u64', makeVector(new BigUint64Array([0n, 1n, 2n ** 64n - 1n]))],
      ['nullableInt', vectorFromArray([1, null, 3], new Int32())],
      ['nullableI64', vectorFromArray([1n, null, 3n], new Int64())],
      ['str', vectorFromArray(['a', null, 'c'], new Utf8())],
      ['dict', vectorFromArray(['x', 'y', 'x'], new Dictionary(new Utf8(), new Int32()))],
      ['flag', vectorFromArray([true, null, false], new Bool())],
      ['ts', vectorFromArray([new Date(0), new Date(1000), null], new TimestampMillisecond())],
      ['bin', vectorFromArray([new Uint8Array([1, 2]), null, new Uint8Array()], new Binary())],
      ['nothing', vectorFromArray([null, null, null], new Null())],
    ],
    new Map([['lsst.butler.run', 'run1']]),
  )

  it('gives rows of plain values: bigints for 64-bit ints, strings for dictionaries, ms for timestamps', async () => {
    const rows = await toRows(table)
    assert.equal(rows.length, 3)
    assert.deepEqual(rows[1], {
      f64: -0,
      f32: 1,
      i8: 0,
      i16: 0,
      i32: 8,
      i64: 0n,
      u8: 1,
      u16: 1,
      u32: 1,
      u64: 1n,
      nullableInt: null,
      nullableI64: null,
      str: null,
      dict: 'y',
      flag: null,
      ts: 1000,
      bin: null,
      nothing: null,
    })
    assert.deepEqual(
      Object.keys(rows[0] as TableRow),
      table.schema.fields.map((f) => f.name),
    )
    assert.ok(Number.isNaN(rows[2]?.f64))
    assert.equal(rows[2]?.i64, 2n ** 63n - 1n)
    assert.equal(rows[2]?.u64, 2n ** 64n - 1n)
    assert.deepEqual(rows[0]?.bin, new Uint8Array([1, 2]))
    assert.deepEqual(tableMetadata(rows), new Map([['lsst.butler.run', 'run1']]))
  })

  it('gives columns of typed arrays that keep their width, plain arrays for the rest', async () => {
    const c = await toColumns(table)
    assert.deepEqual(
      Object.keys(c),
      table.schema.fields.map((f) => f.name),
    )
    const expected: Record<string, unknown> = {
      f64: new Float64Array([1.5, -0, Number.NaN]),
      f32: new Float32Array([0.25, 1, 2]),
      i8: new Int8Array([-128, 0, 127]),
      i16: new Int16Array([-1, 0, 1]),
      i32: new Int32Array([7, 8, 9]),
      i64: new BigInt64Array([-(2n ** 63n), 0n, 2n ** 63n - 1n]),
      u8: new Uint8Array([0, 1, 255]),
      u16: new Uint16Array([0, 1, 65535]),
      u32: new Uint32Array([0, 1, 2 ** 32 - 1]),
      u64: new BigUint64Array([0n, 1n, 2n ** 64n - 1n]),
      nullableInt: [1, null, 3],
      nullableI64: [1n, null, 3n],
      str: ['a', null, 'c'],
      dict: ['x', 'y', 'x'],
      flag: [true, null, false],
      ts: [0, 1000, null],
      bin: [new Uint8Array([1, 2]), null, new Uint8Array()],
      nothing: [null, null, null],
    }
    for (const [name, value] of Object.entries(expected)) assert.deepEqual(c[name], value, name)
    assert.deepEqual(tableMetadata(c), new Map([['lsst.butler.run', 'run1']]))
  })

  it('copies typed arrays, so changing the result leaves the table alone', async () => {
    const c = await toColumns(table)
    ;(c.i32 as Int32Array)[0] = 99
    assert.equal(table.getChild('i32')?.get(0), 7)
    const back = await columnsToTable({ x: new Float64Array([1, 2]) })
    assert.equal(back.getChild('x')?.get(0), 1)
  })

  it('keep Int/Float widths and the table metadata through ArrowTable -> columns -> ArrowTable', async () => {
    const back = await columnsToTable(await toColumns(table))
    const original = typesOf(table)
    const expected = original.map((t) =>
      t
        .replace(/^nullableInt:Int32$/, 'nullableInt:Float64')
        .replace(/^dict:.*$/, 'dict:Utf8')
        .replace(/^ts:.*$/, 'ts:Float64'),
    )
    assert.deepEqual(typesOf(back), expected)
    assert.deepEqual(back.schema.metadata, new Map([['lsst.butler.run', 'run1']]))
    const values = valuesOf(back)
    assert.deepEqual(values.i64, [-(2n ** 63n), 0n, 2n ** 63n - 1n])
    assert.deepEqual(values.u64, [0n, 1n, 2n ** 64n - 1n])
    assert.deepEqual(values.bin, [new Uint8Array([1, 2]), null, new Uint8Array()])
    assert.deepEqual(
      back.schema.fields.filter((f) => f.nullable).map((f) => f.name),
      ['nullableInt', 'nullableI64', 'str', 'flag', 'ts', 'bin', 'nothing'],
    )
  })

  it('follow the documented type rules through ArrowTable -> rows -> ArrowTable', async () => {
    const back = await rowsToTable(await toRows(table))
    assert.deepEqual(typesOf(back), [
      'f64:Float64',
      'f32:Float64',
      'i8:Float64',
      'i16:Float64',
      'i32:Float64',
      'i64:Int64',
      'u8:Float64',
      'u16:Float64',
      'u32:Float64',
      'u64:Uint64',
      'nullableInt:Float64',
      'nullableI64:Int64',
      'str:Utf8',
      'dict:Utf8',
      'flag:Bool',
      'ts:Float64',
      'bin:Binary',
      'nothing:Null',
    ])
    assert.deepEqual(back.schema.metadata, new Map([['lsst.butler.run', 'run1']]))
    const before = valuesOf(table)
    const after = valuesOf(back)
    for (const name of ['f64', 'f32', 'i8', 'i64', 'u32', 'u64', 'str', 'dict', 'flag', 'bin', 'nothing']) {
      assert.deepEqual(after[name], before[name], name)
    }
  })

  it('lose the columns of a table without rows as rows (an empty array has no columns)', async () => {
    const noRows = tableOf([['a', makeVector(new Float64Array(0))]])
    assert.deepEqual(await toRows(noRows), [])
    assert.equal((await rowsToTable(await toRows(noRows))).numCols, 0)
    assert.deepEqual(typesOf(await columnsToTable(await toColumns(noRows))), ['a:Float64'])
  })

  it('keep the number of rows of a table with no columns as rows, not as columns', async () => {
    const schema = new Schema([])
    const empty = new Table(
      schema,
      new RecordBatch(schema, makeData({ type: new Struct([]), length: 2, nullCount: 0, children: [] })),
    )
    const rows = await toRows(empty)
    assert.deepEqual(rows, [{}, {}])
    assert.equal((await rowsToTable(rows)).numRows, 2)
    assert.deepEqual(await toColumns(empty), {})
  })

  it('read sliced and multi-batch tables', async () => {
    const a = tableOf([['x', makeVector(new Int16Array([1, 2, 3, 4]))]])
    const b = tableOf([['x', makeVector(new Int16Array([5, 6]))]])
    const joined = a.concat(b).slice(1, 5)
    assert.equal(joined.batches.length, 2)
    assert.deepEqual((await toColumns(joined)).x, new Int16Array([2, 3, 4, 5]))
    assert.deepEqual(await toRows(joined), [{ x: 2 }, { x: 3 }, { x: 4 }, { x: 5 }])
  })

  it('read and write text of any kind, replacing lone surrogates like TextEncoder', async () => {
    const text = ['', 'é', '😀 ok', null, 'plain', 'a\uD800', '\uDC00b', 'ünïcödé'.repeat(50)]
    const t = await rowsToTable(text.map((x) => ({ x })))
    const expected = text.map((x) =>
      x === null ? null : x.replace('\uD800', '\uFFFD').replace('\uDC00', '\uFFFD'),
    )
    assert.deepEqual(valuesOf(t).x, expected)
    assert.deepEqual((await toColumns(t)).x, expected)
    assert.deepEqual(
      (await toRows(t.slice(1, 3))).map((r) => r.x),
      ['é', '😀 ok'],
    )
    const ascii = await rowsToTable([{ x: 'ab' }, { x: null }, { x: 'cde' }])
    assert.deepEqual(
      (await toRows(ascii.slice(1))).map((r) => r.x),
      [null, 'cde'],
    )
  })

  it('turn lists and structs into arrays and objects (one way)', async () => {
    const list = vectorFromArray([[1, 2], null, [3]], new List(new Field('item', new Float64(), true)))
    const rows = await toRows(tableOf([['l', list]]))
    assert.deepEqual(rows, [{ l: [1, 2] }, { l: null }, { l: [3] }])
    await rejectsWith(() => rowsToTable(rows), StorageClassConversionError, /Column 'l' holds nested values/)
    assert.deepEqual(await convert(rows, 'ArrowRows', 'ArrowColumns'), { l: [[1, 2], null, [3]] })
    const struct = vectorFromArray(
      [{ x: 1, s: 'a' }, null, { x: 2, s: null }],
      new Struct([new Field('x', new Float64(), true), new Field('s', new Utf8(), true)]),
    )
    assert.deepEqual(await toRows(tableOf([['st', struct]])), [
      { st: { x: 1, s: 'a' } },
      { st: null },
      { st: { x: 2, s: null } },
    ])
  })
})

describe('rows and columns -> ArrowTable', () => {
  it('infer types from rows: numbers Float64, bigints Int64, strings Utf8, Dates timestamps', async () => {
    const rows = [
      { id: 1, big: 5n, name: 'a', ok: true, when: new Date(5), raw: new Uint8Array([9]) },
      { name: 'b', id: 2, extra: null },
      { id: 3.5, huge: 2n ** 64n - 1n },
    ]
    const t = await rowsToTable(rows)
    assert.deepEqual(typesOf(t), [
      'id:Float64',
      'big:Int64',
      'name:Utf8',
      'ok:Bool',
      'when:Timestamp<MILLISECOND>',
      'raw:Binary',
      'extra:Null',
      'huge:Uint64',
    ])
    assert.deepEqual(
      t.schema.fields.map((f) => f.nullable),
      [false, true, true, true, true, true, true, true],
    )
    assert.deepEqual(valuesOf(t), {
      id: [1, 2, 3.5],
      big: [5n, null, null],
      name: ['a', 'b', null],
      ok: [true, null, null],
      when: [5, null, null],
      raw: [new Uint8Array([9]), null, null],
      extra: [null, null, null],
      huge: [null, null, 2n ** 64n - 1n],
    })
  })

  it('treat all-integer numbers as Float64 (JSON-like rows) and keep typed-array column types', async () => {
    const t = await rowsToTable([{ n: 1 }, { n: 2 }])
    assert.deepEqual(typesOf(t), ['n:Float64'])
    const c = await columnsToTable({
      a: new Int8Array([1]),
      b: new Uint8ClampedArray([2]),
      c: new BigUint64Array([3n]),
      d: new Float32Array([0.5]),
      e: [1],
    })
    assert.deepEqual(typesOf(c), ['a:Int8', 'b:Uint8', 'c:Uint64', 'd:Float32', 'e:Float64'])
  })

  it('accept empty tables', async () => {
    const fromRows = await rowsToTable([])
    assert.equal(fromRows.numRows, 0)
    assert.equal(fromRows.numCols, 0)
    const fromColumns = await columnsToTable({})
    assert.equal(fromColumns.numRows + fromColumns.numCols, 0)
    const noRows = await columnsToTable({ a: new Float64Array(0), b: [] })
    assert.deepEqual(typesOf(noRows), ['a:Float64', 'b:Null'])
    assert.equal(noRows.numRows, 0)
  })

  it('keep column order, even for names JavaScript objects would reorder, and odd names', async () => {
    const rows = [
      { b: 1, 2: 'x' },
      { __proto__: null, a: true },
    ] as TableRow[]
    const weird: TableRow = {}
    Object.defineProperty(weird, '__proto__', { value: 7, enumerable: true })
    rows.push(weird)
    const t = await rowsToTable(rows)
    assert.deepEqual(
      t.schema.fields.map((f) => f.name),
      ['2', 'b', 'a', '__proto__'],
    )
    const back = await toRows(t)
    assert.equal(Object.getPrototypeOf(back[2]), Object.prototype)
    assert.equal(Object.getOwnPropertyDescriptor(back[2], '__proto__')?.value, 7)
  })

  it('keep table metadata set on rows or columns', async () => {
    const rows = withTableMetadata([{ a: 1 }], new Map([['k', 'v']]))
    assert.deepEqual(Object.keys(rows), ['0'])
    assert.ok(TABLE_METADATA in rows)
    assert.deepEqual((await rowsToTable(rows)).schema.metadata, new Map([['k', 'v']]))
    const columns = withTableMetadata({ a: [1] }, new Map([['k', 'w']]))
    assert.deepEqual(JSON.stringify(columns), '{"a":[1]}')
    assert.deepEqual((await columnsToTable(columns)).schema.metadata, new Map([['k', 'w']]))
    const viaColumns = await convert(rows, 'ArrowRows', 'ArrowColumns')
    assert.deepEqual(tableMetadata(viaColumns as object), new Map([['k', 'v']]))
  })
})

describe('rows <-> columns', () => {
  it('pack numeric columns without nulls into typed arrays', async () => {
    const c = await convert(
      [
        { x: 1, y: 1n, s: 'a', n: 1, neg: -1n },
        { x: 2.5, y: 2n, s: 'b', neg: -2n },
      ],
      'ArrowRows',
      'ArrowColumns',
    )
    assert.deepEqual(c, {
      x: new Float64Array([1, 2.5]),
      y: new BigInt64Array([1n, 2n]),
      s: ['a', 'b'],
      n: [1, null],
      neg: new BigInt64Array([-1n, -2n]),
    })
  })

  it('turn columns into rows with numbers, bigints and nulls', async () => {
    const rows = await convert(
      { a: new Int32Array([1, 2]), b: new BigUint64Array([3n, 4n]), c: ['x', undefined] },
      'ArrowColumns',
      'ArrowRows',
    )
    assert.deepEqual(rows, [
      { a: 1, b: 3n, c: 'x' },
      { a: 2, b: 4n, c: null },
    ])
    assert.deepEqual(await convert({}, 'ArrowColumns', 'ArrowRows'), [])
  })
})

describe('derived components and the columns parameter', () => {
  const rowsClass = factory.get('ArrowRows')
  const columnsClass = factory.get('ArrowColumns')
  const rows = [{ a: 1, b: 'x' }, { c: true }]
  const columns: TableColumns = { a: new Int16Array([1, 2]), b: ['x', null] }

  it('give column names, row count and a schema description on rows', async () => {
    assert.deepEqual(rowsClass.getComponent(rows, 'columns'), ['a', 'b', 'c'])
    assert.equal(rowsClass.getComponent(rows, 'rowcount'), 2)
    const schema = rowsClass.getComponent(rows, 'schema') as TableSchemaDescription
    assert.ok(isArrowSchema(schema))
    assert.ok(factory.get('ArrowSchema').isInstance(schema))
    assert.deepEqual(schema.fields, [
      { name: 'a', type: 'Float64', nullable: true },
      { name: 'b', type: 'Utf8', nullable: true },
      { name: 'c', type: 'Bool', nullable: true },
    ])
    assert.deepEqual(rowsClass.getComponent([], 'columns'), [])
    assert.equal(rowsClass.getComponent([], 'rowcount'), 0)
  })

  it('give column names, row count and a schema description on columns', () => {
    assert.deepEqual(columnsClass.getComponent(columns, 'columns'), ['a', 'b'])
    assert.equal(columnsClass.getComponent(columns, 'rowcount'), 2)
    const schema = columnsClass.getComponent(
      withTableMetadata({ ...columns }, new Map([['m', '1']])),
      'schema',
    )
    assert.deepEqual(schema, {
      fields: [
        { name: 'a', type: 'Int16', nullable: false },
        { name: 'b', type: 'Utf8', nullable: true },
      ],
      metadata: new Map([['m', '1']]),
    })
    assert.equal(columnsClass.getComponent({}, 'rowcount'), 0)
  })

  it('describe the schema the converted table really has', async () => {
    for (const [sc, obj, toTable] of [
      [rowsClass, rows, rowsToTable],
      [columnsClass, columns, columnsToTable],
    ] as const) {
      const described = sc.getComponent(obj, 'schema') as TableSchemaDescription
      const actual = (await toTable(obj)).schema
      assert.deepEqual(
        described.fields,
        actual.fields.map((f) => ({ name: f.name, type: String(f.type), nullable: f.nullable })),
      )
    }
  })

  it('reject derived components of malformed tables', () => {
    assert.throws(() => columnsClass.getComponent({ a: [1], b: [1, 2] }, 'rowcount'), StorageClassError)
    assert.throws(() => rowsClass.getComponent([{ a: 1 }, 3], 'columns'), /Row 1 is a number/)
    assert.throws(() => rowsClass.getComponent([{ a: 1 }, { a: 'x' }], 'schema'), /Column 'a' mixes/)
    assert.throws(() => rowsClass.getComponent([{ a: [1] }], 'schema'), /Column 'a' holds nested/)
  })

  it('select columns in the given order on each type', () => {
    assert.deepEqual(rowsClass.handleParameters(rows, { columns: ['c', 'a'] }), [{ a: 1 }, { c: true }])
    assert.deepEqual(
      Object.keys((rowsClass.handleParameters(rows, { columns: ['b', 'a'] }) as TableRow[])[0] as TableRow),
      ['b', 'a'],
    )
    assert.deepEqual(rowsClass.handleParameters(rows, { columns: 'b' }), [{ b: 'x' }, {}])
    const selected = columnsClass.handleParameters(columns, { columns: ['b', 'a'] }) as TableColumns
    assert.deepEqual(Object.keys(selected), ['b', 'a'])
    assert.equal(selected.a, columns.a)
    assert.deepEqual(columnsClass.handleParameters(columns, { columns: 'a' }), { a: columns.a })
    assert.deepEqual(rows, [{ a: 1, b: 'x' }, { c: true }])
    const withMeta = withTableMetadata([{ a: 1 }], new Map([['k', 'v']]))
    assert.deepEqual(
      tableMetadata(rowsClass.handleParameters(withMeta, { columns: 'a' }) as object),
      new Map([['k', 'v']]),
    )
  })

  it('reject unknown columns naming them and the available ones', () => {
    for (const [sc, obj] of [
      [rowsClass, rows],
      [columnsClass, columns],
    ] as const) {
      assert.throws(
        () => sc.handleParameters(obj, { columns: ['a', 'zz'] }),
        (e: unknown) =>
          e instanceof ReadParameterError &&
          e.code === 'read_parameter' &&
          /'zz'/.test(e.message) &&
          /the table has 'a', 'b'/.test(e.message),
      )
      assert.throws(() => sc.handleParameters(obj, { columns: 3 }), ReadParameterError)
      assert.throws(() => sc.handleParameters(obj, { slice: [0, 1] }), ReadParameterError)
    }
  })
})

describe('writing tables given as rows or columns', () => {
  it('coerce rows and columns to an ArrowTable, and leave tables alone', async () => {
    const fromRows = (await factory.coerceForWrite([{ a: 1 }, { a: 2 }], 'ArrowTable')) as Table
    assert.deepEqual(valuesOf(fromRows), { a: [1, 2] })
    const fromColumns = (await factory.coerceForWrite({ a: new Int32Array([3]) }, 'ArrowTable')) as Table
    assert.deepEqual(typesOf(fromColumns), ['a:Int32'])
    assert.equal(await factory.coerceForWrite(fromRows, 'ArrowTable'), fromRows)
    const asRows = await factory.coerceForWrite(fromRows, 'ArrowRows')
    assert.deepEqual(asRows, [{ a: 1 }, { a: 2 }])
    // Neither a table nor convertible to one (storage-class.ts decides the class: a storage class error).
    await assert.rejects(
      factory.coerceForWrite('text', 'ArrowTable'),
      (e: unknown) =>
        (e instanceof StorageClassError || e instanceof StorageClassConversionError) &&
        /ArrowRows, ArrowColumns/.test(e.message),
    )
  })
})

describe('impossible conversions', () => {
  const E = StorageClassConversionError
  it('name the row or column at fault', async () => {
    await rejectsWith(() => factory.coerceForWrite([{ a: 1 }, 5], 'ArrowTable'), E, /Row 1 is a number/)
    await rejectsWith(
      () => convert([{ a: 1 }, null], 'ArrowRows', 'ArrowColumns'),
      E,
      /Row 1 is null, not a plain object/,
    )
    await rejectsWith(() => rowsToTable([{ a: 1 }, { a: 'x' }]), E, /Column 'a' mixes number .* and string/)
    await rejectsWith(
      () => columnsToTable({ a: [1, 2], b: [1] }),
      E,
      /Column 'b' has 1 values but column 'a' has 2/,
    )
    await rejectsWith(() => factory.coerceForWrite({ a: [1], b: [] }, 'ArrowTable'), E, /Column 'b'/)
    await rejectsWith(() => convert({ a: ['x', 1] }, 'ArrowColumns', 'ArrowRows'), E, /Column 'a' mixes/)
    await rejectsWith(() => convert({ a: 1 }, 'ArrowColumns', 'ArrowRows'), E, /Column 'a' is a number/)
    await rejectsWith(() => rowsToTable([{ m: new Map() }]), E, /Column 'm' holds a Map at row 0/)
    await rejectsWith(() => rowsToTable([{ b: 2n ** 64n }]), E, /Column 'b' holds bigints outside/)
    await rejectsWith(() => rowsToTable([{ b: -1n }, { b: 2n ** 63n }]), E, /Column 'b'/)
    await rejectsWith(() => rowsToTable([{ d: new Date(Number.NaN) }]), E, /Column 'd' holds an invalid Date/)
    await rejectsWith(() => columnsToTable({ o: [{ x: 1 }] }), E, /Column 'o' holds nested values/)
    await rejectsWith(() => toRows({ not: 'a table' }), E, /Expected an apache-arrow Table, got an object/)
    await rejectsWith(() => toColumns([1]), E, /Expected an apache-arrow Table/)
    await rejectsWith(() => rowsToTable('x'), E, /Expected an array of row objects/)
    await rejectsWith(() => columnsToTable(null), E, /Expected a plain object of columns/)
  })

  it('refuse arrow columns rows cannot hold, and duplicate names', async () => {
    const dec = makeVector({ type: new Decimal(2, 10, 128), data: new Uint32Array([12345, 0, 0, 0]) })
    await rejectsWith(() => toRows(tableOf([['price', dec]])), E, /Column 'price' has type Decimal/)
    const dup = tableOf([
      ['x', makeVector(new Int8Array([1]))],
      ['x', makeVector(new Int8Array([2]))],
    ])
    await rejectsWith(() => toColumns(dup), E, /more than one column 'x'/)
  })

  it('turn timestamps of other units into milliseconds', async () => {
    const us = makeVector({ type: new TimestampMicrosecond(), data: new BigInt64Array([1500n]) })
    assert.deepEqual(await toRows(tableOf([['t', us]])), [{ t: 1.5 }])
  })
})

describe('apache-arrow is loaded lazily', () => {
  it('only by the converters that need it, with a clear error when it is missing', () => {
    // A child process whose module resolution refuses 'apache-arrow': rows <-> columns and derived
    // components still work, converters to or from ArrowTable fail with a conversion error.
    const typesModule = new URL('../../src/datasets/table-types.js', import.meta.url).href
    const hooks = `export async function resolve(s, c, next) {
      if (s === 'apache-arrow') throw new Error('apache-arrow is blocked in this test')
      return next(s, c)
    }`
    const script = `
      import { register } from 'node:module'
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}))
      const { storageClassConverter, storageClassTypeBehaviour } = await import(${JSON.stringify(
        new URL('../../src/datasets/storage-class-type.js', import.meta.url).href,
      )})
      await import(${JSON.stringify(typesModule)})
      const columns = await storageClassConverter('rowsToColumns')([{ a: 1 }])
      const schema = storageClassTypeBehaviour('arrow-rows').derived.schema([{ a: 1 }])
      let error
      try { await storageClassConverter('rowsToArrowTable')([{ a: 1 }]) } catch (e) { error = e }
      console.log(JSON.stringify({ a: Array.from(columns.a), type: schema.fields[0].type, name: error?.name, message: error?.message }))
    `
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      encoding: 'utf8',
    })
    const result = JSON.parse(out)
    assert.deepEqual(result.a, [1])
    assert.equal(result.type, 'Float64')
    assert.equal(result.name, 'StorageClassConversionError')
    assert.match(result.message, /needs the package 'apache-arrow'/)
  })
})

// --- property tests ---------------------------------------------------------------------------------

type Spec =
  | 'f64'
  | 'f32'
  | 'i8'
  | 'i16'
  | 'i32'
  | 'i64'
  | 'u8'
  | 'u16'
  | 'u32'
  | 'u64'
  | 'str'
  | 'dict'
  | 'bool'

const SPECS: Record<Spec, { type: () => DataType; value: fc.Arbitrary<unknown>; numeric: boolean }> = {
  f64: { type: () => new Float64(), value: fc.double(), numeric: true },
  f32: { type: () => new Float32(), value: fc.float(), numeric: true },
  i8: { type: () => new Int8(), value: fc.integer({ min: -128, max: 127 }), numeric: true },
  i16: { type: () => new Int16(), value: fc.integer({ min: -32768, max: 32767 }), numeric: true },
  i32: { type: () => new Int32(), value: fc.integer(), numeric: true },
  i64: {
    type: () => new Int64(),
    value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    numeric: true,
  },
  u8: { type: () => new Uint8(), value: fc.integer({ min: 0, max: 255 }), numeric: true },
  u16: { type: () => new Uint16(), value: fc.integer({ min: 0, max: 65535 }), numeric: true },
  u32: { type: () => new Uint32(), value: fc.integer({ min: 0, max: 2 ** 32 - 1 }), numeric: true },
  u64: { type: () => new Uint64(), value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), numeric: true },
  str: {
    type: () => new Utf8(),
    value: fc.oneof(fc.string(), fc.string({ unit: 'grapheme' })),
    numeric: false,
  },
  dict: { type: () => new Dictionary(new Utf8(), new Int32()), value: fc.string(), numeric: false },
  bool: { type: () => new Bool(), value: fc.boolean(), numeric: false },
}

const tableArbitrary = (minRows: number) =>
  fc
    .record({
      rows: fc.integer({ min: minRows, max: 12 }),
      columns: fc.array(
        fc.record({ spec: fc.constantFrom(...(Object.keys(SPECS) as Spec[])), nullable: fc.boolean() }),
        { minLength: 1, maxLength: 5 },
      ),
    })
    .chain(({ rows, columns }) =>
      fc.tuple(
        ...columns.map(({ spec, nullable }) => {
          const value = nullable ? fc.option(SPECS[spec].value, { nil: null }) : SPECS[spec].value
          return fc.array(value, { minLength: rows, maxLength: rows }).map((values) => ({ spec, values }))
        }),
      ),
    )
    .map((cols) =>
      tableOf(cols.map(({ spec, values }, i) => [`c${i}`, vectorFromArray(values, SPECS[spec].type())])),
    )

/** The type a column of `vector` gets after ArrowTable -> rows -> ArrowTable (documented rules). */
function typeViaRows(vector: Vector): string {
  const values = Array.from(vector)
  const present = values.filter((v) => v !== null)
  if (present.length === 0) return 'Null'
  if (typeof present[0] === 'bigint')
    return present.some((v) => (v as bigint) >= 2n ** 63n) ? 'Uint64' : 'Int64'
  if (typeof present[0] === 'number') return 'Float64'
  if (typeof present[0] === 'string') return 'Utf8'
  return String(vector.type)
}

describe('random tables', () => {
  // Rows cannot hold the columns of a table without rows (see the next test), hence at least one row.
  it('survive ArrowTable -> rows -> ArrowTable with equal values and the documented types', async () => {
    await fc.assert(
      fc.asyncProperty(tableArbitrary(1), async (table) => {
        const rows = await toRows(table)
        assert.equal(rows.length, table.numRows)
        const back = await rowsToTable(rows)
        assert.equal(back.numRows, table.numRows)
        assert.deepEqual(valuesOf(back), valuesOf(table))
        assert.deepEqual(
          back.schema.fields.map((f) => String(f.type)),
          table.schema.fields.map((_, i) => typeViaRows(table.getChildAt(i) as Vector)),
        )
        const described = factory.get('ArrowRows').getComponent(rows, 'schema') as TableSchemaDescription
        assert.deepEqual(
          described.fields.map((f) => [f.name, f.type, f.nullable]),
          back.schema.fields.map((f) => [f.name, String(f.type), f.nullable]),
        )
      }),
      { numRuns: 200 },
    )
  })

  it('survive ArrowTable -> columns -> ArrowTable keeping numeric types without nulls', async () => {
    await fc.assert(
      fc.asyncProperty(tableArbitrary(0), async (table) => {
        const columns = await toColumns(table)
        const back = await columnsToTable(columns)
        assert.equal(back.numRows, table.numRows)
        assert.deepEqual(valuesOf(back), valuesOf(table))
        const expected = table.schema.fields.map((f, i) => {
          const vector = table.getChildAt(i) as Vector
          const numeric = ['Float', 'Int', 'Uint'].some((p) => String(f.type).startsWith(p))
          return numeric && vector.nullCount === 0 ? String(f.type) : typeViaRows(vector)
        })
        assert.deepEqual(
          back.schema.fields.map((f) => String(f.type)),
          expected,
        )
        // Both routes to rows agree.
        assert.deepEqual(await convert(columns, 'ArrowColumns', 'ArrowRows'), await toRows(table))
      }),
      { numRuns: 200 },
    )
  })
})
