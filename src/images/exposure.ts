/**
 * Exposures (afw's `Exposure`): a masked image with everything known about how it was taken and
 * processed: WCS, PSF, header metadata, visit information, summary statistics, photometric calibration
 * and filter.
 */

import { describeValue } from '../datasets/describe-value.js'
import { isPlainObject } from '../datasets/storage-class-type.js'
import { StorageClassError } from '../errors.js'
import type { Box2I } from './box.js'
import { Image } from './image.js'
import { Mask } from './mask.js'
import { MaskedImage } from './masked-image.js'
import { PropertyList } from './property-list.js'
import { Psf } from './psf.js'
import { describeNumber, type UserErrorClass } from './validate.js'
import { Wcs } from './wcs.js'

/** Observation metadata of the visit (afw's `VisitInfo`), as a JSON-like object. */
export type VisitInfo = Readonly<Record<string, unknown>>

/** Summary statistics of an exposure (afw's `ExposureSummaryStats`): name -> number (NaN allowed). */
export type ExposureSummaryStats = Readonly<Record<string, number>>

/** Photometric calibration (afw's `PhotoCalib`, spatially constant): nJy per count and its error. */
export interface PhotoCalib {
  /** Mean calibration, nJy per instrumental count. */
  readonly calibrationMean: number
  /** Uncertainty of `calibrationMean`. */
  readonly calibrationErr: number
}

/** The parts of an exposure other than its pixels; each is optional. */
export interface ExposureInfo {
  readonly wcs?: Wcs | undefined
  readonly psf?: Psf | undefined
  /** Header metadata; an empty list when absent. */
  readonly metadata?: PropertyList | undefined
  readonly visitInfo?: VisitInfo | undefined
  readonly summaryStats?: ExposureSummaryStats | undefined
  readonly photoCalib?: PhotoCalib | undefined
  /** Band or physical filter label (afw's `FilterLabel`), e.g. `r` or `HSC-R`. */
  readonly filter?: string | undefined
}

/** The real components of an exposure, as `Exposure.fromParts` takes them and a composite stores them. */
export interface ExposureParts extends ExposureInfo {
  readonly image: Image
  readonly mask?: Mask | undefined
  readonly variance?: Image | undefined
}

/** Names of the real components of an exposure (a storage class can split it into these). */
export const EXPOSURE_COMPONENTS = [
  'image',
  'mask',
  'variance',
  'wcs',
  'psf',
  'metadata',
  'visitInfo',
  'summaryStats',
  'photoCalib',
  'filter',
] as const

/** Name of a real component of an exposure. */
export type ExposureComponent = (typeof EXPOSURE_COMPONENTS)[number]

/**
 * A masked image plus its WCS, PSF, metadata (always present, maybe empty), visit information, summary
 * statistics, photometric calibration and filter label. The fields are read-only; `with` returns a copy
 * with some of them replaced.
 *
 * @example
 * const exposure = new Exposure(new MaskedImage(Image.zeros('float32', 100, 50)), { filter: 'r' })
 */
export class Exposure {
  /** The pixels: image, mask and variance. */
  readonly maskedImage: MaskedImage
  /** Pixel <-> sky mapping, in the parent pixel frame. */
  readonly wcs: Wcs | undefined
  /** Point-spread function model. */
  readonly psf: Psf | undefined
  /** Header metadata. */
  readonly metadata: PropertyList
  /** Observation metadata. */
  readonly visitInfo: VisitInfo | undefined
  /** Summary statistics. */
  readonly summaryStats: ExposureSummaryStats | undefined
  /** Photometric calibration. */
  readonly photoCalib: PhotoCalib | undefined
  /** Filter label. */
  readonly filter: string | undefined

  /**
   * Creates an exposure from a masked image and optional parts (none copied). A part of the wrong
   * kind throws `StorageClassError` naming it.
   */
  constructor(maskedImage: MaskedImage, info: ExposureInfo = {}) {
    if (!(maskedImage instanceof MaskedImage)) {
      throw new StorageClassError(`Exposure needs a MaskedImage, got ${describeValue(maskedImage)}`)
    }
    const checked = checkInfo(info, StorageClassError)
    this.maskedImage = maskedImage
    this.wcs = checked.wcs
    this.psf = checked.psf
    this.metadata = checked.metadata ?? new PropertyList()
    this.visitInfo = checked.visitInfo
    this.summaryStats = checked.summaryStats
    this.photoCalib = checked.photoCalib
    this.filter = checked.filter
  }

  /**
   * Builds an exposure from its real components ({@link EXPOSURE_COMPONENTS}; `undefined` and `null`
   * count as absent). `image` is required; a missing `mask` becomes zeros with the default planes and a
   * missing `variance` float32 zeros (as `MaskedImage` does), and the other parts stay absent (metadata
   * empty). A missing image, an unknown name or a part of the wrong kind throws `errorClass` (default
   * `StorageClassError`) naming it.
   */
  static fromParts(
    parts: Readonly<Record<string, unknown>> | ExposureParts,
    errorClass: UserErrorClass = StorageClassError,
  ): Exposure {
    if (!isPlainObject(parts)) {
      throw new errorClass(
        `Exposure parts must be an object of component -> value, got ${describeValue(parts)}`,
      )
    }
    const unknown = Object.keys(parts).filter((k) => !(EXPOSURE_COMPONENTS as readonly string[]).includes(k))
    if (unknown.length > 0) {
      throw new errorClass(
        `Exposure has no component(s) ${unknown.join(', ')} (components: ${EXPOSURE_COMPONENTS.join(', ')})`,
      )
    }
    const get = (name: string): unknown => (parts[name] === null ? undefined : parts[name])
    const image = get('image')
    if (image === undefined) throw new errorClass(`Cannot assemble an Exposure without its 'image' component`)
    const maskedImage = assembleMaskedImage(
      { image, mask: get('mask'), variance: get('variance') },
      errorClass,
    )
    const info = checkInfo(
      {
        wcs: get('wcs'),
        psf: get('psf'),
        metadata: get('metadata'),
        visitInfo: get('visitInfo'),
        summaryStats: get('summaryStats'),
        photoCalib: get('photoCalib'),
        filter: get('filter'),
      },
      errorClass,
    )
    return new Exposure(maskedImage, info)
  }

  /** The science pixels. */
  get image(): Image {
    return this.maskedImage.image
  }

  /** The mask. */
  get mask(): Mask {
    return this.maskedImage.mask
  }

  /** The variance. */
  get variance(): Image {
    return this.maskedImage.variance
  }

  /** The pixels covered, in the parent frame. */
  get bbox(): Box2I {
    return this.maskedImage.bbox
  }

  /** `{ width, height }` in pixels. */
  get dimensions(): { width: number; height: number } {
    return { width: this.maskedImage.width, height: this.maskedImage.height }
  }

  /** Parent-frame coordinates `{ x, y }` of the first pixel. */
  get xy0(): { x: number; y: number } {
    return { x: this.maskedImage.x0, y: this.maskedImage.y0 }
  }

  /** Number of columns. */
  get width(): number {
    return this.maskedImage.width
  }

  /** Number of rows. */
  get height(): number {
    return this.maskedImage.height
  }

  /** Returns the real component `name` (undefined when the exposure does not have it). */
  getComponent(name: ExposureComponent): unknown {
    return this[name]
  }

  /**
   * A copy of the pixels of `box` (clipping and errors as `Image.subimage`) with the other parts kept:
   * pixel coordinates are in the parent frame, so the WCS and PSF stay valid unchanged. The metadata is
   * copied; the other parts (immutable or plain objects) are shared.
   */
  subimage(box: Box2I): Exposure {
    return new Exposure(this.maskedImage.subimage(box), { ...this.#info(), metadata: this.metadata.copy() })
  }

  /** A copy with the given parts replaced (an explicit `undefined` removes a part). */
  with(info: ExposureInfo & { readonly maskedImage?: MaskedImage }): Exposure {
    const { maskedImage, ...rest } = info
    return new Exposure(maskedImage ?? this.maskedImage, { ...this.#info(), ...rest })
  }

  /** True when pixels and every part are equal (plain-object parts compared deeply, NaN equal to NaN). */
  equals(other: Exposure): boolean {
    const same = <T>(a: T | undefined, b: T | undefined, eq: (x: T, y: T) => boolean) =>
      a === undefined || b === undefined ? a === b : eq(a, b)
    return (
      this.maskedImage.equals(other.maskedImage) &&
      same(this.wcs, other.wcs, (a, b) => a.equals(b)) &&
      same(this.psf, other.psf, (a, b) => a.equals(b)) &&
      this.metadata.equals(other.metadata) &&
      jsonEqual(this.visitInfo, other.visitInfo) &&
      jsonEqual(this.summaryStats, other.summaryStats) &&
      jsonEqual(this.photoCalib, other.photoCalib) &&
      this.filter === other.filter
    )
  }

  #info(): ExposureInfo {
    return {
      wcs: this.wcs,
      psf: this.psf,
      metadata: this.metadata,
      visitInfo: this.visitInfo,
      summaryStats: this.summaryStats,
      photoCalib: this.photoCalib,
      filter: this.filter,
    }
  }
}

/**
 * Builds a masked image from `{ image, mask?, variance? }` (absent parts as in the `MaskedImage`
 * constructor); a missing image or a part of the wrong kind throws `errorClass` naming it.
 */
export function assembleMaskedImage(
  parts: Readonly<Record<string, unknown>>,
  errorClass: UserErrorClass = StorageClassError,
): MaskedImage {
  const { image, mask, variance } = parts
  if (image === undefined || image === null) {
    throw new errorClass(`Cannot assemble a MaskedImage without its 'image' component`)
  }
  const expect = (name: string, value: unknown, cls: typeof Image | typeof Mask, kind: string) => {
    if (value !== undefined && value !== null && !(value instanceof cls)) {
      throw new errorClass(`Component '${name}' must be ${kind}, got ${describeValue(value)}`)
    }
  }
  expect('image', image, Image, 'an Image')
  expect('mask', mask, Mask, 'a Mask')
  expect('variance', variance, Image, 'an Image')
  try {
    return new MaskedImage(
      image as Image,
      (mask ?? undefined) as Mask | undefined,
      (variance ?? undefined) as Image | undefined,
    )
  } catch (cause) {
    if (cause instanceof StorageClassError && errorClass !== StorageClassError) {
      throw new errorClass(cause.message, { cause })
    }
    throw cause
  }
}

function checkInfo(info: unknown, errorClass: UserErrorClass): ExposureInfo {
  if (!isPlainObject(info))
    throw new errorClass(`Exposure parts must be an object, got ${describeValue(info)}`)
  const { wcs, psf, metadata, visitInfo, summaryStats, photoCalib, filter } = info
  const bad = (name: string, kind: string, value: unknown): never => {
    throw new errorClass(`Exposure component '${name}' must be ${kind}, got ${describeNumber(value)}`)
  }
  if (wcs !== undefined && !(wcs instanceof Wcs)) bad('wcs', 'a Wcs', wcs)
  if (psf !== undefined && !(psf instanceof Psf)) bad('psf', 'a Psf', psf)
  if (metadata !== undefined && !(metadata instanceof PropertyList))
    bad('metadata', 'a PropertyList', metadata)
  if (visitInfo !== undefined && !isPlainObject(visitInfo)) bad('visitInfo', 'a plain object', visitInfo)
  if (
    summaryStats !== undefined &&
    !(isPlainObject(summaryStats) && Object.values(summaryStats).every((v) => typeof v === 'number'))
  ) {
    bad('summaryStats', 'a plain object of numbers', summaryStats)
  }
  if (photoCalib !== undefined && !isPhotoCalib(photoCalib)) {
    bad('photoCalib', 'a { calibrationMean, calibrationErr } object of numbers', photoCalib)
  }
  if (filter !== undefined && typeof filter !== 'string') bad('filter', 'a string', filter)
  return info as ExposureInfo
}

/** True for a plain `{ calibrationMean, calibrationErr }` object of two numbers (nothing else). */
export function isPhotoCalib(value: unknown): value is PhotoCalib {
  return (
    isPlainObject(value) &&
    Object.keys(value).length === 2 &&
    typeof value.calibrationMean === 'number' &&
    typeof value.calibrationErr === 'number'
  )
}

/** Deep equality of JSON-like values (NaN equals NaN). */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b)
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  return ka.every(
    (k) =>
      Object.hasOwn(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  )
}
