/**
 * Spherical convex hull of unordered points: the points are projected gnomonically (great circles become
 * straight lines) onto the plane tangent at their mean direction, and the planar hull is taken there.
 */
import { UnitVector3d } from './vector.js'

function compareVectors(a: UnitVector3d, b: UnitVector3d): number {
  return a.x - b.x || a.y - b.y || a.z - b.z
}

/**
 * The vertices of the convex hull of `points`, counter-clockwise seen from outside the sphere, starting at
 * the lexicographically smallest (x, y, z) vertex so the result does not depend on the input order.
 * Throws a RangeError when fewer than three distinct points are given, when the points do not lie well
 * inside one hemisphere, or when they all lie on one great circle.
 */
export function convexHullVertices(points: readonly UnitVector3d[]): UnitVector3d[] {
  const sorted = [...points].sort(compareVectors)
  const unique = sorted.filter((p, i) => i === 0 || compareVectors(p, sorted[i - 1]!) !== 0)
  if (unique.length < 3)
    throw new RangeError(`a polygon needs 3 or more distinct vertices, not ${unique.length}`)
  let sx = 0
  let sy = 0
  let sz = 0
  for (const p of unique) {
    sx += p.x
    sy += p.y
    sz += p.z
  }
  const norm = Math.hypot(sx, sy, sz)
  const c = norm > 1e-12 ? UnitVector3d.normalized(sx, sy, sz) : undefined
  if (!c || unique.some((p) => p.dot(c) <= 1e-9)) {
    throw new RangeError('the polygon vertices do not lie within one hemisphere')
  }
  const e1 = c.orthogonal()
  const e2 = c.cross(e1)
  const planar = unique.map((p) => {
    const w = p.dot(c)
    return { p, u: p.dot(e1) / w, v: p.dot(e2) / w }
  })
  planar.sort((a, b) => a.u - b.u || a.v - b.v)
  type Planar = (typeof planar)[number]
  const turn = (o: Planar, a: Planar, b: Planar) => (a.u - o.u) * (b.v - o.v) - (a.v - o.v) * (b.u - o.u)
  // Andrew's monotone chain; collinear points are dropped.
  const chain = (pts: Planar[]) => {
    const out: Planar[] = []
    for (const q of pts) {
      while (out.length >= 2 && turn(out[out.length - 2]!, out[out.length - 1]!, q) <= 0) out.pop()
      out.push(q)
    }
    out.pop()
    return out
  }
  const hull = [...chain(planar), ...chain([...planar].reverse())].map((q) => q.p)
  if (hull.length < 3) throw new RangeError('the polygon vertices all lie on one great circle')
  let start = 0
  hull.forEach((p, i) => {
    if (compareVectors(p, hull[start]!) < 0) start = i
  })
  return [...hull.slice(start), ...hull.slice(0, start)]
}
