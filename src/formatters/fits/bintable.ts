/**
 * FITS binary tables (BINTABLE extensions) with fixed-width columns.
 *
 * In memory a table is `{ rows, columns }`; each column holds the values of all rows, row-major for vector
 * columns (`repeat` elements per row):
 *
 * | TFORM | values                                   | notes                                               |
 * | ----- | ---------------------------------------- | --------------------------------------------------- |
 * | rL    | `(boolean \| null)[]`                    | `null` is FITS's undefined logical (a zero byte)    |
 * | rB    | `Uint8Array`, or `Int8Array` (TZERO -128) |                                                     |
 * | rI    | `Int16Array`, or `Uint16Array` (TZERO 32768) |                                                 |
 * | rJ    | `Int32Array`, or `Uint32Array` (TZERO 2147483648) |                                            |
 * | rK    | `BigInt64Array`, or `BigUint64Array` (TZERO 9223372036854775808) |                             |
 * | rE    | `Float32Array`                           | NaN is the null value                               |
 * | rD    | `Float64Array`                           | NaN is the null value                               |
 * | wA    | `string[]`, one per row                  | `repeat` = width; right-padded with spaces on write, |
 * |       |                                          | trailing spaces (and anything after a NUL) dropped on read; ASCII only |
 *
 * Integer columns may have a `nullValue` (TNULLn; given and returned in the same terms as the values, i.e.
 * after TZERO). On read, TSCALn/TZEROn other than the unsigned conventions give `Float64Array` physical
 * values (`TZERO + TSCAL * stored`, NaN for TNULL). Variable-length (P/Q), bit (X) and complex (C/M) columns
 * are not supported: reading a table with one throws `FormatterError` naming the column.
 */

import type { NdArrayData } from '../../datasets/ndarray.js'
import { CorruptArtifactError, FormatterError } from '../../errors.js'
import type { FitsCard, FitsHeader, FitsValue } from './header.js'
import { decodeRows, encodeRows, type FitsBitpix, paddedSize, unscaledDecoding } from './image.js'

/** The values of one column (see the module comment for which TFORM each gives). */
export type FitsColumnValues =
  | Float64Array
  | Float32Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[]
  | (boolean | null)[]

/** One column of a binary table. */
export interface FitsColumn {
  /** TTYPEn; on read `col<n>` (1-based) when the file has none. Empty on write: no TTYPEn card. */
  readonly name: string
  /** All rows' values; `rows * repeat` elements (`rows` strings for `A` columns). */
  readonly values: FitsColumnValues
  /**
   * Elements per row; characters per string for `A` columns. Defaults on write to 1, and for strings to
   * the longest value's length (at least 1).
   */
  readonly repeat?: number
  /** TUNITn. */
  readonly unit?: string
  /** For integer columns: the value meaning null (TNULLn), in the same terms as `values`. */
  readonly nullValue?: number | bigint
  /**
   * TFORMn as read (`1D`, `10E`, `16A`). On write it is derived from `values` and `repeat`; it matters only
   * for an empty plain array (no rows), where a format ending in `L` makes a logical column (default `A`).
   */
  readonly format?: string
}

/** A binary table: `rows` rows of `columns`. */
export interface FitsTable {
  readonly rows: number
  readonly columns: readonly FitsColumn[]
}

type Letter = 'L' | 'X' | 'B' | 'I' | 'J' | 'K' | 'A' | 'E' | 'D' | 'C' | 'M' | 'P' | 'Q'
const LETTER_BYTES: Readonly<Record<Letter, number>> = {
  L: 1,
  X: 0, // bits: ceil(repeat / 8) bytes
  B: 1,
  I: 2,
  J: 4,
  K: 8,
  A: 1,
  E: 4,
  D: 8,
  C: 8,
  M: 16,
  P: 8,
  Q: 16,
}
const UNSUPPORTED: Readonly<Partial<Record<Letter, string>>> = {
  X: 'bit',
  C: 'complex',
  M: 'double complex',
  P: 'variable-length array',
  Q: 'variable-length array (64-bit descriptors)',
}
/** The image BITPIX of the same elements as each numeric letter. */
const LETTER_BITPIX: Readonly<Partial<Record<Letter, FitsBitpix>>> = {
  B: 8,
  I: 16,
  J: 32,
  K: 64,
  E: -32,
  D: -64,
}
/** TZERO of the sign-flip convention (int8 / unsigned integers) of each integer letter. */
const FLIP_ZERO: Readonly<Partial<Record<Letter, bigint>>> = {
  B: -128n,
  I: 32768n,
  J: 2147483648n,
  K: 9223372036854775808n,
}

/** Most rows accepted in a table whose rows are zero bytes wide (the file size cannot bound them). */
const MAX_EMPTY_ROWS = 1 << 20

/** How a column is laid out in a row. */
interface ColumnLayout {
  readonly letter: Letter
  readonly repeat: number
  /** Byte offset within the row. */
  readonly offset: number
  /** Bytes per row. */
  readonly bytes: number
  /** Uses the sign-flip TZERO convention. */
  readonly flip: boolean
}

function bytesOf(letter: Letter, repeat: number): number {
  return letter === 'X' ? Math.ceil(repeat / 8) : LETTER_BYTES[letter] * repeat
}

/** What kind of column a typed array (or plain array) is written as. */
function columnKind(column: FitsColumn): { letter: Letter; flip: boolean } {
  const v = column.values
  if (v instanceof Float64Array) return { letter: 'D', flip: false }
  if (v instanceof Float32Array) return { letter: 'E', flip: false }
  if (v instanceof Int8Array) return { letter: 'B', flip: true }
  if (v instanceof Uint8Array) return { letter: 'B', flip: false }
  if (v instanceof Int16Array) return { letter: 'I', flip: false }
  if (v instanceof Uint16Array) return { letter: 'I', flip: true }
  if (v instanceof Int32Array) return { letter: 'J', flip: false }
  if (v instanceof Uint32Array) return { letter: 'J', flip: true }
  if (v instanceof BigInt64Array) return { letter: 'K', flip: false }
  if (v instanceof BigUint64Array) return { letter: 'K', flip: true }
  if (Array.isArray(v)) {
    const values = v as unknown[]
    if (values.length === 0) {
      return { letter: column.format?.trim().toUpperCase().endsWith('L') ? 'L' : 'A', flip: false }
    }
    if (values.every((x) => typeof x === 'string')) return { letter: 'A', flip: false }
    if (values.every((x) => typeof x === 'boolean' || x === null)) return { letter: 'L', flip: false }
  }
  throw new FormatterError(
    `FITS table column ${JSON.stringify(column.name)} must hold a typed array, strings or booleans/nulls`,
  )
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 32 || c > 126) return false
  }
  return true
}

/** The structural cards and the padded data of a table, ready to write. */
export interface EncodedBinTable {
  /** NAXIS1: bytes per row. */
  readonly rowBytes: number
  /** TFIELDS and the TTYPEn/TFORMn/TUNITn/TNULLn/TZEROn cards. */
  readonly cards: FitsCard[]
  /** Row data, zero-padded to whole blocks. */
  readonly data: Uint8Array
}

/** Encodes a table's rows; throws `FormatterError` for inconsistent or unwritable columns. */
export function encodeBinTable(table: FitsTable): EncodedBinTable {
  const { rows, columns } = table
  if (!Number.isSafeInteger(rows) || rows < 0)
    throw new FormatterError(`FITS table rows must be ≥ 0, got ${rows}`)
  if (columns.length > 999)
    throw new FormatterError(`FITS tables hold at most 999 columns, got ${columns.length}`)
  const cards: FitsCard[] = [{ key: 'TFIELDS', value: columns.length, comment: 'number of table fields' }]
  const layouts: ColumnLayout[] = []
  const names = new Set<string>()
  let offset = 0
  columns.forEach((column, i) => {
    const n = i + 1
    const label = `FITS table column ${JSON.stringify(column.name)}`
    if (typeof column.name !== 'string') throw new FormatterError(`FITS table column ${n} has no name`)
    if (column.name !== '') {
      const lower = column.name.toLowerCase()
      if (names.has(lower)) throw new FormatterError(`${label} appears twice`)
      names.add(lower)
    }
    const { letter, flip } = columnKind(column)
    let repeat = column.repeat
    if (letter === 'A') {
      const strings = column.values as string[]
      if (strings.length !== rows)
        throw new FormatterError(`${label} has ${strings.length} strings for ${rows} rows`)
      const longest = strings.reduce((m, s) => Math.max(m, s.length), 0)
      repeat ??= Math.max(longest, 1)
      for (const s of strings) {
        if (!isAscii(s)) throw new FormatterError(`${label} holds a string that is not printable ASCII`)
        if (s.length > repeat)
          throw new FormatterError(`${label} holds a string longer than its width ${repeat}`)
      }
    } else {
      repeat ??= 1
      if (Number.isSafeInteger(repeat) && column.values.length !== rows * repeat) {
        throw new FormatterError(
          `${label} has ${column.values.length} values for ${rows} rows of ${repeat} element(s)`,
        )
      }
    }
    if (!Number.isSafeInteger(repeat) || repeat < 0)
      throw new FormatterError(`${label} has invalid repeat ${repeat}`)
    const bytes = bytesOf(letter, repeat)
    layouts.push({ letter, repeat, offset, bytes, flip })
    offset += bytes
    if (column.name !== '') cards.push({ key: `TTYPE${n}`, value: column.name, comment: 'label for field' })
    cards.push({ key: `TFORM${n}`, value: `${repeat}${letter}`, comment: 'data format of field' })
    if (column.unit !== undefined && column.unit !== '') cards.push({ key: `TUNIT${n}`, value: column.unit })
    const zero = flip ? FLIP_ZERO[letter]! : 0n
    if (column.nullValue !== undefined) {
      if (!'BIJK'.includes(letter))
        throw new FormatterError(`${label}: only integer columns take a nullValue`)
      const stored = storedNull(column.nullValue, zero, letter, label)
      cards.push({ key: `TNULL${n}`, value: stored })
    }
    if (flip) cards.push({ key: `TZERO${n}`, value: zero, comment: 'offset for unsigned integers' })
  })
  if (!Number.isSafeInteger(offset * rows)) throw new FormatterError('FITS table is too large')
  const rowBytes = offset
  const data = new Uint8Array(paddedSize(rowBytes * rows))
  for (const [i, column] of columns.entries()) writeColumn(data, column.values, layouts[i]!, rowBytes, rows)
  return { rowBytes, cards, data }
}

function storedNull(value: number | bigint, zero: bigint, letter: Letter, label: string): number | bigint {
  const bits = BigInt(LETTER_BYTES[letter] * 8)
  let v: bigint
  try {
    v = BigInt(value)
  } catch {
    throw new FormatterError(`${label}: nullValue ${String(value)} is not an integer`)
  }
  const stored = v - zero
  const min = letter === 'B' ? 0n : -(1n << (bits - 1n))
  const max = letter === 'B' ? 255n : (1n << (bits - 1n)) - 1n
  if (stored < min || stored > max)
    throw new FormatterError(`${label}: nullValue ${String(value)} is out of range`)
  return letter === 'K' ? stored : Number(stored)
}

function writeColumn(
  bytes: Uint8Array,
  values: FitsColumnValues,
  layout: ColumnLayout,
  rowBytes: number,
  rows: number,
): void {
  const { letter, repeat, offset, flip } = layout
  if (letter === 'A') {
    const strings = values as string[]
    for (let r = 0; r < rows; r++) {
      const base = r * rowBytes + offset
      const s = strings[r]!
      let k = 0
      for (; k < s.length; k++) bytes[base + k] = s.charCodeAt(k)
      for (; k < repeat; k++) bytes[base + k] = 0x20
    }
    return
  }
  if (letter === 'L') {
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < repeat; k++) {
        const v = values[r * repeat + k]
        bytes[r * rowBytes + offset + k] = v === true ? 0x54 : v === false ? 0x46 : 0
      }
    }
    return
  }
  const where = { rows, rowBytes, start: offset, width: repeat }
  encodeRows(values as NdArrayData, LETTER_BYTES[letter], flip, bytes, where)
}

function intCard(header: FitsHeader, key: string, context: string): number | undefined {
  const v = header.get(key)
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw new CorruptArtifactError(`${context}: ${key} must be an integer, got ${String(v)}`)
  }
  return v
}

function numberCard(header: FitsHeader, key: string, context: string): number | bigint | undefined {
  const v = header.get(key)
  if (v === undefined) return undefined
  if (typeof v !== 'number' && typeof v !== 'bigint') {
    throw new CorruptArtifactError(`${context}: ${key} must be a number, got ${JSON.stringify(v)}`)
  }
  return v
}

function equalsBig(value: number | bigint, target: bigint): boolean {
  if (typeof value === 'bigint') return value === target
  return Number.isInteger(value) && BigInt(value) === target
}

function stringCard(header: FitsHeader, key: string): string | undefined {
  const v: FitsValue | undefined = header.get(key)
  return typeof v === 'string' ? v : undefined
}

/**
 * Decodes the rows of a BINTABLE (`data` holds at least `NAXIS1 * NAXIS2` bytes) into columns. Throws
 * `CorruptArtifactError` for inconsistent headers and `FormatterError` for unsupported column types.
 */
export function decodeBinTable(header: FitsHeader, data: Uint8Array, context: string): FitsTable {
  const rowBytes = intCard(header, 'NAXIS1', context) ?? 0
  const rows = intCard(header, 'NAXIS2', context) ?? 0
  const fields = intCard(header, 'TFIELDS', context)
  if (fields === undefined || fields < 0 || fields > 999) {
    throw new CorruptArtifactError(`${context}: BINTABLE needs TFIELDS between 0 and 999`)
  }
  if (data.length < rowBytes * rows) throw new CorruptArtifactError(`${context}: table data is truncated`)
  if (rowBytes === 0 && rows > MAX_EMPTY_ROWS) {
    throw new CorruptArtifactError(
      `${context}: ${rows} rows of zero bytes (NAXIS1 = 0) is not a plausible table`,
    )
  }
  const layouts: ColumnLayout[] = []
  const forms: string[] = []
  let offset = 0
  for (let n = 1; n <= fields; n++) {
    const form = stringCard(header, `TFORM${n}`)
    if (form === undefined) throw new CorruptArtifactError(`${context}: TFORM${n} is missing`)
    const m = /^\s*(\d*)([LXBIJKAEDCMPQ])(.*)$/i.exec(form)
    if (!m) throw new CorruptArtifactError(`${context}: TFORM${n} = '${form}' is not a valid format`)
    const repeat = m[1] === '' ? 1 : Number(m[1])
    const letter = m[2]!.toUpperCase() as Letter
    if (!Number.isSafeInteger(repeat))
      throw new CorruptArtifactError(`${context}: TFORM${n} repeat is too large`)
    const bytes = bytesOf(letter, repeat)
    layouts.push({ letter, repeat, offset, bytes, flip: false })
    forms.push(form.trim())
    offset += bytes
  }
  if (offset !== rowBytes) {
    throw new CorruptArtifactError(
      `${context}: the TFORMn add up to ${offset} bytes per row but NAXIS1 = ${rowBytes}`,
    )
  }
  const columns: FitsColumn[] = layouts.map((layout, i) => {
    const n = i + 1
    const name = stringCard(header, `TTYPE${n}`) ?? `col${n}`
    const unsupported = UNSUPPORTED[layout.letter]
    if (unsupported) {
      throw new FormatterError(
        `${context}: column ${JSON.stringify(name)} (TFORM${n} = '${forms[i]}') is a ${unsupported} column, which is not supported`,
      )
    }
    const unit = stringCard(header, `TUNIT${n}`)
    const { values, nullValue } = readColumn(data, layout, rowBytes, rows, header, n, context)
    const column: FitsColumn = { name, values, repeat: layout.repeat, format: forms[i]! }
    return {
      ...column,
      ...(unit !== undefined && unit !== '' ? { unit } : {}),
      ...(nullValue !== undefined ? { nullValue } : {}),
    }
  })
  return { rows, columns }
}

function readColumn(
  bytes: Uint8Array,
  layout: ColumnLayout,
  rowBytes: number,
  rows: number,
  header: FitsHeader,
  n: number,
  context: string,
): { values: FitsColumnValues; nullValue?: number | bigint } {
  const { letter, repeat, offset } = layout
  const count = rows * repeat
  const at = (r: number, k: number) => r * rowBytes + offset + k * LETTER_BYTES[letter]
  if (letter === 'A') {
    const out: string[] = new Array(rows)
    for (let r = 0; r < rows; r++) {
      const base = r * rowBytes + offset
      let end = base
      while (end < base + repeat && bytes[end] !== 0) end++
      let s = ''
      for (let i = base; i < end; i++) s += String.fromCharCode(bytes[i]!)
      out[r] = s.replace(/ +$/, '')
    }
    return { values: out }
  }
  if (letter === 'L') {
    const out: (boolean | null)[] = new Array(count)
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < repeat; k++) {
        const b = bytes[at(r, k)]
        out[r * repeat + k] = b === 0x54 ? true : b === 0x46 ? false : null
      }
    }
    return { values: out }
  }
  const bitpix = LETTER_BITPIX[letter]
  if (bitpix === undefined) throw new FormatterError(`FITS column type ${letter} is not supported`)
  const tscal = numberCard(header, `TSCAL${n}`, context) ?? 1
  const tzero = numberCard(header, `TZERO${n}`, context) ?? 0
  const tnull = 'BIJK'.includes(letter) ? numberCard(header, `TNULL${n}`, context) : undefined
  const identity = equalsBig(tscal, 1n) && Number(tzero) === 0
  const flipZero = FLIP_ZERO[letter]
  const flip = equalsBig(tscal, 1n) && flipZero !== undefined && equalsBig(tzero, flipZero)
  const where = { rows, rowBytes, start: offset, width: repeat }
  if (identity || flip) {
    const raw = decodeRows(bytes, unscaledDecoding(bitpix, flip), where)
    if (tnull === undefined) return { values: raw }
    if (typeof tnull === 'number' && !Number.isSafeInteger(tnull)) {
      throw new CorruptArtifactError(`${context}: TNULL${n} must be an integer, got ${tnull}`)
    }
    const zero = flip ? flipZero! : 0n
    if (letter === 'K') {
      const stored = BigInt(tnull)
      return { values: raw, nullValue: flip ? BigInt.asUintN(64, stored + zero) : BigInt.asIntN(64, stored) }
    }
    return { values: raw, nullValue: Number(tnull) + Number(zero) }
  }
  // General scaling: physical = TZERO + TSCAL * stored, as float64; TNULL becomes NaN.
  const raw = decodeRows(bytes, unscaledDecoding(bitpix, false), where)
  const out = new Float64Array(count)
  const scale = Number(tscal)
  const zero = Number(tzero)
  const nullStored = tnull === undefined ? undefined : Number(tnull)
  for (let i = 0; i < count; i++) {
    const s = Number(raw[i]!)
    out[i] = s === nullStored ? Number.NaN : zero + scale * s
  }
  return { values: out }
}

/** A value of a one-row table as a plain object entry. */
export type FitsRecordValue = string | number | bigint | boolean | null

/**
 * Builds a one-row table from a plain object (undefined entries skipped): strings → `A` (width = length,
 * at least 1), numbers → `D` (float64, exact), bigints → `K` (or `K` with the unsigned TZERO above 2^63-1),
 * booleans → `L`, `null` → an `L` column holding FITS's undefined logical (read back as `null`).
 */
export function recordToTable(record: Readonly<Record<string, FitsRecordValue | undefined>>): FitsTable {
  const columns: FitsColumn[] = []
  for (const [name, value] of Object.entries(record)) {
    if (value === undefined) continue
    let values: FitsColumnValues
    if (typeof value === 'string') values = [value]
    else if (typeof value === 'number') values = Float64Array.of(value)
    else if (typeof value === 'bigint') {
      if (value >= -(1n << 63n) && value < 1n << 63n) values = BigInt64Array.of(value)
      else if (value >= 0n && value < 1n << 64n) values = BigUint64Array.of(value)
      else throw new FormatterError(`FITS table value of ${name} does not fit 64 bits: ${value}`)
    } else if (typeof value === 'boolean' || value === null) values = [value]
    else throw new FormatterError(`FITS table value of ${name} must be a scalar, got ${typeof value}`)
    columns.push({ name, values })
  }
  return { rows: 1, columns }
}

/**
 * Reads a one-row table as a plain object keyed by column name: `A` → string, `L` → boolean or null, numeric
 * → number (bigint for 64-bit integer columns), an integer equal to the column's `nullValue` → null;
 * columns with `repeat` ≠ 1 (other than strings) give arrays. Throws `FormatterError` unless there is exactly
 * one row.
 */
export function tableToRecord(table: FitsTable): Record<string, FitsRecordValue | FitsRecordValue[]> {
  if (table.rows !== 1) throw new FormatterError(`Expected a one-row FITS table, got ${table.rows} rows`)
  const out: Record<string, FitsRecordValue | FitsRecordValue[]> = {}
  for (const column of table.columns) {
    const v = column.values
    if (Array.isArray(v) && v.length > 0 && typeof v[0] === 'string') {
      out[column.name] = v[0] as string
      continue
    }
    const items: FitsRecordValue[] = Array.from(v as ArrayLike<FitsRecordValue>, (x) =>
      column.nullValue !== undefined && x === column.nullValue ? null : x,
    )
    const repeat = column.repeat ?? items.length
    out[column.name] = repeat === 1 ? (items[0] ?? null) : items
  }
  return out
}
