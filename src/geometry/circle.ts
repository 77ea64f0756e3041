/**
 * `Circle`: a spherical cap given by its centre and opening angle (sphgeom's `Circle`), closed, possibly
 * empty or full.
 */
import { BOUNDS_MARGIN, DEG_PER_RAD, HALF_PI, RAD_PER_DEG } from './angle.js'
import { Box } from './box.js'
import type { CapSet } from './caps.js'
import { LonInterval } from './lon-interval.js'
import { LonLat } from './lonlat.js'
import { regionsOverlap } from './overlap.js'
import type { CapBound, Region, SpatialValue } from './region.js'
import { encodeDoubles, TYPE_CODES } from './region-bytes.js'
import { UnitVector3d } from './vector.js'

/** The squared chord length of an opening angle: -1 when negative, 4 from π up. */
export function squaredChordLengthFor(openingAngle: number): number {
  if (openingAngle < 0) return -1
  if (openingAngle >= Math.PI) return 4
  const s = Math.sin(0.5 * openingAngle)
  return 4 * s * s
}

/** The points within an angle of a centre; contains its boundary. */
export class Circle implements Region {
  readonly kind = 'circle'

  /**
   * Builds a circle from all three encoded quantities; prefer `fromRadians`/`fromDegrees`. The squared
   * chord length (|v - center|² of boundary points) decides membership; the opening angle is kept for
   * bounds and for the encoding.
   */
  constructor(
    /** The centre. */
    readonly center: UnitVector3d,
    /** Squared chord length of the radius: negative for an empty circle, >= 4 for a full one. */
    readonly squaredChordLength: number,
    /** Radius in radians: negative when empty, π when full. */
    readonly openingAngle: number,
  ) {}

  /** The circle of radius `openingAngle` radians about `center`. */
  static fromRadians(center: UnitVector3d, openingAngle: number): Circle {
    return new Circle(center, squaredChordLengthFor(openingAngle), openingAngle)
  }

  /** The circle of radius `radius` degrees about (`lon`, `lat`) degrees. */
  static fromDegrees(lon: number, lat: number, radius: number): Circle {
    return Circle.fromRadians(UnitVector3d.fromLonLatDegrees(lon, lat), radius * RAD_PER_DEG)
  }

  /** The empty circle. */
  static empty(): Circle {
    return new Circle(UnitVector3d.Z, -1, -1)
  }

  /** The circle covering the whole sphere. */
  static full(): Circle {
    return new Circle(UnitVector3d.Z, 4, Math.PI)
  }

  isEmpty(): boolean {
    return !(this.squaredChordLength >= 0)
  }

  /** True when the circle covers the whole sphere. */
  isFull(): boolean {
    return this.squaredChordLength >= 4
  }

  contains(v: UnitVector3d): boolean {
    if (this.isFull()) return true
    const dx = v.x - this.center.x
    const dy = v.y - this.center.y
    const dz = v.z - this.center.z
    return dx * dx + dy * dy + dz * dz <= this.squaredChordLength
  }

  overlaps(other: SpatialValue): boolean {
    return regionsOverlap(this, other)
  }

  capSets(_bound: CapBound): readonly CapSet[] {
    if (this.isEmpty()) return []
    if (this.isFull()) return [[]]
    const c = this.center
    // |v - c|² = 2 - 2 v·c, so |v - c|² <= s  <=>  v·c >= 1 - s/2.
    return [[{ x: c.x, y: c.y, z: c.z, d: 1 - 0.5 * this.squaredChordLength }]]
  }

  boundingCircle(): Circle {
    return this
  }

  boundingBox(): Box {
    if (this.isEmpty()) return Box.empty()
    if (this.isFull()) return Box.full()
    const c = LonLat.fromVector(this.center)
    const lat = c.latRadians
    const r = this.openingAngle + BOUNDS_MARGIN
    if (Math.abs(lat) + r >= HALF_PI) {
      return new Box(LonInterval.full(), Math.max(-HALF_PI, lat - r), Math.min(HALF_PI, lat + r))
    }
    const halfWidth = Math.asin(Math.min(1, Math.sin(r) / Math.cos(lat))) + BOUNDS_MARGIN
    const lon = LonInterval.of(c.lonRadians, c.lonRadians).dilatedBy(halfWidth)
    return new Box(lon, lat - r, lat + r)
  }

  /** True when the two circles share no point (up to tolerance, erring towards false). */
  isDisjointFrom(o: Circle): boolean {
    if (this.isEmpty() || o.isEmpty()) return true
    if (this.isFull() || o.isFull()) return false
    return this.center.angleTo(o.center) > this.openingAngle + o.openingAngle + 1e-12
  }

  /** A circle containing both circles (the smallest one, up to a tiny margin). */
  expandedTo(o: Circle): Circle {
    if (this.isEmpty() || o.isFull()) return o
    if (o.isEmpty() || this.isFull()) return this
    const cc = this.center.angleTo(o.center)
    if (cc + o.openingAngle <= this.openingAngle) return this
    if (cc + this.openingAngle <= o.openingAngle) return o
    const r = 0.5 * (cc + this.openingAngle + o.openingAngle)
    if (r + BOUNDS_MARGIN >= Math.PI) return Circle.full()
    // Rotate this centre towards o's centre by (r - this radius) within their common plane.
    const t = r - this.openingAngle
    const axis = this.center.cross(o.center)
    const n = axis.norm()
    const toward = n > 0 ? axis.scale(1 / n).cross(this.center) : this.center.orthogonal()
    const center = this.center
      .scale(Math.cos(t))
      .add(toward.scale(Math.sin(t)))
      .normalize()
    return Circle.fromRadians(center, r + BOUNDS_MARGIN)
  }

  /** A circle containing the intersection of both circles (the smaller one, or empty when disjoint). */
  clippedTo(o: Circle): Circle {
    if (this.isDisjointFrom(o)) return Circle.empty()
    return o.openingAngle < this.openingAngle ? o : this
  }

  /** The radius in degrees (negative when empty). */
  get radiusDegrees(): number {
    return this.openingAngle * DEG_PER_RAD
  }

  encode(): Uint8Array {
    const c = this.center
    return encodeDoubles(TYPE_CODES.circle, [c.x, c.y, c.z, this.squaredChordLength, this.openingAngle])
  }

  toString(): string {
    return `Circle(${LonLat.fromVector(this.center)}, ${this.radiusDegrees}°)`
  }
}
