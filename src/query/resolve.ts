/**
 * Turns a parsed `where` expression into a query-tree predicate: identifiers become columns of known
 * dimension elements and dataset types (the reference's resolution rules), binds become literals, and
 * operators are checked for the kinds of value they take. Everything unknown is an `InvalidQueryError`
 * that names the identifier. Spatial functions and region or point binds become spatial literals
 * (`spatial-operands.ts`), `element.region` a spatial operand, and OVERLAPS between them a spatial
 * predicate, allowed only as a term of the top-level AND.
 */
import type { DimensionElement } from '../dimensions/dimension-element.js'
import type { DimensionUniverse } from '../dimensions/dimension-universe.js'
import { InvalidQueryError } from '../errors.js'
import type { ExpressionNode, FunctionCallNode, IdentifierNode, InItemNode } from '../expression/ast.js'
import { Timespan } from '../time/timespan.js'
import { constantOverlap, regionFunction, spatialBind } from './spatial-operands.js'
import {
  type ColumnRef,
  type DatasetField,
  type IntRange,
  type Literal,
  type Predicate,
  type SpatialOperand,
  splitSpatial,
  type ValueExpr,
} from './tree.js'

const DATASET_FIELDS: readonly DatasetField[] = ['dataset_id', 'ingest_date', 'run', 'collection']

/** What identifiers may refer to. */
export interface ResolveContext {
  readonly universe: DimensionUniverse
  /** Dimensions the query already has (their elements' fields may be named without the element). */
  readonly dimensions: readonly string[]
  /** Dataset types searched by the query. */
  readonly datasetTypes: readonly string[]
  /** Values of `:name` binds (and of bare names, as the reference still allows). */
  readonly bind: Readonly<Record<string, unknown>>
}

/** A value or a condition while resolving. */
type Resolved =
  | { readonly kind: 'value'; readonly value: ValueExpr }
  | { readonly kind: 'predicate'; readonly predicate: Predicate }
  | { readonly kind: 'spatial'; readonly operand: SpatialOperand }
  | { readonly kind: 'null' }

/**
 * Resolves an expression that must be a condition; a spatial overlap inside OR or NOT is an
 * `InvalidQueryError`.
 */
export function resolvePredicate(node: ExpressionNode, context: ResolveContext): Predicate {
  const p = asPredicate(new Resolver(context).resolve(node), node)
  splitSpatial(p)
  return p
}

/** Resolves a column name as written in an ordering (`visit`, `visit.name`, `exposure.timespan.begin`). */
export function resolveColumn(name: string, context: ResolveContext): ColumnRef {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$/.test(name)) {
    throw new InvalidQueryError(`'${name}' is not a column name`)
  }
  const r = new Resolver(context).resolve({ kind: 'identifier', name, span: { start: 0, end: name.length } })
  if (
    r.kind === 'value' &&
    r.value.kind !== 'literal' &&
    r.value.kind !== 'arithmetic' &&
    r.value.kind !== 'negate'
  ) {
    return r.value
  }
  throw new InvalidQueryError(`'${name}' is not a column`)
}

class Resolver {
  constructor(private readonly context: ResolveContext) {}

  resolve(node: ExpressionNode): Resolved {
    switch (node.kind) {
      case 'numeric':
        return value(numeric(node.value, node.isInteger))
      case 'string':
        return value({ kind: 'literal', type: 'string', value: node.value })
      case 'time':
        return value({ kind: 'literal', type: 'time', value: node.taiNs })
      case 'range':
        throw new InvalidQueryError(`A range (${node.start}..${node.stop}) can only be used inside IN (...)`)
      case 'bind':
        return this.bound(node.name)
      case 'identifier':
        return this.identifier(node)
      case 'tuple':
        return value(this.timespanTuple(node.items[0], node.items[1]))
      case 'function':
        return this.call(node)
      case 'unary':
        if (node.op === 'NOT')
          return predicate({ kind: 'not', operand: asPredicate(this.resolve(node.operand), node.operand) })
        return node.op === '-'
          ? value({ kind: 'negate', operand: this.valueOf(node.operand) })
          : value(this.valueOf(node.operand))
      case 'in':
        return predicate(this.membership(node.lhs, node.items, node.negated))
      case 'binary':
        return this.binary(node.op, node.lhs, node.rhs)
    }
  }

  private binary(op: string, lhs: ExpressionNode, rhs: ExpressionNode): Resolved {
    if (op === 'AND' || op === 'OR') {
      const operands = [asPredicate(this.resolve(lhs), lhs), asPredicate(this.resolve(rhs), rhs)]
      return predicate({ kind: op === 'AND' ? 'and' : 'or', operands })
    }
    const left = this.resolve(lhs)
    const right = this.resolve(rhs)
    if (op === 'OVERLAPS') {
      if (left.kind === 'spatial' || right.kind === 'spatial') return this.spatialOverlap(left, right, lhs)
      return predicate({ kind: 'overlaps', left: asValue(left, lhs), right: asValue(right, rhs) })
    }
    if (op === '=' || op === '!=') {
      // `x = NULL` and `x != NULL` test for a missing value.
      const operand = left.kind === 'null' ? right : right.kind === 'null' ? left : undefined
      if (operand) {
        const isNull: Predicate = { kind: 'isNull', operand: asValue(operand, lhs) }
        return predicate(op === '=' ? isNull : { kind: 'not', operand: isNull })
      }
    }
    const l = asValue(left, lhs)
    const r = asValue(right, rhs)
    if (op === '+' || op === '-' || op === '*' || op === '/' || op === '%') {
      return value({ kind: 'arithmetic', op, left: l, right: r })
    }
    return predicate({ kind: 'compare', op: op as '=' | '!=' | '<' | '<=' | '>' | '>=', left: l, right: r })
  }

  private spatialOverlap(left: Resolved, right: Resolved, node: ExpressionNode): Resolved {
    if (left.kind !== 'spatial' || right.kind !== 'spatial') {
      throw new InvalidQueryError(
        `Spatial OVERLAPS needs a region or a point on both sides (at offset ${node.span.start})`,
      )
    }
    const [a, b] = [left.operand, right.operand]
    if (a.kind === 'literal' && b.kind === 'literal') {
      return predicate({ kind: 'constant', value: constantOverlap(a, b) })
    }
    return predicate({ kind: 'spatialOverlaps', left: a, right: b })
  }

  private membership(lhs: ExpressionNode, items: readonly InItemNode[], negated: boolean): Predicate {
    const operand = this.valueOf(lhs)
    const values: Literal[] = []
    const ranges: IntRange[] = []
    let includesNull = false
    for (const item of items) {
      if (item.kind === 'range') {
        ranges.push({ start: item.start, stop: item.stop, stride: item.stride ?? 1 })
        continue
      }
      if (item.kind === 'bind' && Array.isArray(this.context.bind[item.name])) {
        for (const v of this.context.bind[item.name] as unknown[]) values.push(literalOf(v, item.name))
        continue
      }
      const r = this.resolve(item)
      if (r.kind === 'null') includesNull = true
      else {
        const v = asValue(r, item)
        if (v.kind !== 'literal')
          throw new InvalidQueryError('IN (...) lists take literals, ranges and binds only')
        values.push(v)
      }
    }
    const operands: Predicate[] = [{ kind: 'in', operand, values, ranges }]
    if (includesNull) operands.push({ kind: 'isNull', operand })
    const p: Predicate = operands.length === 1 ? operands[0]! : { kind: 'or', operands }
    return negated ? { kind: 'not', operand: p } : p
  }

  private call(node: FunctionCallNode): Resolved {
    switch (node.name) {
      case 'UUID': {
        const arg = node.args[0]
        if (arg?.kind !== 'string') throw new InvalidQueryError('UUID() takes one string literal')
        return value({ kind: 'literal', type: 'string', value: arg.value.toLowerCase() })
      }
      case 'GLOB': {
        const [target, pattern] = node.args
        if (!target || !pattern) throw new InvalidQueryError('GLOB() takes a column and a pattern')
        const p = this.resolve(pattern)
        const text =
          p.kind === 'value' && p.value.kind === 'literal' && p.value.type === 'string'
            ? p.value.value
            : undefined
        if (text === undefined)
          throw new InvalidQueryError('The pattern of GLOB() must be a string literal or bind')
        return predicate({ kind: 'glob', operand: this.valueOf(target), pattern: text })
      }
      case 'POINT':
      case 'CIRCLE':
      case 'BOX':
      case 'POLYGON':
      case 'REGION': {
        const args = node.args.map((a) => {
          const r = this.resolve(a)
          return r.kind === 'value' ? r.value : undefined
        })
        return { kind: 'spatial', operand: regionFunction(node.name, args) }
      }
      default:
        throw new InvalidQueryError(`Unknown function ${node.name}()`)
    }
  }

  private timespanTuple(a: ExpressionNode, b: ExpressionNode): Literal {
    const bound = (n: ExpressionNode): string | null => {
      const r = this.resolve(n)
      if (r.kind === 'null') return null
      if (r.kind === 'value' && r.value.kind === 'literal' && r.value.type === 'time') return r.value.value
      throw new InvalidQueryError('A time range (begin, end) takes two time literals (or NULL for unbounded)')
    }
    return { kind: 'literal', type: 'timespan', value: { begin: bound(a), end: bound(b) } }
  }

  private valueOf(node: ExpressionNode): ValueExpr {
    return asValue(this.resolve(node), node)
  }

  private bound(name: string): Resolved {
    if (!(name in this.context.bind)) throw new InvalidQueryError(`No value given for bind ':${name}'`)
    const v = this.context.bind[name]
    if (v === null) return { kind: 'null' }
    if (Array.isArray(v)) throw new InvalidQueryError(`Bind ':${name}' is a list; lists go inside IN (...)`)
    const spatial = spatialBind(v)
    if (spatial) return { kind: 'spatial', operand: spatial }
    return value(literalOf(v, name))
  }

  private identifier(node: IdentifierNode): Resolved {
    const { universe, bind } = this.context
    const name = node.name
    if (name.toUpperCase() === 'NULL') return { kind: 'null' }
    if (!name.includes('.') && name in bind) return this.bound(name)
    const parts = name.split('.')
    if (parts.length === 1) return value(this.bare(name))
    const [head, second, third] = parts as [string, string, string | undefined]
    if (universe.has(head)) {
      const element = universe.getElement(head)
      if (third !== undefined) {
        if (second === 'timespan' && (third === 'begin' || third === 'end') && hasTimespan(element)) {
          return value({ kind: 'timespan', element: head, bound: third })
        }
        throw new InvalidQueryError(
          `'${name}' is not a column: only <element>.timespan.begin|end has three parts`,
        )
      }
      if (element.field(second)?.role === 'region') {
        return { kind: 'spatial', operand: { kind: 'region', element: element.name } }
      }
      return value(elementColumn(element, second))
    }
    if (
      this.context.datasetTypes.includes(head) &&
      third === undefined &&
      DATASET_FIELDS.includes(second as DatasetField)
    ) {
      return value({ kind: 'dataset', datasetType: head, field: second as DatasetField })
    }
    throw new InvalidQueryError(
      `'${name}' names neither a dimension element nor a dataset type of this query`,
    )
  }

  /** A one-part name: a dimension, a dataset field of the only dataset type, or a unique record field. */
  private bare(name: string): ColumnRef {
    const { universe, datasetTypes, dimensions } = this.context
    if (universe.has(name) && universe.getElement(name).primaryKey)
      return { kind: 'dimension', dimension: name }
    if (DATASET_FIELDS.includes(name as DatasetField)) {
      if (datasetTypes.length !== 1) {
        throw new InvalidQueryError(
          `'${name}' is ambiguous or unknown: name the dataset type, as in <type>.${name}`,
        )
      }
      return { kind: 'dataset', datasetType: datasetTypes[0]!, field: name as DatasetField }
    }
    const group = universe.group(dimensions)
    const owners = group.elements.filter((e) =>
      e.fields.some((f) => f.name === name && (f.role === 'metadata' || f.role === 'alternateKey')),
    )
    if (owners.length === 1) return { kind: 'field', element: owners[0]!.name, field: name }
    if (owners.length > 1) {
      throw new InvalidQueryError(
        `'${name}' is ambiguous: it is a field of ${owners.map((e) => e.name).join(', ')}`,
      )
    }
    throw new InvalidQueryError(
      `Unknown identifier '${name}': not a dimension, a dataset field or a field of the query's elements`,
    )
  }
}

/** `element.second` as a column. */
function elementColumn(element: DimensionElement, second: string): ColumnRef {
  if (element.primaryKey && second === element.primaryKey.name)
    return { kind: 'dimension', dimension: element.name }
  if (element.required.includes(second) && second !== element.name)
    return { kind: 'dimension', dimension: second }
  if (second === 'timespan' && hasTimespan(element)) return { kind: 'timespan', element: element.name }
  const field = element.fields.find((f) => f.name === second)
  if (field) return { kind: 'field', element: element.name, field: second }
  throw new InvalidQueryError(`'${element.name}' has no field '${second}'`)
}

function hasTimespan(element: DimensionElement): boolean {
  return element.fields.some((f) => f.role === 'timespan')
}

/** A bind value as a literal. */
function literalOf(v: unknown, name: string): Literal {
  if (typeof v === 'number') return numeric(v, Number.isInteger(v))
  if (typeof v === 'bigint')
    return { kind: 'literal', type: 'int', value: Number.isSafeInteger(Number(v)) ? Number(v) : String(v) }
  if (typeof v === 'string') return { kind: 'literal', type: 'string', value: v }
  if (typeof v === 'boolean') return { kind: 'literal', type: 'bool', value: v }
  if (v instanceof Timespan) {
    return {
      kind: 'literal',
      type: 'timespan',
      value: {
        begin: v.isUnboundedBegin ? null : String(v.begin),
        end: v.isUnboundedEnd ? null : String(v.end),
      },
    }
  }
  throw new InvalidQueryError(`Bind ':${name}' has a value of an unsupported kind (${typeof v})`)
}

function numeric(v: number | string, isInteger: boolean): Literal {
  if (isInteger) return { kind: 'literal', type: 'int', value: v }
  return { kind: 'literal', type: 'float', value: Number(v) }
}

function value(v: ValueExpr): Resolved {
  return { kind: 'value', value: v }
}

function predicate(p: Predicate): Resolved {
  return { kind: 'predicate', predicate: p }
}

function asPredicate(r: Resolved, node: ExpressionNode): Predicate {
  if (r.kind === 'predicate') return r.predicate
  throw new InvalidQueryError(`Expected a condition, not a value (at offset ${node.span.start})`)
}

function asValue(r: Resolved, node: ExpressionNode): ValueExpr {
  if (r.kind === 'value') return r.value
  if (r.kind === 'null') throw new InvalidQueryError('NULL can only be compared with = or !=')
  if (r.kind === 'spatial') {
    throw new InvalidQueryError(
      `A region or point can only be used with OVERLAPS (at offset ${node.span.start})`,
    )
  }
  throw new InvalidQueryError(`Expected a value, not a condition (at offset ${node.span.start})`)
}
