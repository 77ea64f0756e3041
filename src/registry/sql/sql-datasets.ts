/**
 * Datasets in SQL: insertion into RUNs (enforced unique per type + data ID by the tag tables),
 * import with given IDs, find-first lookups over RUN, TAGGED and CALIBRATION collections, removal.
 */
import { type DatasetIdGenerationMode, makeDatasetId } from '../../datasets/dataset-id.js'
import { DatasetRef } from '../../datasets/dataset-ref.js'
import type { DatasetType } from '../../datasets/dataset-type.js'
import { DataCoordinate } from '../../dimensions/data-coordinate.js'
import type { DataIdValue } from '../../dimensions/dimension-record.js'
import {
  CalibrationLookupError,
  ConflictingDefinitionError,
  InputError,
  MissingCollectionError,
  MissingDatasetTypeError,
  OrphanedRecordError,
} from '../../errors.js'
import { unixToTaiNs } from '../../time/tai.js'
import { Timespan } from '../../time/timespan.js'
import type { CalibRow, SqlCalibrations } from './sql-calibrations.js'
import type { SqlCollections } from './sql-collections.js'
import { chunked, idChunks, type SqlContext } from './sql-context.js'
import type { SqlDatasetType, SqlDatasetTypes } from './sql-dataset-types.js'
import { SqlInserter } from './sql-inserter.js'
import { deleteProvenanceRows } from './sql-provenance.js'

/** One dataset row found in a tag table. */
export interface TagRow {
  readonly datasetId: string
  readonly collectionId: number
  readonly runId: number
  readonly values: DataIdValue[]
}

/** Dataset rows and their RUN tag rows. */
export class SqlDatasets {
  private readonly ctx: SqlContext
  private readonly types: SqlDatasetTypes
  private readonly collections: SqlCollections
  private readonly calibrations: SqlCalibrations
  private readonly inserter: SqlInserter

  constructor(
    ctx: SqlContext,
    types: SqlDatasetTypes,
    collections: SqlCollections,
    calibrations: SqlCalibrations,
  ) {
    this.ctx = ctx
    this.types = types
    this.collections = collections
    this.calibrations = calibrations
    this.inserter = new SqlInserter(ctx)
  }

  /** Inserts new datasets into a RUN; see `Registry.insertDatasets`. */
  async insert(
    datasetType: DatasetType,
    run: string,
    dataIds: readonly DataCoordinate[],
    mode: DatasetIdGenerationMode = 'UNIQUE',
  ): Promise<DatasetRef[]> {
    const t = await this.types.resolve(datasetType)
    const group = t.datasetType.dimensions
    const coords = dataIds.map((d) => DataCoordinate.standardize(d, { dimensions: group }))
    const refs = coords.map(
      (c) => new DatasetRef(datasetType, c, run, makeDatasetId(mode, t.datasetType.name, c.required, run)),
    )
    await this.write(t, run, refs)
    return refs
  }

  /** Inserts datasets with their own IDs; an ID already holding the same dataset is skipped. */
  async import(refs: readonly DatasetRef[]): Promise<void> {
    const groups = new Map<string, DatasetRef[]>()
    for (const ref of refs) {
      const key = `${ref.datasetType.parentName}\u0000${ref.run}`
      const list = groups.get(key) ?? groups.set(key, []).get(key)!
      list.push(ref)
    }
    const written = new Map<string, number>()
    await this.ctx.transaction(async () => {
      for (const list of groups.values()) {
        const first = list[0]!
        const t = await this.types.resolve(first.datasetType)
        const existing = new Map(
          (
            await this.fetchTags(
              t,
              list.map((r) => r.id),
            )
          ).map((row) => [row.datasetId, row]),
        )
        const runId = (await this.collections.getRun(first.run)).id
        const fresh: DatasetRef[] = []
        for (const ref of list) {
          const row = existing.get(ref.id)
          if (!row) {
            fresh.push(ref)
            continue
          }
          const same = row.runId === runId && row.values.every((v, i) => v === ref.dataId.requiredValues[i])
          if (!same)
            throw new ConflictingDefinitionError(
              `Dataset ${ref.id} exists with another run or data ID than ${ref}`,
            )
        }
        await this.write(t, first.run, fresh)
        written.set(t.tagTable, (written.get(t.tagTable) ?? 0) + fresh.length)
      }
    })
    for (const [table, rows] of written) await this.ctx.noteInserted([table], rows)
    await this.ctx.noteInserted(['dataset'], sum(written.values()))
  }

  /**
   * Vectorised find-first lookup over the flattened search path: one query per chunk of data IDs
   * over the tag table (RUN and TAGGED collections), plus one over the calibration table when
   * CALIBRATION collections are searched with a timespan.
   */
  async find(
    datasetType: DatasetType,
    dataIds: readonly DataCoordinate[],
    collections: readonly string[],
    timespan?: Timespan | readonly (Timespan | undefined)[],
  ): Promise<(DatasetRef | undefined)[]> {
    const t = await this.types.resolve(datasetType)
    const group = t.datasetType.dimensions
    const path = await this.collections.flatten(collections)
    if (path.length === 0 || dataIds.length === 0) return dataIds.map(() => undefined)
    const timespans = perDataId(timespan, dataIds.length)
    const rank = new Map(path.map((c, i) => [c.id, i]))
    const tagIds = path.filter((c) => c.type === 'RUN' || c.type === 'TAGGED').map((c) => c.id)
    const calibCollections = t.datasetType.isCalibration ? path.filter((c) => c.type === 'CALIBRATION') : []
    const withTime = timespans.some((ts) => ts !== undefined)
    if (calibCollections.length > 0 && tagIds.length === 0 && !withTime) {
      throw new CalibrationLookupError(
        `Cannot look up '${t.datasetType.name}' in CALIBRATION collection(s) ` +
          `${calibCollections.map((c) => `'${c.name}'`).join(', ')} without a timespan`,
      )
    }
    const coords = dataIds.map((d) => DataCoordinate.standardize(d, { dimensions: group }))
    const best = new Map<string, TagRow & { rank: number }>()
    const perRow = Math.max(1, group.required.length)
    const size = Math.max(1, Math.floor((this.ctx.adapter.maxParameters - tagIds.length - 1) / perRow))
    for (const chunk of tagIds.length > 0 ? chunked(coords, size) : []) {
      const values = group.required.map((_, j) => [...new Set(chunk.map((c) => c.requiredValues[j]!))])
      const build = () => {
        let q = this.tagQuery(t).where('tag.collection_id', 'in', tagIds)
        group.required.forEach((dim, j) => {
          q = q.where(`tag.${dim}`, 'in', values[j]!)
        })
        return q.compile()
      }
      // The SQL text depends only on the list lengths, so it is built once per shape.
      const shape = `find|${t.id}|${tagIds.length}|${values.map((v) => v.length).join(',')}`
      const rows = await this.ctx.executeCached(shape, [t.id, ...tagIds, ...values.flat()], build)
      for (const row of rows.map((r) => toTagRow(r as Record<string, unknown>, group.required))) {
        const key = JSON.stringify(row.values)
        const r = rank.get(row.collectionId)!
        const current = best.get(key)
        if (!current || r < current.rank) best.set(key, { ...row, rank: r })
      }
    }
    const calibRows = new Map<string, CalibRow[]>()
    if (calibCollections.length > 0 && withTime) {
      // One query for the union of the wanted times; each data ID's own time is applied below.
      const wanted = timespans.filter((ts): ts is Timespan => ts !== undefined && !ts.isEmpty)
      let bounds = Timespan.makeEmpty()
      if (wanted.length > 0) {
        let begin = wanted[0]!.begin
        let end = wanted[0]!.end
        for (const ts of wanted) {
          if (ts.begin < begin) begin = ts.begin
          if (ts.end > end) end = ts.end
        }
        bounds = new Timespan(begin, end, { padInstantaneous: false })
      }
      const rows = await this.calibrations.fetch(
        t,
        calibCollections.map((c) => c.id),
        coords.filter((_, i) => timespans[i] !== undefined),
        bounds,
      )
      for (const row of rows) {
        const key = JSON.stringify(row.values)
        const list = calibRows.get(key) ?? calibRows.set(key, []).get(key)!
        list.push(row)
      }
    }
    return Promise.all(
      coords.map(async (c, i) => {
        const key = JSON.stringify(c.requiredValues)
        let found: { datasetId: string; runId: number; rank: number } | undefined = best.get(key)
        const ts = timespans[i]
        const candidates = ts ? (calibRows.get(key) ?? []).filter((r) => r.validity.overlaps(ts)) : []
        if (candidates.length > 0) {
          const top = Math.min(...candidates.map((r) => rank.get(r.collectionId)!))
          if (!found || top < found.rank) {
            // Several ranges of one dataset are no ambiguity.
            const matches = candidates.filter(
              (r, k) =>
                rank.get(r.collectionId) === top &&
                candidates.findIndex(
                  (o) => o.datasetId === r.datasetId && rank.get(o.collectionId) === top,
                ) === k,
            )
            if (matches.length > 1) {
              throw new CalibrationLookupError(
                `Ambiguous calibration lookup of '${t.datasetType.name}' with data ID ${c} in ` +
                  `'${path[top]!.name}' for ${ts}: ${matches.length} validity ranges overlap it ` +
                  `(${matches.map((m) => `${m.datasetId} for ${m.validity}`).join('; ')})`,
              )
            }
            found = { ...matches[0]!, rank: top }
          }
        }
        if (!found) return undefined
        return new DatasetRef(
          datasetType,
          dataIds[i]!,
          await this.collections.nameOf(found.runId),
          found.datasetId,
        )
      }),
    )
  }

  /** Datasets by UUID (missing ones are left out). */
  async get(ids: readonly string[]): Promise<DatasetRef[]> {
    const out: DatasetRef[] = []
    for (const chunk of idChunks(ids, this.ctx.adapter.maxParameters - 10)) {
      const rows = await this.ctx.db
        .selectFrom('dataset')
        .select(['id', 'dataset_type_id'])
        .where('id', 'in', chunk)
        .execute()
      const byType = new Map<number, string[]>()
      for (const row of rows) {
        const k = Number(row.dataset_type_id)
        const list = byType.get(k) ?? byType.set(k, []).get(k)!
        list.push(String(row.id))
      }
      for (const [typeId, typeIds] of byType) {
        const t = await this.types.byKey(typeId)
        for (const row of await this.fetchTags(t, typeIds)) out.push(await this.toRef(t, row))
      }
    }
    return out
  }

  /**
   * Deletes datasets' rows with their tag and provenance rows (calibration rows cascade); refused
   * while datastore records are not trashed.
   */
  async remove(ids: readonly string[]): Promise<void> {
    await this.ctx.transaction(async () => {
      for (const chunk of idChunks(ids, this.ctx.adapter.maxParameters - 10)) {
        // Waits for writers holding these datasets (associate) before their tag rows are deleted.
        await this.ctx.lockRowsForDelete('dataset', 'id', chunk)
        const stored = await this.ctx.db
          .selectFrom('dataset_location')
          .select('dataset_id')
          .where('dataset_id', 'in', chunk)
          .limit(1)
          .executeTakeFirst()
        if (stored) {
          throw new OrphanedRecordError(
            `Cannot remove dataset ${stored.dataset_id}: its datastore records are not trashed`,
          )
        }
        const types = await this.ctx.db
          .selectFrom('dataset')
          .select('dataset_type_id')
          .distinct()
          .where('id', 'in', chunk)
          .execute()
        const tables = new Set<string>()
        for (const row of types) tables.add((await this.types.byKey(Number(row.dataset_type_id))).tagTable)
        // Tag tables have no cascading foreign key to the dataset (see schema.ts).
        for (const table of tables)
          await this.ctx.db.deleteFrom(table).where('dataset_id', 'in', chunk).execute()
        // Their own provenance goes too; records naming them as inputs stay (see schema.ts).
        await deleteProvenanceRows(this.ctx, chunk)
        await this.ctx.db.deleteFrom('dataset').where('id', 'in', chunk).execute()
      }
    })
  }

  /** A select over one tag table (aliased `tag`) joined to `dataset`, restricted to the type. */
  tagQuery(t: SqlDatasetType) {
    return this.ctx.db
      .selectFrom(`${t.tagTable} as tag`)
      .innerJoin('dataset', 'dataset.id', 'tag.dataset_id')
      .select([
        'tag.dataset_id as dataset_id',
        'tag.collection_id as collection_id',
        'dataset.run_id as run_id',
      ])
      .select(t.datasetType.dimensions.required.map((d) => `tag.${d} as ${d}`))
      .where('tag.dataset_type_id', '=', t.id)
  }

  /** A ref from a tag row. */
  async toRef(t: SqlDatasetType, row: TagRow): Promise<DatasetRef> {
    const dataId = DataCoordinate.fromRequiredValues(t.datasetType.dimensions, row.values)
    return new DatasetRef(t.datasetType, dataId, await this.collections.nameOf(row.runId), row.datasetId)
  }

  /** RUN tag rows of these dataset IDs. */
  private async fetchTags(t: SqlDatasetType, ids: readonly string[]): Promise<TagRow[]> {
    const out: TagRow[] = []
    for (const chunk of idChunks(ids, this.ctx.adapter.maxParameters - 10)) {
      const rows = await this.tagQuery(t)
        .where('tag.dataset_id', 'in', chunk)
        .whereRef('tag.collection_id', '=', 'dataset.run_id')
        .execute()
      for (const row of rows) out.push(toTagRow(row, t.datasetType.dimensions.required))
    }
    return out
  }

  /** Writes dataset and RUN tag rows in chunks; a duplicate undoes everything and names the culprit. */
  private async write(t: SqlDatasetType, run: string, refs: readonly DatasetRef[]): Promise<void> {
    if (refs.length === 0) return
    const runId = (await this.collections.getRun(run)).id
    const ingest = unixToTaiNs((Date.now() / 1000).toFixed(3))
    const dims = t.datasetType.dimensions.required
    const tagColumns = ['dataset_type_id', 'dataset_id', 'collection_id', ...dims]
    try {
      await this.ctx.transaction(async () => {
        await this.hold(t, run, runId)
        for (const chunk of chunked(refs, Math.floor(this.ctx.adapter.maxParameters / tagColumns.length))) {
          const datasetParams: unknown[] = []
          const tagParams: unknown[] = []
          for (const ref of chunk) {
            datasetParams.push(ref.id, t.id, runId, ingest)
            tagParams.push(t.id, ref.id, runId, ...ref.dataId.requiredValues)
          }
          await this.inserter.insert(
            'dataset',
            ['id', 'dataset_type_id', 'run_id', 'ingest_date'],
            datasetParams,
          )
          await this.inserter.insert(t.tagTable, tagColumns, tagParams)
        }
      })
    } catch (error) {
      if (!this.ctx.adapter.isUniqueViolation(error)) throw error
      throw await this.describeConflict(t, run, refs, error)
    }
    await this.ctx.noteInserted([t.tagTable, 'dataset'], refs.length)
  }

  /** Checks that the run and the dataset type still exist and keeps them until the transaction ends. */
  private async hold(t: SqlDatasetType, run: string, runId: number): Promise<void> {
    if (!(await this.ctx.holdRow('collection', 'collection_id', runId))) {
      throw new MissingCollectionError(`Run '${run}' does not exist (it was removed)`)
    }
    if (!(await this.ctx.holdRow('dataset_type', 'id', t.id))) {
      throw new MissingDatasetTypeError(
        `Dataset type '${t.datasetType.name}' does not exist (it was removed)`,
      )
    }
  }

  private async describeConflict(
    t: SqlDatasetType,
    run: string,
    refs: readonly DatasetRef[],
    cause: unknown,
  ): Promise<Error> {
    const seen = new Set<string>()
    for (const ref of refs) {
      const key = ref.dataId.key
      if (seen.has(key)) return conflict(t, ref, run, 'given twice', cause)
      seen.add(key)
    }
    const found = await this.find(
      t.datasetType,
      refs.map((r) => r.dataId),
      [run],
    )
    const i = found.findIndex((f) => f !== undefined)
    if (i >= 0) return conflict(t, refs[i]!, run, `already stored (as ${found[i]!.id})`, cause)
    const existing = await this.get(refs.map((r) => r.id))
    if (existing[0]) {
      return new ConflictingDefinitionError(
        `Dataset ID ${existing[0].id} already exists (as ${existing[0]}); cannot insert it into run '${run}' again`,
        { cause },
      )
    }
    return new ConflictingDefinitionError(
      `Conflict inserting ${t.datasetType.name} datasets into run '${run}'`,
      { cause },
    )
  }
}

function conflict(t: SqlDatasetType, ref: DatasetRef, run: string, how: string, cause: unknown): Error {
  return new ConflictingDefinitionError(
    `A '${t.datasetType.name}' dataset with data ID ${ref.dataId} is ${how} in run '${run}'`,
    { cause },
  )
}

/** Converts a joined tag row. */
export function toTagRow(row: Record<string, unknown>, dims: readonly string[]): TagRow {
  return {
    datasetId: String(row.dataset_id),
    collectionId: Number(row.collection_id),
    runId: Number(row.run_id),
    values: dims.map((d) => row[d] as DataIdValue),
  }
}

/** One timespan per data ID from `FindDatasetsOptions.timespan`. */
function perDataId(
  timespan: Timespan | readonly (Timespan | undefined)[] | undefined,
  n: number,
): readonly (Timespan | undefined)[] {
  if (timespan === undefined || timespan instanceof Timespan) return new Array(n).fill(timespan)
  if (timespan.length !== n) {
    throw new InputError(`${timespan.length} timespans given for ${n} data IDs; give one, or one per data ID`)
  }
  return timespan
}

function sum(values: Iterable<number>): number {
  let total = 0
  for (const v of values) total += v
  return total
}
