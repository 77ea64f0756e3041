/**
 * `Box`: a longitude/latitude rectangle (sphgeom's `Box`). The longitude interval may wrap around 0/360;
 * the latitude bounds are small circles, not great circles. Boxes can be empty, full, polar caps or
 * annuli.
 */
import { BOUNDS_MARGIN, DEG_PER_RAD, HALF_PI, RAD_PER_DEG } from './angle.js'
import type { Cap, CapSet } from './caps.js'
import { Circle } from './circle.js'
import { LonInterval } from './lon-interval.js'
import { regionsOverlap } from './overlap.js'
import type { CapBound, Region, SpatialValue } from './region.js'
import { encodeDoubles, TYPE_CODES } from './region-bytes.js'
import { UnitVector3d } from './vector.js'

/** The hemisphere of longitudes [lon, lon + π] (its boundary is the meridian at `lon`). */
function eastOf(lon: number): Cap {
  return { x: -Math.sin(lon), y: Math.cos(lon), z: 0, d: 0 }
}

/** The hemisphere of longitudes [lon - π, lon]. */
function westOf(lon: number): Cap {
  return { x: Math.sin(lon), y: -Math.cos(lon), z: 0, d: 0 }
}

/** The hemisphere centred on the equator at `lon`. */
function around(lon: number): Cap {
  return { x: Math.cos(lon), y: Math.sin(lon), z: 0, d: 0 }
}

/** A closed longitude/latitude rectangle; angles in radians. */
export class Box implements Region {
  readonly kind = 'box'
  /** Longitude interval. */
  readonly lon: LonInterval
  /** Lower latitude bound (radians). */
  readonly latA: number
  /** Upper latitude bound (radians); below `latA` (or NaN) when the box is empty. */
  readonly latB: number

  /** A box from a longitude interval and latitude bounds (clipped to [-π/2, π/2]). */
  constructor(lon: LonInterval, latA: number, latB: number) {
    let a = Math.max(latA, -HALF_PI)
    let b = Math.min(latB, HALF_PI)
    let l = lon
    if (!(a <= b)) l = LonInterval.empty()
    else if (l.isEmpty()) {
      a = 1
      b = 0
    }
    this.lon = l
    this.latA = a
    this.latB = b
  }

  /** The box from (lon1, lat1) to (lon2, lat2), radians; lon2 < lon1 wraps when both are in [0, 2π]. */
  static fromRadians(lon1: number, lat1: number, lon2: number, lat2: number): Box {
    return new Box(LonInterval.of(lon1, lon2), lat1, lat2)
  }

  /** The box from (lon1, lat1) to (lon2, lat2), degrees; lon2 < lon1 wraps when both are in [0, 360]. */
  static fromDegrees(lon1: number, lat1: number, lon2: number, lat2: number): Box {
    return Box.fromRadians(lon1 * RAD_PER_DEG, lat1 * RAD_PER_DEG, lon2 * RAD_PER_DEG, lat2 * RAD_PER_DEG)
  }

  /** The box centred on (lon, lat) with full `width` (longitude) and `height` (latitude), in degrees. */
  static fromCenterDegrees(lon: number, lat: number, width: number, height: number): Box {
    const c = LonInterval.of(lon * RAD_PER_DEG, lon * RAD_PER_DEG)
    const h = 0.5 * height * RAD_PER_DEG
    return new Box(c.dilatedBy(0.5 * width * RAD_PER_DEG), lat * RAD_PER_DEG - h, lat * RAD_PER_DEG + h)
  }

  /** The empty box. */
  static empty(): Box {
    return new Box(LonInterval.empty(), 1, 0)
  }

  /** The box covering the whole sphere. */
  static full(): Box {
    return new Box(LonInterval.full(), -HALF_PI, HALF_PI)
  }

  isEmpty(): boolean {
    return !(this.latA <= this.latB)
  }

  /** True when the box covers the whole sphere. */
  isFull(): boolean {
    return this.lon.isFull() && this.latA === -HALF_PI && this.latB === HALF_PI
  }

  /** True when `v` is inside; a pole inside the latitude range is inside whatever the longitudes. */
  contains(v: UnitVector3d): boolean {
    if (this.isEmpty()) return false
    const lat = Math.atan2(v.z, Math.hypot(v.x, v.y))
    if (lat < this.latA || lat > this.latB) return false
    if (v.x === 0 && v.y === 0) return true
    const lon = Math.atan2(v.y, v.x)
    return this.lon.contains(lon < 0 ? lon + 2 * Math.PI : lon)
  }

  overlaps(other: SpatialValue): boolean {
    return regionsOverlap(this, other)
  }

  capSets(_bound: CapBound): readonly CapSet[] {
    if (this.isEmpty()) return []
    const lat: Cap[] = []
    if (this.latA > -HALF_PI) lat.push({ x: 0, y: 0, z: 1, d: Math.sin(this.latA) })
    if (this.latB < HALF_PI) lat.push({ x: 0, y: 0, z: -1, d: -Math.sin(this.latB) })
    if (this.lon.isFull()) return [lat]
    const a = this.lon.a
    const w = this.lon.size()
    // A longitude wedge is convex only up to a width of π: split wider ones in two.
    const pieces: Array<[number, number]> =
      w <= Math.PI
        ? [[a, w]]
        : [
            [a, 0.5 * w],
            [a + 0.5 * w, 0.5 * w],
          ]
    // The third cap keeps a zero-width wedge from also taking in the opposite meridian.
    return pieces.map(([start, width]) => [
      ...lat,
      eastOf(start),
      westOf(start + width),
      around(start + 0.5 * width),
    ])
  }

  boundingCircle(): Circle {
    if (this.isEmpty()) return Circle.empty()
    if (this.isFull()) return Circle.full()
    const polar =
      this.latA + this.latB >= 0
        ? Circle.fromRadians(UnitVector3d.Z, HALF_PI - this.latA + BOUNDS_MARGIN)
        : Circle.fromRadians(UnitVector3d.Z.negate(), HALF_PI + this.latB + BOUNDS_MARGIN)
    if (this.lon.size() > Math.PI) return polar
    // For widths up to π the farthest points from the centre are corners.
    const center = UnitVector3d.fromLonLatRadians(this.lon.center(), 0.5 * (this.latA + this.latB))
    let r = 0
    for (const lon of [this.lon.a, this.lon.b]) {
      for (const lat of [this.latA, this.latB]) {
        r = Math.max(r, center.angleTo(UnitVector3d.fromLonLatRadians(lon, lat)))
      }
    }
    return r + BOUNDS_MARGIN < polar.openingAngle ? Circle.fromRadians(center, r + BOUNDS_MARGIN) : polar
  }

  boundingBox(): Box {
    return this
  }

  /** The smallest box containing both boxes (one of the two choices when there are two). */
  expandedTo(o: Box): Box {
    if (o.isEmpty()) return this
    if (this.isEmpty()) return o
    return new Box(this.lon.expandedTo(o.lon), Math.min(this.latA, o.latA), Math.max(this.latB, o.latB))
  }

  /** A box containing the intersection of both boxes. */
  clippedTo(o: Box): Box {
    if (o.isEmpty() || this.isEmpty()) return Box.empty()
    return new Box(this.lon.clippedTo(o.lon), Math.max(this.latA, o.latA), Math.min(this.latB, o.latB))
  }

  /** The box grown by `margin` radians in longitude and latitude. */
  dilatedBy(margin: number): Box {
    if (this.isEmpty()) return this
    return new Box(this.lon.dilatedBy(margin), this.latA - margin, this.latB + margin)
  }

  encode(): Uint8Array {
    return encodeDoubles(TYPE_CODES.box, [this.lon.a, this.lon.b, this.latA, this.latB])
  }

  toString(): string {
    const d = (x: number) => x * DEG_PER_RAD
    return `Box([${d(this.lon.a)}, ${d(this.lon.b)}], [${d(this.latA)}, ${d(this.latB)}])`
  }
}
