/**
 * What runs a query tree: the registry in this process, or a client of a remote one.
 */
import type { DatasetRef } from '../datasets/dataset-ref.js'
import type { DataCoordinate } from '../dimensions/data-coordinate.js'
import type { DimensionRecord } from '../dimensions/dimension-record.js'
import type { DimensionUniverse } from '../dimensions/dimension-universe.js'
import type { QueryTree, ResultSpec } from './tree.js'

/** A result row: a data ID (`dataIds`), a record (`dimensionRecords`) or a ref (`datasets`). */
export type QueryRow = DataCoordinate | DimensionRecord | DatasetRef

/** Options of one execution. */
export interface ExecuteOptions {
  /** Receives notes such as "more rows matched than the negative limit allowed". */
  readonly onWarning?: (message: string) => void
  /** Rows per page (default 5,000). */
  readonly pageSize?: number
}

/** Runs query trees. */
export interface QueryDriver {
  readonly universe: DimensionUniverse
  /** The rows of a query, streamed in pages. */
  executeQuery(tree: QueryTree, spec: ResultSpec, options?: ExecuteOptions): AsyncIterable<QueryRow[]>
  /** How many rows a query returns, ignoring order and limit. */
  countQuery(tree: QueryTree, spec: ResultSpec): Promise<number>
  /** Whether a query returns any row. */
  anyQuery(tree: QueryTree, spec: ResultSpec): Promise<boolean>
  /** Data IDs of one dimension group with their dimension records attached. */
  expandDataIds(dataIds: readonly DataCoordinate[]): Promise<DataCoordinate[]>
}
