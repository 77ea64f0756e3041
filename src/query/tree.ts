/**
 * The query tree: what a query asks for, as plain JSON-serialisable objects. Expressions are resolved
 * before they get here (identifiers are columns of known elements and dataset types, binds are
 * literals), so a tree can be sent to a server and checked there against the same universe.
 *
 * Times are TAI nanoseconds written as decimal strings; integers beyond 2^53 as decimal strings too.
 * Regions are their sphgeom encoding in hex, points their unit vector.
 */
import { InvalidQueryError } from '../errors.js'

/** A column a predicate or an ordering can use. */
export type ColumnRef =
  /** The value of a dimension in the data ID (`visit`, `band`). */
  | { readonly kind: 'dimension'; readonly dimension: string }
  /** A record field of an element: alternate key, implied key or metadata (`visit.name`, `detector.purpose`). */
  | { readonly kind: 'field'; readonly element: string; readonly field: string }
  /** The timespan of an element with one (`exposure.timespan`), or one of its bounds. */
  | { readonly kind: 'timespan'; readonly element: string; readonly bound?: 'begin' | 'end' }
  /** A field of the datasets of a searched dataset type. */
  | { readonly kind: 'dataset'; readonly datasetType: string; readonly field: DatasetField }

/** Dataset fields a query can use. */
export type DatasetField = 'dataset_id' | 'ingest_date' | 'run' | 'collection'

/** A constant. */
export type Literal =
  | { readonly kind: 'literal'; readonly type: 'int'; readonly value: number | string }
  | { readonly kind: 'literal'; readonly type: 'float'; readonly value: number }
  | { readonly kind: 'literal'; readonly type: 'string'; readonly value: string }
  | { readonly kind: 'literal'; readonly type: 'bool'; readonly value: boolean }
  /** TAI nanoseconds as a decimal string. */
  | { readonly kind: 'literal'; readonly type: 'time'; readonly value: string }
  /** A half-open `[begin, end)` range of TAI nanoseconds (decimal strings; null is unbounded). */
  | {
      readonly kind: 'literal'
      readonly type: 'timespan'
      readonly value: { readonly begin: string | null; readonly end: string | null }
    }

/** A constant region (its sphgeom encoding, in hex) or point (a unit vector's x, y, z). */
export type SpatialLiteral =
  | { readonly kind: 'literal'; readonly type: 'region'; readonly value: string }
  | { readonly kind: 'literal'; readonly type: 'point'; readonly value: readonly [number, number, number] }

/** One side of a spatial overlap: the region of an element's records (a skypix pixel's own), or a constant. */
export type SpatialOperand = { readonly kind: 'region'; readonly element: string } | SpatialLiteral

/**
 * Regions overlap. Spatial predicates may only be terms of the top-level AND (see `splitSpatial`), and at
 * least one side is an element's region (constant pairs are folded while resolving).
 */
export interface SpatialPredicate {
  readonly kind: 'spatialOverlaps'
  readonly left: SpatialOperand
  readonly right: SpatialOperand
}

/** A value: a column, a constant, or arithmetic on them. */
export type ValueExpr =
  | ColumnRef
  | Literal
  | {
      readonly kind: 'arithmetic'
      readonly op: '+' | '-' | '*' | '/' | '%'
      readonly left: ValueExpr
      readonly right: ValueExpr
    }
  | { readonly kind: 'negate'; readonly operand: ValueExpr }

/** An inclusive integer range with a stride, as in `visit IN (100..200:2)`. */
export interface IntRange {
  readonly start: number
  readonly stop: number
  readonly stride: number
}

/** A boolean condition on the rows of a query. */
export type Predicate =
  | { readonly kind: 'and'; readonly operands: readonly Predicate[] }
  | { readonly kind: 'or'; readonly operands: readonly Predicate[] }
  | { readonly kind: 'not'; readonly operand: Predicate }
  | {
      readonly kind: 'compare'
      readonly op: '=' | '!=' | '<' | '<=' | '>' | '>='
      readonly left: ValueExpr
      readonly right: ValueExpr
    }
  | { readonly kind: 'isNull'; readonly operand: ValueExpr }
  | {
      readonly kind: 'in'
      readonly operand: ValueExpr
      readonly values: readonly Literal[]
      readonly ranges: readonly IntRange[]
    }
  /** Timespans overlap (half-open ranges; a null bound is unbounded). */
  | { readonly kind: 'overlaps'; readonly left: ValueExpr; readonly right: ValueExpr }
  /** A string column matches a glob (`*`, `?`; case-sensitive). */
  | { readonly kind: 'glob'; readonly operand: ValueExpr; readonly pattern: string }
  | SpatialPredicate
  | { readonly kind: 'constant'; readonly value: boolean }

/** One dataset search joined into a query: datasets of a type found in collections. */
export interface DatasetSearchSpec {
  /** Collections in search order (chains are flattened when the query runs). */
  readonly collections: readonly string[]
}

/** The rows a query describes: data IDs of some dimensions, constrained by dataset searches and a predicate. */
export interface QueryTree {
  /** Dimensions the rows carry (more are added for dataset types and referenced columns). */
  readonly dimensions: readonly string[]
  /** Dataset searches that rows must match, by dataset type name. */
  readonly datasets: Readonly<Record<string, DatasetSearchSpec>>
  /** Data ID values every row must have (the governor constraints usually live here). */
  readonly dataId: Readonly<Record<string, string | number>>
  /** Further conditions; null for none. */
  readonly predicate: Predicate | null
}

/** One term of an ordering. */
export interface OrderTerm {
  readonly column: ColumnRef
  readonly descending: boolean
}

/** Options shared by every result kind. */
export interface ResultOptions {
  readonly orderBy?: readonly OrderTerm[]
  /**
   * At most this many rows. A negative value caps at its magnitude and reports (through the
   * result's warnings) when more rows matched, as the reference does.
   */
  readonly limit?: number
}

/** What a query returns. */
export type ResultSpec =
  | ({ readonly kind: 'dataIds'; readonly dimensions: readonly string[] } & ResultOptions)
  | ({ readonly kind: 'dimensionRecords'; readonly element: string } & ResultOptions)
  | ({
      readonly kind: 'datasets'
      readonly datasetType: string
      /** Return only the first dataset per data ID in collection order (default true). */
      readonly findFirst: boolean
    } & ResultOptions)

/** An empty tree over `dimensions`. */
export function emptyTree(dimensions: readonly string[] = []): QueryTree {
  return { dimensions, datasets: {}, dataId: {}, predicate: null }
}

/** The conjunction of predicates, flattening nested ANDs and dropping `true`. */
export function andPredicates(...predicates: readonly (Predicate | null | undefined)[]): Predicate | null {
  const operands: Predicate[] = []
  for (const p of predicates) {
    if (!p || (p.kind === 'constant' && p.value)) continue
    if (p.kind === 'and') operands.push(...p.operands)
    else operands.push(p)
  }
  if (operands.length === 0) return null
  return operands.length === 1 ? operands[0]! : { kind: 'and', operands }
}

/** Every column a predicate uses. */
export function columnsOf(predicate: Predicate | null): ColumnRef[] {
  const out: ColumnRef[] = []
  const value = (v: ValueExpr): void => {
    if (v.kind === 'arithmetic') {
      value(v.left)
      value(v.right)
    } else if (v.kind === 'negate') value(v.operand)
    else if (v.kind !== 'literal') out.push(v)
  }
  const walk = (p: Predicate): void => {
    switch (p.kind) {
      case 'and':
      case 'or':
        for (const o of p.operands) walk(o)
        break
      case 'not':
        walk(p.operand)
        break
      case 'compare':
      case 'overlaps':
        value(p.left)
        value(p.right)
        break
      case 'isNull':
      case 'in':
      case 'glob':
        value(p.operand)
        break
      case 'spatialOverlaps':
      case 'constant':
        break
    }
  }
  if (predicate) walk(predicate)
  return out
}

/**
 * The spatial overlaps among the terms of the top-level AND, and the predicate without them. A spatial
 * overlap nested inside OR or NOT is an `InvalidQueryError`, as in the reference: the exact overlap
 * test runs outside SQL, on whole rows.
 */
export function splitSpatial(predicate: Predicate | null): {
  spatial: SpatialPredicate[]
  rest: Predicate | null
} {
  if (!predicate) return { spatial: [], rest: null }
  const terms = predicate.kind === 'and' ? predicate.operands : [predicate]
  const spatial: SpatialPredicate[] = []
  const rest: Predicate[] = []
  for (const term of terms) {
    if (term.kind === 'spatialOverlaps') spatial.push(term)
    else if (term.kind === 'and') {
      const inner = splitSpatial(term)
      spatial.push(...inner.spatial)
      if (inner.rest) rest.push(inner.rest)
    } else {
      if (hasSpatial(term)) {
        throw new InvalidQueryError('Spatial overlap constraints nested inside OR or NOT are not supported')
      }
      rest.push(term)
    }
  }
  if (spatial.length === 0) return { spatial, rest: predicate }
  return { spatial, rest: andPredicates(...rest) }
}

function hasSpatial(p: Predicate): boolean {
  switch (p.kind) {
    case 'spatialOverlaps':
      return true
    case 'and':
    case 'or':
      return p.operands.some(hasSpatial)
    case 'not':
      return hasSpatial(p.operand)
    default:
      return false
  }
}

/** Names of the elements whose regions the spatial overlaps use. */
export function spatialElementsOf(spatial: readonly SpatialPredicate[]): string[] {
  const out = new Set<string>()
  for (const p of spatial) {
    for (const side of [p.left, p.right]) if (side.kind === 'region') out.add(side.element)
  }
  return [...out]
}
