/**
 * N-dimensional arrays: a typed array plus a dtype and a shape, in C (row-major) order.
 *
 * This is the in-memory type of the `NumpyArray` storage class. It is deliberately a plain object, so
 * a caller can build one literally and a formatter can return a view on file bytes without copying.
 */

import { ReadParameterError, StorageClassError } from '../errors.js'
import { describeValue } from './describe-value.js'

/** The typed array that holds the elements of each dtype. */
export interface NdArrayDataByDType {
  float64: Float64Array
  float32: Float32Array
  int8: Int8Array
  int16: Int16Array
  int32: Int32Array
  int64: BigInt64Array
  uint8: Uint8Array
  uint16: Uint16Array
  uint32: Uint32Array
  uint64: BigUint64Array
  /** One byte per element, 0 or 1 (NumPy's `bool_`). */
  bool: Uint8Array
}

/** Element type name of an {@link NdArray}, as NumPy spells it. */
export type NdArrayDType = keyof NdArrayDataByDType

/** Any typed array that can back an {@link NdArray}. */
export type NdArrayData = NdArrayDataByDType[NdArrayDType]

/** An n-dimensional array of one dtype; `data` holds exactly `product(shape)` elements in C order. */
export type NdArray = {
  [D in NdArrayDType]: {
    readonly dtype: D
    readonly shape: readonly number[]
    readonly data: NdArrayDataByDType[D]
  }
}[NdArrayDType]

type TypedArrayConstructor<T> = {
  new (length: number): T
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T
  readonly BYTES_PER_ELEMENT: number
}

/** The typed-array constructor of each dtype. */
export const NDARRAY_CONSTRUCTORS: {
  readonly [D in NdArrayDType]: TypedArrayConstructor<NdArrayDataByDType[D]>
} = {
  float64: Float64Array,
  float32: Float32Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
}

/** Every supported dtype name. */
export const NDARRAY_DTYPES: readonly NdArrayDType[] = Object.keys(NDARRAY_CONSTRUCTORS) as NdArrayDType[]

/** Returns the number of elements an array of this shape holds (1 for a 0-d array). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1
  for (const d of shape) n *= d
  return n
}

function isShape(shape: unknown): shape is readonly number[] {
  return Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && d >= 0)
}

/** Returns the dtype a typed array maps to (`Uint8Array` maps to `uint8`), or undefined. */
export function dtypeOf(data: unknown): NdArrayDType | undefined {
  if (data instanceof Float64Array) return 'float64'
  if (data instanceof Float32Array) return 'float32'
  if (data instanceof Int8Array) return 'int8'
  if (data instanceof Int16Array) return 'int16'
  if (data instanceof Int32Array) return 'int32'
  if (data instanceof BigInt64Array) return 'int64'
  if (data instanceof Uint8Array) return 'uint8'
  if (data instanceof Uint16Array) return 'uint16'
  if (data instanceof Uint32Array) return 'uint32'
  if (data instanceof BigUint64Array) return 'uint64'
  return undefined
}

/**
 * Creates an {@link NdArray} from a typed array (dtype from its class), a `number[]` (float64) or a
 * `boolean[]` (bool); the shape defaults to one dimension. Typed arrays are used without copying.
 *
 * @example
 * const image = createNdArray(new Float32Array(4 * 3), [4, 3])
 */
export function createNdArray(
  data: NdArrayData | readonly number[] | readonly boolean[],
  shape?: readonly number[],
): NdArray {
  let array: NdArray
  if (Array.isArray(data)) {
    const values = data as readonly (number | boolean)[]
    if (values.length > 0 && values.every((v) => typeof v === 'boolean')) {
      array = { dtype: 'bool', shape: [], data: Uint8Array.from(values, (v) => (v ? 1 : 0)) }
    } else if (values.every((v) => typeof v === 'number')) {
      array = { dtype: 'float64', shape: [], data: Float64Array.from(values as number[]) }
    } else {
      throw new StorageClassError('createNdArray needs numbers or booleans, not a mixed array')
    }
  } else {
    const dtype = dtypeOf(data)
    if (!dtype) throw new StorageClassError(`createNdArray needs a typed array, got ${describeValue(data)}`)
    array = { dtype, shape: [], data } as NdArray
  }
  const finalShape = shape ? [...shape] : [array.data.length]
  if (!isShape(finalShape)) throw new StorageClassError(`Invalid array shape [${String(shape)}]`)
  if (shapeSize(finalShape) !== array.data.length) {
    throw new StorageClassError(
      `Shape [${finalShape.join(', ')}] holds ${shapeSize(finalShape)} elements but the data has ${array.data.length}`,
    )
  }
  return { ...array, shape: finalShape } as NdArray
}

/** True when `obj` is a well-formed {@link NdArray} (known dtype, matching typed array, consistent shape). */
export function isNdArray(obj: unknown): obj is NdArray {
  if (typeof obj !== 'object' || obj === null) return false
  const { dtype, shape, data } = obj as { dtype?: unknown; shape?: unknown; data?: unknown }
  if (typeof dtype !== 'string' || !Object.hasOwn(NDARRAY_CONSTRUCTORS, dtype)) return false
  if (!(data instanceof NDARRAY_CONSTRUCTORS[dtype as NdArrayDType])) return false
  return isShape(shape) && shapeSize(shape) === (data as NdArrayData).length
}

/**
 * Resolves a `slice` read parameter (`[start, stop]` rows along axis 0, Python semantics: negative
 * values count from the end, `null` means open, out-of-range values clamp) against a row count.
 */
export function resolveRowSlice(param: unknown, rows: number): [start: number, stop: number] {
  if (!Array.isArray(param) || param.length !== 2) {
    throw new ReadParameterError(`Read parameter 'slice' must be [start, stop], got ${describeValue(param)}`)
  }
  const bound = (v: unknown, open: number): number => {
    if (v === null || v === undefined) return open
    if (!Number.isSafeInteger(v)) {
      throw new ReadParameterError(`Read parameter 'slice' needs integer bounds, got ${describeValue(v)}`)
    }
    const i = (v as number) < 0 ? rows + (v as number) : (v as number)
    return Math.min(Math.max(i, 0), rows)
  }
  const start = bound(param[0], 0)
  const stop = Math.max(bound(param[1], rows), start)
  return [start, stop]
}

/** Returns rows `[start, stop)` along axis 0 as a view on the same memory (no copy). */
export function sliceRows(array: NdArray, start: number, stop: number): NdArray {
  const first = array.shape[0]
  if (first === undefined) throw new ReadParameterError('Cannot slice rows of a 0-dimensional array')
  if (
    !(
      Number.isSafeInteger(start) &&
      Number.isSafeInteger(stop) &&
      0 <= start &&
      start <= stop &&
      stop <= first
    )
  ) {
    throw new ReadParameterError(`Row slice [${start}, ${stop}] is outside [0, ${first}]`)
  }
  const rowSize = shapeSize(array.shape.slice(1))
  const data = array.data.subarray(start * rowSize, stop * rowSize)
  return { dtype: array.dtype, shape: [stop - start, ...array.shape.slice(1)], data } as NdArray
}
