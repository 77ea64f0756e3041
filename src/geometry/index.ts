/**
 * Spherical geometry for the butler: points, regions with exact overlap tests, sphgeom-compatible region
 * encoding, IVOA SIAv2 POS parsing and the HTM and HEALPix sky pixelizations.
 */
export { DEG_PER_RAD, degToRad, normalizeLonDegrees, RAD_PER_DEG, radToDeg } from './angle.js'
export { Box } from './box.js'
export { CAP_TOLERANCE, type Cap, type CapSet, capsIntersect } from './caps.js'
export { Circle } from './circle.js'
export { IntersectionRegion, UnionRegion } from './compound-region.js'
export { ConvexPolygon } from './convex-polygon.js'
export { decodeRegion, decodeRegionHex, encodeRegionHex } from './decode-region.js'
export { Ellipse, type EllipseParts } from './ellipse.js'
export { HealpixPixelization } from './healpix-pixelization.js'
export { HtmPixelization } from './htm-pixelization.js'
export { LonInterval } from './lon-interval.js'
export { LonLat } from './lonlat.js'
export { type PixelRange, rangesContain, simplifyRanges } from './pixel-ranges.js'
export type { Pixelization } from './pixelization.js'
export {
  callRegionFunction,
  createBox,
  createCircle,
  createPoint,
  createPolygon,
  parseSiaPos,
  REGION_FUNCTIONS,
} from './query-regions.js'
export type { CapBound, Region, RegionKind, SpatialValue } from './region.js'
export { UnitVector3d, Vector3d } from './vector.js'
