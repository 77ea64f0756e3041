/**
 * Importing an export file into a repository: records, dataset types, collections, datasets with
 * their UUIDs, their files, TAGGED / CALIBRATION memberships and provenance, all in one transaction.
 */
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { DatasetRef } from '../datasets/dataset-ref.js'
import type { FileDataset, TransferMode } from '../datastore/datastore.js'
import type { DirectButler } from '../direct/direct-butler.js'
import { ButlerUserError, InputError, USER_ERROR_CLASSES } from '../errors.js'
import { type ImportPlan, planImport } from './import-plan.js'
import { migrateExportFile } from './migrate.js'
import { parseExportFile } from './read-export-file.js'

/** Options of `importFile`; give `filename` or `text`. */
export interface ImportOptions {
  /** The export file to read. */
  readonly filename?: string
  /** The export file's text, instead of `filename`. */
  readonly text?: string
  /** Base of the file's relative paths (default: the export file's folder, or the working directory). */
  readonly directory?: string
  /** How files get into the datastore (default `auto`). */
  readonly transfer?: TransferMode
  /** Dimension elements whose records are not inserted (they must exist already). */
  readonly skipDimensions?: readonly string[]
  /** Import registry content only: no file is looked at or ingested. */
  readonly withoutDatastore?: boolean
  /** Record file sizes (and checksums, when configured) of ingested files (default true). */
  readonly recordValidationInfo?: boolean
  /** Called as work is done: steps done so far and the total (records, datasets, memberships). */
  readonly onProgress?: (done: number, total: number) => void
}

/** What an import did. */
export interface ImportSummary {
  /** Dimension records in the file (after migration) and how many were new. */
  readonly records: number
  readonly recordsInserted: number
  readonly datasetTypes: number
  readonly collections: number
  readonly datasets: number
  readonly files: number
  readonly associations: number
  /** Datasets whose provenance the file records (our extension of the format). */
  readonly provenance: number
  /** Notes for the user (migrations that could not be complete). */
  readonly warnings: readonly string[]
}

const RECORD_BATCH = 5000

/**
 * Imports an export file (the reference's YAML format 1.x, any `daf_butler` universe up to ours) into
 * a repository. The whole file is read and checked first; then everything is written in one
 * transaction, so a file that fails anywhere leaves the registry and the datastore unchanged. Errors
 * name the entry of the file they come from.
 *
 * Existing dimension records with the same keys are kept (the file's are skipped); existing dataset
 * types, collections and datasets must agree with the file.
 *
 * @example
 * await importFile(butler, { filename: 'export.yaml', directory: 'exported', transfer: 'copy' })
 */
export async function importFile(butler: DirectButler, options: ImportOptions): Promise<ImportSummary> {
  let text = options.text
  if (text === undefined) {
    if (options.filename === undefined) throw new InputError('importFile needs a filename or text')
    try {
      text = await readFile(options.filename, 'utf8')
    } catch (error) {
      throw new InputError(`Cannot read export file '${options.filename}'`, { cause: error })
    }
  }
  const parsed = parseExportFile(text)
  const { file, warnings } = migrateExportFile(parsed, butler.universe)
  const withFiles = !options.withoutDatastore
  const directory = resolve(
    options.directory ?? (options.filename !== undefined ? dirname(options.filename) : process.cwd()),
  )
  const plan = await planImport(butler, file, {
    withFiles,
    directory,
    ...(options.skipDimensions ? { skipDimensions: options.skipDimensions } : {}),
  })
  const total =
    plan.records.reduce((n, p) => n + p.records.length, 0) +
    plan.datasets.reduce((n, d) => n + d.refs.length, 0) +
    plan.associations.reduce((n, a) => n + a.ids.length, 0)
  let done = 0
  const step = (n: number) => {
    done += n
    options.onProgress?.(done, total)
  }
  const inserted = await butler.writeTransaction(async (undo) => {
    await registerAll(butler, plan)
    let count = 0
    for (const { element, records, labels } of plan.records) {
      for (let i = 0; i < records.length; i += RECORD_BATCH) {
        const batch = records.slice(i, i + RECORD_BATCH)
        count += await inEntry(labels.join(', '), () =>
          butler.registry.insertDimensionRecords(element.name, batch, { skipExisting: true }),
        )
        step(batch.length)
      }
    }
    const refs = new Map(plan.existingRefs)
    const files: FileDataset[] = []
    for (const d of plan.datasets) {
      const expanded = await inEntry(d.label, async () => {
        const coords = await butler.registry.expandDataIds(d.refs.map((r) => r.dataId))
        const out = d.refs.map((r, k) => r.replace({ dataId: coords[k]! }))
        await butler.registry.importDatasets(out)
        return out
      })
      for (const ref of expanded) refs.set(ref.id, ref)
      if (withFiles) {
        for (const f of d.files) {
          files.push({
            path: f.path!,
            refs: f.refs.map((r) => refs.get(r.id)!),
            ...(f.formatter ? { formatter: f.formatter } : {}),
          })
        }
      }
      step(d.refs.length)
    }
    if (files.length > 0) {
      await butler.datastore.ingest(
        files,
        {
          transfer: options.transfer ?? 'auto',
          ...(options.recordValidationInfo === false ? { recordValidationInfo: false } : {}),
        },
        undo,
      )
    }
    for (const a of plan.associations) {
      const members: DatasetRef[] = a.ids.map((id) => refs.get(id)!)
      await inEntry(a.label, () =>
        a.timespan
          ? butler.registry.certify(a.collection, members, a.timespan)
          : butler.registry.associate(a.collection, members),
      )
      step(a.ids.length)
    }
    for (const p of plan.provenance) {
      await inEntry(p.label, () => butler.registry.insertProvenance(p.records))
    }
    return count
  })
  return {
    records: plan.records.reduce((n, p) => n + p.records.length, 0),
    recordsInserted: inserted,
    datasetTypes: plan.datasetTypes.length,
    collections: plan.collections.length,
    datasets: plan.datasets.reduce((n, d) => n + d.refs.length, 0),
    files: withFiles ? plan.datasets.reduce((n, d) => n + d.files.length, 0) : 0,
    associations: plan.associations.reduce((n, a) => n + a.ids.length, 0),
    provenance: plan.provenance.reduce((n, p) => n + p.records.length, 0),
    warnings,
  }
}

/** Registers dataset types, then RUN / TAGGED / CALIBRATION collections, then chains and their children. */
async function registerAll(butler: DirectButler, plan: ImportPlan): Promise<void> {
  const registry = butler.registry
  for (const { type, label } of plan.datasetTypes) {
    await inEntry(label, () => registry.registerDatasetType(type))
  }
  for (const c of plan.collections) {
    await inEntry(c.label, () =>
      c.type === 'RUN'
        ? registry.registerRun(c.name, c.doc)
        : registry.registerCollection(c.name, c.type, c.doc),
    )
  }
  for (const c of plan.collections) {
    if (c.children) await inEntry(c.label, () => registry.setCollectionChain(c.name, c.children!))
  }
}

/** Runs `fn`; a user error it throws is rethrown as the same class with the entry named first. */
async function inEntry<T>(label: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    if (error instanceof ButlerUserError) {
      const cls = USER_ERROR_CLASSES.get(error.code)
      if (cls) throw new cls(`Export file ${label}: ${error.message}`, { cause: error })
    }
    throw error
  }
}
