/**
 * Integer pixel boxes (afw's `Box2I`): the footprint of an image in its parent pixel frame, and the
 * value of the `bbox` read parameter.
 */

import { isPlainObject } from '../datasets/storage-class-type.js'
import { ReadParameterError, StorageClassError } from '../errors.js'
import { checkInteger, describeNumber, type UserErrorClass } from './validate.js'

/** The plain-object form of a {@link Box2I} (`toJSON`, `Box2I.from`). */
export interface Box2IJson {
  readonly x0: number
  readonly y0: number
  readonly width: number
  readonly height: number
}

/**
 * A box of integer pixels: columns `x0 <= x < x1` and rows `y0 <= y < y1`, where `x1 = x0 + width` and
 * `y1 = y0 + height` are exclusive. Corners may be negative; sizes are zero (an empty box) or more.
 * Immutable.
 *
 * @example
 * const box = new Box2I(10, 20, 100, 50) // x in [10, 110), y in [20, 70)
 */
export class Box2I {
  /** First column. */
  readonly x0: number
  /** First row. */
  readonly y0: number
  /** Number of columns (0 or more). */
  readonly width: number
  /** Number of rows (0 or more). */
  readonly height: number

  /** Creates a box; non-integer values or negative sizes throw `StorageClassError`. */
  constructor(x0: number, y0: number, width: number, height: number) {
    checkBoxFields({ x0, y0, width, height }, 'Box2I', StorageClassError)
    this.x0 = x0
    this.y0 = y0
    this.width = width
    this.height = height
    Object.freeze(this)
  }

  /**
   * Returns `value` as a box: a `Box2I` as it is, or a plain `{ x0, y0, width, height }` object checked
   * and converted. Anything else, non-integer fields, corners beyond ±2^53 or negative sizes throw
   * `errorClass` — `ReadParameterError` by default, as this is how a `bbox` read parameter is read; pass
   * e.g. `StorageClassError` or `CorruptArtifactError` for other uses.
   */
  static from(value: unknown, errorClass: UserErrorClass = ReadParameterError, what = 'bbox'): Box2I {
    if (value instanceof Box2I) return value
    if (!isPlainObject(value)) {
      throw new errorClass(
        `${what} must be a Box2I or a plain { x0, y0, width, height } object, got ${describeNumber(value)}`,
      )
    }
    const extra = Object.keys(value).filter((k) => !['x0', 'y0', 'width', 'height'].includes(k))
    if (extra.length > 0) {
      throw new errorClass(
        `${what} has unexpected key(s) ${extra.join(', ')} (expected x0, y0, width, height)`,
      )
    }
    checkBoxFields(value, what, errorClass)
    return new Box2I(value.x0 as number, value.y0 as number, value.width as number, value.height as number)
  }

  /** Rebuilds a box from its {@link toJSON} form; bad input throws `errorClass` (default `StorageClassError`). */
  static fromJSON(json: unknown, errorClass: UserErrorClass = StorageClassError): Box2I {
    return Box2I.from(json, errorClass, 'Box2I JSON')
  }

  /**
   * The box spanning columns `[x0, x1)` and rows `[y0, y1)` (exclusive ends); `x1 < x0` or `y1 < y0`
   * throws `StorageClassError`.
   */
  static fromCorners(x0: number, y0: number, x1: number, y1: number): Box2I {
    return new Box2I(x0, y0, x1 - x0, y1 - y0)
  }

  /** One past the last column. */
  get x1(): number {
    return this.x0 + this.width
  }

  /** One past the last row. */
  get y1(): number {
    return this.y0 + this.height
  }

  /** Number of pixels. */
  get area(): number {
    return this.width * this.height
  }

  /** True when the box holds no pixel (zero width or height). */
  isEmpty(): boolean {
    return this.width === 0 || this.height === 0
  }

  /**
   * True when `other` lies within this box. An empty box is contained in any box (as in afw), so
   * `contains` never says yes to a non-empty box that sticks out.
   */
  contains(other: Box2I): boolean {
    if (other.isEmpty()) return true
    return other.x0 >= this.x0 && other.y0 >= this.y0 && other.x1 <= this.x1 && other.y1 <= this.y1
  }

  /** True when the pixel `(x, y)` lies within the box. */
  containsPoint(x: number, y: number): boolean {
    return x >= this.x0 && x < this.x1 && y >= this.y0 && y < this.y1
  }

  /** True when the two boxes share at least one pixel. */
  overlaps(other: Box2I): boolean {
    return !this.intersection(other).isEmpty()
  }

  /**
   * The pixels both boxes hold. When they do not overlap the result is empty (its corner is the
   * larger of the two corners, its sizes clamp to zero).
   */
  intersection(other: Box2I): Box2I {
    const x0 = Math.max(this.x0, other.x0)
    const y0 = Math.max(this.y0, other.y0)
    const x1 = Math.max(Math.min(this.x1, other.x1), x0)
    const y1 = Math.max(Math.min(this.y1, other.y1), y0)
    return new Box2I(x0, y0, x1 - x0, y1 - y0)
  }

  /** The same box moved by `(dx, dy)` pixels. */
  shifted(dx: number, dy: number): Box2I {
    return new Box2I(this.x0 + dx, this.y0 + dy, this.width, this.height)
  }

  /** True when both boxes have the same corner and sizes (two empty boxes at different corners differ). */
  equals(other: Box2I): boolean {
    return (
      this.x0 === other.x0 &&
      this.y0 === other.y0 &&
      this.width === other.width &&
      this.height === other.height
    )
  }

  /** The plain `{ x0, y0, width, height }` object. */
  toJSON(): Box2IJson {
    return { x0: this.x0, y0: this.y0, width: this.width, height: this.height }
  }

  /** `Box2I(x0=…, y0=…, width=…, height=…)`, for messages. */
  toString(): string {
    return `Box2I(x0=${this.x0}, y0=${this.y0}, width=${this.width}, height=${this.height})`
  }
}

/**
 * Checks the four fields of a box (safe integers, sizes 0 or more, ends within ±2^53), throwing
 * `errorClass` with a message naming `what` and the bad field.
 */
export function checkBoxFields(
  value: Readonly<Record<string, unknown>>,
  what: string,
  errorClass: UserErrorClass,
) {
  for (const key of ['x0', 'y0', 'width', 'height']) checkInteger(value[key], `${what}.${key}`, errorClass)
  const { x0, y0, width, height } = value as unknown as Box2IJson
  if (width < 0 || height < 0) {
    throw new errorClass(`${what} has a negative size (width ${width}, height ${height})`)
  }
  if (!Number.isSafeInteger(x0 + width) || !Number.isSafeInteger(y0 + height)) {
    throw new errorClass(`${what} reaches beyond ±2^53`)
  }
}
