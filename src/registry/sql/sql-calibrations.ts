/**
 * Validity ranges of datasets in CALIBRATION collections (`dataset_calibs_NNNNNNNN` tables): certify,
 * decertify and the lookups behind calibration searches.
 */
import type { DatasetRef } from '../../datasets/dataset-ref.js'
import { DataCoordinate } from '../../dimensions/data-coordinate.js'
import type { DataIdValue } from '../../dimensions/dimension-record.js'
import { ConflictingDefinitionError, DatasetTypeError, InputError } from '../../errors.js'
import { Timespan } from '../../time/timespan.js'
import { VALIDITY_BEGIN, VALIDITY_END } from './schema.js'
import type { SqlCollection } from './sql-collections.js'
import { chunked, RETRY, type SqlContext } from './sql-context.js'
import type { SqlDatasetType } from './sql-dataset-types.js'
import { SqlInserter } from './sql-inserter.js'

/** One validity range of a dataset in a CALIBRATION collection. */
export interface CalibRow {
  /** Key of the row itself (ranges of one dataset have several). */
  readonly rowId: number
  readonly datasetId: string
  readonly collectionId: number
  readonly runId: number
  /** Required data ID values, in the dataset type's `required` order. */
  readonly values: DataIdValue[]
  readonly validity: Timespan
}

/** Calibration table access. */
export class SqlCalibrations {
  private readonly ctx: SqlContext
  private readonly inserter: SqlInserter

  constructor(ctx: SqlContext) {
    this.ctx = ctx
    this.inserter = new SqlInserter(ctx)
  }

  /** A select over one calibration table (aliased `cal`) joined to `dataset`, restricted to the type. */
  calibQuery(t: SqlDatasetType) {
    const table = requireCalibTable(t)
    return this.ctx.db
      .selectFrom(`${table} as cal`)
      .innerJoin('dataset', 'dataset.id', 'cal.dataset_id')
      .select([
        'cal.id as row_id',
        'cal.dataset_id as dataset_id',
        'cal.collection_id as collection_id',
        'dataset.run_id as run_id',
        `cal.${VALIDITY_BEGIN} as ${VALIDITY_BEGIN}`,
        `cal.${VALIDITY_END} as ${VALIDITY_END}`,
      ])
      .select(t.datasetType.dimensions.required.map((d) => `cal.${d} as ${d}`))
      .where('cal.dataset_type_id', '=', t.id)
  }

  /**
   * Ranges of these data IDs in these collections, only those overlapping `overlapping` when given;
   * one query per chunk of data IDs.
   */
  async fetch(
    t: SqlDatasetType,
    collectionIds: readonly number[],
    coords: readonly DataCoordinate[] | undefined,
    overlapping?: Timespan,
  ): Promise<CalibRow[]> {
    const dims = t.datasetType.dimensions.required
    if (collectionIds.length === 0 || overlapping?.isEmpty) return []
    const base = () => {
      let q = this.calibQuery(t).where('cal.collection_id', 'in', [...collectionIds])
      if (overlapping) {
        q = q
          .where(`cal.${VALIDITY_BEGIN}`, '<', overlapping.end)
          .where(`cal.${VALIDITY_END}`, '>', overlapping.begin)
      }
      return q
    }
    if (coords === undefined) {
      return (await base().execute()).map((r) => toCalibRow(r as Record<string, unknown>, dims))
    }
    const out: CalibRow[] = []
    const perRow = Math.max(1, dims.length)
    const size = Math.max(1, Math.floor((this.ctx.adapter.maxParameters - collectionIds.length - 4) / perRow))
    for (const chunk of chunked(coords, size)) {
      const keys = new Set(chunk.map((c) => JSON.stringify(c.requiredValues)))
      let q = base()
      dims.forEach((dim, j) => {
        q = q.where(`cal.${dim}`, 'in', [...new Set(chunk.map((c) => c.requiredValues[j]!))])
      })
      for (const r of await q.execute()) {
        const row = toCalibRow(r as Record<string, unknown>, dims)
        if (keys.has(JSON.stringify(row.values))) out.push(row)
      }
    }
    return out
  }

  /**
   * Makes other certify and decertify calls on these dataset types in `collection` wait until this
   * transaction ends, so that no other writer slips in between an overlap check and the insert it
   * allows. Locks are taken in ascending dataset type id order.
   */
  async lock(collection: SqlCollection, types: readonly SqlDatasetType[]): Promise<void> {
    const ids = [...new Set(types.map((t) => t.id))].sort((a, b) => a - b)
    for (const id of ids) await this.ctx.adapter.lockUntilCommit(this.ctx.db, collection.id, id)
  }

  /**
   * Certifies stored refs of one calibration dataset type in a CALIBRATION collection; a range
   * overlapping an existing one for the same data ID (or two refs of one data ID) is refused.
   */
  async certify(
    collection: SqlCollection,
    t: SqlDatasetType,
    refs: readonly DatasetRef[],
    timespan: Timespan,
  ): Promise<void> {
    requireCalibTable(t)
    if (timespan.isEmpty) throw new InputError(`Cannot certify datasets for an empty validity range`)
    const seen = new Map<string, DatasetRef>()
    for (const ref of refs) {
      const key = JSON.stringify(ref.dataId.requiredValues)
      const other = seen.get(key)
      if (other) {
        throw new ConflictingDefinitionError(
          `Cannot certify '${t.datasetType.name}' datasets ${other.id} and ${ref.id} with the same data ID ${ref.dataId} ` +
            `in '${collection.name}' for ${timespan}: their validity ranges would overlap`,
        )
      }
      seen.set(key, ref)
    }
    const dims = t.datasetType.dimensions.required
    const columns = ['dataset_type_id', 'dataset_id', 'collection_id', ...dims, VALIDITY_BEGIN, VALIDITY_END]
    await this.ctx.transaction(async () => {
      await this.lock(collection, [t])
      const clash = (
        await this.fetch(
          t,
          [collection.id],
          refs.map((r) => r.dataId),
          timespan,
        )
      )[0]
      if (clash) {
        const dataId = DataCoordinate.fromRequiredValues(t.datasetType.dimensions, clash.values)
        throw new ConflictingDefinitionError(
          `Cannot certify '${t.datasetType.name}' with data ID ${dataId} in '${collection.name}' for ${timespan}: ` +
            `dataset ${clash.datasetId} is certified there for ${clash.validity}, which overlaps it`,
        )
      }
      await this.insertRanges(
        t,
        columns,
        refs.map((ref) => ({
          datasetId: ref.id,
          collectionId: collection.id,
          values: [...ref.dataId.requiredValues.slice(0, dims.length)],
          validity: timespan,
        })),
      )
    }, RETRY)
  }

  /**
   * Removes `timespan` from the ranges of a calibration dataset type in a CALIBRATION collection
   * (optionally only of some data IDs): ranges inside it go, ranges straddling it are clipped or split.
   */
  async decertify(
    collection: SqlCollection,
    t: SqlDatasetType,
    timespan: Timespan,
    coords?: readonly DataCoordinate[],
  ): Promise<void> {
    requireCalibTable(t)
    const dims = t.datasetType.dimensions.required
    const columns = ['dataset_type_id', 'dataset_id', 'collection_id', ...dims, VALIDITY_BEGIN, VALIDITY_END]
    await this.ctx.transaction(async () => {
      await this.lock(collection, [t])
      const rows = await this.fetch(t, [collection.id], coords, timespan)
      if (rows.length === 0) return
      for (const chunk of chunked(
        rows.map((r) => r.rowId),
        this.ctx.adapter.maxParameters - 10,
      )) {
        await this.ctx.db.deleteFrom(requireCalibTable(t)).where('id', 'in', chunk).execute()
      }
      const pieces = rows.flatMap((r) =>
        r.validity.difference(timespan).map((validity) => ({ ...r, validity })),
      )
      await this.insertRanges(t, columns, pieces)
    }, RETRY)
  }

  private async insertRanges(
    t: SqlDatasetType,
    columns: readonly string[],
    rows: readonly Pick<CalibRow, 'datasetId' | 'collectionId' | 'values' | 'validity'>[],
  ): Promise<void> {
    const table = requireCalibTable(t)
    for (const chunk of chunked(rows, Math.floor(this.ctx.adapter.maxParameters / columns.length))) {
      const params: unknown[] = []
      for (const r of chunk) {
        params.push(t.id, r.datasetId, r.collectionId, ...r.values, r.validity.begin, r.validity.end)
      }
      await this.inserter.insert(table, columns, params)
    }
  }
}

/** The calibration table of a dataset type; `DatasetTypeError` for a type that is not a calibration. */
export function requireCalibTable(t: SqlDatasetType): string {
  if (!t.datasetType.isCalibration || !t.calibTable) {
    throw new DatasetTypeError(
      `Dataset type '${t.datasetType.name}' is not a calibration dataset type; only calibration datasets have validity ranges`,
    )
  }
  return t.calibTable
}

/** Converts a joined calibration row. */
export function toCalibRow(row: Record<string, unknown>, dims: readonly string[]): CalibRow {
  return {
    rowId: Number(row.row_id),
    datasetId: String(row.dataset_id),
    collectionId: Number(row.collection_id),
    runId: Number(row.run_id),
    values: dims.map((d) => row[d] as DataIdValue),
    validity: new Timespan(BigInt(row[VALIDITY_BEGIN] as bigint), BigInt(row[VALIDITY_END] as bigint), {
      padInstantaneous: false,
    }),
  }
}
