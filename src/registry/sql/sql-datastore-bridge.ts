/**
 * The registry side of datastore records: `dataset_location`, `dataset_location_trash` and
 * `file_datastore_records`, with two-phase deletion (trash, then forget).
 */
import type { DatastoreBridge, StoredFileInfo } from '../../datasets/stored-file-info.js'
import { chunked, idChunks, type SqlContext } from './sql-context.js'
import { SqlInserter } from './sql-inserter.js'

const RECORD_COLUMNS = [
  'dataset_id',
  'component',
  'path',
  'formatter',
  'storage_class',
  'checksum',
  'file_size',
]

/** `DatastoreBridge` over the registry database; every call joins the transaction in progress. */
export class SqlDatastoreBridge implements DatastoreBridge {
  private readonly ctx: SqlContext
  private readonly inserter: SqlInserter

  constructor(ctx: SqlContext) {
    this.ctx = ctx
    this.inserter = new SqlInserter(ctx)
  }

  async insertRecords(datastoreName: string, records: readonly StoredFileInfo[]): Promise<void> {
    if (records.length === 0) return
    const ids = [...new Set(records.map((r) => r.datasetId))]
    await this.ctx.transaction(async () => {
      for (const chunk of chunked(ids, Math.floor(this.ctx.adapter.maxParameters / 2))) {
        const params = chunk.flatMap((id) => [datastoreName, id])
        await this.inserter.insert('dataset_location', ['datastore_name', 'dataset_id'], params, [
          'dataset_id',
          'datastore_name',
        ])
      }
      for (const chunk of chunked(
        records,
        Math.floor(this.ctx.adapter.maxParameters / RECORD_COLUMNS.length),
      )) {
        const params = chunk.flatMap((r) => [
          r.datasetId,
          r.component,
          r.path,
          r.formatter,
          r.storageClass,
          r.checksum,
          r.fileSize,
        ])
        await this.inserter.insert('file_datastore_records', RECORD_COLUMNS, params)
      }
    })
  }

  async fetchRecords(datasetIds: readonly string[]): Promise<Map<string, StoredFileInfo[]>> {
    const out = new Map<string, StoredFileInfo[]>()
    for (const chunk of this.idChunks(datasetIds)) {
      const rows = await this.ctx.executeCached(`records|${chunk.length}`, chunk, () =>
        this.ctx.db
          .selectFrom('file_datastore_records')
          .selectAll()
          .where('dataset_id', 'in', chunk)
          .orderBy('component')
          .compile(),
      )
      for (const row of rows) {
        const info = toInfo(row)
        const list = out.get(info.datasetId) ?? out.set(info.datasetId, []).get(info.datasetId)!
        list.push(info)
      }
    }
    return out
  }

  async knownIds(datastoreName: string, datasetIds: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>()
    for (const chunk of this.idChunks(datasetIds)) {
      const rows = await this.ctx.db
        .selectFrom('dataset_location')
        .select('dataset_id')
        .where('datastore_name', '=', datastoreName)
        .where('dataset_id', 'in', chunk)
        .execute()
      for (const row of rows) out.add(String(row.dataset_id))
    }
    return out
  }

  async trash(datastoreName: string, datasetIds: readonly string[]): Promise<void> {
    await this.ctx.transaction(async () => {
      for (const chunk of this.idChunks(datasetIds)) {
        await this.ctx.db
          .insertInto('dataset_location_trash')
          .columns(['datastore_name', 'dataset_id'])
          .expression((eb) =>
            eb
              .selectFrom('dataset_location')
              .select(['datastore_name', 'dataset_id'])
              .where('datastore_name', '=', datastoreName)
              .where('dataset_id', 'in', chunk)
              .orderBy('dataset_id'),
          )
          .onConflict((oc) => oc.columns(['dataset_id', 'datastore_name']).doNothing())
          .execute()
        await this.ctx.db
          .deleteFrom('dataset_location')
          .where('datastore_name', '=', datastoreName)
          .where('dataset_id', 'in', chunk)
          .execute()
      }
    })
  }

  async fetchTrashed(datastoreName: string, limit: number): Promise<StoredFileInfo[]> {
    const rows = await this.ctx.db
      .selectFrom('dataset_location_trash as t')
      .innerJoin('file_datastore_records as r', 'r.dataset_id', 't.dataset_id')
      .selectAll('r')
      .where('t.datastore_name', '=', datastoreName)
      .where(
        't.id',
        'in',
        this.ctx.db
          .selectFrom('dataset_location_trash')
          .select('id')
          .where('datastore_name', '=', datastoreName)
          .orderBy('id')
          .limit(limit),
      )
      .orderBy('t.id')
      .orderBy('r.component')
      .execute()
    return rows.map(toInfo)
  }

  async pathsInUse(paths: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>()
    for (const chunk of this.valueChunks(paths)) {
      const rows = await this.ctx.db
        .selectFrom('file_datastore_records as r')
        .select('r.path')
        .distinct()
        .where('r.path', 'in', chunk)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('dataset_location as l')
              .select('l.dataset_id')
              .whereRef('l.dataset_id', '=', 'r.dataset_id'),
          ),
        )
        .execute()
      for (const row of rows) out.add(String(row.path))
    }
    return out
  }

  async forget(datastoreName: string, datasetIds: readonly string[]): Promise<void> {
    await this.ctx.transaction(async () => {
      for (const chunk of this.idChunks(datasetIds)) {
        await this.ctx.db
          .deleteFrom('dataset_location_trash')
          .where('datastore_name', '=', datastoreName)
          .where('dataset_id', 'in', chunk)
          .execute()
        // Records stay while another datastore still holds (or trashes) the dataset.
        await this.ctx.db
          .deleteFrom('file_datastore_records')
          .where('dataset_id', 'in', chunk)
          .where((eb) =>
            eb.not(
              eb.or([
                eb.exists(
                  eb
                    .selectFrom('dataset_location as l')
                    .select('l.dataset_id')
                    .whereRef('l.dataset_id', '=', 'file_datastore_records.dataset_id'),
                ),
                eb.exists(
                  eb
                    .selectFrom('dataset_location_trash as t')
                    .select('t.dataset_id')
                    .whereRef('t.dataset_id', '=', 'file_datastore_records.dataset_id'),
                ),
              ]),
            ),
          )
          .execute()
      }
    })
  }

  async *iterateRecords(datastoreName: string, pageSize = 1000): AsyncIterable<StoredFileInfo[]> {
    let after: [string, string] | undefined
    for (;;) {
      let q = this.ctx.db
        .selectFrom('file_datastore_records as r')
        .selectAll('r')
        .where((eb) =>
          eb.or([
            eb.exists(
              eb
                .selectFrom('dataset_location as l')
                .select('l.dataset_id')
                .whereRef('l.dataset_id', '=', 'r.dataset_id')
                .where('l.datastore_name', '=', datastoreName),
            ),
            eb.exists(
              eb
                .selectFrom('dataset_location_trash as t')
                .select('t.dataset_id')
                .whereRef('t.dataset_id', '=', 'r.dataset_id')
                .where('t.datastore_name', '=', datastoreName),
            ),
          ]),
        )
        .orderBy('r.dataset_id')
        .orderBy('r.component')
        .limit(pageSize)
      if (after) {
        const [id, component] = after
        q = q.where((eb) =>
          eb.or([
            eb('r.dataset_id', '>', id),
            eb.and([eb('r.dataset_id', '=', id), eb('r.component', '>', component)]),
          ]),
        )
      }
      const page = (await q.execute()).map(toInfo)
      if (page.length === 0) return
      yield page
      const last = page[page.length - 1]!
      after = [last.datasetId, last.component]
      if (page.length < pageSize) return
    }
  }

  private idChunks(ids: readonly string[]): string[][] {
    return idChunks(ids, this.ctx.adapter.maxParameters - 10)
  }

  private valueChunks(values: readonly string[]): string[][] {
    return chunked([...new Set(values)], this.ctx.adapter.maxParameters - 10)
  }
}

function toInfo(row: Record<string, unknown>): StoredFileInfo {
  return {
    datasetId: String(row.dataset_id),
    component: String(row.component),
    path: String(row.path),
    formatter: String(row.formatter),
    storageClass: String(row.storage_class),
    checksum: (row.checksum as string | null) ?? null,
    fileSize: Number(row.file_size),
  }
}
