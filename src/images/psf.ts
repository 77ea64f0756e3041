/**
 * Point-spread functions: an image model of how a point source looks (afw's `Psf`, here the simplest
 * kind, one kernel image valid everywhere on the exposure).
 */

import { describeValue } from '../datasets/describe-value.js'
import { StorageClassError } from '../errors.js'
import { Image } from './image.js'
import { describeNumber } from './validate.js'

/**
 * A PSF model given by one float64 kernel image of odd width and height. The kernel is centred: its
 * origin is set to `(-(width - 1) / 2, -(height - 1) / 2)` so that the central pixel is at `(0, 0)`, as
 * afw's `computeKernelImage` returns it (the pixels are shared with the given image, only the origin
 * changes). `fwhm`, when known, is the full width at half maximum in pixels.
 *
 * @example
 * const psf = new Psf(Image.fromArray(createNdArray(new Float64Array(25).fill(0.04), [5, 5])), 2.5)
 */
export class Psf {
  /** The kernel image, float64, odd sizes, centred on `(0, 0)`. */
  readonly kernel: Image
  /** Full width at half maximum in pixels, when known. */
  readonly fwhm: number | undefined

  /**
   * Creates a PSF from a kernel image (not copied). A kernel that is not a float64 `Image` with odd
   * width and height, or an `fwhm` that is not a positive finite number, throws `StorageClassError`.
   */
  constructor(kernel: Image, fwhm?: number) {
    if (!(kernel instanceof Image)) {
      throw new StorageClassError(`Psf kernel must be an Image, got ${describeValue(kernel)}`)
    }
    if (kernel.dtype !== 'float64')
      throw new StorageClassError(`Psf kernel must be float64, got ${kernel.dtype}`)
    if (kernel.width % 2 !== 1 || kernel.height % 2 !== 1) {
      throw new StorageClassError(
        `Psf kernel must have odd width and height, got ${kernel.width}x${kernel.height}`,
      )
    }
    if (fwhm !== undefined && !(typeof fwhm === 'number' && Number.isFinite(fwhm) && fwhm > 0)) {
      throw new StorageClassError(`Psf fwhm must be a positive number, got ${describeNumber(fwhm)}`)
    }
    this.kernel = kernel.withOrigin(-(kernel.width - 1) / 2, -(kernel.height - 1) / 2)
    this.fwhm = fwhm
  }

  /** The kernel image (centred on `(0, 0)`; shared, not copied). */
  computeImage(): Image {
    return this.kernel
  }

  /** True when both have equal kernels and the same `fwhm`. */
  equals(other: Psf): boolean {
    return this.fwhm === other.fwhm && this.kernel.equals(other.kernel)
  }
}
