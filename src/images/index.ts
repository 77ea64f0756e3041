/**
 * The in-memory image model (after LSST's afw): integer boxes, images, masks, masked images, exposures
 * and their parts (WCS, PSF, header metadata). Importing it also registers the image storage class
 * types and converters (`image-types.ts`).
 */
export { Box2I, type Box2IJson, checkBoxFields } from './box.js'
export {
  assembleMaskedImage,
  EXPOSURE_COMPONENTS,
  Exposure,
  type ExposureComponent,
  type ExposureInfo,
  type ExposureParts,
  type ExposureSummaryStats,
  isPhotoCalib,
  type PhotoCalib,
  type VisitInfo,
} from './exposure.js'
export { IMAGE_DTYPES, Image, type ImageDType, type PixelValue } from './image.js'

import './image-types.js'

export { DEFAULT_MASK_PLANES, type Int32NdArray, MASK_PLANE_BITS, Mask, type MaskPlanesInit } from './mask.js'
export { MaskedImage } from './masked-image.js'
export {
  isPropertyValue,
  type PropertyCard,
  type PropertyCardJson,
  PropertyList,
  type PropertyValue,
} from './property-list.js'
export { Psf } from './psf.js'
export type { UserErrorClass } from './validate.js'
export {
  isWcsCardName,
  WCS_CTYPES,
  Wcs,
  type WcsFitsCards,
  type WcsMatrix,
  type WcsOptions,
  type WcsPair,
} from './wcs.js'
