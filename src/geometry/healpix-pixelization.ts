/**
 * The HEALPix pixelization in the NESTED scheme (nside = 2^order). HEALPix pixel edges are not great
 * circles, so `pixel` returns a longitude/latitude box that contains the pixel: within a base face the
 * longitude and z of a pixel's points are monotone in its face coordinates, so the extremes are reached
 * at the four corners (pixels touching a pole span their face's whole quarter of longitude).
 */
import { InputError } from '../errors.js'
import { BOUNDS_MARGIN, TWO_PI } from './angle.js'
import { Box } from './box.js'
import { facePoint, faceXY, JPLL, nestIndex, vectorToFaceXY } from './healpix-math.js'
import { LonInterval } from './lon-interval.js'
import { findPixels, type PixelNode, type PixelTree } from './pixel-finder.js'
import type { PixelRange } from './pixel-ranges.js'
import type { Pixelization } from './pixelization.js'
import type { Region } from './region.js'
import { UnitVector3d } from './vector.js'

function wrapToPi(a: number): number {
  if (a > Math.PI) return a - TWO_PI
  if (a < -Math.PI) return a + TWO_PI
  return a
}

/** The bounding box and an interior point of the nested pixel `index` at `order`. */
function pixelBounds(order: number, index: number): { box: Box; center: UnitVector3d } {
  const nside = 2 ** order
  const { face, ix, iy } = faceXY(nside, index)
  const c = facePoint(face, (ix + 0.5) / nside, (iy + 0.5) / nside)
  const corners = [
    facePoint(face, ix / nside, iy / nside),
    facePoint(face, (ix + 1) / nside, iy / nside),
    facePoint(face, ix / nside, (iy + 1) / nside),
    facePoint(face, (ix + 1) / nside, (iy + 1) / nside),
  ]
  let lon: LonInterval
  if (corners.some((p) => p.pole)) {
    const mid = JPLL[face]! * 0.25 * Math.PI
    lon = LonInterval.of(mid - 0.25 * Math.PI, mid + 0.25 * Math.PI)
  } else {
    const deltas = corners.map((p) => wrapToPi(p.phi - c.phi))
    lon = LonInterval.of(c.phi + Math.min(...deltas), c.phi + Math.max(...deltas))
  }
  const lats = corners.map((p) => Math.atan2(p.z, p.s))
  const box = new Box(
    lon.dilatedBy(BOUNDS_MARGIN),
    Math.min(...lats) - BOUNDS_MARGIN,
    Math.max(...lats) + BOUNDS_MARGIN,
  )
  const center = UnitVector3d.normalized(c.s * Math.cos(c.phi), c.s * Math.sin(c.phi), c.z)
  return { box, center }
}

function node(order: number, index: number): PixelNode {
  const { box, center } = pixelBounds(order, index)
  // The box spans at most a quarter of longitude around the centre, so its corners are its farthest points.
  let radius = 0
  for (const lon of [box.lon.a, box.lon.b]) {
    for (const lat of [box.latA, box.latB]) {
      radius = Math.max(radius, center.angleTo(UnitVector3d.fromLonLatRadians(lon, lat)))
    }
  }
  return { index, level: order, caps: box.capSets('outer')[0]!, center, radius: radius + BOUNDS_MARGIN }
}

const TREE: PixelTree = {
  roots: () => Array.from({ length: 12 }, (_, i) => node(0, i)),
  children: (n) => [0, 1, 2, 3].map((k) => node(n.level + 1, 4 * n.index + k)),
}

/** The HEALPix NESTED pixelization at one order (0-17). */
export class HealpixPixelization implements Pixelization {
  /** The deepest supported order. */
  static readonly MAX_ORDER = 17

  /** Throws an `InputError` for an order outside 0-17. */
  constructor(readonly level: number) {
    if (!Number.isInteger(level) || level < 0 || level > HealpixPixelization.MAX_ORDER) {
      throw new InputError(`invalid HEALPix order ${level} (must be 0-${HealpixPixelization.MAX_ORDER})`)
    }
  }

  /** nside = 2^order. */
  get nside(): number {
    return 2 ** this.level
  }

  /** The number of pixels, 12 nside². */
  get npix(): number {
    return 12 * this.nside * this.nside
  }

  index(v: UnitVector3d): number {
    return nestIndex(this.nside, vectorToFaceXY(this.nside, v))
  }

  /** A box containing pixel `i`; an `InputError` for an index out of range. */
  pixel(i: number): Box {
    if (!Number.isSafeInteger(i) || i < 0 || i >= this.npix) {
      throw new InputError(`${i} is not a HEALPix index at order ${this.level}`)
    }
    return pixelBounds(this.level, i).box
  }

  universe(): PixelRange[] {
    return [[0, this.npix]]
  }

  envelope(region: Region, maxRanges = 0): PixelRange[] {
    return findPixels(region, TREE, this.level, { interior: false, maxRanges })
  }

  interior(region: Region): PixelRange[] {
    return findPixels(region, TREE, this.level, { interior: true, maxRanges: 0 })
  }

  toString(): string {
    return `HealpixPixelization(${this.level})`
  }
}
