/**
 * `butler.query()`: a query built up step by step. Each step returns a new query (the old one is
 * unchanged), so a partial query can be reused; results are asked for at the end.
 *
 * @example
 * const q = butler.query().where("instrument = 'HSC' AND band = 'r'").joinDatasetSearch('raw', ['HSC/raw/all'])
 * for await (const ref of q.datasets('calexp', { collections: ['HSC/runs/RC2'] })) console.log(ref)
 */
import type { DatasetRef } from '../datasets/dataset-ref.js'
import type { DataCoordinate } from '../dimensions/data-coordinate.js'
import type { DimensionRecord } from '../dimensions/dimension-record.js'
import type { QueryDriver } from './driver.js'
import {
  type DataIdQueryOptions,
  type DatasetQueryOptions,
  type JoinedConstraints,
  type QueryDefaults,
  type QueryOptions,
  type QueryResults,
  queryDataIds,
  queryDatasets,
  queryDimensionRecords,
  searches,
} from './query.js'

/** Options a result of a built query still takes. */
export type BuiltResultOptions = Pick<QueryOptions, 'orderBy' | 'limit' | 'onWarning'>

interface QueryState extends JoinedConstraints {
  readonly where: readonly string[]
  readonly bind: Readonly<Record<string, unknown>>
  readonly dataId: Readonly<Record<string, string | number>>
}

/** A query under construction. */
export class Query {
  private constructor(
    private readonly driver: QueryDriver,
    private readonly defaults: QueryDefaults,
    private readonly state: QueryState,
  ) {}

  /** An empty query. */
  static create(driver: QueryDriver, defaults: QueryDefaults): Query {
    return new Query(driver, defaults, { where: [], bind: {}, dataId: {}, dimensions: [], datasets: {} })
  }

  /** Adds a condition: an expression (with binds) or data ID values. Conditions are ANDed. */
  where(
    condition: string | Readonly<Record<string, string | number>>,
    bind: Readonly<Record<string, unknown>> = {},
  ): Query {
    if (typeof condition === 'string') {
      return this.with({ where: [...this.state.where, condition], bind: { ...this.state.bind, ...bind } })
    }
    return this.with({
      dataId: { ...this.state.dataId, ...condition },
      bind: { ...this.state.bind, ...bind },
    })
  }

  /** Adds dimensions to the rows (so conditions may relate them). */
  joinDimensions(dimensions: readonly string[]): Query {
    return this.with({ dimensions: [...this.state.dimensions, ...dimensions] })
  }

  /** Keeps only rows with a dataset of this type in the collections (default: the butler's). */
  joinDatasetSearch(datasetType: string, collections?: readonly string[]): Query {
    return this.with({
      datasets: { ...this.state.datasets, ...searches(this.defaults, [datasetType], collections) },
    })
  }

  /** Data IDs of `dimensions`. */
  dataIds(dimensions: readonly string[], options: BuiltResultOptions = {}): QueryResults<DataCoordinate> {
    return queryDataIds(this.driver, this.defaults, dimensions, this.options(options), this.state)
  }

  /** Datasets of one type (first per data ID by default). */
  datasets(
    datasetType: string,
    options: BuiltResultOptions & Pick<DatasetQueryOptions, 'collections' | 'findFirst'> = {},
  ): QueryResults<DatasetRef> {
    return queryDatasets(this.driver, this.defaults, datasetType, this.options(options), this.state)
  }

  /** Records of one element. */
  dimensionRecords(element: string, options: BuiltResultOptions = {}): QueryResults<DimensionRecord> {
    return queryDimensionRecords(this.driver, this.defaults, element, this.options(options), this.state)
  }

  private options<T extends BuiltResultOptions>(options: T): T & DataIdQueryOptions {
    return { ...options, where: this.state.where, bind: this.state.bind, dataId: this.state.dataId }
  }

  private with(change: Partial<QueryState>): Query {
    return new Query(this.driver, this.defaults, { ...this.state, ...change })
  }
}
