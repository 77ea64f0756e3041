/**
 * The candidate query of a spatial plan: the query's relation and constraints plus a coarse spatial
 * filter in SQL through the `<element>_skypix_overlap` tables (two regions can only overlap if their
 * envelopes share a common skypix pixel; a region can only overlap a constant if its envelope meets the
 * constant's), selecting the dimensions, regions and skypix values that the exact test then checks.
 *
 * The skypix dimension's candidate values come from SQL when a dataset search gives them or when its
 * level is the common one or coarser in the common system (the overlap table's pixels, shifted);
 * otherwise they are computed from the regions, and constraints on the dimension (`htm11 = 123`) are
 * turned into a coarse filter on the overlap table instead.
 */
import { type RawBuilder, sql } from 'kysely'
import type { DimensionElement } from '../../../dimensions/dimension-element.js'
import type { DimensionGroup } from '../../../dimensions/dimension-group.js'
import { type PixelRange, type SpatialValue, simplifyRanges, UnitVector3d } from '../../../geometry/index.js'
import { andPredicates, columnsOf, type Predicate, type QueryTree } from '../../../query/tree.js'
import type { SqlDialectAdapter } from '../dialect-adapter.js'
import { commonRangesOf, commonSkypix, MAX_SQL_RANGES, overlapTableName, type Skypix } from '../skypix.js'
import { PredicateCompiler } from './predicate-sql.js'
import { planRelation, type ResolvedSearch, ref } from './relation.js'
import type { SpatialPlan } from './spatial-plan.js'

type Sql = RawBuilder<unknown>

/** The candidate rows of a spatial plan and how to read them. */
export interface Candidates {
  /** `SELECT DISTINCT` of `d<i>` (plan dimensions, but a computed skypix), `g<i>` (regions), `s0` (skypix). */
  readonly body: Sql
  /** Whether `s0` holds the skypix value (else pixels are computed from the regions). */
  readonly skypixInSql: boolean
  /** Skypix values allowed by the query's constraints, when computed and known (merged, half-open). */
  readonly allowed: PixelRange[] | undefined
}

/** What a query contributes to its candidates. */
export interface CandidateQuery {
  readonly tree: QueryTree
  /** The tree's predicate without its spatial terms. */
  readonly rest: Predicate | null
  readonly searches: ReadonlyMap<string, ResolvedSearch>
  readonly group: DimensionGroup
}

/** Builds the candidate query of `plan`. */
export function candidateQuery(
  plan: SpatialPlan,
  query: CandidateQuery,
  adapter: SqlDialectAdapter,
): Candidates {
  const universe = query.group.universe
  const common = commonSkypix(universe)
  const part = plan.skypix
  const s = part?.skypix
  const viaOverlap =
    part !== undefined &&
    !part.fromDatasets &&
    part.linked.length > 0 &&
    s!.system === common.system &&
    s!.level <= common.level
  const skypixInSql = part !== undefined && (part.fromDatasets || viaOverlap)
  let predicate = query.rest
  const dataId = { ...query.tree.dataId }
  let allowed: PixelRange[] | undefined
  let commonAllowed: PixelRange[] | undefined
  if (s && !skypixInSql) {
    // The skypix dimension has no column here: its terms go, and narrow the overlap rows instead.
    const terms = predicate?.kind === 'and' ? predicate.operands : predicate ? [predicate] : []
    const uses = (t: Predicate) => columnsOf(t).some((c) => c.kind === 'dimension' && c.dimension === s.name)
    // A point the pixel must hold fixes it; else `=` and `IN` terms on the dimension narrow it.
    const point = plan.constraints.find((c) => c.target === 'skypix' && c.value instanceof UnitVector3d)
    const fixed = point ? s.pixelization.index(point.value as UnitVector3d) : undefined
    const inclusive =
      fixed !== undefined
        ? [[fixed, fixed] as [number, number]]
        : allowedValues(terms.filter(uses), s.name, dataId[s.name])
    if (inclusive) {
      allowed = simplifyRanges(
        inclusive.map(([a, b]) => [a, b + 1]),
        0,
      )
      commonAllowed = commonRangesOf(s, common, inclusive)
    }
    predicate = andPredicates(...terms.filter((t) => !uses(t)))
    delete dataId[s.name]
  }
  const relation = planRelation(
    universe,
    { ...query.tree, dataId, predicate },
    query.searches,
    query.group.names,
    plan.elements.map((e) => e.name),
    [],
  )
  const conditions: Sql[] = []
  let aliases = 0
  const overlapJoin = (e: DimensionElement, skypixColumn?: string, divisor = 1): string => {
    const alias = `sp_ov${aliases++}`
    const shifted = divisor === 1 ? sql`skypix_index` : sql`skypix_index / ${sql.lit(divisor)}`
    const extra = skypixColumn ? sql`, ${shifted} as ${sql.id(skypixColumn)}` : sql``
    const source = sql`(select ${sql.join(e.required.map((d) => sql.id(d)))}, skypix_index${extra} from ${sql.table(overlapTableName(e.name))} where skypix_system = ${common.system} and skypix_level = ${common.level})`
    relation.join(source, alias, skypixColumn ? [...e.required, skypixColumn] : e.required)
    return alias
  }
  const index = (alias: string) => ref(alias, 'skypix_index')
  // First the skypix dimension's home (the first linked element's overlap rows), which later terms use.
  if (part && s) {
    part.linked.forEach((i, n) => {
      const e = plan.elements[i]!
      if (viaOverlap && n === 0) {
        overlapJoin(e, s.name, 4 ** (common.level - s.level))
      } else if (skypixInSql) {
        const link = linkCondition(index(overlapJoin(e)), s, common, relation.column(s.name))
        if (link) conditions.push(link)
      } else if (commonAllowed) {
        conditions.push(inRanges(index(overlapJoin(e)), commonAllowed))
      }
    })
  }
  for (const c of plan.constraints) {
    if (c.target === 'skypix') {
      if (skypixInSql) conditions.push(inRanges(relation.column(s!.name), pixelsOf(s!, c.value)))
      continue
    }
    conditions.push(inRanges(index(overlapJoin(plan.elements[c.target]!)), pixelsOf(common, c.value)))
  }
  for (const [a, b] of plan.joins) {
    conditions.push(sql`${index(overlapJoin(plan.elements[a]!))} = ${index(overlapJoin(plan.elements[b]!))}`)
  }
  const compiler = new PredicateCompiler(relation, adapter)
  const filters: Sql[] = Object.entries(dataId).map(([d, v]) => sql`${relation.column(d)} = ${v}`)
  if (predicate) filters.push(compiler.predicate(predicate))
  const columns: Sql[] = []
  plan.dimensions.forEach((d, i) => {
    if (d !== s?.name) columns.push(sql`${relation.column(d)} as ${sql.id(`d${i}`)}`)
  })
  plan.elements.forEach((e, i) => {
    columns.push(sql`${ref(e.name, 'region')} as ${sql.id(`g${i}`)}`)
  })
  if (s && skypixInSql) columns.push(sql`${relation.column(s.name)} as ${sql.id('s0')}`)
  if (columns.length === 0) columns.push(sql`1 as ${sql.id('one')}`)
  const where = [...relation.conditions, ...conditions, ...filters]
  const whereSql = where.length > 0 ? sql`where ${sql.join(where, sql` and `)}` : sql``
  return {
    body: sql`select distinct ${sql.join(columns)} from ${sql.join(relation.from, sql`, `)} ${whereSql}`,
    skypixInSql,
    allowed,
  }
}

/** The pixels of `skypix` that may overlap a constant (its envelope, at most `MAX_SQL_RANGES` ranges). */
function pixelsOf(skypix: Skypix, value: SpatialValue): PixelRange[] {
  if (value instanceof UnitVector3d) {
    const i = skypix.pixelization.index(value)
    return [[i, i + 1]]
  }
  return skypix.pixelization.envelope(value, MAX_SQL_RANGES)
}

/** `x` lies in one of the half-open ranges. */
function inRanges(x: Sql, ranges: readonly PixelRange[]): Sql {
  if (ranges.length === 0) return sql`1 = 0`
  const terms = ranges.map(([a, b]) => (b === a + 1 ? sql`${x} = ${a}` : sql`(${x} >= ${a} and ${x} < ${b})`))
  return sql`(${sql.join(terms, sql` or `)})`
}

/** The common pixel of an overlap row (`index`) holds, or lies in, the skypix value `value`. */
function linkCondition(index: Sql, s: Skypix, common: Skypix, value: Sql): Sql | undefined {
  if (s.system !== common.system) return undefined
  const k = 4 ** Math.abs(s.level - common.level)
  if (k === 1) return sql`${index} = ${value}`
  return s.level > common.level
    ? sql`${index} = ${value} / ${sql.lit(k)}`
    : sql`${index} / ${sql.lit(k)} = ${value}`
}

/**
 * Values a dimension may take, as inclusive ranges, from its data ID value or the first `=` or `IN`
 * term on it; undefined when they cannot be told.
 */
function allowedValues(
  terms: readonly Predicate[],
  dimension: string,
  dataIdValue: string | number | undefined,
): [number, number][] | undefined {
  const found = findValues(terms, dimension, dataIdValue)
  return found?.every(([a, b]) => Number.isSafeInteger(a) && Number.isSafeInteger(b)) ? found : undefined
}

function findValues(
  terms: readonly Predicate[],
  dimension: string,
  dataIdValue: string | number | undefined,
): [number, number][] | undefined {
  const int = (v: unknown) => (typeof v === 'number' || typeof v === 'string' ? Number(v) : Number.NaN)
  if (dataIdValue !== undefined) return [[int(dataIdValue), int(dataIdValue)]]
  const isDim = (v: { kind: string; dimension?: string }) =>
    v.kind === 'dimension' && v.dimension === dimension
  for (const t of terms) {
    if (t.kind === 'compare' && t.op === '=') {
      const lit = isDim(t.left) ? t.right : isDim(t.right) ? t.left : undefined
      if (lit?.kind === 'literal' && lit.type === 'int') return [[int(lit.value), int(lit.value)]]
    }
    if (t.kind === 'in' && isDim(t.operand) && t.values.every((v) => v.type === 'int')) {
      return [
        ...t.values.map((v): [number, number] => [int(v.value), int(v.value)]),
        ...t.ranges.map((r): [number, number] => [r.start, r.stop]),
      ]
    }
  }
  return undefined
}
