/**
 * Registers the image model with the storage class machinery: the runtime types `box`, `image`,
 * `mask`, `masked-image`, `exposure`, `wcs`, `psf` and `property-list`, and the converters between
 * exposures, masked images, images and NdArrays. Imported by `datasets/known-types.ts`.
 *
 * Images, masks, masked images and exposures all have the derived components `bbox` (a `Box2I`),
 * `dimensions` (`{ width, height }`) and `xy0` (`{ x, y }`), and the in-memory read parameter `bbox`
 * (a `Box2I` or a plain `{ x0, y0, width, height }` in parent coordinates; returns the cut-out, clipped
 * to the image; a box sharing no pixel with it is a `ReadParameterError`).
 *
 * Converters share pixel buffers with their input instead of copying: `exposureToImage` returns the
 * exposure's own image, `imageToNdArray` the image's array (its origin is dropped), `ndArrayToImage`
 * wraps a 2-D array at origin (0, 0), and `maskedImageToExposure` gives an exposure with no WCS, PSF or
 * other parts and empty metadata.
 */

import { estimateJsonSize } from '../datasets/builtin-types.js'
import { describeValue } from '../datasets/describe-value.js'
import type { NdArray } from '../datasets/ndarray.js'
import { isNdArray } from '../datasets/ndarray.js'
import { registerConverter, registerStorageClassType } from '../datasets/storage-class-type.js'
import { StorageClassConversionError, StorageClassError } from '../errors.js'
import { Box2I } from './box.js'
import { assembleMaskedImage, EXPOSURE_COMPONENTS, Exposure } from './exposure.js'
import { Image } from './image.js'
import { Mask } from './mask.js'
import { MaskedImage } from './masked-image.js'
import { PropertyList } from './property-list.js'
import { Psf } from './psf.js'
import { Wcs } from './wcs.js'

/** Anything with a parent-frame bounding box. */
interface Boxed {
  readonly bbox: Box2I
}

/** Derived components shared by every pixel type. */
const PIXEL_DERIVED = {
  bbox: (o: Boxed) => o.bbox,
  dimensions: (o: Boxed) => ({ width: o.bbox.width, height: o.bbox.height }),
  xy0: (o: Boxed) => ({ x: o.bbox.x0, y: o.bbox.y0 }),
}

/** The `bbox` read parameter of a pixel type: the cut-out of the requested box. */
function bboxParameter<T extends { subimage(box: Box2I): T }>(obj: T, value: unknown): T {
  return obj.subimage(Box2I.from(value))
}

const imageSize = (i: Image) => 128 + i.array.data.byteLength
const maskSize = (m: Mask) => 256 + m.array.data.byteLength
const maskedImageSize = (mi: MaskedImage) => imageSize(mi.image) + maskSize(mi.mask) + imageSize(mi.variance)

function componentOf(obj: object, name: string, names: readonly string[], what: string): unknown {
  if (!names.includes(name)) {
    throw new StorageClassError(`A ${what} has no component '${name}' (components: ${names.join(', ')})`)
  }
  return (obj as Record<string, unknown>)[name]
}

registerStorageClassType('box', {
  description: 'a Box2I',
  isInstance: (o) => o instanceof Box2I,
  sizeOf: () => 64,
})

registerStorageClassType('image', {
  description: 'an Image',
  isInstance: (o) => o instanceof Image,
  derived: PIXEL_DERIVED,
  parameters: { bbox: bboxParameter },
  sizeOf: imageSize,
})

registerStorageClassType('mask', {
  description: 'a Mask',
  isInstance: (o) => o instanceof Mask,
  derived: PIXEL_DERIVED,
  parameters: { bbox: bboxParameter },
  sizeOf: maskSize,
})

const MASKED_IMAGE_COMPONENTS = ['image', 'mask', 'variance'] as const

registerStorageClassType('masked-image', {
  description: 'a MaskedImage',
  isInstance: (o) => o instanceof MaskedImage,
  derived: PIXEL_DERIVED,
  parameters: { bbox: bboxParameter },
  getComponent: (mi: MaskedImage, name: string) =>
    componentOf(mi, name, MASKED_IMAGE_COMPONENTS, 'MaskedImage'),
  assemble: (parts) => {
    const unknown = Object.keys(parts).filter(
      (k) => !(MASKED_IMAGE_COMPONENTS as readonly string[]).includes(k),
    )
    if (unknown.length > 0) {
      throw new StorageClassError(
        `MaskedImage has no component(s) ${unknown.join(', ')} (components: ${MASKED_IMAGE_COMPONENTS.join(', ')})`,
      )
    }
    return assembleMaskedImage(parts)
  },
  sizeOf: maskedImageSize,
})

registerStorageClassType('exposure', {
  description: 'an Exposure',
  isInstance: (o) => o instanceof Exposure,
  derived: PIXEL_DERIVED,
  parameters: { bbox: bboxParameter },
  getComponent: (e: Exposure, name: string) => componentOf(e, name, EXPOSURE_COMPONENTS, 'Exposure'),
  assemble: (parts) => Exposure.fromParts(parts),
  sizeOf: (e: Exposure) =>
    maskedImageSize(e.maskedImage) +
    (e.psf ? imageSize(e.psf.kernel) : 0) +
    estimateJsonSize(e.metadata.toJSON()) +
    estimateJsonSize([e.visitInfo, e.summaryStats, e.photoCalib]) +
    512,
})

registerStorageClassType('wcs', {
  description: 'a Wcs',
  isInstance: (o) => o instanceof Wcs,
  sizeOf: () => 256,
})

registerStorageClassType('psf', {
  description: 'a Psf',
  isInstance: (o) => o instanceof Psf,
  sizeOf: (p: Psf) => 64 + imageSize(p.kernel),
})

registerStorageClassType('property-list', {
  description: 'a PropertyList',
  isInstance: (o) => o instanceof PropertyList,
  sizeOf: (p: PropertyList) => estimateJsonSize(p.toJSON()),
})

/** Throws `StorageClassConversionError` unless `obj` is an instance of `cls`. */
function expectInstance<T>(
  obj: unknown,
  cls: abstract new (...args: never[]) => T,
  from: string,
  to: string,
): T {
  if (!(obj instanceof cls)) {
    throw new StorageClassConversionError(`Cannot convert ${describeValue(obj)} to ${to}: expected ${from}`)
  }
  return obj
}

registerConverter(
  'exposureToMaskedImage',
  (obj) => expectInstance(obj, Exposure, 'an Exposure', 'a MaskedImage').maskedImage,
)
registerConverter(
  'maskedImageToExposure',
  (obj) => new Exposure(expectInstance(obj, MaskedImage, 'a MaskedImage', 'an Exposure')),
)
registerConverter('exposureToImage', (obj) => expectInstance(obj, Exposure, 'an Exposure', 'an Image').image)
registerConverter(
  'maskedImageToImage',
  (obj) => expectInstance(obj, MaskedImage, 'a MaskedImage', 'an Image').image,
)
registerConverter(
  'imageToNdArray',
  (obj): NdArray => expectInstance(obj, Image, 'an Image', 'an NdArray').array,
)
registerConverter('ndArrayToImage', (obj) => {
  if (!isNdArray(obj)) {
    throw new StorageClassConversionError(
      `Cannot convert ${describeValue(obj)} to an Image: expected an NdArray`,
    )
  }
  if (obj.shape.length !== 2) {
    throw new StorageClassConversionError(
      `Cannot convert an NdArray of shape [${obj.shape.join(', ')}] to an Image: it must be 2-D ([height, width])`,
    )
  }
  if (obj.dtype === 'bool') {
    throw new StorageClassConversionError('Cannot convert a bool NdArray to an Image (no bool pixel type)')
  }
  return new Image(obj)
})
