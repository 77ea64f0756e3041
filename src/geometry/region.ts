/**
 * The `Region` interface shared by every shape on the sphere, and the point-or-region union used where
 * queries accept either.
 */
import type { Box } from './box.js'
import type { CapSet } from './caps.js'
import type { Circle } from './circle.js'
import type { UnitVector3d } from './vector.js'

/** Names of the region kinds, matching sphgeom's classes. */
export type RegionKind = 'circle' | 'box' | 'convex-polygon' | 'ellipse' | 'union' | 'intersection'

/**
 * Which side to err on when a region cannot be written exactly as caps: `outer` gives a superset (used
 * to rule overlaps out), `inner` a subset (used to prove containment).
 */
export type CapBound = 'outer' | 'inner'

/** A closed region of the unit sphere. */
export interface Region {
  /** The kind of shape. */
  readonly kind: RegionKind
  /** True when the region contains no points. */
  isEmpty(): boolean
  /** True when the region contains the point `v`. */
  contains(v: UnitVector3d): boolean
  /**
   * True when the region and `other` have a point in common (up to floating-point tolerance, erring
   * towards true). With a point it is the same as `contains`.
   */
  overlaps(other: Region | UnitVector3d): boolean
  /** A circle containing the region. */
  boundingCircle(): Circle
  /** A longitude/latitude box containing the region. */
  boundingBox(): Box
  /** The sphgeom binary encoding of the region. */
  encode(): Uint8Array
  /**
   * The region as a union of cap intersections: exact for every kind except `Ellipse`, which gives its
   * bounding circle (`outer`) or its inscribed circle (`inner`). An empty list is the empty region.
   */
  capSets(bound: CapBound): readonly CapSet[]
}

/** A point or a region: what spatial predicates accept on either side. */
export type SpatialValue = Region | UnitVector3d
