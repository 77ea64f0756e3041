/**
 * The overlap test shared by all regions: a quick rejection on bounding circles, then the exact
 * cap-set intersection test on every pair of convex pieces.
 */
import { capSetsIntersect } from './caps.js'
import type { Region, SpatialValue } from './region.js'
import { UnitVector3d } from './vector.js'

/** True when `a` and `b` share a point (`b` may be a point, in which case this is `a.contains(b)`). */
export function regionsOverlap(a: Region, b: SpatialValue): boolean {
  if (b instanceof UnitVector3d) return a.contains(b)
  if (a.boundingCircle().isDisjointFrom(b.boundingCircle())) return false
  const piecesB = b.capSets('outer')
  for (const pa of a.capSets('outer')) {
    for (const pb of piecesB) {
      if (capSetsIntersect(pa, pb)) return true
    }
  }
  return false
}
