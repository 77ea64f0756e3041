/**
 * The part of a datastore of one artifact per file (or object) that does not depend on where the bytes
 * are: options, planning and recording writes, reads through the dataset reader, records, trash and
 * verify. `FileDatastore` and `ObjectStoreDatastore` supply only the storage operations.
 */
import type { DatasetRef } from '../datasets/dataset-ref.js'
import type { StorageClassFactory } from '../datasets/storage-class.js'
import type { DatastoreBridge } from '../datasets/stored-file-info.js'
import { DatasetNotFoundError } from '../errors.js'
import type { FormatterFactory } from '../formatters/formatter-factory.js'
import type { UndoLog } from '../internal/undo-log.js'
import { ArtifactPlanner, type PreparedArtifact } from './artifact-planner.js'
import { emptyTrashWith, type VerifyHost, verifyWith } from './artifact-upkeep.js'
import type { CompositesPolicy } from './composites.js'
import { type DatasetReaderHost, readDataset } from './dataset-reader.js'
import type {
  ArtifactInfo,
  DatastoreGetOptions,
  DatastorePutItem,
  DatastorePutOptions,
  VerifyProblem,
} from './datastore.js'
import type { ChecksumAlgorithm } from './file/atomic-write.js'
import type { FileTemplates } from './file/file-template.js'
import { forEachLimited } from './for-each-limited.js'
import type { IngestPlanHost } from './ingest-plan.js'

/** The checksum algorithm of the records datastores write (the reference's). */
export const CHECKSUM_ALGORITHM: ChecksumAlgorithm = 'blake2b'

/** Options every datastore of one artifact per file or object takes. */
export interface ArtifactDatastoreOptions {
  /** Where the artifacts are (a folder, a bucket URI). */
  readonly root: string
  /** Name recorded with every artifact; default `<class name>@<root>`. */
  readonly name?: string | undefined
  readonly bridge: DatastoreBridge
  readonly storageClasses: StorageClassFactory
  readonly formatters: FormatterFactory
  readonly templates: FileTemplates
  /** Record a blake2b checksum of every artifact (default false, as in the reference). */
  readonly checksum?: boolean | undefined
  /** How many artifacts are written or read at once in batch operations (default 16). */
  readonly concurrency?: number | undefined
  /** Which composites are written one artifact per component (default: none). */
  readonly composites?: CompositesPolicy | undefined
}

/**
 * What datastores of one artifact per file or object do alike. Subclasses set `name` and say how
 * artifacts are written, opened, found and named; everything else is decided here, the same way.
 */
export abstract class ArtifactDatastore<O extends ArtifactDatastoreOptions = ArtifactDatastoreOptions> {
  /** Name recorded with every artifact. */
  abstract readonly name: string
  protected readonly options: O
  protected readonly bridge: DatastoreBridge
  /** Templates, formatters and composites: where and how each artifact is written. */
  protected readonly planner: ArtifactPlanner
  /** How many artifacts are written or read at once. */
  protected readonly concurrency: number
  /** Checksum algorithm of new records, or undefined when checksums are off. */
  protected readonly checksum: ChecksumAlgorithm | undefined

  constructor(options: O) {
    this.options = options
    this.bridge = options.bridge
    this.concurrency = options.concurrency ?? 16
    this.checksum = options.checksum ? CHECKSUM_ALGORITHM : undefined
    this.planner = new ArtifactPlanner({
      storageClasses: options.storageClasses,
      formatters: options.formatters,
      templates: options.templates,
      composites: options.composites,
      checkPath: (path) => this.checkNewPath(path),
    })
  }

  /** See `Datastore.put`. */
  async put(obj: unknown, ref: DatasetRef, undo: UndoLog, options: DatastorePutOptions = {}): Promise<void> {
    await this.putMany([{ ...options, obj, ref }], undo)
  }

  /** See `Datastore.putMany`. */
  async putMany(items: readonly DatastorePutItem[], undo: UndoLog): Promise<void> {
    if (items.length === 0) return
    const prepared = (await Promise.all(items.map((item) => this.planner.prepare(item)))).flat()
    await this.writePrepared(prepared, undo)
  }

  /**
   * Stores one component of a dataset whose other components (if any) are stored one artifact each;
   * a dataset stored as one artifact cannot take a component, nor can a component be stored twice.
   */
  async putComponent(
    obj: unknown,
    ref: DatasetRef,
    undo: UndoLog,
    options: DatastorePutOptions = {},
  ): Promise<void> {
    await this.writePrepared([await this.planner.prepareComponent(obj, ref, this.bridge, options)], undo)
  }

  /** See `Datastore.get`. */
  async get(ref: DatasetRef, options: DatastoreGetOptions = {}): Promise<unknown> {
    const records = await this.bridge.fetchRecords([ref.id])
    return readDataset(this.readerHost(ref), ref, records.get(ref.id), options)
  }

  /** See `Datastore.getMany`: at most `concurrency` reads at once. */
  async getMany(refs: readonly DatasetRef[], options: DatastoreGetOptions = {}): Promise<unknown[]> {
    const records = await this.bridge.fetchRecords(refs.map((r) => r.id))
    const out: unknown[] = new Array(refs.length)
    await forEachLimited(refs, this.concurrency, async (ref, i) => {
      out[i] = await readDataset(this.readerHost(ref), ref, records.get(ref.id), options)
    })
    return out
  }

  /** See `Datastore.knows`. */
  async knows(ref: DatasetRef): Promise<boolean> {
    return (await this.bridge.knownIds(this.name, [ref.id])).has(ref.id)
  }

  /** See `Datastore.exists`. */
  async exists(ref: DatasetRef): Promise<boolean> {
    if (!(await this.knows(ref))) return false
    const records = (await this.bridge.fetchRecords([ref.id])).get(ref.id) ?? []
    for (const r of records) if (!(await this.hasArtifact(r.path))) return false
    return records.length > 0
  }

  /** See `Datastore.getURI`. */
  async getURI(ref: DatasetRef, options: { readonly predict?: boolean } = {}): Promise<string> {
    const records = (await this.bridge.fetchRecords([ref.id])).get(ref.id)
    const record = records?.find((r) => r.component === '')
    if (record) return this.uriOf(record.path)
    if (!options.predict) throw new DatasetNotFoundError(`Dataset ${ref} has no artifact in ${this.name}`)
    const { path, formatter } = this.planner.locate(ref)
    return `${this.newArtifactUri(path + formatter.extension)}#predicted`
  }

  /** See `Datastore.artifacts`. */
  async artifacts(refs: readonly DatasetRef[]): Promise<ArtifactInfo[]> {
    const ids = refs.map((r) => r.id)
    const records = await this.bridge.fetchRecords(ids)
    const known = await this.bridge.knownIds(this.name, ids)
    const out: ArtifactInfo[] = []
    for (const ref of refs) {
      if (!known.has(ref.id)) continue
      for (const r of records.get(ref.id) ?? []) {
        out.push({
          datasetId: r.datasetId,
          component: r.component,
          path: r.path,
          absolutePath: this.locationOf(r.path),
          formatter: r.formatter,
          storageClass: r.storageClass,
          checksum: r.checksum,
          fileSize: r.fileSize,
        })
      }
    }
    return out
  }

  /** See `Datastore.trash`. */
  async trash(refs: readonly DatasetRef[]): Promise<void> {
    await this.bridge.trash(
      this.name,
      refs.map((r) => r.id),
    )
  }

  /** See `Datastore.emptyTrash`. */
  emptyTrash(): Promise<number> {
    return emptyTrashWith(this.upkeepHost())
  }

  /** See `Datastore.verify`. */
  verify(
    options: { readonly repair?: boolean; readonly checksums?: boolean } = {},
  ): Promise<VerifyProblem[]> {
    return verifyWith(this.upkeepHost(), options)
  }

  /** What planning an ingest needs, the same for every datastore (see `ingest-plan.ts`). */
  protected ingestPlanHost(): IngestPlanHost {
    return {
      name: this.name,
      bridge: this.bridge,
      formatters: this.options.formatters,
      storageClasses: this.options.storageClasses,
      checksum: this.checksum,
      concurrency: this.concurrency,
      locate: (ref) => this.planner.locate(ref),
    }
  }

  /** Throws (`PathEscapeError`) when a new artifact's datastore-relative path is not acceptable. */
  protected abstract checkNewPath(path: string): void

  /** Stores serialised artifacts (all or nothing), then records them; `undo` learns to remove them. */
  protected abstract writePrepared(prepared: readonly PreparedArtifact[], undo: UndoLog): Promise<void>

  /** What the dataset reader needs to read `ref`'s artifacts. */
  protected abstract readerHost(ref: DatasetRef): DatasetReaderHost

  /** Whether the artifact of a record path is really there. */
  protected abstract hasArtifact(recordPath: string): Promise<boolean>

  /** The URI of a recorded artifact (with its `#zip-path=` fragment for a zip member). */
  protected abstract uriOf(recordPath: string): string

  /** The URI a new artifact at this datastore-relative path would have. */
  protected abstract newArtifactUri(path: string): string

  /** Where a recorded artifact is (`ArtifactInfo.absolutePath`): the zip for a zip member. */
  protected abstract locationOf(recordPath: string): string

  /** The storage operations of deletion and checks. */
  protected abstract upkeepHost(): VerifyHost
}
