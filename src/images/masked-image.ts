/**
 * Masked images (afw's `MaskedImage`): an image with its mask and variance on the same pixels.
 */

import { describeValue } from '../datasets/describe-value.js'
import { StorageClassError } from '../errors.js'
import type { Box2I } from './box.js'
import { Image } from './image.js'
import { Mask } from './mask.js'

/**
 * An image, a mask and a variance image covering the same bounding box (same size and origin). The
 * variance is usually float32 but any image dtype is accepted.
 *
 * @example
 * const mi = new MaskedImage(Image.zeros('float32', 100, 50)) // zero mask and variance
 */
export class MaskedImage {
  /** The science pixels. */
  readonly image: Image
  /** Bit planes per pixel. */
  readonly mask: Mask
  /** Variance of each pixel of `image`. */
  readonly variance: Image

  /**
   * Combines the three planes (not copied). A missing `mask` becomes zeros with the default planes and
   * a missing `variance` float32 zeros, both on the image's bounding box. Parts of the wrong class or
   * with a bounding box different from the image's throw `StorageClassError` naming the part.
   */
  constructor(image: Image, mask?: Mask, variance?: Image) {
    if (!(image instanceof Image)) {
      throw new StorageClassError(`MaskedImage image must be an Image, got ${describeValue(image)}`)
    }
    const box = image.bbox
    if (mask !== undefined && !(mask instanceof Mask)) {
      throw new StorageClassError(`MaskedImage mask must be a Mask, got ${describeValue(mask)}`)
    }
    if (variance !== undefined && !(variance instanceof Image)) {
      throw new StorageClassError(`MaskedImage variance must be an Image, got ${describeValue(variance)}`)
    }
    this.image = image
    this.mask = mask ?? Mask.zeros(box.width, box.height, box.x0, box.y0)
    this.variance = variance ?? Image.zeros('float32', box.width, box.height, box.x0, box.y0)
    for (const [name, part] of [
      ['mask', this.mask],
      ['variance', this.variance],
    ] as const) {
      if (!part.bbox.equals(box)) {
        throw new StorageClassError(
          `MaskedImage ${name} has bounding box ${part.bbox} but the image has ${box}`,
        )
      }
    }
  }

  /** The pixels covered, in the parent frame. */
  get bbox(): Box2I {
    return this.image.bbox
  }

  /** Number of columns. */
  get width(): number {
    return this.image.width
  }

  /** Number of rows. */
  get height(): number {
    return this.image.height
  }

  /** Parent-frame column of the first pixel. */
  get x0(): number {
    return this.image.x0
  }

  /** Parent-frame row of the first pixel. */
  get y0(): number {
    return this.image.y0
  }

  /** A copy of the three planes cut to `box`; clipping and errors as {@link Image.subimage}. */
  subimage(box: Box2I): MaskedImage {
    return new MaskedImage(this.image.subimage(box), this.mask.subimage(box), this.variance.subimage(box))
  }

  /** A copy with its own pixel buffers. */
  clone(): MaskedImage {
    return new MaskedImage(this.image.clone(), this.mask.clone(), this.variance.clone())
  }

  /** True when the three planes are equal. */
  equals(other: MaskedImage): boolean {
    return (
      this.image.equals(other.image) && this.mask.equals(other.mask) && this.variance.equals(other.variance)
    )
  }
}
