/**
 * Spatial constants of the query language: the spatial functions (`POINT`, `CIRCLE`, `BOX`, `POLYGON`,
 * `REGION`) and region or point binds become JSON-friendly spatial literals of the query tree, and back
 * into geometry where a query runs.
 */
import { InvalidQueryError } from '../errors.js'
import {
  callRegionFunction,
  decodeRegionHex,
  encodeRegionHex,
  LonLat,
  type Region,
  type SpatialValue,
  UnitVector3d,
} from '../geometry/index.js'
import type { SpatialLiteral, ValueExpr } from './tree.js'

/** The literal of a point or region. */
export function spatialLiteral(v: SpatialValue): SpatialLiteral {
  if (v instanceof UnitVector3d) return { kind: 'literal', type: 'point', value: [v.x, v.y, v.z] }
  return { kind: 'literal', type: 'region', value: encodeRegionHex(v) }
}

/** The point or region of a literal; a malformed one (from a hand-written tree) is an `InvalidQueryError`. */
export function spatialValue(literal: SpatialLiteral): SpatialValue {
  try {
    if (literal.type === 'region') return decodeRegionHex(literal.value)
    const [x, y, z] = literal.value
    return UnitVector3d.normalized(x, y, z)
  } catch (error) {
    throw new InvalidQueryError(`Invalid ${literal.type} literal: ${(error as Error).message}`, {
      cause: error,
    })
  }
}

/**
 * Evaluates a spatial function whose arguments were resolved to values; each must be a constant
 * (numbers, strings, binds, and arithmetic on numbers).
 */
export function regionFunction(name: string, args: readonly (ValueExpr | undefined)[]): SpatialLiteral {
  const values = args.map((a) => constant(a, name))
  try {
    return spatialLiteral(callRegionFunction(name, values))
  } catch (error) {
    if (error instanceof InvalidQueryError) throw error
    throw new InvalidQueryError((error as Error).message, { cause: error })
  }
}

/** The spatial literal of a bind holding a region, a `UnitVector3d` or a `LonLat`; undefined for other values. */
export function spatialBind(v: unknown): SpatialLiteral | undefined {
  if (v instanceof UnitVector3d) return spatialLiteral(v)
  if (v instanceof LonLat) return spatialLiteral(v.toVector())
  if (isRegion(v)) return spatialLiteral(v)
  return undefined
}

/** Whether two constants overlap (a point overlaps a region containing it); two points are refused. */
export function constantOverlap(a: SpatialLiteral, b: SpatialLiteral): boolean {
  const va = spatialValue(a)
  const vb = spatialValue(b)
  if (!(va instanceof UnitVector3d)) return va.overlaps(vb)
  if (!(vb instanceof UnitVector3d)) return vb.overlaps(va)
  throw new InvalidQueryError('OVERLAPS needs a region on at least one side, not two points')
}

function isRegion(v: unknown): v is Region {
  if (typeof v !== 'object' || v === null) return false
  const r = v as Partial<Record<keyof Region, unknown>>
  return typeof r.encode === 'function' && typeof r.overlaps === 'function' && typeof r.kind === 'string'
}

function constant(v: ValueExpr | undefined, fn: string): number | string {
  const fail = (): never => {
    throw new InvalidQueryError(
      `${fn}() takes constant arguments: numbers, strings, binds or arithmetic on them`,
    )
  }
  if (!v) return fail()
  switch (v.kind) {
    case 'literal':
      if (v.type === 'int' || v.type === 'float') return Number(v.value)
      if (v.type === 'string') return v.value
      return fail()
    case 'negate': {
      const x = constant(v.operand, fn)
      return typeof x === 'number' ? -x : fail()
    }
    case 'arithmetic': {
      const l = constant(v.left, fn)
      const r = constant(v.right, fn)
      if (typeof l !== 'number' || typeof r !== 'number') return fail()
      switch (v.op) {
        case '+':
          return l + r
        case '-':
          return l - r
        case '*':
          return l * r
        case '/':
          return l / r
        case '%':
          return l % r
      }
      return fail()
    }
    default:
      return fail()
  }
}
