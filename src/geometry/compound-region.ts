/**
 * `UnionRegion` and `IntersectionRegion`: sphgeom's compound regions. Nested compounds of the same kind
 * are flattened on construction, as sphgeom does.
 */
import { Box } from './box.js'
import { type CapSet, capsIntersect } from './caps.js'
import { Circle } from './circle.js'
import { regionsOverlap } from './overlap.js'
import type { CapBound, Region, SpatialValue } from './region.js'
import { encodeCompound, TYPE_CODES } from './region-bytes.js'
import type { UnitVector3d } from './vector.js'

/** The points in any operand; with no operands, empty. */
export class UnionRegion implements Region {
  readonly kind = 'union'
  /** The operands (never unions themselves). */
  readonly operands: readonly Region[]

  constructor(operands: readonly Region[]) {
    this.operands = operands.flatMap((op) => (op instanceof UnionRegion ? op.operands : [op]))
  }

  isEmpty(): boolean {
    return this.operands.every((op) => op.isEmpty())
  }

  contains(v: UnitVector3d): boolean {
    return this.operands.some((op) => op.contains(v))
  }

  overlaps(other: SpatialValue): boolean {
    return regionsOverlap(this, other)
  }

  capSets(bound: CapBound): readonly CapSet[] {
    return this.operands.flatMap((op) => op.capSets(bound))
  }

  boundingCircle(): Circle {
    return this.operands.reduce<Circle>((c, op) => c.expandedTo(op.boundingCircle()), Circle.empty())
  }

  boundingBox(): Box {
    return this.operands.reduce<Box>((b, op) => b.expandedTo(op.boundingBox()), Box.empty())
  }

  encode(): Uint8Array {
    return encodeCompound(
      TYPE_CODES.union,
      this.operands.map((op) => op.encode()),
    )
  }

  toString(): string {
    return `UnionRegion(${this.operands.join(', ')})`
  }
}

/** The points in every operand; with no operands, the whole sphere. */
export class IntersectionRegion implements Region {
  readonly kind = 'intersection'
  /** The operands (never intersections themselves). */
  readonly operands: readonly Region[]

  constructor(operands: readonly Region[]) {
    this.operands = operands.flatMap((op) => (op instanceof IntersectionRegion ? op.operands : [op]))
  }

  /** True when no point is in every operand (exact up to tolerance, except for ellipses). */
  isEmpty(): boolean {
    return !this.capSets('outer').some((s) => capsIntersect(s))
  }

  contains(v: UnitVector3d): boolean {
    return this.operands.every((op) => op.contains(v))
  }

  overlaps(other: SpatialValue): boolean {
    return regionsOverlap(this, other)
  }

  /** Every combination of one piece per operand, dropping combinations with no common point. */
  capSets(bound: CapBound): readonly CapSet[] {
    let acc: CapSet[] = [[]]
    for (const op of this.operands) {
      const next: CapSet[] = []
      for (const s of acc) {
        for (const t of op.capSets(bound)) {
          const joined = [...s, ...t]
          if (capsIntersect(joined)) next.push(joined)
        }
      }
      acc = next
      if (acc.length === 0) break
    }
    return acc
  }

  boundingCircle(): Circle {
    return this.operands.reduce<Circle>((c, op) => c.clippedTo(op.boundingCircle()), Circle.full())
  }

  boundingBox(): Box {
    return this.operands.reduce<Box>((b, op) => b.clippedTo(op.boundingBox()), Box.full())
  }

  encode(): Uint8Array {
    return encodeCompound(
      TYPE_CODES.intersection,
      this.operands.map((op) => op.encode()),
    )
  }

  toString(): string {
    return `IntersectionRegion(${this.operands.join(', ')})`
  }
}
