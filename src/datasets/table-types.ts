/**
 * The table family of runtime types and the converters between them.
 *
 * - `arrow-table` (built in): an apache-arrow Table.
 * - `arrow-rows`: an array of plain row objects (`[{ ra: 1.5, name: 'a' }, ...]`). The columns are the
 *   union of the rows' keys in first-seen order; a key missing from a row is a null. `[]` is a table
 *   with no columns and no rows.
 * - `arrow-columns`: a plain object of column name -> column, all of one length. Columns of numbers or
 *   bigints without nulls are typed arrays; other columns (strings, booleans, nullable numbers, ...)
 *   are plain arrays with `null` for missing values. `{}` is a table with no columns and no rows.
 *
 * Converters (names are part of the config contract): `arrowTableToRows`, `rowsToArrowTable`,
 * `arrowTableToColumns`, `columnsToArrowTable`, `rowsToColumns`, `columnsToRows`. The ones that touch
 * apache-arrow load it (through `table-convert.ts`) on first use, so code that never converts tables
 * does not pay for it.
 *
 * Value rules:
 * - ArrowTable -> rows/columns: Int8..Int32, Uint8..Uint32 and Float16..Float64 become numbers, Int64
 *   and Uint64 bigints, Utf8 (also dictionary-encoded) strings, Bool booleans, Binary Uint8Arrays
 *   (copies), nulls `null`. Timestamps, dates and times become numbers of milliseconds (fractional
 *   below a millisecond: arrow-js's own reading), durations bigints. Lists become arrays and structs
 *   and maps plain objects (one way: they cannot be converted back). Decimal and interval columns
 *   cannot be converted. In column dicts, Int/Float columns without nulls keep their width
 *   (Int8Array ... BigUint64Array, Float32Array; Float16 becomes Float64Array); other columns of
 *   non-null numbers become Float64Array, of non-null bigints BigInt64Array (BigUint64Array when a
 *   value needs it); every other column is a plain array. Typed arrays are always copies.
 * - rows/columns -> ArrowTable (type inference on plain arrays): numbers -> Float64 (also when every
 *   value is an integer: JSON-like rows rarely mean int64), bigints -> Int64 (Uint64 when a value is
 *   above the int64 range), strings -> Utf8 (not dictionary-encoded), booleans -> Bool, Dates ->
 *   Timestamp<MILLISECOND>, Uint8Arrays -> Binary, a column of nulls only -> Null. Typed-array columns
 *   keep their exact type (Uint8ClampedArray -> Uint8). A field is nullable exactly when its column
 *   holds a null. So ArrowTable -> rows -> ArrowTable keeps Float64, Int64, Utf8, Bool and Binary
 *   columns; narrower numbers become Float64, dictionaries Utf8, timestamps Float64; ArrowTable ->
 *   columns -> ArrowTable also keeps every Int/Float width when the column has no nulls. Strings are
 *   written as UTF-8, lone surrogates as U+FFFD (like TextEncoder).
 * - Shapes only one side can hold: an ArrowTable without rows becomes `[]` as rows (its columns are
 *   lost), one without columns becomes `{}` as a column dict (its row count is lost).
 * - Impossible conversions (a row that is not an object, columns of different lengths, a column mixing
 *   kinds of values, values no column type holds, nested values into an ArrowTable) throw
 *   `StorageClassConversionError` naming the row or column.
 * - Table metadata (the schema's key/value metadata, e.g. `lsst.butler.*` provenance) travels with rows
 *   and column dicts as a non-enumerable {@link TABLE_METADATA} property, so ArrowTable -> columns ->
 *   ArrowTable keeps it; field metadata is not kept.
 *
 * The derived component `schema` of rows and column dicts is a {@link TableSchemaDescription} (it
 * satisfies `isArrowSchema`) naming each field's arrow type as a string (`Float64`), the type the
 * table converted to an ArrowTable would have: derived components are synchronous and do not load
 * apache-arrow.
 */

import { StorageClassConversionError, StorageClassError } from '../errors.js'
import { checkColumnsExist, normalizeColumnsParameter } from './arrow-table.js'
import { estimateJsonSize } from './builtin-types.js'
import { describeValue } from './describe-value.js'
import { isPlainObject, registerConverter, registerStorageClassType } from './storage-class-type.js'

/** Describes a value's type with an article, for messages (`a number`, `an object`, `null`). */
export function aValue(value: unknown): string {
  if (value === null || value === undefined) return String(value)
  const d = describeValue(value)
  return /^[aeiou]/i.test(d) ? `an ${d}` : `a ${d}`
}

/** One row of an `arrow-rows` table. */
export type TableRow = Record<string, unknown>

/** Typed arrays a column dict may hold. */
export type ColumnTypedArray =
  | Float64Array
  | Float32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array
  | BigUint64Array

/** An `arrow-columns` table: column name -> typed array or plain array, all of one length. */
export type TableColumns = Record<string, ColumnTypedArray | unknown[]>

/**
 * Key of the non-enumerable property holding a table's metadata (a `Map<string, string>`, like an
 * apache-arrow schema's) on rows arrays and column dicts.
 */
export const TABLE_METADATA: unique symbol = Symbol.for('data-butler.table-metadata')

/** The table metadata carried by a rows array or column dict, if any. */
export function tableMetadata(obj: object): Map<string, string> | undefined {
  const value = (obj as { [TABLE_METADATA]?: unknown })[TABLE_METADATA]
  if (!(value instanceof Map)) return undefined
  const out = new Map<string, string>()
  for (const [k, v] of value) if (typeof k === 'string' && typeof v === 'string') out.set(k, v)
  return out
}

/**
 * Attaches table metadata to a rows array or column dict (a non-enumerable property, invisible to
 * `Object.keys`, JSON and deep equality) and returns it; empty or absent metadata attaches nothing.
 */
export function withTableMetadata<T extends object>(
  obj: T,
  metadata: ReadonlyMap<string, string> | undefined,
): T {
  if (metadata && metadata.size > 0) {
    Object.defineProperty(obj, TABLE_METADATA, {
      value: new Map(metadata),
      enumerable: false,
      writable: true,
      configurable: true,
    })
  }
  return obj
}

/** How a column is stored in an ArrowTable: its arrow type, by our name. */
export type ColumnKind =
  | 'null'
  | 'bool'
  | 'utf8'
  | 'binary'
  | 'timestamp'
  | 'float32'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  /** Arrays or plain objects: allowed in rows and column dicts, not convertible to an ArrowTable. */
  | 'nested'

/** The apache-arrow type (as `String(type)` prints it) of each column kind. */
export const COLUMN_KIND_ARROW_TYPE: Readonly<Record<Exclude<ColumnKind, 'nested'>, string>> = {
  null: 'Null',
  bool: 'Bool',
  utf8: 'Utf8',
  binary: 'Binary',
  timestamp: 'Timestamp<MILLISECOND>',
  float32: 'Float32',
  float64: 'Float64',
  int8: 'Int8',
  int16: 'Int16',
  int32: 'Int32',
  int64: 'Int64',
  uint8: 'Uint8',
  uint16: 'Uint16',
  uint32: 'Uint32',
  uint64: 'Uint64',
}

const TYPED_ARRAY_KINDS: ReadonlyMap<string, ColumnKind> = new Map<string, ColumnKind>([
  ['Float64Array', 'float64'],
  ['Float32Array', 'float32'],
  ['Int8Array', 'int8'],
  ['Int16Array', 'int16'],
  ['Int32Array', 'int32'],
  ['BigInt64Array', 'int64'],
  ['Uint8Array', 'uint8'],
  ['Uint8ClampedArray', 'uint8'],
  ['Uint16Array', 'uint16'],
  ['Uint32Array', 'uint32'],
  ['BigUint64Array', 'uint64'],
])

/** The column kind of a typed array (by its `Symbol.toStringTag`, so any realm's arrays count), or undefined. */
export function typedArrayKind(value: unknown): ColumnKind | undefined {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return undefined
  return TYPED_ARRAY_KINDS.get((value as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag])
}

/** What a column holds, as inferred from its values. */
export interface ColumnInfo {
  readonly kind: ColumnKind
  readonly nullCount: number
}

/** Constructor of the error to throw for a malformed table (conversion vs. other use). */
export type TableErrorClass = new (message: string) => Error

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const UINT64_MAX = 2n ** 64n - 1n

type ValueKind = 'number' | 'bigint' | 'string' | 'boolean' | 'date' | 'binary' | 'nested'

function valueKind(value: unknown): ValueKind | undefined {
  switch (typeof value) {
    case 'number':
      return 'number'
    case 'bigint':
      return 'bigint'
    case 'string':
      return 'string'
    case 'boolean':
      return 'boolean'
    case 'object':
      if (value instanceof Date) return 'date'
      if (typedArrayKind(value) === 'uint8' && !(value instanceof Uint8ClampedArray)) return 'binary'
      if (Array.isArray(value) || isPlainObject(value)) return 'nested'
      return undefined
    default:
      return undefined
  }
}

/**
 * Infers how a column would be stored in an ArrowTable (see the module comment for the rules);
 * `null` and `undefined` are nulls. Throws `errorClass` naming the column when its values mix kinds
 * or include one no column can hold.
 */
export function inferColumn(
  name: string,
  values: ArrayLike<unknown>,
  errorClass: TableErrorClass,
): ColumnInfo {
  const typed = typedArrayKind(values)
  if (typed) return { kind: typed, nullCount: 0 }
  let kind: ValueKind | undefined
  let firstRow = -1
  let nullCount = 0
  let min = 0n
  let max = 0n
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v === null || v === undefined) {
      nullCount++
      continue
    }
    const k = valueKind(v)
    if (k === undefined) {
      throw new errorClass(`Column '${name}' holds ${aValue(v)} at row ${i}, which no table column can hold`)
    }
    if (kind === undefined) {
      kind = k
      firstRow = i
    } else if (k !== kind) {
      throw new errorClass(
        `Column '${name}' mixes ${kind} values (row ${firstRow}) and ${k} values (row ${i}); a column holds one kind`,
      )
    }
    if (k === 'bigint') {
      const b = v as bigint
      if (b < min) min = b
      if (b > max) max = b
    } else if (k === 'date' && Number.isNaN((v as Date).getTime())) {
      throw new errorClass(`Column '${name}' holds an invalid Date at row ${i}`)
    }
  }
  switch (kind) {
    case undefined:
      return { kind: 'null', nullCount }
    case 'number':
      return { kind: 'float64', nullCount }
    case 'bigint':
      if (min >= INT64_MIN && max <= INT64_MAX) return { kind: 'int64', nullCount }
      if (min >= 0n && max <= UINT64_MAX) return { kind: 'uint64', nullCount }
      throw new errorClass(`Column '${name}' holds bigints outside the int64 and uint64 ranges`)
    case 'string':
      return { kind: 'utf8', nullCount }
    case 'boolean':
      return { kind: 'bool', nullCount }
    case 'date':
      return { kind: 'timestamp', nullCount }
    case 'binary':
      return { kind: 'binary', nullCount }
    case 'nested':
      return { kind: 'nested', nullCount }
  }
}

/** True when `obj` is an `arrow-rows` table: an array whose first element, if any, is a plain object. */
export function isTableRows(obj: unknown): obj is TableRow[] {
  return Array.isArray(obj) && (obj.length === 0 || isPlainObject(obj[0]))
}

/** True when `obj` is an `arrow-columns` table: a plain object whose values are arrays or typed arrays. */
export function isTableColumns(obj: unknown): obj is TableColumns {
  if (!isPlainObject(obj)) return false
  for (const v of Object.values(obj)) if (!Array.isArray(v) && !typedArrayKind(v)) return false
  return true
}

/** Throws `errorClass` naming the first row of `rows` that is not a plain object. */
export function checkRows(rows: unknown, errorClass: TableErrorClass): asserts rows is TableRow[] {
  if (!Array.isArray(rows)) {
    throw new errorClass(`Expected an array of row objects, got ${aValue(rows)}`)
  }
  for (let i = 0; i < rows.length; i++) {
    if (!isPlainObject(rows[i])) {
      throw new errorClass(`Row ${i} is ${aValue(rows[i])}, not a plain object of column values`)
    }
  }
}

/** Column names of rows: the union of their keys in first-seen order (rows must be checked). */
export function rowsColumnNames(rows: readonly TableRow[]): string[] {
  const names = new Set<string>()
  let previous: string[] | undefined
  for (const row of rows) {
    // Most rows have the previous row's keys: compare without allocating (for-in sees only own keys
    // of plain objects unless Object.prototype has enumerable additions; those fall through to keys()).
    if (previous) {
      let i = 0
      let same = true
      for (const k in row) {
        if (k !== previous[i++]) {
          same = false
          break
        }
      }
      if (same && i === previous.length) continue
    }
    previous = Object.keys(row)
    for (const k of previous) names.add(k)
  }
  return [...names]
}

/** One column's values from rows (a missing key or `undefined` is `null`). */
export function rowsColumnValues(rows: readonly TableRow[], name: string): unknown[] {
  const out = new Array<unknown>(rows.length)
  // Names such as `toString` or `__proto__` must not read what rows inherit.
  const inherited = name in Object.prototype
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as TableRow
    const v = inherited && !Object.hasOwn(row, name) ? undefined : row[name]
    out[i] = v === undefined ? null : v
  }
  return out
}

/** Builds rows from columns of values (`undefined` becomes `null`). */
export function buildRows(
  names: readonly string[],
  columns: readonly ArrayLike<unknown>[],
  rowCount: number,
) {
  const rows = new Array<TableRow>(rowCount)
  const proto = names.includes('__proto__')
  for (let r = 0; r < rowCount; r++) {
    const row: TableRow = {}
    for (let c = 0; c < names.length; c++) {
      const v = (columns[c] as ArrayLike<unknown>)[r]
      if (proto) setOwn(row, names[c] as string, v === undefined ? null : v)
      else row[names[c] as string] = v === undefined ? null : v
    }
    rows[r] = row
  }
  return rows
}

/** Checks a column dict and returns its row count; throws `errorClass` naming a ragged or bad column. */
export function checkColumns(columns: unknown, errorClass: TableErrorClass): number {
  if (!isPlainObject(columns)) {
    throw new errorClass(`Expected a plain object of columns, got ${aValue(columns)}`)
  }
  let rows: number | undefined
  let first = ''
  for (const [name, column] of Object.entries(columns)) {
    if (!Array.isArray(column) && !typedArrayKind(column)) {
      throw new errorClass(`Column '${name}' is ${aValue(column)}, not an array or typed array`)
    }
    const length = (column as ArrayLike<unknown>).length
    if (rows === undefined) {
      rows = length
      first = name
    } else if (length !== rows) {
      throw new errorClass(
        `Column '${name}' has ${length} values but column '${first}' has ${rows}; all columns need the same length`,
      )
    }
  }
  return rows ?? 0
}

/**
 * Stores a column of plain values compactly: a Float64Array when every value is a number, a
 * BigInt64Array (BigUint64Array when needed) when every value is a bigint, else the array itself.
 */
export function packColumn(values: unknown[], info: ColumnInfo): ColumnTypedArray | unknown[] {
  if (info.nullCount > 0 || values.length === 0) return values
  if (info.kind === 'float64') return Float64Array.from(values as number[])
  if (info.kind === 'int64') return BigInt64Array.from(values as bigint[])
  if (info.kind === 'uint64') return BigUint64Array.from(values as bigint[])
  return values
}

/** Sets `obj[key] = value`, also for the key `__proto__`. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
  } else {
    obj[key] = value
  }
}

/** A table schema described without apache-arrow (derived component `schema` of rows and column dicts). */
export interface TableSchemaDescription {
  readonly fields: readonly {
    readonly name: string
    /** The apache-arrow type the column gets in an ArrowTable, as `String(type)` prints it. */
    readonly type: string
    readonly nullable: boolean
  }[]
  readonly metadata: Map<string, string>
}

function describeSchema(
  columns: readonly [string, ArrayLike<unknown>][],
  metadata: Map<string, string> | undefined,
) {
  const fields = columns.map(([name, values]) => {
    const info = inferColumn(name, values, StorageClassError)
    if (info.kind === 'nested') {
      throw new StorageClassError(
        `Column '${name}' holds nested values (arrays or objects); it has no arrow type`,
      )
    }
    return { name, type: COLUMN_KIND_ARROW_TYPE[info.kind], nullable: info.nullCount > 0 }
  })
  return { fields, metadata: metadata ?? new Map<string, string>() } satisfies TableSchemaDescription
}

/** The schema an `arrow-rows` table would have as an ArrowTable. */
export function describeRowsSchema(rows: TableRow[]): TableSchemaDescription {
  checkRows(rows, StorageClassError)
  return describeSchema(
    rowsColumnNames(rows).map((n) => [n, rowsColumnValues(rows, n)]),
    tableMetadata(rows),
  )
}

/** The schema an `arrow-columns` table would have as an ArrowTable. */
export function describeColumnsSchema(columns: TableColumns): TableSchemaDescription {
  checkColumns(columns, StorageClassError)
  return describeSchema(Object.entries(columns), tableMetadata(columns))
}

/** Read parameter `columns` on rows: new rows with only those keys, in the given order. */
export function selectRowsColumns(rows: TableRow[], value: unknown): TableRow[] {
  const names = normalizeColumnsParameter(value)
  checkRows(rows, StorageClassError)
  checkColumnsExist(names, rowsColumnNames(rows))
  const out = rows.map((row) => {
    const projected: TableRow = {}
    for (const n of names) if (Object.hasOwn(row, n)) setOwn(projected, n, row[n])
    return projected
  })
  return withTableMetadata(out, tableMetadata(rows))
}

/** Read parameter `columns` on a column dict: a new dict with only those columns (shared), in order. */
export function selectColumnsColumns(columns: TableColumns, value: unknown): TableColumns {
  const names = normalizeColumnsParameter(value)
  checkColumnsExist(names, Object.keys(columns))
  const out: TableColumns = {}
  for (const n of names) setOwn(out, n, columns[n])
  return withTableMetadata(out, tableMetadata(columns))
}

/** Converter `rowsToColumns`: rows -> column dict (see the module comment for the value rules). */
export function rowsToColumns(obj: unknown): TableColumns {
  checkRows(obj, StorageClassConversionError)
  const out: TableColumns = {}
  for (const name of rowsColumnNames(obj)) {
    const values = rowsColumnValues(obj, name)
    setOwn(out, name, packColumn(values, inferColumn(name, values, StorageClassConversionError)))
  }
  return withTableMetadata(out, tableMetadata(obj))
}

/** Converter `columnsToRows`: column dict -> rows (typed-array values become numbers or bigints). */
export function columnsToRows(obj: unknown): TableRow[] {
  const n = checkColumns(obj, StorageClassConversionError)
  const columns = Object.entries(obj as TableColumns)
  for (const [name, values] of columns) inferColumn(name, values, StorageClassConversionError)
  const rows = buildRows(
    columns.map(([name]) => name),
    columns.map(([, values]) => values),
    n,
  )
  return withTableMetadata(rows, tableMetadata(obj as object))
}

let convertModule: Promise<typeof import('./table-convert.js')> | undefined

/** Loads the apache-arrow side of the converters once. */
function loadConvert(): Promise<typeof import('./table-convert.js')> {
  convertModule ??= import('./table-convert.js').catch((cause: unknown) => {
    convertModule = undefined
    throw new StorageClassConversionError(
      `Converting tables needs the package 'apache-arrow': ${(cause as Error).message}`,
      { cause },
    )
  })
  return convertModule
}

registerStorageClassType('arrow-rows', {
  description: 'an array of row objects',
  isInstance: isTableRows,
  derived: {
    columns: (rows: TableRow[]) => {
      checkRows(rows, StorageClassError)
      return rowsColumnNames(rows)
    },
    rowcount: (rows: TableRow[]) => rows.length,
    schema: describeRowsSchema,
  },
  parameters: { columns: selectRowsColumns },
  sizeOf: estimateJsonSize,
})

registerStorageClassType('arrow-columns', {
  description: 'a plain object of equal-length column arrays',
  isInstance: isTableColumns,
  derived: {
    columns: (columns: TableColumns) => Object.keys(columns),
    rowcount: (columns: TableColumns) => checkColumns(columns, StorageClassError),
    schema: describeColumnsSchema,
  },
  parameters: { columns: selectColumnsColumns },
  sizeOf: estimateJsonSize,
})

registerConverter('rowsToColumns', rowsToColumns)
registerConverter('columnsToRows', columnsToRows)
registerConverter('arrowTableToRows', async (obj) => (await loadConvert()).arrowTableToRows(obj))
registerConverter('rowsToArrowTable', async (obj) => (await loadConvert()).rowsToArrowTable(obj))
registerConverter('arrowTableToColumns', async (obj) => (await loadConvert()).arrowTableToColumns(obj))
registerConverter('columnsToArrowTable', async (obj) => (await loadConvert()).columnsToArrowTable(obj))
