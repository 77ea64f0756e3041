/**
 * Shared helpers of the FITS codec tests: sample arrays, byte concatenation and a recording ByteSource.
 */
import type { NdArray, NdArrayData, NdArrayDType } from '../../../src/datasets/ndarray.js'
import { type ByteSource, MemoryByteSource } from '../../../src/formatters/byte-source.js'

/** A deterministic pseudo-random generator (mulberry32), as `rng(seed)`. */
export { seededRandom as rng } from '../../support/random.js'

/** Concatenates chunks into one buffer. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.length
  }
  return out
}

/** Every dtype an image can be written as. */
export const IMAGE_DTYPES: readonly NdArrayDType[] = [
  'uint8',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'float32',
  'float64',
]

/** Extremes and ordinary values of each dtype, repeated to `n` elements. */
export function extremes(dtype: NdArrayDType, n: number): NdArrayData {
  const pick = <T>(values: readonly T[]) => Array.from({ length: n }, (_, i) => values[i % values.length]!)
  switch (dtype) {
    case 'uint8':
    case 'bool':
      return Uint8Array.from(pick(dtype === 'bool' ? [0, 1, 1] : [0, 255, 1, 128, 127]))
    case 'int8':
      return Int8Array.from(pick([-128, 127, 0, -1, 1]))
    case 'int16':
      return Int16Array.from(pick([-32768, 32767, 0, -1, 1, 12345]))
    case 'uint16':
      return Uint16Array.from(pick([0, 65535, 32768, 32767, 1]))
    case 'int32':
      return Int32Array.from(pick([-(2 ** 31), 2 ** 31 - 1, 0, -1, 1]))
    case 'uint32':
      return Uint32Array.from(pick([0, 2 ** 32 - 1, 2 ** 31, 2 ** 31 - 1, 1]))
    case 'int64':
      return BigInt64Array.from(pick([-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 2n ** 53n + 1n]))
    case 'uint64':
      return BigUint64Array.from(pick([0n, 2n ** 64n - 1n, 2n ** 63n, 2n ** 63n - 1n, 1n]))
    case 'float32':
      return Float32Array.from(
        pick([
          0,
          -0,
          1.5,
          -3.4028234663852886e38,
          3.4028234663852886e38,
          1e-45,
          Number.NaN,
          Infinity,
          -Infinity,
        ]),
      )
    case 'float64':
      return Float64Array.from(
        pick([0, -0, 0.1, -1.7976931348623157e308, 1.7976931348623157e308, 5e-324, Number.NaN, Infinity]),
      )
  }
}

/** A sample array of a dtype and shape with extreme values. */
export function sampleArray(dtype: NdArrayDType, shape: readonly number[]): NdArray {
  const n = shape.reduce((a, b) => a * b, 1)
  return { dtype, shape: [...shape], data: extremes(dtype, n) } as NdArray
}

/** Crops rows/columns of a 2-D array (the reference for box reads). */
export function crop(array: NdArray, x0: number, y0: number, width: number, height: number): NdArray {
  const [, w] = array.shape as [number, number]
  const Ctor = array.data.constructor as new (n: number) => NdArrayData
  const out = new Ctor(width * height) as unknown as { [i: number]: unknown }
  const src = array.data as unknown as { [i: number]: unknown }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = src[(y0 + y) * w + x0 + x]
  }
  return { dtype: array.dtype, shape: [height, width], data: out } as unknown as NdArray
}

/** A ByteSource over memory that records every read. */
export class RecordingSource implements ByteSource {
  readonly reads: [offset: number, length: number][] = []
  readonly #inner: MemoryByteSource

  constructor(bytes: Uint8Array, location = 'recorded.fits') {
    this.#inner = new MemoryByteSource(bytes, location)
  }

  get size(): number {
    return this.#inner.size
  }

  get location(): string {
    return this.#inner.location
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.reads.push([offset, length])
    return this.#inner.read(offset, length)
  }

  async readAll(): Promise<Uint8Array> {
    this.reads.push([0, this.size])
    return this.#inner.readAll()
  }

  /** Total bytes read so far. */
  get bytesRead(): number {
    return this.reads.reduce((n, [, l]) => n + l, 0)
  }
}
