/**
 * The apache-arrow side of the table converters (the rules are in `table-types.ts`). Only the
 * converters import this module, on first use, so apache-arrow is loaded only when tables are
 * converted.
 */

import {
  Binary,
  Bool,
  type Data,
  type DataType,
  Field,
  Float64,
  Int64,
  makeData,
  makeVector,
  Null,
  Precision,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMillisecond,
  Type,
  Uint64,
  Utf8,
  type Vector,
} from 'apache-arrow'
import { StorageClassConversionError } from '../errors.js'
import { isArrowTable } from './arrow-table.js'
import {
  aValue,
  buildRows,
  type ColumnInfo,
  type ColumnTypedArray,
  checkColumns,
  checkRows,
  inferColumn,
  packColumn,
  rowsColumnNames,
  rowsColumnValues,
  setOwn,
  type TableColumns,
  type TableRow,
  tableMetadata,
  withTableMetadata,
} from './table-types.js'

type TypedArrayConstructor = new (length: number) => ColumnTypedArray

/** Typed array of an Int column by signedness and bit width. */
const INT_ARRAYS: Readonly<Record<string, TypedArrayConstructor>> = {
  true8: Int8Array,
  true16: Int16Array,
  true32: Int32Array,
  true64: BigInt64Array,
  false8: Uint8Array,
  false16: Uint16Array,
  false32: Uint32Array,
  false64: BigUint64Array,
}

function conversionError(message: string): StorageClassConversionError {
  return new StorageClassConversionError(message)
}

/** Checks that `obj` is a table whose column names are unique (rows and dicts cannot repeat a name). */
function checkTable(obj: unknown): Table {
  if (!isArrowTable(obj)) throw conversionError(`Expected an apache-arrow Table, got ${aValue(obj)}`)
  const seen = new Set<string>()
  for (const f of obj.schema.fields) {
    if (seen.has(f.name)) {
      throw conversionError(
        `The table has more than one column '${f.name}'; rows and column dicts need unique names`,
      )
    }
    seen.add(f.name)
  }
  return obj as unknown as Table
}

/** The column as a copied typed array of its own width, when it is an Int/Float column without nulls. */
function exactTypedColumn(vector: Vector): ColumnTypedArray | undefined {
  if (vector.nullCount > 0) return undefined
  const type = vector.type as DataType & { bitWidth?: number; isSigned?: boolean; precision?: Precision }
  let ctor: TypedArrayConstructor | undefined
  if (type.typeId === Type.Int) ctor = INT_ARRAYS[`${type.isSigned}${type.bitWidth}`]
  else if (type.typeId === Type.Float && type.precision === Precision.SINGLE) ctor = Float32Array
  else if (type.typeId === Type.Float && type.precision === Precision.DOUBLE) ctor = Float64Array
  if (!ctor) return undefined
  const out = new ctor(vector.length)
  let offset = 0
  for (const data of vector.data as Data[]) {
    const values = data.values as ColumnTypedArray
    // Slices of arrow data start their `values` at the slice's first element.
    ;(out as Float64Array).set(values.subarray(0, data.length) as Float64Array, offset)
    offset += data.length
  }
  return out
}

/** Turns what arrow-js returns for a value into plain JavaScript (arrays, objects, copied bytes). */
function plainify(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (ArrayBuffer.isView(value)) return (value as Uint8Array).slice()
  const v = value as {
    toArray?: unknown
    toJSON?: () => unknown
    data?: unknown
    [Symbol.iterator]?: unknown
  }
  // A nested Vector (a List value).
  if (typeof v.toArray === 'function' && Array.isArray(v.data) && typeof v[Symbol.iterator] === 'function') {
    return Array.from(value as Iterable<unknown>, plainify)
  }
  // A StructRow or MapRow.
  if (typeof v.toJSON === 'function') {
    const json = v.toJSON()
    if (typeof json !== 'object' || json === null) return json
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(json)) setOwn(out, k, plainify(x))
    return out
  }
  return value
}

const decoder = new TextDecoder()
const encoder = new TextEncoder()

/** Longest run of bytes decoded as one string (well below V8's string length limit). */
const MAX_DECODE_BYTES = 1 << 26

/** Reads one chunk of a Utf8 column into `out` from `at`: one decode for all-ASCII chunks. */
function readUtf8(data: Data, out: unknown[], at: number): void {
  const offsets = data.valueOffsets as Int32Array
  const bytes = data.values as Uint8Array
  const hasNulls = data.nullCount > 0
  const first = offsets[0] as number
  const last = offsets[data.length] as number
  let ascii = last - first <= MAX_DECODE_BYTES
  for (let i = first; ascii && i < last; i++) if ((bytes[i] as number) >= 0x80) ascii = false
  if (ascii) {
    const text = decoder.decode(bytes.subarray(first, last))
    for (let i = 0; i < data.length; i++) {
      out[at + i] =
        hasNulls && !data.getValid(i)
          ? null
          : text.slice((offsets[i] as number) - first, (offsets[i + 1] as number) - first)
    }
    return
  }
  for (let i = 0; i < data.length; i++) {
    out[at + i] =
      hasNulls && !data.getValid(i)
        ? null
        : decoder.decode(bytes.subarray(offsets[i] as number, offsets[i + 1] as number))
  }
}

/** Reads one chunk of a column into `out` from `at`, as plain JavaScript values. */
function readChunk(data: Data, out: unknown[], at: number, name: string): void {
  const type = data.type as DataType & { precision?: Precision }
  const hasNulls = data.nullCount > 0
  if (type.typeId === Type.Int || (type.typeId === Type.Float && type.precision !== Precision.HALF)) {
    const values = data.values as ArrayLike<unknown>
    for (let i = 0; i < data.length; i++) out[at + i] = hasNulls && !data.getValid(i) ? null : values[i]
  } else if (type.typeId === Type.Utf8) {
    readUtf8(data, out, at)
  } else if (type.typeId === Type.Dictionary && data.dictionary) {
    const dictionary = plainValues(data.dictionary as Vector, name)
    const indices = data.values as ArrayLike<number | bigint>
    for (let i = 0; i < data.length; i++) {
      out[at + i] = hasNulls && !data.getValid(i) ? null : dictionary[Number(indices[i])]
    }
  } else if (type.typeId === Type.Null) {
    out.fill(null, at, at + data.length)
  } else {
    const vector = makeVector(data)
    for (let i = 0; i < data.length; i++) {
      const v = vector.get(i)
      out[at + i] = v === undefined || v === null ? null : plainify(v)
    }
  }
}

/** A column's values as plain JavaScript values (`null` for nulls); see the module comment of table-types. */
function plainValues(vector: Vector, name: string): unknown[] {
  const type = vector.type as DataType
  if (type.typeId === Type.Decimal || type.typeId === Type.Interval) {
    throw conversionError(
      `Column '${name}' has type ${String(type)}, which rows and column dicts cannot hold; select other columns`,
    )
  }
  const out = new Array<unknown>(vector.length)
  let at = 0
  for (const data of vector.data as Data[]) {
    readChunk(data, out, at, name)
    at += data.length
  }
  return out
}

/** Converter `arrowTableToRows`: ArrowTable -> rows. */
export function arrowTableToRows(obj: unknown): TableRow[] {
  const table = checkTable(obj)
  const fields = table.schema.fields
  const columns = fields.map((f, i) => plainValues(table.getChildAt(i) as Vector, f.name))
  const rows = buildRows(
    fields.map((f) => f.name),
    columns,
    table.numRows,
  )
  return withTableMetadata(rows, table.schema.metadata)
}

/** Converter `arrowTableToColumns`: ArrowTable -> column dict (a table with no columns gives `{}`). */
export function arrowTableToColumns(obj: unknown): TableColumns {
  const table = checkTable(obj)
  const out: TableColumns = {}
  table.schema.fields.forEach((f, i) => {
    const vector = table.getChildAt(i) as Vector
    let column: ColumnTypedArray | unknown[] | undefined = exactTypedColumn(vector)
    if (!column) {
      const values = plainValues(vector, f.name)
      column = packColumn(values, inferColumn(f.name, values, StorageClassConversionError))
    }
    setOwn(out, f.name, column)
  })
  return withTableMetadata(out, table.schema.metadata)
}

/** Validity bitmap of plain values (bit set = not null), or undefined when there are no nulls. */
function validityBitmap(values: readonly unknown[], nullCount: number): Uint8Array | undefined {
  if (nullCount === 0) return undefined
  const bitmap = new Uint8Array((values.length + 7) >> 3)
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== null && values[i] !== undefined)
      bitmap[i >> 3] = (bitmap[i >> 3] as number) | (1 << (i & 7))
  }
  return bitmap
}

/** UTF-8 length of a string, and whether it holds a lone surrogate (encoded as U+FFFD, 3 bytes). */
function utf8Length(s: string): [number, boolean] {
  let n = s.length
  let lone = false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) n += 1
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2 // a pair: two code units, four bytes
      i++
    } else {
      if (c >= 0xd800 && c <= 0xdfff) lone = true
      n += 2
    }
  }
  return [n, lone]
}

/** Builds the buffers of a Utf8 column (strings and nulls). */
function utf8Data(
  name: string,
  values: readonly unknown[],
  nullBitmap: Uint8Array | undefined,
  nullCount: number,
) {
  const offsets = new Int32Array(values.length + 1)
  let total = 0
  let lone = false
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (typeof v === 'string') {
      const [length, hasLone] = utf8Length(v)
      total += length
      lone ||= hasLone
    }
    if (total > 0x7fffffff) {
      throw conversionError(`Column '${name}' holds more than 2 GiB of text, too much for one Utf8 column`)
    }
    offsets[i + 1] = total
  }
  const bytes = new Uint8Array(total)
  if (lone) {
    // Lone surrogates must not pair up across values: encode each value on its own.
    for (let i = 0; i < values.length; i++) {
      const v = values[i]
      if (typeof v === 'string') encoder.encodeInto(v, bytes.subarray(offsets[i] as number))
    }
  } else {
    // Encode runs of values joined into one string: far fewer calls than one per value.
    let i = 0
    while (i < values.length) {
      const startByte = offsets[i] as number
      let j = i
      while (j < values.length && (offsets[j + 1] as number) - startByte <= MAX_DECODE_BYTES) j++
      if (j === i) j++
      const run: string[] = []
      for (let k = i; k < j; k++) if (typeof values[k] === 'string') run.push(values[k] as string)
      encoder.encodeInto(run.join(''), bytes.subarray(startByte))
      i = j
    }
  }
  return makeData({
    type: new Utf8(),
    length: values.length,
    nullCount,
    ...(nullBitmap ? { nullBitmap } : {}),
    valueOffsets: offsets,
    data: bytes,
  })
}

/** Builds the buffers of a Binary column (Uint8Arrays and nulls). */
function binaryData(
  name: string,
  values: readonly unknown[],
  nullBitmap: Uint8Array | undefined,
  nullCount: number,
) {
  const offsets = new Int32Array(values.length + 1)
  let total = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v instanceof Uint8Array) total += v.byteLength
    if (total > 0x7fffffff) {
      throw conversionError(`Column '${name}' holds more than 2 GiB of bytes, too much for one Binary column`)
    }
    offsets[i + 1] = total
  }
  const bytes = new Uint8Array(total)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v instanceof Uint8Array) bytes.set(v, offsets[i] as number)
  }
  return makeData({
    type: new Binary(),
    length: values.length,
    nullCount,
    ...(nullBitmap ? { nullBitmap } : {}),
    valueOffsets: offsets,
    data: bytes,
  })
}

/** Builds one column's arrow data from its values (typed arrays are copied). */
function columnData(name: string, values: ArrayLike<unknown>, info: ColumnInfo): Data {
  if (info.kind === 'nested') {
    throw conversionError(
      `Column '${name}' holds nested values (arrays or objects), which cannot be converted to an apache-arrow column`,
    )
  }
  if (ArrayBuffer.isView(values)) {
    // Uint8ClampedArray becomes Uint8Array; every other typed array is copied as it is.
    const copy =
      values instanceof Uint8ClampedArray ? new Uint8Array(values) : (values as Float64Array).slice()
    return makeVector(copy).data[0] as Data
  }
  const plain = values as readonly unknown[]
  const { nullCount } = info
  const nullBitmap = validityBitmap(plain, nullCount)
  const length = plain.length
  const common = { length, nullCount, ...(nullBitmap ? { nullBitmap } : {}) }
  switch (info.kind) {
    case 'null':
      return makeData({ type: new Null(), length, nullCount: length })
    case 'float64':
      return makeData({
        ...common,
        type: new Float64(),
        data: Float64Array.from(plain, (v) => (v ?? 0) as number),
      })
    case 'int64':
      return makeData({
        ...common,
        type: new Int64(),
        data: BigInt64Array.from(plain, (v) => (v ?? 0n) as bigint),
      })
    case 'uint64':
      return makeData({
        ...common,
        type: new Uint64(),
        data: BigUint64Array.from(plain, (v) => (v ?? 0n) as bigint),
      })
    case 'timestamp':
      return makeData({
        ...common,
        type: new TimestampMillisecond(),
        data: BigInt64Array.from(plain, (v) => (v instanceof Date ? BigInt(v.getTime()) : 0n)),
      })
    case 'bool': {
      const bits = new Uint8Array((length + 7) >> 3)
      for (let i = 0; i < length; i++)
        if (plain[i] === true) bits[i >> 3] = (bits[i >> 3] as number) | (1 << (i & 7))
      return makeData({ ...common, type: new Bool(), data: bits })
    }
    case 'utf8':
      return utf8Data(name, plain, nullBitmap, nullCount)
    case 'binary':
      return binaryData(name, plain, nullBitmap, nullCount)
    default:
      // Typed-array kinds never come from plain arrays (inference gives float64, int64 or uint64).
      return makeVector(Float64Array.from(plain as number[])).data[0] as Data
  }
}

/** Assembles a table from columns of `rowCount` values each, with the given schema metadata. */
function buildTable(
  columns: readonly (readonly [string, ArrayLike<unknown>, ColumnInfo])[],
  rowCount: number,
  metadata: ReadonlyMap<string, string> | undefined,
): Table {
  const children = columns.map(([name, values, info]) => columnData(name, values, info))
  const fields = columns.map(
    ([name, , info], i) => new Field(name, (children[i] as Data).type, info.nullCount > 0),
  )
  const schema = new Schema(fields, new Map(metadata ?? []))
  const data = makeData({
    type: new Struct(fields),
    length: rowCount,
    nullCount: 0,
    children,
  })
  return new Table(schema, new RecordBatch(schema, data))
}

/** Converter `rowsToArrowTable`: rows -> ArrowTable, inferring column types. */
export function rowsToArrowTable(obj: unknown): Table {
  checkRows(obj, StorageClassConversionError)
  const columns = rowsColumnNames(obj).map((name) => {
    const values = rowsColumnValues(obj, name)
    return [name, values, inferColumn(name, values, StorageClassConversionError)] as const
  })
  return buildTable(columns, obj.length, tableMetadata(obj))
}

/** Converter `columnsToArrowTable`: column dict -> ArrowTable (typed arrays keep their types). */
export function columnsToArrowTable(obj: unknown): Table {
  const rowCount = checkColumns(obj, StorageClassConversionError)
  const columns = Object.entries(obj as TableColumns).map(
    ([name, values]) => [name, values, inferColumn(name, values, StorageClassConversionError)] as const,
  )
  return buildTable(columns, rowCount, tableMetadata(obj as object))
}
