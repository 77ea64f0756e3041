/**
 * Predicates and values of a query tree as SQL over a planned relation. Every literal becomes a bound
 * parameter; column names come from the relation, which takes them from the universe.
 */
import { type RawBuilder, sql } from 'kysely'
import { InvalidQueryError } from '../../../errors.js'
import type { ColumnRef, Literal, Predicate, ValueExpr } from '../../../query/tree.js'
import { TAI_MAX_NS, TAI_MIN_NS } from '../../../time/tai.js'
import type { SqlDialectAdapter } from '../dialect-adapter.js'
import { TIMESPAN_BEGIN, TIMESPAN_END } from '../dimension-columns.js'
import { type Relation, ref } from './relation.js'

type Sql = RawBuilder<unknown>

/** A value as SQL, or a timespan as its two bound columns. */
type Compiled =
  | { readonly kind: 'scalar'; readonly sql: Sql }
  | { readonly kind: 'range'; readonly begin: Sql; readonly end: Sql }

/** Compiles predicates and values against one relation. */
export class PredicateCompiler {
  constructor(
    private readonly relation: Relation,
    private readonly adapter: SqlDialectAdapter,
  ) {}

  /** The SQL of a predicate. */
  predicate(p: Predicate): Sql {
    switch (p.kind) {
      case 'and':
        return p.operands.length === 0
          ? sql`1 = 1`
          : sql`(${sql.join(
              p.operands.map((o) => this.predicate(o)),
              sql` and `,
            )})`
      case 'or':
        return p.operands.length === 0
          ? sql`1 = 0`
          : sql`(${sql.join(
              p.operands.map((o) => this.predicate(o)),
              sql` or `,
            )})`
      case 'not':
        return sql`not (${this.predicate(p.operand)})`
      case 'constant':
        return p.value ? sql`1 = 1` : sql`1 = 0`
      case 'spatialOverlaps':
        // Spatial terms are split off the top-level AND before compiling (see `splitSpatial`).
        throw new InvalidQueryError('Spatial overlap constraints nested inside OR or NOT are not supported')
      case 'isNull':
        return sql`${this.scalar(p.operand)} is null`
      case 'glob':
        return sql`${this.adapter.glob(this.scalar(p.operand), p.pattern)}`
      case 'compare':
        return this.compare(p.op, p.left, p.right)
      case 'overlaps': {
        const a = this.range(p.left)
        const b = this.range(p.right)
        return sql`(${a.begin} < ${b.end} and ${b.begin} < ${a.end})`
      }
      case 'in': {
        const x = this.scalar(p.operand)
        const terms: Sql[] = []
        if (p.values.length > 0) terms.push(sql`${x} in (${sql.join(p.values.map((v) => this.literal(v)))})`)
        for (const r of p.ranges) {
          if (r.stride < 1 || !Number.isInteger(r.stride)) {
            throw new InvalidQueryError(`Range stride must be a positive integer, not ${r.stride}`)
          }
          const within = sql`${x} between ${r.start} and ${r.stop}`
          terms.push(r.stride === 1 ? within : sql`(${within} and (${x} - ${r.start}) % ${r.stride} = 0)`)
        }
        return terms.length === 0 ? sql`1 = 0` : sql`(${sql.join(terms, sql` or `)})`
      }
    }
  }

  /** The SQL of a scalar value (not a whole timespan). */
  scalar(v: ValueExpr): Sql {
    const c = this.value(v)
    if (c.kind === 'range')
      throw new InvalidQueryError('A timespan can only be used with OVERLAPS, or through .begin / .end')
    return c.sql
  }

  /** The SQL of a column used as a scalar (an ordering term). */
  scalarOf(c: ColumnRef): Sql {
    const compiled = this.column(c)
    if (compiled.kind === 'range') {
      throw new InvalidQueryError(
        `Order by a timespan's begin or end, not the whole timespan of '${c.kind === 'timespan' ? c.element : ''}'`,
      )
    }
    return compiled.sql
  }

  private compare(op: string, left: ValueExpr, right: ValueExpr): Sql {
    const a = this.value(left)
    const b = this.value(right)
    if (a.kind === 'range' || b.kind === 'range') {
      if (a.kind === 'range' && b.kind === 'range' && (op === '=' || op === '!=')) {
        const same = sql`(${a.begin} = ${b.begin} and ${a.end} = ${b.end})`
        return op === '=' ? same : sql`not ${same}`
      }
      throw new InvalidQueryError(`Timespans cannot be compared with '${op}'; use OVERLAPS or .begin / .end`)
    }
    return sql`${a.sql} ${sql.raw(op === '!=' ? '<>' : op)} ${b.sql}`
  }

  private range(v: ValueExpr): { begin: Sql; end: Sql } {
    const c = this.value(v)
    if (c.kind === 'range') return c
    // A single time overlaps the one-nanosecond range that holds it.
    return { begin: c.sql, end: sql`(${c.sql} + 1)` }
  }

  private value(v: ValueExpr): Compiled {
    switch (v.kind) {
      case 'literal':
        if (v.type === 'timespan') {
          return {
            kind: 'range',
            begin: sql`${v.value.begin === null ? TAI_MIN_NS : BigInt(v.value.begin)}`,
            end: sql`${v.value.end === null ? TAI_MAX_NS : BigInt(v.value.end)}`,
          }
        }
        return { kind: 'scalar', sql: this.literal(v) }
      case 'arithmetic':
        return { kind: 'scalar', sql: sql`(${this.scalar(v.left)} ${sql.raw(v.op)} ${this.scalar(v.right)})` }
      case 'negate':
        return { kind: 'scalar', sql: sql`(- ${this.scalar(v.operand)})` }
      default:
        return this.column(v)
    }
  }

  /** A column of the relation. */
  column(c: ColumnRef): Compiled {
    switch (c.kind) {
      case 'dimension':
        return { kind: 'scalar', sql: this.relation.column(c.dimension) }
      case 'field':
        this.joined(c.element)
        return { kind: 'scalar', sql: ref(c.element, c.field) }
      case 'timespan': {
        this.joined(c.element)
        const begin = ref(c.element, TIMESPAN_BEGIN)
        const end = ref(c.element, TIMESPAN_END)
        if (c.bound === 'begin') return { kind: 'scalar', sql: begin }
        if (c.bound === 'end') return { kind: 'scalar', sql: end }
        return { kind: 'range', begin, end }
      }
      case 'dataset': {
        const source = this.relation.datasets.get(c.datasetType)
        if (!source)
          throw new InvalidQueryError(`Dataset type '${c.datasetType}' is not searched by this query`)
        const a = source.alias
        switch (c.field) {
          case 'dataset_id':
            return { kind: 'scalar', sql: ref(a, 'dataset_id') }
          case 'ingest_date':
            return { kind: 'scalar', sql: ref(a, 'ingest_date') }
          case 'run':
            return {
              kind: 'scalar',
              sql: sql`(select name from collection where collection_id = ${ref(a, 'run_id')})`,
            }
          case 'collection':
            return {
              kind: 'scalar',
              sql: sql`(select name from collection where collection_id = ${ref(a, 'collection_id')})`,
            }
        }
      }
    }
  }

  private joined(element: string): void {
    if (!this.relation.elements.has(element)) {
      throw new InvalidQueryError(`Dimension element '${element}' is not part of this query`)
    }
  }

  /** A literal as a bound parameter, in the form the driver stores it. */
  literal(v: Literal): Sql {
    switch (v.type) {
      case 'int':
        return typeof v.value === 'string' ? sql`${BigInt(v.value)}` : sql`${v.value}`
      case 'time':
        return sql`${BigInt(v.value)}`
      case 'bool':
        return sql`${this.adapter.booleanValue(v.value)}`
      case 'timespan':
        throw new InvalidQueryError('A timespan literal can only be used with OVERLAPS')
      default:
        return sql`${typeof v.value === 'string' ? this.adapter.textValue(v.value) : v.value}`
    }
  }
}
