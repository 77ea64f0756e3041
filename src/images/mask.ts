/**
 * Masks (afw's `Mask<MaskPixel>`): an int32 bit-plane image placed in a parent pixel frame, with
 * named bit planes.
 */

import type { NdArray } from '../datasets/ndarray.js'
import { InputError, StorageClassError } from '../errors.js'
import type { Box2I } from './box.js'
import { pixelIndex, zerosArray } from './image.js'
import { arrayBox, arraysEqual, check2dArray, copyArray, cropArray, overlapOf } from './pixel-array.js'
import { checkInteger, describeNumber } from './validate.js'

/** An int32 NdArray, the pixel array of a {@link Mask}. */
export type Int32NdArray = Extract<NdArray, { dtype: 'int32' }>

/** Number of bit planes a mask pixel holds. */
export const MASK_PLANE_BITS = 32

/**
 * The planes every new mask starts with unless given others (afw's defaults): name -> bit index.
 * `BAD` bad pixel, `SAT` saturated, `INTRP` interpolated, `CR` cosmic ray, `EDGE` near the edge,
 * `DETECTED` / `DETECTED_NEGATIVE` in a (negative) detection, `SUSPECT` unreliable, `NO_DATA` no data.
 */
export const DEFAULT_MASK_PLANES: ReadonlyMap<string, number> = new Map([
  ['BAD', 0],
  ['SAT', 1],
  ['INTRP', 2],
  ['CR', 3],
  ['EDGE', 4],
  ['DETECTED', 5],
  ['DETECTED_NEGATIVE', 6],
  ['SUSPECT', 7],
  ['NO_DATA', 8],
])

/** Mask planes as a map or a plain `{ name: bit }` object. */
export type MaskPlanesInit = ReadonlyMap<string, number> | Readonly<Record<string, number>>

/**
 * A mask: an int32 array of shape `[height, width]` whose pixel `[0, 0]` sits at `(x0, y0)` in the
 * parent frame (as for {@link Image}), and named bit planes (`planes`: name -> bit 0..31). A pixel has
 * a plane set when its bit is 1: `(mask.get(x, y) & mask.bitMask('BAD')) !== 0`.
 *
 * The plane dictionary belongs to the mask (afw shares one per process; here each mask has its own,
 * and `subimage` copies it). `addPlane` changes it in place.
 *
 * @example
 * const mask = Mask.zeros(100, 50)
 * mask.set(3, 4, mask.bitMask('BAD', 'SAT'))
 */
export class Mask {
  /** The pixels, int32, shape `[height, width]`. */
  readonly array: Int32NdArray
  /** Parent-frame column of the first pixel. */
  readonly x0: number
  /** Parent-frame row of the first pixel. */
  readonly y0: number
  readonly #planes: Map<string, number>

  /**
   * Wraps a 2-D int32 NdArray (not copied) whose first pixel is at `(x0, y0)`, with bit planes
   * `planes` (default {@link DEFAULT_MASK_PLANES}, copied). A bad array, origin or plane (name not a
   * non-empty string, bit not an integer 0..31, two names on one bit) throws `StorageClassError`.
   */
  constructor(array: NdArray, x0 = 0, y0 = 0, planes: MaskPlanesInit = DEFAULT_MASK_PLANES) {
    check2dArray(array, 'Mask array', StorageClassError)
    if (array.dtype !== 'int32') throw new StorageClassError(`Mask array must be int32, got ${array.dtype}`)
    this.array = array
    this.x0 = checkInteger(x0, 'Mask x0', StorageClassError)
    this.y0 = checkInteger(y0, 'Mask y0', StorageClassError)
    this.#planes = checkPlanes(planes)
  }

  /** A new mask of zeros (no plane set) with the given planes (default {@link DEFAULT_MASK_PLANES}). */
  static zeros(width: number, height: number, x0 = 0, y0 = 0, planes?: MaskPlanesInit): Mask {
    return new Mask(zerosArray('int32', width, height, StorageClassError, 'Mask'), x0, y0, planes)
  }

  /** Number of columns. */
  get width(): number {
    return this.array.shape[1] ?? 0
  }

  /** Number of rows. */
  get height(): number {
    return this.array.shape[0] ?? 0
  }

  /** Always `int32`. */
  get dtype(): 'int32' {
    return 'int32'
  }

  /** The pixel buffer (row-major), shared with `array`. */
  get data(): Int32Array {
    return this.array.data
  }

  /** The pixels this mask covers, in the parent frame. */
  get bbox(): Box2I {
    return arrayBox(this.array, this.x0, this.y0)
  }

  /** Bit planes: name -> bit index (0..31), in the order they were added. */
  get planes(): ReadonlyMap<string, number> {
    return this.#planes
  }

  /**
   * The bit pattern with the bits of the named planes set (an int32 value: with bit 31 it is
   * negative). No names gives 0; an unknown name throws `StorageClassError` listing the planes.
   */
  bitMask(...names: string[]): number {
    let bits = 0
    for (const name of names) {
      const bit = this.#planes.get(name)
      if (bit === undefined) {
        throw new StorageClassError(
          `Mask has no plane '${name}' (planes: ${[...this.#planes.keys()].join(', ') || 'none'})`,
        )
      }
      bits |= 1 << bit
    }
    return bits
  }

  /**
   * Adds a plane on the lowest free bit and returns its bit; a plane already there keeps its bit.
   * A bad name or no free bit left throws `StorageClassError`.
   */
  addPlane(name: string): number {
    checkPlaneName(name)
    const existing = this.#planes.get(name)
    if (existing !== undefined) return existing
    const used = new Set(this.#planes.values())
    for (let bit = 0; bit < MASK_PLANE_BITS; bit++) {
      if (!used.has(bit)) {
        this.#planes.set(name, bit)
        return bit
      }
    }
    throw new StorageClassError(`Cannot add mask plane '${name}': all ${MASK_PLANE_BITS} bits are in use`)
  }

  /** The bits of the pixel at parent coordinates `(x, y)`; outside the mask throws `InputError`. */
  get(x: number, y: number): number {
    return this.array.data[pixelIndex(this.array, this.x0, this.y0, x, y, 'mask')] as number
  }

  /**
   * Sets the bits of the pixel at `(x, y)`: an integer from -2^31 to 2^32 - 1, stored as int32 (so
   * `0xffffffff` reads back as -1); anything else throws `InputError`.
   */
  set(x: number, y: number, bits: number): void {
    const i = pixelIndex(this.array, this.x0, this.y0, x, y, 'mask')
    if (!Number.isInteger(bits) || bits < -(2 ** 31) || bits >= 2 ** 32) {
      throw new InputError(`Mask pixel bits must be a 32-bit integer, got ${describeNumber(bits)}`)
    }
    this.array.data[i] = bits
  }

  /**
   * A copy of the pixels of `box` (parent coordinates) that lie within this mask, with a copy of its
   * planes; clipping and errors as {@link Image.subimage}.
   */
  subimage(box: Box2I): Mask {
    const own = this.bbox
    const overlap = overlapOf(own, box, 'a mask')
    const array = cropArray(this.array, overlap.shifted(-own.x0, -own.y0))
    return new Mask(array, overlap.x0, overlap.y0, this.#planes)
  }

  /** A copy with its own pixel buffer and plane dictionary. */
  clone(): Mask {
    return new Mask(copyArray(this.array), this.x0, this.y0, this.#planes)
  }

  /** True when both have the same bounding box, pixel values and planes (plane order ignored). */
  equals(other: Mask): boolean {
    if (this.x0 !== other.x0 || this.y0 !== other.y0) return false
    if (this.#planes.size !== other.planes.size) return false
    for (const [name, bit] of this.#planes) if (other.planes.get(name) !== bit) return false
    return arraysEqual(this.array, other.array)
  }
}

function checkPlaneName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new StorageClassError(`A mask plane name must be a non-empty string, got ${describeNumber(name)}`)
  }
}

function checkPlanes(planes: unknown): Map<string, number> {
  let entries: [unknown, unknown][]
  if (planes instanceof Map) entries = [...planes.entries()]
  else if (typeof planes === 'object' && planes !== null && !Array.isArray(planes))
    entries = Object.entries(planes)
  else throw new StorageClassError(`Mask planes must be a Map or an object of name -> bit`)
  const out = new Map<string, number>()
  const owner = new Map<number, string>()
  for (const [name, bit] of entries) {
    checkPlaneName(name)
    if (typeof bit !== 'number' || !Number.isInteger(bit) || bit < 0 || bit >= MASK_PLANE_BITS) {
      throw new StorageClassError(`Mask plane '${name}' needs a bit 0..31, got ${describeNumber(bit)}`)
    }
    const taken = owner.get(bit)
    if (taken !== undefined)
      throw new StorageClassError(`Mask planes '${taken}' and '${name}' share bit ${bit}`)
    owner.set(bit, name)
    out.set(name, bit)
  }
  return out
}
