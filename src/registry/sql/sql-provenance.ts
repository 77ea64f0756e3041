/**
 * Provenance in SQL: one `dataset_provenance` row per dataset with recorded provenance and one
 * `dataset_provenance_input` row per input (see `createProvenanceTables`). Rows are written in
 * bulk inside the caller's transaction and deleted with their datasets by the removals in
 * `SqlDatasets` and `SqlCollections`.
 */
import { DatasetProvenance, type ProvenanceExtras } from '../../datasets/provenance.js'
import { ConflictingDefinitionError, DatasetNotFoundError, InputError } from '../../errors.js'
import type { ProvenanceEntry } from '../registry.js'
import { chunked, idChunks, type SqlContext } from './sql-context.js'
import { SqlInserter } from './sql-inserter.js'

const PROVENANCE_COLUMNS = ['dataset_id', 'task', 'quantum_id', 'extras'] as const
const INPUT_COLUMNS = [
  'dataset_id',
  'position',
  'input_id',
  'input_run',
  'input_dataset_type',
  'extras',
] as const

/** Reads and writes the provenance tables. */
export class SqlProvenance {
  private readonly ctx: SqlContext
  private readonly inserter: SqlInserter

  constructor(ctx: SqlContext) {
    this.ctx = ctx
    this.inserter = new SqlInserter(ctx)
  }

  /**
   * Records provenance of datasets of this registry (see `Registry.insertProvenance`): a dataset
   * that does not exist is a `DatasetNotFoundError`; one whose recorded provenance differs is a
   * `ConflictingDefinitionError`; the same provenance again is a no-op.
   */
  async insert(entries: readonly ProvenanceEntry[]): Promise<void> {
    const byId = new Map<string, DatasetProvenance>()
    for (const { datasetId, provenance } of entries) {
      if (!(provenance instanceof DatasetProvenance)) {
        throw new InputError(`The provenance of dataset ${datasetId} is not a DatasetProvenance`)
      }
      if (provenance.inputs.some((input) => input.id === datasetId)) {
        throw new InputError(`Dataset ${datasetId} cannot be an input of itself`)
      }
      const previous = byId.get(datasetId)
      if (previous && !previous.equals(provenance)) {
        throw new ConflictingDefinitionError(`Dataset ${datasetId} is given two different provenances`)
      }
      byId.set(datasetId, provenance)
    }
    if (byId.size === 0) return
    let inputRows = 0
    await this.ctx.transaction(async () => {
      const ids = [...byId.keys()]
      // The datasets must exist, and stay until this transaction ends (see SqlContext.holdRows).
      if ((await this.ctx.holdRows('dataset', 'id', ids)) !== new Set(ids).size) {
        const found = new Set<string>()
        for (const chunk of idChunks(ids, this.ctx.adapter.maxParameters - 10)) {
          const rows = await this.ctx.db.selectFrom('dataset').select('id').where('id', 'in', chunk).execute()
          for (const row of rows) found.add(String(row.id))
        }
        const missing = ids.find((id) => !found.has(id))
        throw new DatasetNotFoundError(
          `Cannot record provenance of dataset ${missing}: it is not in the registry`,
        )
      }
      const existing = await this.get(ids)
      const fresh: [string, DatasetProvenance][] = []
      for (const [id, provenance] of byId) {
        const stored = existing.get(id)
        if (!stored) fresh.push([id, provenance])
        else if (!stored.equals(provenance)) {
          throw new ConflictingDefinitionError(
            `Dataset ${id} already has another provenance (${stored}; given ${provenance})`,
          )
        }
      }
      const perChunk = Math.floor(this.ctx.adapter.maxParameters / INPUT_COLUMNS.length)
      for (const chunk of chunked(fresh, perChunk)) {
        const params: unknown[] = []
        for (const [id, p] of chunk) {
          params.push(id, p.task ?? null, p.quantumId ?? null, extrasText(p.extras))
        }
        await this.inserter.insert('dataset_provenance', PROVENANCE_COLUMNS, params)
      }
      let params: unknown[] = []
      const flush = async () => {
        await this.inserter.insert('dataset_provenance_input', INPUT_COLUMNS, params)
        params = []
      }
      for (const [id, p] of fresh) {
        for (const [position, input] of p.inputs.entries()) {
          params.push(
            id,
            position,
            input.id,
            input.run,
            input.datasetType,
            extrasText(p.inputExtras.get(input.id)),
          )
          inputRows += 1
          if (params.length >= perChunk * INPUT_COLUMNS.length) await flush()
        }
      }
      if (params.length > 0) await flush()
    })
    await this.ctx.noteInserted(['dataset_provenance'], byId.size)
    await this.ctx.noteInserted(['dataset_provenance_input'], inputRows)
  }

  /** Recorded provenance of datasets, by dataset ID (datasets without any are left out). */
  async get(ids: readonly string[]): Promise<Map<string, DatasetProvenance>> {
    const out = new Map<string, DatasetProvenance>()
    for (const chunk of idChunks(ids, this.ctx.adapter.maxParameters - 10)) {
      const heads = await this.ctx.db
        .selectFrom('dataset_provenance')
        .select([...PROVENANCE_COLUMNS])
        .where('dataset_id', 'in', chunk)
        .execute()
      if (heads.length === 0) continue
      const inputs = await this.ctx.db
        .selectFrom('dataset_provenance_input')
        .select([...INPUT_COLUMNS])
        .where('dataset_id', 'in', chunk)
        .orderBy('dataset_id')
        .orderBy('position')
        .execute()
      for (const row of heads) {
        const id = String(row.dataset_id)
        out.set(
          id,
          new DatasetProvenance({
            task: row.task == null ? undefined : String(row.task),
            quantumId: row.quantum_id == null ? undefined : String(row.quantum_id),
            extras: parseExtras(row.extras, id),
          }),
        )
      }
      for (const row of inputs) {
        const provenance = out.get(String(row.dataset_id))
        if (!provenance) continue
        const input = {
          id: String(row.input_id),
          run: String(row.input_run),
          datasetType: String(row.input_dataset_type),
        }
        provenance.addInput(input, parseExtras(row.extras, String(row.dataset_id)))
      }
    }
    return out
  }

  /**
   * The datasets whose recorded inputs include each of `ids`, by input ID (inputs nothing was made
   * from are left out); derived dataset IDs are in order of first appearance.
   */
  async derived(ids: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>()
    for (const chunk of idChunks(ids, this.ctx.adapter.maxParameters - 10)) {
      const rows = await this.ctx.db
        .selectFrom('dataset_provenance_input')
        .select(['input_id', 'dataset_id'])
        .where('input_id', 'in', chunk)
        .orderBy('input_id')
        .orderBy('dataset_id')
        .execute()
      for (const row of rows) {
        const key = String(row.input_id)
        const list = out.get(key) ?? out.set(key, []).get(key)!
        const id = String(row.dataset_id)
        if (!list.includes(id)) list.push(id)
      }
    }
    return out
  }
}

/**
 * Deletes the provenance rows of datasets (their own records, not those naming them as inputs), in
 * the transaction in progress: `ids` is a list of dataset IDs or a subquery selecting them.
 */
export async function deleteProvenanceRows(
  ctx: SqlContext,
  // biome-ignore lint/suspicious/noExplicitAny: a list or a Kysely subquery of dataset IDs
  ids: readonly string[] | any,
): Promise<void> {
  for (const table of ['dataset_provenance_input', 'dataset_provenance']) {
    await ctx.db.deleteFrom(table).where('dataset_id', 'in', ids).execute()
  }
}

function extrasText(extras: ProvenanceExtras | undefined): string | null {
  return extras && Object.keys(extras).length > 0 ? JSON.stringify(extras) : null
}

function parseExtras(text: unknown, datasetId: string): ProvenanceExtras | undefined {
  if (text == null || text === '') return undefined
  try {
    return JSON.parse(String(text)) as ProvenanceExtras
  } catch (cause) {
    throw new InputError(`The recorded provenance extras of dataset ${datasetId} are not JSON`, { cause })
  }
}
