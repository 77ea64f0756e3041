/**
 * Exporting repository content to an export file: datasets with their dataset types, RUNs, dimension
 * records, files and provenance; other dimension records; collections with their memberships and
 * chains.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { DatasetRef } from '../datasets/dataset-ref.js'
import type { DatasetType } from '../datasets/dataset-type.js'
import type { TransferMode } from '../datastore/datastore.js'
import type { DataCoordinate } from '../dimensions/data-coordinate.js'
import type { DimensionElement } from '../dimensions/dimension-element.js'
import { DimensionRecord } from '../dimensions/dimension-record.js'
import type { DirectButler } from '../direct/direct-butler.js'
import { InputError } from '../errors.js'
import type { CollectionType } from '../registry/registry.js'
import { Timespan } from '../time/timespan.js'
import { exportArtifacts } from './export-artifacts.js'
import {
  type CollectionEntry,
  EXPORT_DESCRIPTION,
  EXPORT_FORMAT_VERSION,
  type ExportEntry,
  type ExportFile,
  type RecordObject,
} from './export-file.js'
import { formatExportFile } from './write-export-file.js'

/** Transfer modes an export can copy artifacts with. */
export type ExportTransferMode = Extract<
  TransferMode,
  'copy' | 'link' | 'hardlink' | 'symlink' | 'relsymlink'
>

/** Options of an export. */
export interface ExportOptions {
  /** Where artifacts are transferred to (with `transfer`); their repository-relative paths are kept. */
  readonly directory?: string
  /** How artifacts get into `directory`; without it, the file only records their paths. */
  readonly transfer?: ExportTransferMode
  /** Called with the number of datasets whose file entries were written (and artifacts placed). */
  readonly onProgress?: (datasets: number) => void
  /**
   * Write the recorded provenance of exported datasets in a `provenance` entry (default true). The
   * entry is our extension of the format: leave it out for files the reference must read.
   */
  readonly provenance?: boolean
}

interface CollectionSlot {
  readonly name: string
  readonly type: CollectionType
  readonly doc: string
  readonly children: readonly string[]
}

interface DatasetGroup {
  readonly type: DatasetType
  readonly run: string
  readonly refs: Map<string, DatasetRef>
}

/**
 * Collects what an export writes. Datasets bring their dataset types, RUNs and the dimension records
 * of their data IDs (implied dimensions included); collections bring their memberships (of exported
 * datasets only) and chain definitions, written after their children.
 */
export class RepoExportContext {
  private readonly butler: DirectButler
  private readonly options: ExportOptions
  private readonly records = new Map<string, Map<string, DimensionRecord>>()
  private readonly collections = new Map<string, CollectionSlot>()
  private readonly saved = new Set<string>()
  private readonly groups = new Map<string, DatasetGroup>()
  private readonly tagged = new Map<string, Set<string>>()
  private readonly calibrations = new Map<string, { id: string; timespan: Timespan }[]>()

  constructor(butler: DirectButler, options: ExportOptions = {}) {
    if (options.transfer && !options.directory)
      throw new InputError('An export with a transfer needs a directory')
    this.butler = butler
    this.options = options
  }

  /** Adds datasets (and their types, RUNs and data ID records, optionally only of some elements). */
  async saveDatasets(
    refs: Iterable<DatasetRef>,
    options: { readonly elements?: Iterable<string> } = {},
  ): Promise<void> {
    const byType = new Map<string, DatasetRef[]>()
    for (const ref of refs) {
      if (ref.datasetType.isComponent) {
        throw new InputError(`Cannot export component dataset ${ref}; export its parent dataset`)
      }
      const list =
        byType.get(ref.datasetType.name) ?? byType.set(ref.datasetType.name, []).get(ref.datasetType.name)!
      list.push(ref)
    }
    for (const list of byType.values()) {
      const dataIds = await this.expand(list.map((r) => r.dataId))
      await this.saveDataIds(dataIds, options)
      for (const [k, ref] of list.entries()) {
        const key = `${ref.datasetType.name}\u0000${ref.run}`
        let group = this.groups.get(key)
        if (!group) {
          group = { type: ref.datasetType, run: ref.run, refs: new Map() }
          this.groups.set(key, group)
          await this.saveCollectionRecord(ref.run)
        }
        group.refs.set(ref.id, ref.replace({ dataId: dataIds[k]! }))
      }
    }
  }

  /** Adds the dimension records of data IDs (expanded first when they carry no records). */
  async saveDataIds(
    dataIds: readonly DataCoordinate[],
    options: { readonly elements?: Iterable<string> } = {},
  ): Promise<void> {
    const wanted = options.elements ? new Set(options.elements) : undefined
    for (const dataId of await this.expand(dataIds)) {
      for (const element of dataId.dimensions.elements) {
        if (!element.hasOwnTable || (wanted && !wanted.has(element.name))) continue
        const record = dataId.records?.get(element.name)
        if (record) this.addRecord(element, record)
      }
    }
  }

  /** Adds dimension records of one element. */
  saveDimensionData(
    element: string,
    records: readonly (DimensionRecord | Readonly<Record<string, unknown>>)[],
  ): void {
    const e = this.butler.universe.getElement(element)
    if (!e.hasOwnTable) throw new InputError(`Dimension element '${element}' has no records of its own`)
    for (const r of records)
      this.addRecord(e, r instanceof DimensionRecord ? r : DimensionRecord.fromObject(e, r))
  }

  /**
   * Adds a collection: its definition; for a CHAINED one also its children, recursively (a chain
   * imports only where its children exist); for TAGGED and CALIBRATION ones their memberships, of
   * which those of exported datasets are written. Datasets are not added: save them with
   * `saveDatasets`.
   */
  async saveCollection(name: string): Promise<void> {
    if (this.saved.has(name)) return
    this.saved.add(name)
    const slot = await this.saveCollectionRecord(name)
    if (slot.type === 'CHAINED') {
      for (const child of slot.children) await this.saveCollection(child)
      return
    }
    if (slot.type !== 'TAGGED' && slot.type !== 'CALIBRATION') return
    const registry = this.butler.registry
    for (const type of await registry.queryDatasetTypes()) {
      for (const a of await registry.queryDatasetAssociations(type.name, { collections: [name] })) {
        if (a.collection !== name) continue
        if (slot.type === 'TAGGED') {
          const set = this.tagged.get(name) ?? this.tagged.set(name, new Set()).get(name)!
          set.add(a.ref.id)
        } else if (a.timespan) {
          const list = this.calibrations.get(name) ?? this.calibrations.set(name, []).get(name)!
          list.push({ id: a.ref.id, timespan: a.timespan })
        }
      }
    }
  }

  /** Builds the export file; with a transfer, also places the artifacts in the directory. */
  async finish(): Promise<ExportFile> {
    const data: ExportEntry[] = []
    const universe = this.butler.universe
    const elements = [...this.records.keys()]
      .map((n) => universe.getElement(n))
      .sort((a, b) => a.index - b.index)
    for (const element of elements) {
      const records = [...this.records.get(element.name)!.values()].map(recordToObject)
      data.push({ type: 'dimension', element: element.name, records })
    }
    for (const c of this.orderedCollections()) data.push(collectionEntry(c))
    const exported = new Set<string>()
    for (const group of this.groups.values()) {
      const refs = [...group.refs.values()]
      for (const ref of refs) exported.add(ref.id)
      data.push({
        type: 'dataset_type',
        name: group.type.name,
        dimensions: [...group.type.dimensions.names],
        storageClass: group.type.storageClassName,
        isCalibration: group.type.isCalibration,
      })
      data.push({
        type: 'dataset',
        datasetType: group.type.name,
        run: group.run,
        files: await exportArtifacts(this.butler.datastore, refs, this.options),
      })
    }
    for (const [collection, ids] of this.tagged) {
      const datasetIds = [...ids].filter((id) => exported.has(id))
      if (datasetIds.length > 0)
        data.push({ type: 'associations', collectionType: 'TAGGED', collection, datasetIds })
    }
    for (const [collection, list] of this.calibrations) {
      const byTimespan = new Map<string, { timespan: Timespan; datasetIds: string[] }>()
      for (const { id, timespan } of list) {
        if (!exported.has(id)) continue
        const key = `${timespan.begin}/${timespan.end}`
        const slot = byTimespan.get(key) ?? byTimespan.set(key, { timespan, datasetIds: [] }).get(key)!
        slot.datasetIds.push(id)
      }
      if (byTimespan.size > 0) {
        data.push({
          type: 'associations',
          collectionType: 'CALIBRATION',
          collection,
          validityRanges: [...byTimespan.values()],
        })
      }
    }
    // Our extension of the format, written only when there is something to write.
    const provenance =
      this.options.provenance === false ? new Map() : await this.butler.registry.getProvenance([...exported])
    if (provenance.size > 0) {
      data.push({
        type: 'provenance',
        records: [...exported]
          .filter((id) => provenance.has(id))
          .map((id) => ({ datasetId: id, provenance: provenance.get(id)! })),
      })
    }
    return {
      description: EXPORT_DESCRIPTION,
      version: EXPORT_FORMAT_VERSION,
      universeVersion: universe.version,
      universeNamespace: universe.namespace,
      data,
    }
  }

  private async expand(dataIds: readonly DataCoordinate[]): Promise<DataCoordinate[]> {
    if (dataIds.every((d) => d.hasRecords)) return [...dataIds]
    // expandDataIds takes one dimension group at a time.
    const out: DataCoordinate[] = new Array(dataIds.length)
    const byGroup = new Map<string, number[]>()
    dataIds.forEach((d, i) => {
      const key = d.dimensions.names.join(',')
      const list = byGroup.get(key) ?? byGroup.set(key, []).get(key)!
      list.push(i)
    })
    for (const indices of byGroup.values()) {
      const expanded = await this.butler.registry.expandDataIds(indices.map((i) => dataIds[i]!))
      indices.forEach((i, k) => {
        out[i] = expanded[k]!
      })
    }
    return out
  }

  private addRecord(element: DimensionElement, record: DimensionRecord): void {
    const map = this.records.get(element.name) ?? this.records.set(element.name, new Map()).get(element.name)!
    map.set(JSON.stringify(record.keyValues), record)
  }

  private async saveCollectionRecord(name: string): Promise<CollectionSlot> {
    const existing = this.collections.get(name)
    if (existing) return existing
    const record = await this.butler.registry.getCollection(name)
    const children = record.type === 'CHAINED' ? await this.butler.registry.getCollectionChain(name) : []
    const slot = { name, type: record.type, doc: record.doc ?? '', children }
    this.collections.set(name, slot)
    return slot
  }

  /** Collections sorted by name, except that a chain comes after every exported child. */
  private orderedCollections(): CollectionSlot[] {
    const out: CollectionSlot[] = []
    const placed = new Set<string>()
    const visit = (slot: CollectionSlot) => {
      if (placed.has(slot.name)) return
      placed.add(slot.name)
      for (const child of slot.children) {
        const c = this.collections.get(child)
        if (c) visit(c)
      }
      out.push(slot)
    }
    const sorted = [...this.collections.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    )
    for (const slot of sorted) if (slot.type !== 'CHAINED') visit(slot)
    for (const slot of sorted) visit(slot)
    return out
  }
}

/**
 * Writes an export file: `fn` adds content to the context; then the file is written to `target` (a
 * file name, or a stream that is written to and left open), and artifacts to `options.directory` when
 * a transfer is given. Returns the exported content.
 *
 * @example
 * await exportFile(butler, 'export.yaml', async (ctx) => {
 *   await ctx.saveDatasets(refs)
 *   await ctx.saveCollection('calib/hsc')
 * }, { directory: 'exported', transfer: 'copy' })
 */
export async function exportFile(
  butler: DirectButler,
  target: string | NodeJS.WritableStream,
  fn: (context: RepoExportContext) => Promise<void>,
  options: ExportOptions = {},
): Promise<ExportFile> {
  const context = new RepoExportContext(butler, options)
  await fn(context)
  const file = await context.finish()
  const text = formatExportFile(file)
  if (typeof target === 'string') {
    await mkdir(dirname(resolve(target)), { recursive: true })
    await writeFile(target, text)
  } else {
    await new Promise<void>((done, fail) => target.write(text, (error) => (error ? fail(error) : done())))
  }
  return file
}

function recordToObject(record: DimensionRecord): RecordObject {
  const out: RecordObject = {}
  for (const field of record.element.fields) {
    const value = record.values[field.name] ?? null
    if (field.role === 'timespan') {
      // A record without a timespan has no datetime fields at all (null, null would read as unbounded).
      if (value instanceof Timespan) {
        out.datetime_begin = value.isUnboundedBegin ? null : value.begin
        out.datetime_end = value.isUnboundedEnd ? null : value.end
      }
    } else {
      out[field.name] = value
    }
  }
  return out
}

function collectionEntry(c: CollectionSlot): CollectionEntry {
  const doc = c.doc ? { doc: c.doc } : {}
  switch (c.type) {
    case 'RUN':
      return {
        type: 'collection',
        collectionType: 'RUN',
        name: c.name,
        ...doc,
        host: null,
        timespanBegin: null,
        timespanEnd: null,
      }
    case 'CHAINED':
      return {
        type: 'collection',
        collectionType: 'CHAINED',
        name: c.name,
        ...doc,
        children: [...c.children],
      }
    default:
      return { type: 'collection', collectionType: c.type, name: c.name, ...doc }
  }
}
