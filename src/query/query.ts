/**
 * The query API: `queryDataIds`, `queryDatasets` and `queryDimensionRecords` build a query tree from
 * a `where` string, binds, a data ID and governor defaults, and return lazy results that stream from
 * a `QueryDriver` in pages.
 */
import type { DatasetRef } from '../datasets/dataset-ref.js'
import type { DataCoordinate } from '../dimensions/data-coordinate.js'
import type { DimensionRecord } from '../dimensions/dimension-record.js'
import { DimensionNameError, InvalidQueryError, MissingCollectionError } from '../errors.js'
import { parseExpression } from '../expression/parser.js'
import type { ExecuteOptions, QueryDriver, QueryRow } from './driver.js'
import { explainNoResults } from './explain.js'
import { type ResolveContext, resolveColumn, resolvePredicate } from './resolve.js'
import {
  andPredicates,
  columnsOf,
  type OrderTerm,
  type Predicate,
  type QueryTree,
  type ResultSpec,
} from './tree.js'

/** Constraints shared by every query. */
export interface QueryOptions {
  /** A boolean expression in the query language (`visit > 100 AND band = 'r'`); several are ANDed. */
  readonly where?: string | readonly string[]
  /** Values of `:name` placeholders in `where`; arrays expand inside `IN (...)`. */
  readonly bind?: Readonly<Record<string, unknown>>
  /** Data ID values every row must have. */
  readonly dataId?: Readonly<Record<string, string | number>>
  /** Columns to sort by (`visit`, `visit.name`, `-exposure.timespan.begin` for descending). */
  readonly orderBy?: string | readonly string[]
  /** At most this many rows; a negative limit caps at its magnitude and warns when more matched. */
  readonly limit?: number
  /** Receives warnings (e.g. from a negative limit). */
  readonly onWarning?: (message: string) => void
}

/** Options of `queryDatasets`. */
export interface DatasetQueryOptions extends QueryOptions {
  /** Collections searched in order (default: the butler's). */
  readonly collections?: readonly string[]
  /** Only the first dataset per data ID in collection order (default true). */
  readonly findFirst?: boolean
}

/** Options of `queryDataIds` and `queryDimensionRecords`. */
export interface DataIdQueryOptions extends QueryOptions {
  /** Only data IDs that have datasets of these types in `collections`. */
  readonly datasets?: readonly string[]
  readonly collections?: readonly string[]
}

/** What a query needs from the butler besides the driver. */
export interface QueryDefaults {
  readonly collections: readonly string[]
  readonly dataId: Readonly<Record<string, unknown>>
}

/** Lazy query results: iterate rows, or pages, or ask for a count. */
export class QueryResults<T extends QueryRow> implements AsyncIterable<T> {
  constructor(
    private readonly driver: QueryDriver,
    readonly tree: QueryTree,
    readonly spec: ResultSpec,
    private readonly options: ExecuteOptions = {},
    private readonly withRecords = false,
  ) {}

  /**
   * The same results with dimension records attached to every data ID (`dataId.record('visit')`),
   * fetched in one batch per element and page.
   */
  withDimensionRecords(): QueryResults<T> {
    return new QueryResults(this.driver, this.tree, this.spec, this.options, true)
  }

  /** Pages of rows as the driver streams them. */
  pages(): AsyncIterable<T[]> {
    const pages = this.driver.executeQuery(this.tree, this.spec, this.options) as AsyncIterable<T[]>
    return this.withRecords && this.spec.kind !== 'dimensionRecords' ? this.expandedPages(pages) : pages
  }

  private async *expandedPages(pages: AsyncIterable<T[]>): AsyncIterable<T[]> {
    for await (const page of pages) {
      if (this.spec.kind === 'dataIds') {
        yield (await this.driver.expandDataIds(page as unknown as DataCoordinate[])) as unknown as T[]
      } else {
        const refs = page as unknown as DatasetRef[]
        const dataIds = await this.driver.expandDataIds(refs.map((r) => r.dataId))
        yield refs.map((r, i) => r.replace({ dataId: dataIds[i]! })) as unknown as T[]
      }
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for await (const page of this.pages()) yield* page
  }

  /** Every row in one array (for results known to be small). */
  async toArray(): Promise<T[]> {
    const out: T[] = []
    for await (const page of this.pages()) out.push(...page)
    return out
  }

  /** Number of rows, ignoring order and limit. */
  count(): Promise<number> {
    return this.driver.countQuery(this.tree, this.spec)
  }

  /** Whether there is at least one row. */
  any(): Promise<boolean> {
    return this.driver.anyQuery(this.tree, this.spec)
  }

  /** Why there are no rows, in words (empty when there are rows); see `explainNoResults`. */
  explainNoResults(): Promise<string[]> {
    return explainNoResults(this.driver, this.tree, this.spec)
  }
}

/** Data IDs of `dimensions` matching the constraints. */
export function queryDataIds(
  driver: QueryDriver,
  defaults: QueryDefaults,
  dimensions: readonly string[],
  options: DataIdQueryOptions = {},
  joined: JoinedConstraints = NOTHING_JOINED,
): QueryResults<DataCoordinate> {
  const datasets = { ...joined.datasets, ...searches(defaults, options.datasets ?? [], options.collections) }
  const built = buildTree(driver, defaults, [...joined.dimensions, ...dimensions], datasets, options)
  const spec: ResultSpec = { kind: 'dataIds', dimensions, ...resultOptions(built, options) }
  return new QueryResults(driver, built.tree, spec, executeOptions(options))
}

/** Records of one dimension element matching the constraints. */
export function queryDimensionRecords(
  driver: QueryDriver,
  defaults: QueryDefaults,
  element: string,
  options: DataIdQueryOptions = {},
  joined: JoinedConstraints = NOTHING_JOINED,
): QueryResults<DimensionRecord> {
  if (!driver.universe.has(element)) throw new DimensionNameError(`Unknown dimension element '${element}'`)
  const datasets = { ...joined.datasets, ...searches(defaults, options.datasets ?? [], options.collections) }
  const dims = [...joined.dimensions, ...driver.universe.getElement(element).required]
  const built = buildTree(driver, defaults, dims, datasets, options)
  const spec: ResultSpec = { kind: 'dimensionRecords', element, ...resultOptions(built, options) }
  return new QueryResults(driver, built.tree, spec, executeOptions(options))
}

/** Datasets of one type matching the constraints, found in collections (first per data ID by default). */
export function queryDatasets(
  driver: QueryDriver,
  defaults: QueryDefaults,
  datasetType: string,
  options: DatasetQueryOptions = {},
  joined: JoinedConstraints = NOTHING_JOINED,
): QueryResults<DatasetRef> {
  const datasets = { ...joined.datasets, ...searches(defaults, [datasetType], options.collections) }
  const built = buildTree(driver, defaults, joined.dimensions, datasets, options)
  const spec: ResultSpec = {
    kind: 'datasets',
    datasetType,
    findFirst: options.findFirst ?? true,
    ...resultOptions(built, options),
  }
  return new QueryResults(driver, built.tree, spec, executeOptions(options))
}

/** Dimensions and dataset searches joined into a query besides those of its result (see `Query`). */
export interface JoinedConstraints {
  readonly dimensions: readonly string[]
  readonly datasets: Readonly<Record<string, { readonly collections: readonly string[] }>>
}

const NOTHING_JOINED: JoinedConstraints = { dimensions: [], datasets: {} }

interface BuiltTree {
  readonly tree: QueryTree
  readonly context: ResolveContext
}

/** Dataset searches of `types` in `collections` (default: the butler's; none is an error). */
export function searches(
  defaults: QueryDefaults,
  types: readonly string[],
  collections: readonly string[] | undefined,
): Record<string, { collections: readonly string[] }> {
  if (types.length === 0) return {}
  const searched = collections ?? defaults.collections
  if (searched.length === 0) {
    throw new MissingCollectionError(
      'No collections to search: give collections to the butler or to this query',
    )
  }
  return Object.fromEntries(types.map((t) => [t, { collections: searched }]))
}

function buildTree(
  driver: QueryDriver,
  defaults: QueryDefaults,
  dimensions: readonly string[],
  datasets: Record<string, { collections: readonly string[] }>,
  options: QueryOptions,
): BuiltTree {
  const universe = driver.universe
  const dataId: Record<string, string | number> = {}
  for (const [key, value] of Object.entries(options.dataId ?? {})) {
    if (!universe.has(key) || !universe.getElement(key).primaryKey) {
      throw new DimensionNameError(`'${key}' in the data ID is not a dimension`)
    }
    dataId[key] = value
  }
  const context: ResolveContext = {
    universe,
    dimensions: [...dimensions, ...Object.keys(dataId)],
    datasetTypes: Object.keys(datasets),
    bind: options.bind ?? {},
  }
  const texts = typeof options.where === 'string' ? [options.where] : (options.where ?? [])
  const predicate = andPredicates(
    ...texts.map((text) => {
      const ast = parseExpression(text)
      return ast ? resolvePredicate(ast, context) : null
    }),
  )
  applyGovernorDefaults(defaults, dataId, predicate, context)
  checkGovernors(dataId, predicate, context)
  const tree: QueryTree = { dimensions, datasets, dataId, predicate }
  return { tree, context }
}

/** Governor defaults of the butler apply where the query neither gives nor names the governor. */
function applyGovernorDefaults(
  defaults: QueryDefaults,
  dataId: Record<string, string | number>,
  predicate: Predicate | null,
  context: ResolveContext,
): void {
  const named = new Set(columnsOf(predicate).flatMap((c) => (c.kind === 'dimension' ? [c.dimension] : [])))
  for (const [key, value] of Object.entries(defaults.dataId)) {
    if (key in dataId || named.has(key) || (typeof value !== 'string' && typeof value !== 'number')) continue
    const universe = context.universe
    if (universe.has(key) && universe.getElement(key).isGovernor) dataId[key] = value
  }
}

/**
 * The reference's governor rule: a dimension compared with a value (`visit = 12`) means nothing
 * without its governor (`instrument`), which must then be constrained too.
 */
function checkGovernors(
  dataId: Record<string, string | number>,
  predicate: Predicate | null,
  context: ResolveContext,
): void {
  const constrained = new Set(Object.keys(dataId))
  for (const c of columnsOf(predicate)) if (c.kind === 'dimension') constrained.add(c.dimension)
  for (const c of columnsOf(predicate)) {
    if (c.kind !== 'dimension' && c.kind !== 'field') continue
    const element = context.universe.getElement(c.kind === 'dimension' ? c.dimension : c.element)
    for (const d of element.required) {
      if (d !== element.name && context.universe.getElement(d).isGovernor && !constrained.has(d)) {
        throw new InvalidQueryError(
          `The query constrains '${element.name}' but not its governor '${d}': add ${d} to the data ID or the expression`,
        )
      }
    }
  }
}

function resultOptions(built: BuiltTree, options: QueryOptions): { orderBy?: OrderTerm[]; limit?: number } {
  const terms = typeof options.orderBy === 'string' ? [options.orderBy] : (options.orderBy ?? [])
  const orderBy = terms.map((term): OrderTerm => {
    const descending = term.startsWith('-')
    const name = descending ? term.slice(1) : term
    return { column: resolveColumn(name, built.context), descending }
  })
  if (options.limit !== undefined && !Number.isInteger(options.limit)) {
    throw new InvalidQueryError(`The limit must be an integer, not ${options.limit}`)
  }
  return {
    ...(orderBy.length > 0 ? { orderBy } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
  }
}

function executeOptions(options: QueryOptions): ExecuteOptions {
  return options.onWarning ? { onWarning: options.onWarning } : {}
}
