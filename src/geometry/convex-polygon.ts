/**
 * `ConvexPolygon`: a convex spherical polygon with great-circle edges and counter-clockwise vertices
 * (sphgeom's `ConvexPolygon`), including the convex hull of unordered points.
 */
import { angleTo, BOUNDS_MARGIN, HALF_PI } from './angle.js'
import { Box } from './box.js'
import { type Cap, type CapSet, edgeCap } from './caps.js'
import { Circle } from './circle.js'
import { convexHullVertices } from './convex-hull.js'
import { LonInterval } from './lon-interval.js'
import { regionsOverlap } from './overlap.js'
import type { CapBound, Region, SpatialValue } from './region.js'
import { encodeDoubles, TYPE_CODES } from './region-bytes.js'
import { UnitVector3d, Vector3d } from './vector.js'

function lonOf(v: Vector3d): number {
  const lon = Math.atan2(v.y, v.x)
  return lon < 0 ? lon + 2 * Math.PI : lon
}

function latOf(v: Vector3d): number {
  return Math.atan2(v.z, Math.hypot(v.x, v.y))
}

/**
 * The highest (`sign` 1) or lowest (`sign` -1) latitude of the great-circle arc from `a` to `b` when it is
 * reached strictly inside the arc, else undefined.
 */
function extremeLatOnArc(a: UnitVector3d, b: UnitVector3d, sign: 1 | -1): number | undefined {
  const n = a.cross(b)
  const nn = n.dot(n)
  if (!(nn > 0)) return undefined
  // Projection of the pole (0, 0, sign) onto the plane of the great circle.
  const p = new Vector3d(0, 0, sign).sub(n.scale((sign * n.z) / nn))
  if (!(p.norm() > 0)) return undefined
  if (a.cross(p).dot(n) < 0 || p.cross(b).dot(n) < 0) return undefined
  return latOf(p)
}

/** A convex polygon on the sphere, smaller than a hemisphere, vertices in counter-clockwise order. */
export class ConvexPolygon implements Region {
  readonly kind = 'convex-polygon'
  /** The vertices, counter-clockwise seen from outside the sphere. */
  readonly vertices: readonly UnitVector3d[]
  private caps: CapSet | undefined

  /**
   * A polygon from vertices already in counter-clockwise order (as decoded from sphgeom bytes); no
   * convexity check is made. Use `convexHull` for points in any order. Throws a RangeError for fewer than
   * three vertices.
   */
  constructor(vertices: readonly UnitVector3d[]) {
    if (vertices.length < 3)
      throw new RangeError(`a polygon needs 3 or more vertices, not ${vertices.length}`)
    this.vertices = [...vertices]
  }

  /**
   * The convex hull of points in any order; the result does not depend on their order. Throws a
   * RangeError when the points do not lie in one open hemisphere or all lie on one great circle.
   */
  static convexHull(points: readonly UnitVector3d[]): ConvexPolygon {
    return new ConvexPolygon(convexHullVertices(points))
  }

  /** The convex hull of (lon, lat) pairs given in degrees as a flat list (a RangeError if unpaired). */
  static fromLonLatDegrees(coordinates: readonly number[]): ConvexPolygon {
    if (coordinates.length % 2 !== 0)
      throw new RangeError('polygon coordinates must come in (lon, lat) pairs')
    const points: UnitVector3d[] = []
    for (let i = 0; i + 1 < coordinates.length; i += 2) {
      points.push(UnitVector3d.fromLonLatDegrees(coordinates[i]!, coordinates[i + 1]!))
    }
    return ConvexPolygon.convexHull(points)
  }

  isEmpty(): boolean {
    return false
  }

  contains(v: UnitVector3d): boolean {
    const vs = this.vertices
    let prev = vs[vs.length - 1]!
    for (const cur of vs) {
      // v must be on the left of (or on) every edge: orientation(prev, cur, v) = orientation(v, prev, cur).
      if (v.orientation(prev, cur) < 0) return false
      prev = cur
    }
    return true
  }

  overlaps(other: SpatialValue): boolean {
    return regionsOverlap(this, other)
  }

  capSets(_bound: CapBound): readonly CapSet[] {
    if (!this.caps) {
      const caps: Cap[] = []
      const vs = this.vertices
      vs.forEach((v, i) => {
        const cap = edgeCap(v, vs[(i + 1) % vs.length]!)
        if (cap) caps.push(cap)
      })
      this.caps = caps
    }
    return [this.caps]
  }

  /** The (normalised) mean of the vertices. */
  centroid(): UnitVector3d {
    let x = 0
    let y = 0
    let z = 0
    for (const v of this.vertices) {
      x += v.x
      y += v.y
      z += v.z
    }
    return UnitVector3d.normalized(x, y, z)
  }

  boundingCircle(): Circle {
    const c = this.centroid()
    let r = 0
    for (const v of this.vertices) r = Math.max(r, c.angleTo(v))
    // A cap wider than a hemisphere is not convex, so it would not be sure to hold the edges.
    if (r + BOUNDS_MARGIN >= HALF_PI) return Circle.full()
    return Circle.fromRadians(c, r + BOUNDS_MARGIN)
  }

  boundingBox(): Box {
    const north = this.contains(UnitVector3d.Z)
    const south = this.contains(UnitVector3d.Z.negate())
    const vs = this.vertices
    let latA = Number.POSITIVE_INFINITY
    let latB = Number.NEGATIVE_INFINITY
    let lon = LonInterval.empty()
    vs.forEach((a, i) => {
      const b = vs[(i + 1) % vs.length]!
      const lat = latOf(a)
      latA = Math.min(latA, lat, extremeLatOnArc(a, b, -1) ?? lat)
      latB = Math.max(latB, lat, extremeLatOnArc(a, b, 1) ?? lat)
      // Without a pole inside, each edge spans the shorter way between its end longitudes.
      const la = lonOf(a)
      const lb = lonOf(b)
      lon = lon.expandedTo(angleTo(la, lb) <= Math.PI ? LonInterval.of(la, lb) : LonInterval.of(lb, la))
    })
    if (north) latB = HALF_PI
    if (south) latA = -HALF_PI
    return new Box(north || south ? LonInterval.full() : lon, latA, latB).dilatedBy(BOUNDS_MARGIN)
  }

  encode(): Uint8Array {
    const values: number[] = []
    for (const v of this.vertices) values.push(v.x, v.y, v.z)
    return encodeDoubles(TYPE_CODES.convexPolygon, values)
  }

  toString(): string {
    return `ConvexPolygon(${this.vertices.map((v) => v.toString()).join(', ')})`
  }
}
