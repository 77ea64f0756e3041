/**
 * Spherical caps and the exact non-emptiness test for their intersection, the single primitive behind
 * every region overlap and containment test.
 *
 * A cap is the set of unit vectors v with n·v >= d for a unit normal n. d = 0 gives a hemisphere (the
 * edges of polygons and the meridians of boxes), other d a small circle (circles, latitude bounds).
 * d <= -1 is the whole sphere and d > 1 is empty. Every region is a union of "cap sets" (intersections
 * of caps), so two regions overlap exactly when some pair of their cap sets has a common point.
 */
import { UnitVector3d } from './vector.js'

/** The points v with (x, y, z)·v >= d, where (x, y, z) is a unit vector. */
export interface Cap {
  readonly x: number
  readonly y: number
  readonly z: number
  readonly d: number
}

/** The intersection of some caps; an empty list is the whole sphere. */
export type CapSet = readonly Cap[]

/**
 * How much a point may lie outside a cap (in units of n·v) and still count as inside it: overlap
 * tests are exact up to this tolerance, erring towards "overlaps".
 */
export const CAP_TOLERANCE = 1e-12

/** The closure of the complement of a cap. */
export function complementCap(c: Cap): Cap {
  return { x: -c.x, y: -c.y, z: -c.z, d: -c.d }
}

/** The hemisphere left of the great-circle edge from `a` to `b`, or undefined when a and b coincide. */
export function edgeCap(a: UnitVector3d, b: UnitVector3d): Cap | undefined {
  // a × b = (a - b) × b, and the difference keeps full precision for nearby vertices (tiny trixels).
  const dx = a.x - b.x
  const dy = a.y - b.y
  const dz = a.z - b.z
  const x = dy * b.z - dz * b.y
  const y = dz * b.x - dx * b.z
  const z = dx * b.y - dy * b.x
  const n = Math.hypot(x, y, z)
  if (!(n > 0)) return undefined
  return { x: x / n, y: y / n, z: z / n, d: 0 }
}

function inAll(caps: CapSet, x: number, y: number, z: number): boolean {
  for (const c of caps) {
    if (c.x * x + c.y * y + c.z * z < c.d - CAP_TOLERANCE) return false
  }
  return true
}

/** Some point on the boundary circle of `c` (which must be neither empty nor full). */
function pointOnBoundary(c: Cap): [number, number, number] {
  const u = UnitVector3d.fromNormalized(c.x, c.y, c.z).orthogonal()
  const s = Math.sqrt(Math.max(0, 1 - c.d * c.d))
  return [c.d * c.x + s * u.x, c.d * c.y + s * u.y, c.d * c.z + s * u.z]
}

/**
 * True when the caps have a common point (up to `CAP_TOLERANCE`).
 *
 * If the intersection S is neither empty nor the whole sphere its boundary is made of arcs of the cap
 * circles: either some component of the boundary is a whole circle (so any point of that circle is in
 * S), or the boundary has vertices, which are intersection points of two circles. Testing one point of
 * every circle and every pairwise intersection point is therefore exact. Cost is cubic in the number of
 * caps, which stays small (polygons of tens of vertices).
 */
export function capsIntersect(caps: CapSet): boolean {
  const active: Cap[] = []
  for (const c of caps) {
    if (c.d > 1 + CAP_TOLERANCE) return false
    if (c.d > -1) active.push(c)
  }
  if (active.length === 0) return true
  for (const c of active) {
    if (inAll(active, c.x, c.y, c.z)) return true
    const [x, y, z] = pointOnBoundary(c)
    if (inAll(active, x, y, z)) return true
  }
  for (let i = 0; i < active.length; i++) {
    const p = active[i]!
    for (let j = i + 1; j < active.length; j++) {
      const q = active[j]!
      const g = p.x * q.x + p.y * q.y + p.z * q.z
      const den = 1 - g * g
      // Parallel or antiparallel normals: the circles coincide or do not meet; the points of the
      // individual circles above already cover this pair.
      if (den < 1e-24) continue
      const a = (p.d - q.d * g) / den
      const b = (q.d - p.d * g) / den
      let c2 = (1 - (a * p.d + b * q.d)) / den
      if (c2 < 0) {
        if (c2 < -1e-12) continue
        c2 = 0
      }
      const c = Math.sqrt(c2)
      const wx = p.y * q.z - p.z * q.y
      const wy = p.z * q.x - p.x * q.z
      const wz = p.x * q.y - p.y * q.x
      const bx = a * p.x + b * q.x
      const by = a * p.y + b * q.y
      const bz = a * p.z + b * q.z
      if (inAll(active, bx + c * wx, by + c * wy, bz + c * wz)) return true
      if (c > 0 && inAll(active, bx - c * wx, by - c * wy, bz - c * wz)) return true
    }
  }
  return false
}

/** True when the two cap sets have a common point. */
export function capSetsIntersect(a: CapSet, b: CapSet): boolean {
  return capsIntersect(a.length === 0 ? b : b.length === 0 ? a : [...a, ...b])
}

/**
 * True when every point of `inner` lies in `outer` (no part of `inner` reaches into the open
 * complement of any cap of `outer`). Touching the boundary from inside counts as "not contained", so
 * this errs towards false.
 */
export function capSetContains(outer: CapSet, inner: CapSet): boolean {
  for (const c of outer) {
    if (c.d <= -1) continue
    if (capsIntersect([...inner, complementCap(c)])) return false
  }
  return true
}
