/**
 * NumPy `.npy` files (format versions 1.0, 2.0 and 3.0) for the `NumpyArray` storage class.
 *
 * Layout: magic `\x93NUMPY`, major and minor version bytes, header length (uint16 in 1.0, uint32 in
 * 2.0/3.0), then a Python dict literal `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`
 * padded with spaces and a newline so the array data starts at a multiple of 64 bytes, then the raw
 * elements. Writing never copies the array and reading returns a view on the input bytes whenever the
 * data is aligned for its element type and in host byte order.
 */

import {
  NDARRAY_CONSTRUCTORS,
  type NdArray,
  type NdArrayData,
  type NdArrayDType,
  resolveRowSlice,
  shapeSize,
  sliceRows,
} from '../datasets/ndarray.js'
import { FormatterError, ReadParameterError } from '../errors.js'
import {
  checkDecoded,
  checkWrite,
  decodeError,
  type Formatter,
  type FormatterReadContext,
  type FormatterWriteContext,
} from './formatter.js'

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] // \x93NUMPY
const ALIGNMENT = 64
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** NumPy type code (kind + item size) of each dtype. */
const TYPE_CODES: Readonly<Record<NdArrayDType, string>> = {
  float64: 'f8',
  float32: 'f4',
  int8: 'i1',
  int16: 'i2',
  int32: 'i4',
  int64: 'i8',
  uint8: 'u1',
  uint16: 'u2',
  uint32: 'u4',
  uint64: 'u8',
  bool: 'b1',
}
const DTYPE_BY_CODE = new Map(
  Object.entries(TYPE_CODES).map(([dtype, code]) => [code, dtype as NdArrayDType]),
)

/** The parsed `.npy` header. */
interface NpyHeader {
  readonly dtype: NdArrayDType
  /** Whether the file's multi-byte elements are little-endian. */
  readonly littleEndian: boolean
  readonly fortranOrder: boolean
  readonly shape: readonly number[]
  /** Offset of the first data byte from the start of the file. */
  readonly dataOffset: number
}

/** Returns the `descr` NumPy writes for a dtype in host byte order (`<f8`, `|u1`). */
export function npyDescr(dtype: NdArrayDType): string {
  const code = TYPE_CODES[dtype]
  return `${code.endsWith('1') ? '|' : HOST_LITTLE_ENDIAN ? '<' : '>'}${code}`
}

/** Builds the `.npy` preamble and header for an array; its length is a multiple of 64. */
export function encodeNpyHeader(dtype: NdArrayDType, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`
  const dict = `{'descr': '${npyDescr(dtype)}', 'fortran_order': False, 'shape': ${shapeText}, }`
  for (const [major, preamble] of [
    [1, 10],
    [2, 12],
  ] as const) {
    const total = Math.ceil((preamble + dict.length + 1) / ALIGNMENT) * ALIGNMENT
    const headerLength = total - preamble
    if (major === 1 && headerLength > 0xffff) continue
    const out = new Uint8Array(total)
    out.set(MAGIC)
    out[6] = major
    out[7] = 0
    const view = new DataView(out.buffer)
    if (major === 1) view.setUint16(8, headerLength, true)
    else view.setUint32(8, headerLength, true)
    const text = dict.padEnd(headerLength - 1, ' ') + '\n'
    for (let i = 0; i < text.length; i++) out[preamble + i] = text.charCodeAt(i)
    return out
  }
  throw new FormatterError('NpyFormatter: array header too large')
}

/** Parses the preamble and header of a `.npy` file; throws a message string on malformed input. */
function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    throw 'it does not start with the NPY magic string'
  const major = bytes[6]
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let preamble: number
  let headerLength: number
  if (major === 1) {
    preamble = 10
    headerLength = view.getUint16(8, true)
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw 'the header is truncated'
    preamble = 12
    headerLength = view.getUint32(8, true)
  } else {
    throw `unsupported NPY format version ${major}.${bytes[7]}`
  }
  const dataOffset = preamble + headerLength
  if (dataOffset > bytes.length) throw 'the header is truncated'
  const decoder = new TextDecoder(major === 3 ? 'utf-8' : 'latin1')
  const text = decoder.decode(bytes.subarray(preamble, dataOffset)).trim()
  if (!text.startsWith('{') || !text.endsWith('}'))
    throw `the header is not a dict literal: ${text.slice(0, 80)}`

  const descrMatch = /['"]descr['"]\s*:\s*['"]([<>|=])([a-z])(\d+)['"]/.exec(text)
  if (!descrMatch) {
    const raw = /['"]descr['"]\s*:\s*([^,]+)/.exec(text)?.[1] ?? 'missing'
    throw `unsupported or missing dtype ${raw} (only simple numeric and bool dtypes are supported)`
  }
  const [, order, kind, size] = descrMatch
  const dtype = DTYPE_BY_CODE.get(`${kind}${size}`)
  if (!dtype) throw `unsupported dtype '${order}${kind}${size}'`
  const fortranMatch = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)
  if (!fortranMatch) throw 'the header has no fortran_order'
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)
  if (!shapeMatch) throw 'the header has no shape'
  const shape = (shapeMatch[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      if (!/^\d+L?$/.test(s)) throw `invalid shape entry '${s}'`
      return Number.parseInt(s, 10)
    })
  return {
    dtype,
    littleEndian: order === '<' || (order !== '>' && HOST_LITTLE_ENDIAN),
    fortranOrder: fortranMatch[1] === 'True',
    shape,
    dataOffset,
  }
}

/** Reverses the bytes of every element in place. */
function swapBytes(bytes: Uint8Array, itemSize: number): void {
  for (let i = 0; i < bytes.length; i += itemSize) {
    for (let a = i, b = i + itemSize - 1; a < b; a++, b--) {
      const t = bytes[a]!
      bytes[a] = bytes[b]!
      bytes[b] = t
    }
  }
}

/** Copies Fortran-ordered elements into a new C-ordered array of the same type. */
function fortranToC(data: NdArrayData, shape: readonly number[]): NdArrayData {
  const out = new (data.constructor as new (n: number) => NdArrayData)(data.length)
  const src = data as unknown as { [i: number]: number | bigint }
  const dst = out as unknown as { [i: number]: number | bigint }
  const strides: number[] = []
  let stride = 1
  for (const d of shape) {
    strides.push(stride)
    stride *= d
  }
  const index = shape.map(() => 0)
  for (let c = 0; c < data.length; c++) {
    let f = 0
    for (let d = 0; d < shape.length; d++) f += index[d]! * strides[d]!
    dst[c] = src[f]!
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break
      index[d] = 0
    }
  }
  return out
}

/**
 * Writes and reads NumPy `.npy` files. `toBytes` returns `[header, the array's own bytes]`; `fromBytes`
 * returns a typed-array view on the input (copying only when the data is misaligned, byte-swapped or in
 * Fortran order) and applies the `slice` read parameter by viewing only the selected rows.
 */
export class NpyFormatter implements Formatter {
  readonly name = 'NpyFormatter'
  readonly extension = '.npy'
  readonly supportedExtensions = ['.npy'] as const

  async toBytes(obj: unknown, ctx: FormatterWriteContext): Promise<Uint8Array[]> {
    checkWrite(this, obj, ctx, { types: ['ndarray'], writeParameters: [] })
    const array = obj as NdArray
    const { data } = array
    return [
      encodeNpyHeader(array.dtype, array.shape),
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    ]
  }

  async fromBytes(
    bytes: Uint8Array,
    ctx: FormatterReadContext,
  ): Promise<{ value: unknown; appliedParameters: readonly string[] }> {
    let header: NpyHeader
    try {
      header = parseNpyHeader(bytes)
    } catch (reason) {
      if (typeof reason !== 'string') throw reason
      throw decodeError(this, ctx, reason)
    }
    const { dtype, shape, dataOffset } = header
    const Ctor = NDARRAY_CONSTRUCTORS[dtype]
    const itemSize = Ctor.BYTES_PER_ELEMENT
    const count = shapeSize(shape)
    const available = bytes.length - dataOffset
    if (available !== count * itemSize) {
      const shapeText = `(${shape.join(', ')})`
      throw decodeError(
        this,
        ctx,
        available < count * itemSize
          ? `the data is truncated: shape ${shapeText} needs ${count * itemSize} bytes, the file has ${available}`
          : `${available - count * itemSize} unexpected bytes follow the data of shape ${shapeText}`,
      )
    }

    const sliceParam = ctx.readParameters.slice
    const applied: string[] = []
    let first = 0
    let rows = shape[0]
    const rowSize = shapeSize(shape.slice(1))
    // Fortran-ordered files are rearranged (copied) first; C-ordered ones are sliced while viewing.
    const sliceWhileViewing = sliceParam !== undefined && !header.fortranOrder
    if (sliceWhileViewing) {
      if (rows === undefined) throw new ReadParameterError('Cannot slice rows of a 0-dimensional array')
      const [start, stop] = resolveRowSlice(sliceParam, rows)
      first = start
      rows = stop - start
      applied.push('slice')
    }
    const finalShape = rows === undefined ? [] : [rows, ...shape.slice(1)]
    const begin = dataOffset + first * rowSize * itemSize
    const length = shapeSize(finalShape)
    const needsCopy =
      (bytes.byteOffset + begin) % itemSize !== 0 ||
      (itemSize > 1 && header.littleEndian !== HOST_LITTLE_ENDIAN)
    let data: NdArrayData
    if (needsCopy) {
      // Not `bytes.slice`: on a Node Buffer that is a view, and the swap below would corrupt the input.
      const copy = new Uint8Array(length * itemSize)
      copy.set(bytes.subarray(begin, begin + length * itemSize))
      if (itemSize > 1 && header.littleEndian !== HOST_LITTLE_ENDIAN) swapBytes(copy, itemSize)
      data = new Ctor(copy.buffer, 0, length)
    } else {
      data = new Ctor(bytes.buffer, bytes.byteOffset + begin, length)
    }
    let value = { dtype, shape: finalShape, data } as NdArray
    if (header.fortranOrder && shape.length > 1) {
      value = { dtype, shape: finalShape, data: fortranToC(data, shape) } as NdArray
    }
    if (sliceParam !== undefined && !sliceWhileViewing) {
      if (rows === undefined) throw new ReadParameterError('Cannot slice rows of a 0-dimensional array')
      value = sliceRows(value, ...resolveRowSlice(sliceParam, rows))
      applied.push('slice')
    }
    checkDecoded(this, value, ctx)
    return { value, appliedParameters: applied }
  }
}
