/**
 * Images (afw's `Image<T>`): a 2-D pixel array placed in a parent pixel frame.
 */

import { NDARRAY_CONSTRUCTORS, type NdArray, type NdArrayDType } from '../datasets/ndarray.js'
import { InputError, StorageClassError } from '../errors.js'
import type { Box2I } from './box.js'
import { arrayBox, arraysEqual, check2dArray, copyArray, cropArray, overlapOf } from './pixel-array.js'
import { checkInteger, describeNumber, type UserErrorClass } from './validate.js'

/** Pixel types an {@link Image} may have: every NdArray dtype but `bool`. */
export type ImageDType = Exclude<NdArrayDType, 'bool'>

/** Every {@link ImageDType}. */
export const IMAGE_DTYPES: readonly ImageDType[] = [
  'float64',
  'float32',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
]

/** One pixel value: a number, or a bigint for `int64` and `uint64` images. */
export type PixelValue = number | bigint

/**
 * A 2-D image: `array` of shape `[height, width]` in row-major order (row `j`, column `i` is element
 * `j * width + i`) whose pixel `[0, 0]` sits at `(x0, y0)` in the parent frame, like afw's `xy0`.
 * Every coordinate taken or returned by the methods (`get`, `set`, `subimage`, `bbox`) is in that
 * parent frame. The fields are read-only; the pixel values in `array.data` may be changed in place.
 *
 * @example
 * const image = Image.zeros('float32', 100, 50, 1000, 2000) // columns 1000..1099, rows 2000..2049
 * image.set(1000, 2000, 3.5)
 */
export class Image {
  /** The pixels, shape `[height, width]`. */
  readonly array: NdArray
  /** Parent-frame column of the first pixel. */
  readonly x0: number
  /** Parent-frame row of the first pixel. */
  readonly y0: number

  /**
   * Wraps a 2-D NdArray (not copied) whose first pixel is at `(x0, y0)`. A non-2-D or `bool` array or
   * a non-integer origin throws `StorageClassError`.
   */
  constructor(array: NdArray, x0 = 0, y0 = 0) {
    check2dArray(array, 'Image array', StorageClassError)
    this.array = array
    this.x0 = checkInteger(x0, 'Image x0', StorageClassError)
    this.y0 = checkInteger(y0, 'Image y0', StorageClassError)
  }

  /** A new image of zeros (`dtype` any {@link ImageDType}; sizes 0 or more). */
  static zeros(dtype: ImageDType, width: number, height: number, x0 = 0, y0 = 0): Image {
    return new Image(zerosArray(dtype, width, height, StorageClassError, 'Image'), x0, y0)
  }

  /** Wraps an NdArray of shape `[height, width]` (not copied); the same as the constructor. */
  static fromArray(array: NdArray, x0 = 0, y0 = 0): Image {
    return new Image(array, x0, y0)
  }

  /** Number of columns. */
  get width(): number {
    return this.array.shape[1] ?? 0
  }

  /** Number of rows. */
  get height(): number {
    return this.array.shape[0] ?? 0
  }

  /** Pixel type. */
  get dtype(): ImageDType {
    return this.array.dtype as ImageDType
  }

  /** The pixel buffer (row-major), shared with `array`. */
  get data(): NdArray['data'] {
    return this.array.data
  }

  /** The pixels this image covers, in the parent frame. */
  get bbox(): Box2I {
    return arrayBox(this.array, this.x0, this.y0)
  }

  /** The value of the pixel at parent coordinates `(x, y)`; outside the image throws `InputError`. */
  get(x: number, y: number): PixelValue {
    return this.array.data[pixelIndex(this.array, this.x0, this.y0, x, y, 'image')] as PixelValue
  }

  /**
   * Sets the pixel at parent coordinates `(x, y)`. The value must be a bigint for `int64`/`uint64`
   * images and a number otherwise (stored with the typed array's usual conversion); else `InputError`.
   */
  set(x: number, y: number, value: PixelValue): void {
    const i = pixelIndex(this.array, this.x0, this.y0, x, y, 'image')
    const big = this.dtype === 'int64' || this.dtype === 'uint64'
    if (big ? typeof value !== 'bigint' : typeof value !== 'number') {
      throw new InputError(
        `A ${this.dtype} image needs a ${big ? 'bigint' : 'number'} pixel value, got ${describeNumber(value)}`,
      )
    }
    ;(this.array.data as unknown as PixelValue[])[i] = value
  }

  /**
   * A copy of the pixels of `box` (parent coordinates) that lie within this image, placed at their
   * parent coordinates. A box that sticks out is clipped to the image (like a "trim" cutout; check
   * `image.bbox.contains(box)` first to insist on the whole box); a box that shares no pixel with the
   * image (or is empty) throws `ReadParameterError` naming both boxes.
   */
  subimage(box: Box2I): Image {
    const own = this.bbox
    const overlap = overlapOf(own, box, 'an image')
    return new Image(cropArray(this.array, overlap.shifted(-own.x0, -own.y0)), overlap.x0, overlap.y0)
  }

  /** A copy with its own pixel buffer. */
  clone(): Image {
    return new Image(copyArray(this.array), this.x0, this.y0)
  }

  /** The same pixels (shared, not copied) placed with their first pixel at `(x0, y0)`. */
  withOrigin(x0: number, y0: number): Image {
    return new Image(this.array, x0, y0)
  }

  /** True when both have the same dtype, bounding box and pixel values (NaN equals NaN). */
  equals(other: Image): boolean {
    return this.x0 === other.x0 && this.y0 === other.y0 && arraysEqual(this.array, other.array)
  }
}

/** A C-order array of zeros of shape `[height, width]`; bad sizes throw `errorClass` naming `what`. */
export function zerosArray(
  dtype: NdArrayDType,
  width: number,
  height: number,
  errorClass: UserErrorClass,
  what: string,
): NdArray {
  if (!Object.hasOwn(NDARRAY_CONSTRUCTORS, dtype) || dtype === 'bool') {
    throw new errorClass(
      `${what} dtype must be one of ${IMAGE_DTYPES.join(', ')}, got ${describeNumber(dtype)}`,
    )
  }
  checkInteger(width, `${what} width`, errorClass)
  checkInteger(height, `${what} height`, errorClass)
  if (width < 0 || height < 0) throw new errorClass(`${what} size ${width}x${height} is negative`)
  if (width * height > 2 ** 31) throw new errorClass(`${what} size ${width}x${height} is too large`)
  const data = new NDARRAY_CONSTRUCTORS[dtype](width * height)
  return { dtype, shape: [height, width], data } as NdArray
}

/**
 * The element index of parent pixel `(x, y)` in a 2-D array whose first pixel is at `(x0, y0)`; a pixel
 * outside throws `InputError` naming the bounding box.
 */
export function pixelIndex(
  array: NdArray,
  x0: number,
  y0: number,
  x: number,
  y: number,
  what: string,
): number {
  const width = array.shape[1] ?? 0
  const height = array.shape[0] ?? 0
  const i = x - x0
  const j = y - y0
  if (!(Number.isSafeInteger(x) && Number.isSafeInteger(y) && i >= 0 && i < width && j >= 0 && j < height)) {
    throw new InputError(
      `Pixel (${describeNumber(x)}, ${describeNumber(y)}) is outside the ${what}'s bounding box ${arrayBox(array, x0, y0)}`,
    )
  }
  return j * width + i
}
