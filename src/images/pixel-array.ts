/**
 * Helpers for the 2-D pixel arrays behind images and masks: shape checks, cropping and comparison of
 * C-order {@link NdArray}s of shape `[height, width]`.
 */

import { describeValue } from '../datasets/describe-value.js'
import { isNdArray, NDARRAY_CONSTRUCTORS, type NdArray, type NdArrayData } from '../datasets/ndarray.js'
import { ReadParameterError } from '../errors.js'
import { Box2I } from './box.js'
import type { UserErrorClass } from './validate.js'

/** Throws `errorClass` naming `what` unless `array` is a well-formed 2-D NdArray (bool excluded). */
export function check2dArray(
  array: unknown,
  what: string,
  errorClass: UserErrorClass,
): asserts array is NdArray {
  if (!isNdArray(array)) {
    throw new errorClass(`${what} must be a 2-D NdArray, got ${describeValue(array)}`)
  }
  if (array.shape.length !== 2) {
    throw new errorClass(`${what} must be 2-D ([height, width]), got shape [${array.shape.join(', ')}]`)
  }
  if (array.dtype === 'bool') throw new errorClass(`${what} cannot have dtype bool`)
}

/**
 * Copies the pixels of `box` (in the array's own frame: column `box.x0`, row `box.y0` of the array)
 * into a new array of shape `[box.height, box.width]`; the box must lie within the array.
 */
export function cropArray(array: NdArray, box: Box2I): NdArray {
  const width = array.shape[1] ?? 0
  const out = new NDARRAY_CONSTRUCTORS[array.dtype](box.width * box.height) as NdArrayData
  const src = array.data
  for (let row = 0; row < box.height; row++) {
    const start = (box.y0 + row) * width + box.x0
    // Same typed-array class on both sides: the casts only satisfy the union typing.
    ;(out as Float64Array).set(src.subarray(start, start + box.width) as Float64Array, row * box.width)
  }
  return { dtype: array.dtype, shape: [box.height, box.width], data: out } as NdArray
}

/** A copy of `array` with its own buffer. */
export function copyArray(array: NdArray): NdArray {
  return { dtype: array.dtype, shape: [...array.shape], data: array.data.slice() } as NdArray
}

/** True when both arrays have the same dtype, shape and elements (NaN equals NaN). */
export function arraysEqual(a: NdArray, b: NdArray): boolean {
  if (a.dtype !== b.dtype || a.shape.length !== b.shape.length) return false
  if (!a.shape.every((d, i) => d === b.shape[i])) return false
  const x = a.data
  const y = b.data
  if (x.length !== y.length) return false
  for (let i = 0; i < x.length; i++) {
    const u = x[i]
    const v = y[i]
    // biome-ignore lint/suspicious/noSelfCompare: NaN test
    if (u !== v && !(u !== u && v !== v)) return false
  }
  return true
}

/** The box of an array of shape `[height, width]` whose first pixel is at `(x0, y0)`. */
export function arrayBox(array: NdArray, x0: number, y0: number): Box2I {
  return new Box2I(x0, y0, array.shape[1] ?? 0, array.shape[0] ?? 0)
}

/**
 * The part of `box` that lies within `own` (the pixels a `subimage(box)` call copies). Throws
 * `ReadParameterError` naming both boxes when they share no pixel (including when `box` is empty).
 */
export function overlapOf(own: Box2I, box: Box2I, what: string): Box2I {
  const overlap = own.intersection(box)
  if (overlap.isEmpty()) {
    throw new ReadParameterError(
      box.isEmpty()
        ? `Cannot cut an empty box ${box} out of ${what} with bounding box ${own}`
        : `Box ${box} does not overlap ${what} with bounding box ${own}`,
    )
  }
  return overlap
}
