/**
 * `Ellipse`: sphgeom's spherical ellipse, supported as decoded data. Point containment is exact; overlap
 * tests and pixel envelopes use its bounding circle (so they may report overlaps that a tighter test
 * would reject, never the reverse), and pixel interiors use its inscribed circle.
 */
import { BOUNDS_MARGIN, HALF_PI } from './angle.js'
import type { Box } from './box.js'
import type { CapSet } from './caps.js'
import { Circle } from './circle.js'
import { regionsOverlap } from './overlap.js'
import type { CapBound, Region, SpatialValue } from './region.js'
import { encodeDoubles, TYPE_CODES } from './region-bytes.js'
import { UnitVector3d } from './vector.js'

/** The fields of sphgeom's ellipse encoding, in encoding order. */
export interface EllipseParts {
  /** Row-major 3x3 orthogonal matrix mapping the ellipse centre to +Z (its last row is the centre). */
  readonly matrix: readonly number[]
  /** First semi-axis angle minus π/2 (radians). */
  readonly a: number
  /** Second semi-axis angle minus π/2 (radians). */
  readonly b: number
  /** Half the angle between the foci (radians). */
  readonly gamma: number
  /** |tan(a)|. */
  readonly tana: number
  /** |tan(b)|. */
  readonly tanb: number
}

/** A spherical ellipse (decoded from sphgeom bytes). */
export class Ellipse implements Region {
  readonly kind = 'ellipse'

  constructor(readonly parts: EllipseParts) {
    if (parts.matrix.length !== 9) throw new RangeError('an ellipse matrix has 9 elements')
  }

  /** The centre (last row of the matrix). */
  get center(): UnitVector3d {
    const m = this.parts.matrix
    return UnitVector3d.fromNormalized(m[6]!, m[7]!, m[8]!)
  }

  /** First semi-axis length α (radians): negative when empty, >= π when full. */
  get alpha(): number {
    return HALF_PI + this.parts.a
  }

  /** Second semi-axis length β (radians). */
  get beta(): number {
    return HALF_PI + this.parts.b
  }

  isEmpty(): boolean {
    return this.alpha < 0
  }

  /** True when the ellipse covers the whole sphere. */
  isFull(): boolean {
    return this.alpha >= Math.PI
  }

  contains(v: UnitVector3d): boolean {
    const m = this.parts.matrix
    const c = this.center
    const vc = v.dot(c)
    // Near ±centre, work with v ∓ centre to keep precision for tiny and huge ellipses.
    const scz = vc > 0.5 ? 1 : vc < -0.5 ? -1 : 0
    const ux = v.x - scz * c.x
    const uy = v.y - scz * c.y
    const uz = v.z - scz * c.z
    const x = (m[0]! * ux + m[1]! * uy + m[2]! * uz) * this.parts.tana
    const y = (m[3]! * ux + m[4]! * uy + m[5]! * uz) * this.parts.tanb
    const z = m[6]! * ux + m[7]! * uy + m[8]! * uz + scz
    const d = x * x + y * y - z * z
    return this.parts.a > 0 ? z >= 0 || d >= 0 : z >= 0 && d <= 0
  }

  overlaps(other: SpatialValue): boolean {
    return regionsOverlap(this, other)
  }

  capSets(bound: CapBound): readonly CapSet[] {
    if (bound === 'outer') return this.boundingCircle().capSets(bound)
    if (this.isEmpty()) return []
    if (this.isFull()) return [[]]
    const r = Math.min(this.alpha, this.beta) - BOUNDS_MARGIN
    return r < 0 ? [] : Circle.fromRadians(this.center, r).capSets(bound)
  }

  boundingCircle(): Circle {
    if (this.isEmpty()) return Circle.empty()
    if (this.isFull()) return Circle.full()
    return Circle.fromRadians(this.center, Math.max(this.alpha, this.beta) + BOUNDS_MARGIN)
  }

  boundingBox(): Box {
    return this.boundingCircle().boundingBox()
  }

  encode(): Uint8Array {
    const p = this.parts
    return encodeDoubles(TYPE_CODES.ellipse, [...p.matrix, p.a, p.b, p.gamma, p.tana, p.tanb])
  }

  toString(): string {
    return `Ellipse(${this.center}, α=${this.alpha}, β=${this.beta})`
  }
}
