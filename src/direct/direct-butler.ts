/**
 * `DirectButler`: the butler that runs a registry and a datastore in this process.
 */

import { AsyncLocalStorage } from 'node:async_hooks'
import type {
  Butler,
  ChainEdit,
  DatasetExistence,
  DatasetTypeArg,
  DeferredDatasetHandle,
  GetItem,
  GetOptions,
  IngestFile,
  IngestFilesOptions,
  IngestZipOptions,
  PruneOptions,
  PutItem,
  PutOptions,
  RetrieveArtifactsOptions,
  WalkProvenanceOptions,
} from '../butler.js'
import { DatasetRef } from '../datasets/dataset-ref.js'
import { type DatasetType, splitDatasetTypeName } from '../datasets/dataset-type.js'
import { type DatasetProvenance, flattenProvenance, type ProvenanceGraph } from '../datasets/provenance.js'
import type { StorageClassFactory } from '../datasets/storage-class.js'
import type { Datastore, DatastoreGetOptions, VerifyProblem } from '../datastore/datastore.js'
import { DataCoordinate, type DataId } from '../dimensions/data-coordinate.js'
import type { DataIdValue, DimensionRecord } from '../dimensions/dimension-record.js'
import type { DimensionUniverse } from '../dimensions/dimension-universe.js'
import {
  ConflictingDefinitionError,
  DatasetNotFoundError,
  DatasetTypeError,
  InputError,
  MissingCollectionError,
  OrphanedRecordError,
  UnknownComponentError,
} from '../errors.js'
import { UndoLog } from '../internal/undo-log.js'
import { Query } from '../query/builder.js'
import {
  type DataIdQueryOptions,
  type DatasetQueryOptions,
  type QueryDefaults,
  type QueryResults,
  queryDataIds,
  queryDatasets,
  queryDimensionRecords,
} from '../query/query.js'
import type {
  CollectionInfo,
  CollectionType,
  DatasetAssociation,
  DatasetAssociationQuery,
  InsertRecordsOptions,
  QueryCollectionsOptions,
  Registry,
} from '../registry/registry.js'
import type { Timespan } from '../time/timespan.js'
import { ingestZip, retrieveArtifacts, retrieveArtifactsZip } from './artifacts.js'
import { calibrationLookup } from './calibration-lookup.js'
import { editCollectionChain, removeCollections, unlinkFromParents } from './collection-edits.js'
import { ingest } from './ingest.js'
import { ObjectCache, type ObjectCacheOptions } from './object-cache.js'
import {
  checkPutProvenance,
  findDerived as findDerivedDatasets,
  getProvenance as getDatasetProvenance,
  walkProvenance as walkDatasetProvenance,
} from './provenance.js'
import { type TransferFromOptions, transferFrom } from './transfer.js'

/** Options of a `DirectButler`. */
export interface DirectButlerOptions {
  /** Default RUN for writes; registered on first use. */
  readonly run?: string | undefined
  /** Default collections searched by reads (default: `[run]` when a run is given). */
  readonly collections?: readonly string[] | undefined
  /** Default data ID values for governor dimensions (`{ instrument: 'HSC' }`). */
  readonly dataIdDefaults?: Readonly<Record<string, DataIdValue>> | undefined
  /** Limits of the in-process cache of read objects (see `ObjectCache`). */
  readonly objectCache?: ObjectCacheOptions | undefined
}

/** A dataset type resolved for a read: the parent type registered and the type to read as. */
interface ResolvedType {
  readonly parent: DatasetType
  readonly target: DatasetType
}

/**
 * Registry + datastore in one process. Every write is one registry transaction; files are put in
 * place before it commits and removed again if it fails, so a dataset is never half-visible.
 */
export class DirectButler implements Butler {
  readonly registry: Registry
  readonly datastore: Datastore
  readonly storageClasses: StorageClassFactory
  readonly run: string | undefined
  readonly collections: readonly string[]
  readonly dataIdDefaults: Readonly<Record<string, DataIdValue>>
  /** Objects read recently, shared between callers (see `ObjectCache` for the mutation rule). */
  readonly objectCache: ObjectCache
  private readonly undoScope = new AsyncLocalStorage<UndoLog>()
  private readonly knownRuns = new Set<string>()

  constructor(
    registry: Registry,
    datastore: Datastore,
    storageClasses: StorageClassFactory,
    options: DirectButlerOptions = {},
  ) {
    this.registry = registry
    this.datastore = datastore
    this.storageClasses = storageClasses
    this.run = options.run
    this.collections = options.collections ?? (options.run ? [options.run] : [])
    this.dataIdDefaults = options.dataIdDefaults ?? {}
    this.objectCache = new ObjectCache(options.objectCache)
  }

  get universe(): DimensionUniverse {
    return this.registry.universe
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const parent = this.undoScope.getStore()
    const undo = new UndoLog()
    try {
      const result = await this.undoScope.run(undo, () => this.registry.transaction(fn))
      if (parent) parent.adopt(undo)
      else undo.commit()
      return result
    } catch (error) {
      await undo.rollback()
      // Runs registered inside the failed transaction are gone again.
      this.knownRuns.clear()
      throw error
    }
  }

  /**
   * Runs `fn` in `transaction()` and hands it the undo log of that transaction, for operations kept
   * in their own modules (ingest, import, transfers) that write files.
   */
  writeTransaction<T>(fn: (undo: UndoLog) => Promise<T>): Promise<T> {
    return this.transaction(() => fn(this.undoScope.getStore()!))
  }

  async put(
    obj: unknown,
    datasetType: DatasetTypeArg | DatasetRef,
    dataId?: DataId,
    options: PutOptions = {},
  ): Promise<DatasetRef> {
    const provenance = checkPutProvenance(options.provenance)
    if (datasetType instanceof DatasetRef) {
      const ref = datasetType
      return this.transaction(async () => {
        await this.registry.importDatasets([ref])
        if (provenance) await this.registry.insertProvenance([{ datasetId: ref.id, provenance }])
        await this.datastore.put(obj, ref, this.undoScope.getStore()!, {
          provenance: flattenProvenance(ref, provenance),
        })
        return ref
      })
    }
    const typeName = typeof datasetType === 'string' ? datasetType : datasetType.name
    if (splitDatasetTypeName(typeName)[1] !== undefined) {
      return this.putComponent(obj, typeName, dataId, options)
    }
    const run = await this.ensureRun(options)
    const type = await this.resolveForWrite(datasetType)
    const expanded = await this.registry.expandDataId(dataId ?? {}, {
      dimensions: type.dimensions,
      defaults: this.dataIdDefaults,
    })
    return this.transaction(async () => {
      const [ref] = await this.registry.insertDatasets(type, run, [expanded], options.idGenerationMode)
      if (provenance) await this.registry.insertProvenance([{ datasetId: ref!.id, provenance }])
      await this.datastore.put(obj, ref!, this.undoScope.getStore()!, {
        provenance: flattenProvenance(ref!, provenance),
      })
      return ref!
    })
  }

  async putMany(items: readonly PutItem[], options: PutOptions = {}): Promise<DatasetRef[]> {
    if (items.length === 0) return []
    const provenances = items.map((item) => checkPutProvenance(item.provenance ?? options.provenance))
    const run = await this.ensureRun(options)
    // Group by dataset type so each type's data IDs are expanded and inserted in one batch.
    const groups = new Map<string, { type: DatasetType; indices: number[]; dataIds: DataCoordinate[] }>()
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!
      const name = typeof item.datasetType === 'string' ? item.datasetType : item.datasetType.name
      let group = groups.get(name)
      if (!group) {
        group = { type: await this.resolveForWrite(item.datasetType), indices: [], dataIds: [] }
        groups.set(name, group)
      }
      group.indices.push(i)
      group.dataIds.push(
        DataCoordinate.standardize(item.dataId, {
          dimensions: group.type.dimensions,
          defaults: this.dataIdDefaults,
        }),
      )
    }
    const expandedGroups = await Promise.all(
      [...groups.values()].map(async (g) => ({
        ...g,
        dataIds: await this.registry.expandDataIds(g.dataIds),
      })),
    )
    const refs: DatasetRef[] = new Array(items.length)
    return this.transaction(async () => {
      for (const g of expandedGroups) {
        const inserted = await this.registry.insertDatasets(g.type, run, g.dataIds, options.idGenerationMode)
        inserted.forEach((ref, k) => {
          refs[g.indices[k]!] = ref
        })
      }
      const recorded = refs.flatMap((ref, i) => {
        const provenance = provenances[i]
        return provenance ? [{ datasetId: ref.id, provenance }] : []
      })
      if (recorded.length > 0) await this.registry.insertProvenance(recorded)
      await this.datastore.putMany(
        refs.map((ref, i) => ({
          obj: items[i]!.obj,
          ref,
          provenance: flattenProvenance(ref, provenances[i]),
        })),
        this.undoScope.getStore()!,
      )
      return refs
    })
  }

  ingest(files: readonly IngestFile[], options: IngestFilesOptions = {}): Promise<DatasetRef[]> {
    return ingest(this, files, options)
  }

  /** Copies datasets from another repository with their UUIDs and artifacts (see `transferFrom`). */
  transferFrom(
    source: DirectButler,
    refs: readonly DatasetRef[],
    options: TransferFromOptions = {},
  ): Promise<DatasetRef[]> {
    return transferFrom(this, source, refs, options)
  }

  retrieveArtifacts(
    refs: readonly DatasetRef[],
    destination: string,
    options: RetrieveArtifactsOptions = {},
  ): Promise<string[]> {
    return retrieveArtifacts(this, refs, destination, options)
  }

  retrieveArtifactsZip(
    refs: readonly DatasetRef[],
    destination: string,
    options: { readonly overwrite?: boolean } = {},
  ): Promise<string> {
    return retrieveArtifactsZip(this, refs, destination, options)
  }

  ingestZip(zipPath: string, options: IngestZipOptions = {}): Promise<DatasetRef[]> {
    return ingestZip(this, zipPath, options)
  }

  async get(
    datasetType: DatasetTypeArg | DatasetRef,
    dataId?: DataId,
    options: GetOptions = {},
  ): Promise<unknown> {
    const ref = await this.resolveRef(datasetType, dataId, options.collections, options.timespan)
    return this.read(ref, options)
  }

  async getMany(items: readonly (GetItem | DatasetRef)[], options: GetOptions = {}): Promise<unknown[]> {
    const refs: DatasetRef[] = new Array(items.length)
    const groups = new Map<
      string,
      {
        resolved: ResolvedType
        indices: number[]
        dataIds: DataCoordinate[]
        timespans: (Timespan | undefined)[]
      }
    >()
    const collections = this.collectionsFor(options.collections)
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!
      if (item instanceof DatasetRef) {
        refs[i] = item
        continue
      }
      const name = typeof item.datasetType === 'string' ? item.datasetType : item.datasetType.name
      let group = groups.get(name)
      if (!group) {
        group = {
          resolved: await this.resolveForRead(item.datasetType),
          indices: [],
          dataIds: [],
          timespans: [],
        }
        groups.set(name, group)
      }
      group.indices.push(i)
      if (group.resolved.parent.isCalibration) {
        const lookup = await calibrationLookup(this.registry, this.dataIdDefaults, {
          parent: group.resolved.parent,
          dataId: item.dataId,
          collections,
          timespan: options.timespan,
        })
        group.dataIds.push(lookup.dataId)
        group.timespans.push(lookup.timespan)
        continue
      }
      group.dataIds.push(
        DataCoordinate.standardize(item.dataId, {
          dimensions: group.resolved.parent.dimensions,
          defaults: this.dataIdDefaults,
        }),
      )
    }
    for (const g of groups.values()) {
      const found = await this.registry.findDatasets(
        g.resolved.parent,
        g.dataIds,
        collections,
        g.timespans.some((t) => t !== undefined) ? { timespan: g.timespans } : {},
      )
      found.forEach((ref, k) => {
        if (!ref) throw notFound(g.resolved.parent.name, g.dataIds[k]!, collections, g.timespans[k])
        refs[g.indices[k]!] = ref.replace({ datasetType: g.resolved.target })
      })
    }
    return this.readMany(refs, options)
  }

  async getDeferred(
    datasetType: DatasetTypeArg | DatasetRef,
    dataId?: DataId,
    options: GetOptions = {},
  ): Promise<DeferredDatasetHandle> {
    const ref = await this.resolveRef(datasetType, dataId, options.collections, options.timespan)
    const storageClasses = this.storageClasses
    const read = (target: DatasetRef, o: GetOptions) => this.read(target, o)
    return {
      ref,
      dataId: ref.dataId,
      async get(readOpts = {}) {
        let target = ref
        if (readOpts.component) {
          if (ref.datasetType.component !== undefined) {
            throw new UnknownComponentError(
              `'${ref.datasetType.name}' is already a component; it has no component '${readOpts.component}'`,
            )
          }
          const sc = storageClasses.get(ref.datasetType.storageClassName)
          target = ref.makeComponentRef(readOpts.component, sc.componentClassName(readOpts.component))
        }
        const { parameters, storageClass, cache } = { ...options, ...readOpts }
        return read(target, {
          ...(options.verifyChecksum ? { verifyChecksum: true } : {}),
          ...(parameters ? { parameters } : {}),
          ...(storageClass ? { storageClass } : {}),
          ...(cache === undefined ? {} : { cache }),
        })
      },
    }
  }

  async findDataset(
    datasetType: DatasetTypeArg,
    dataId?: DataId,
    options: { readonly collections?: readonly string[]; readonly timespan?: Timespan } = {},
  ): Promise<DatasetRef | undefined> {
    const { parent, target } = await this.resolveForRead(datasetType)
    const collections = this.collectionsFor(options.collections)
    const lookup = await this.lookupFor(parent, dataId, collections, options.timespan)
    const ref = await this.registry.findDataset(
      parent,
      lookup.dataId,
      collections,
      lookup.timespan ? { timespan: lookup.timespan } : {},
    )
    return ref === undefined || target === parent ? ref : ref.replace({ datasetType: target })
  }

  async exists(
    datasetType: DatasetTypeArg | DatasetRef,
    dataId?: DataId,
    options: {
      readonly collections?: readonly string[]
      readonly fullCheck?: boolean
      readonly timespan?: Timespan
    } = {},
  ): Promise<DatasetExistence> {
    let ref: DatasetRef | undefined
    if (datasetType instanceof DatasetRef) {
      ref = (await this.registry.getDatasets([datasetType.id]))[0]
    } else {
      ref = await this.findDataset(datasetType, dataId, options)
    }
    if (!ref) return { recorded: false, datastore: false, artifact: undefined, exists: false }
    const known = await this.datastore.knows(ref)
    if (!options.fullCheck) return { recorded: true, datastore: known, artifact: undefined, exists: known }
    const artifact = known && (await this.datastore.exists(ref))
    return { recorded: true, datastore: known, artifact, exists: artifact }
  }

  async getURI(
    datasetType: DatasetTypeArg | DatasetRef,
    dataId?: DataId,
    options: {
      readonly collections?: readonly string[]
      readonly run?: string
      readonly predict?: boolean
    } = {},
  ): Promise<string> {
    if (options.predict && !(datasetType instanceof DatasetRef)) {
      const existing = await this.findDataset(datasetType, dataId, options)
      if (existing) return this.datastore.getURI(existing)
      const type = await this.resolveForWrite(datasetType)
      const expanded = await this.registry.expandDataId(dataId ?? {}, {
        dimensions: type.dimensions,
        defaults: this.dataIdDefaults,
      })
      const ref = new DatasetRef(type, expanded, this.runFor(options), '00000000-0000-0000-0000-000000000000')
      return this.datastore.getURI(ref, { predict: true })
    }
    const ref = await this.resolveRef(datasetType, dataId, options.collections)
    return this.datastore.getURI(ref, options.predict ? { predict: true } : {})
  }

  async registerDatasetType(datasetType: DatasetType): Promise<boolean> {
    if (datasetType.isComponent) {
      throw new DatasetTypeError(
        `Cannot register component dataset type '${datasetType.name}'; register '${datasetType.parentName}'`,
      )
    }
    this.storageClasses.get(datasetType.storageClassName)
    return this.registry.registerDatasetType(datasetType)
  }

  getDatasetType(name: string): Promise<DatasetType> {
    return this.resolveForRead(name).then((r) => r.target)
  }

  queryDatasetTypes(pattern?: string): Promise<DatasetType[]> {
    return this.registry.queryDatasetTypes(pattern)
  }

  queryDataIds(dimensions: readonly string[], options?: DataIdQueryOptions): QueryResults<DataCoordinate> {
    return queryDataIds(this.registry, this.queryDefaults, dimensions, options)
  }

  queryDatasets(datasetType: string, options?: DatasetQueryOptions): QueryResults<DatasetRef> {
    return queryDatasets(this.registry, this.queryDefaults, datasetType, options)
  }

  queryDimensionRecords(element: string, options?: DataIdQueryOptions): QueryResults<DimensionRecord> {
    return queryDimensionRecords(this.registry, this.queryDefaults, element, options)
  }

  /** A query built step by step (see `Query`). */
  query(): Query {
    return Query.create(this.registry, this.queryDefaults)
  }

  /**
   * Datasets of every dataset type (or those matching `datasetTypes` globs) in the collections, one
   * page per type and page; component types are left out.
   */
  async *queryAllDatasets(
    options: DatasetQueryOptions & { readonly datasetTypes?: string | readonly string[] } = {},
  ): AsyncIterable<DatasetRef[]> {
    const patterns = options.datasetTypes === undefined ? [undefined] : [options.datasetTypes].flat()
    const names = new Set<string>()
    for (const p of patterns) for (const t of await this.registry.queryDatasetTypes(p)) names.add(t.name)
    for (const name of [...names].sort()) {
      yield* this.queryDatasets(name, options).pages()
    }
  }

  private get queryDefaults(): QueryDefaults {
    return { collections: this.collections, dataId: this.dataIdDefaults }
  }

  registerRun(name: string, doc?: string): Promise<boolean> {
    return this.registry.registerRun(name, doc)
  }

  registerCollection(name: string, type: CollectionType, doc?: string): Promise<boolean> {
    return this.registry.registerCollection(name, type, doc)
  }

  queryCollections(
    pattern?: string | readonly string[],
    options?: QueryCollectionsOptions,
  ): Promise<CollectionInfo[]> {
    return this.registry.queryCollections(pattern, options)
  }

  removeCollections(
    names: readonly string[],
    options: { readonly removeFromParents?: boolean } = {},
  ): Promise<void> {
    return this.transaction(() => removeCollections(this.registry, names, options))
  }

  setCollectionDocumentation(name: string, doc: string): Promise<void> {
    return this.registry.setCollectionDocumentation(name, doc)
  }

  getCollectionChain(parent: string): Promise<string[]> {
    return this.registry.getCollectionChain(parent)
  }

  editCollectionChain(parent: string, edit: ChainEdit): Promise<string[]> {
    return this.transaction(() => editCollectionChain(this.registry, parent, edit))
  }

  associate(collection: string, refs: readonly DatasetRef[]): Promise<void> {
    return this.transaction(async () => {
      await this.registry.registerCollection(collection, 'TAGGED')
      await this.registry.associate(collection, refs)
    })
  }

  disassociate(collection: string, refs: readonly DatasetRef[]): Promise<void> {
    return this.registry.disassociate(collection, refs)
  }

  certify(collection: string, refs: readonly DatasetRef[], timespan: Timespan): Promise<void> {
    return this.transaction(async () => {
      await this.registry.registerCollection(collection, 'CALIBRATION')
      await this.registry.certify(collection, refs, timespan)
    })
  }

  async decertify(
    collection: string,
    datasetType: string,
    timespan: Timespan,
    options: { readonly dataIds?: readonly DataId[] } = {},
  ): Promise<void> {
    const type = await this.registry.getDatasetType(datasetType)
    const dataIds = options.dataIds?.map((d) =>
      DataCoordinate.standardize(d, { dimensions: type.dimensions, defaults: this.dataIdDefaults }),
    )
    await this.registry.decertify(collection, datasetType, timespan, dataIds ? { dataIds } : {})
  }

  queryDatasetAssociations(
    datasetType: string,
    options?: DatasetAssociationQuery,
  ): Promise<DatasetAssociation[]> {
    return this.registry.queryDatasetAssociations(datasetType, options)
  }

  async removeDatasetType(pattern: string | readonly string[]): Promise<string[]> {
    const removed = await this.registry.removeDatasetType(pattern)
    if (removed.length > 0) this.objectCache.clear()
    return removed
  }

  insertDimensionRecords(
    element: string,
    records: readonly (DimensionRecord | Readonly<Record<string, unknown>>)[],
    options?: InsertRecordsOptions,
  ): Promise<number> {
    return this.registry.insertDimensionRecords(element, records, options)
  }

  syncDimensionRecord(
    element: string,
    record: DimensionRecord | Readonly<Record<string, unknown>>,
    options?: { readonly update?: boolean },
  ): Promise<boolean | Record<string, unknown>> {
    return this.registry.syncDimensionRecord(element, record, options)
  }

  async expandDataId(
    dataId: DataId,
    options: { readonly datasetType?: DatasetTypeArg } = {},
  ): Promise<DataCoordinate> {
    const dimensions = options.datasetType
      ? (await this.resolveForRead(options.datasetType)).parent.dimensions
      : undefined
    return this.registry.expandDataId(dataId, {
      ...(dimensions ? { dimensions } : {}),
      defaults: this.dataIdDefaults,
    })
  }

  async removeRuns(
    names: readonly string[],
    options: { readonly unlinkFromChains?: boolean } = {},
  ): Promise<void> {
    for (const name of names) {
      const record = await this.registry.getCollection(name)
      if (record.type !== 'RUN')
        throw new InputError(`Collection '${name}' is a ${record.type} collection, not a RUN`)
      const parents = await this.registry.getCollectionParentChains(name)
      if (parents.length > 0 && !options.unlinkFromChains) {
        throw new OrphanedRecordError(
          `Run '${name}' is a child of chain(s) ${parents.map((p) => `'${p}'`).join(', ')}; ` +
            'remove it from them first, or unlink it from its chains while removing it',
        )
      }
    }
    await this.transaction(async () => {
      if (options.unlinkFromChains) for (const name of names) await unlinkFromParents(this.registry, name)
      for await (const page of this.registry.searchDatasets({ collections: names })) {
        await this.datastore.trash(page)
      }
      await this.registry.removeRuns(names)
    })
    this.objectCache.clear()
    for (const name of names) this.knownRuns.delete(name)
    await this.datastore.emptyTrash()
  }

  async pruneDatasets(refs: readonly DatasetRef[], options: PruneOptions = {}): Promise<void> {
    const purge = options.purge ?? false
    const unstore = purge || (options.unstore ?? true)
    if (!unstore) return
    await this.transaction(async () => {
      await this.datastore.trash(refs)
      if (purge) await this.registry.removeDatasets(refs)
    })
    this.objectCache.forget(refs.map((r) => r.id))
    await this.datastore.emptyTrash()
  }

  verify(options?: { readonly repair?: boolean; readonly checksums?: boolean }): Promise<VerifyProblem[]> {
    return this.datastore.verify(options)
  }

  async close(): Promise<void> {
    try {
      await this.datastore.close?.()
    } finally {
      await this.registry.close()
    }
  }

  private runFor(options: { readonly run?: string | undefined }): string {
    const run = options.run ?? this.run
    if (!run) throw new InputError('No RUN collection to write to: give a run to the butler or to this call')
    return run
  }

  /** The RUN a write goes to, registered on first use. */
  private async ensureRun(options: { readonly run?: string | undefined }): Promise<string> {
    const run = this.runFor(options)
    if (!this.knownRuns.has(run)) {
      await this.registry.registerRun(run)
      this.knownRuns.add(run)
    }
    return run
  }

  private collectionsFor(collections: readonly string[] | undefined): readonly string[] {
    const result = collections ?? this.collections
    if (result.length === 0) {
      throw new MissingCollectionError(
        'No collections to search: give collections to the butler or to this call',
      )
    }
    return result
  }

  /**
   * Stores one component of a composite (`calexp.wcs`): added to the dataset of that data ID in the
   * run when it exists (it must be stored one file per component and lack that component), else a new
   * dataset holding just this component. Returns the parent dataset's ref.
   */
  private async putComponent(
    obj: unknown,
    name: string,
    dataId: DataId | undefined,
    options: PutOptions,
  ): Promise<DatasetRef> {
    const [parentName, component] = splitDatasetTypeName(name) as [string, string]
    const parent = await this.registry.getDatasetType(parentName)
    const sc = this.storageClasses.get(parent.storageClassName)
    const componentClass = sc.componentClassName(component)
    if (!Object.hasOwn(sc.components, component)) {
      throw new DatasetTypeError(
        `'${name}' is a derived component (computed from the whole ${parentName}); it cannot be written`,
      )
    }
    const run = await this.ensureRun(options)
    const expanded = await this.registry.expandDataId(dataId ?? {}, {
      dimensions: parent.dimensions,
      defaults: this.dataIdDefaults,
    })
    return this.transaction(async () => {
      const ref =
        (await this.registry.findDataset(parent, expanded, [run])) ??
        (await this.registry.insertDatasets(parent, run, [expanded], options.idGenerationMode))[0]!
      // Provenance belongs to the dataset: recording the same again is a no-op, a different one a conflict.
      const provenance = options.provenance
      if (provenance) await this.registry.insertProvenance([{ datasetId: ref.id, provenance }])
      await this.datastore.putComponent(
        obj,
        ref.makeComponentRef(component, componentClass),
        this.undoScope.getStore()!,
        { provenance: flattenProvenance(ref, provenance) },
      )
      this.objectCache.forget([ref.id])
      return ref
    })
  }

  /** Reads one resolved ref through the object cache (unless `options.cache` is false). */
  private async read(ref: DatasetRef, options: GetOptions): Promise<unknown> {
    const useCache = options.cache !== false && this.objectCache.enabled && !options.verifyChecksum
    if (!useCache) return this.datastore.get(ref, readOptions(options))
    const storageClass = options.storageClass ?? ref.datasetType.storageClassName
    const key = ObjectCache.key(ref.id, ref.datasetType.component, storageClass, options.parameters)
    const hit = this.objectCache.get(key)
    if (hit !== undefined) return hit
    const value = await this.datastore.get(ref, readOptions(options))
    this.objectCache.set(key, ref.id, value, this.storageClasses.get(storageClass).sizeOf(value))
    return value
  }

  /** Reads many resolved refs: cache hits from memory, the rest in one batched datastore read. */
  private async readMany(refs: readonly DatasetRef[], options: GetOptions): Promise<unknown[]> {
    const useCache = options.cache !== false && this.objectCache.enabled && !options.verifyChecksum
    if (!useCache) return this.datastore.getMany(refs, readOptions(options))
    const out: unknown[] = new Array(refs.length)
    const keys = refs.map((ref) =>
      ObjectCache.key(
        ref.id,
        ref.datasetType.component,
        options.storageClass ?? ref.datasetType.storageClassName,
        options.parameters,
      ),
    )
    const missing: number[] = []
    keys.forEach((key, i) => {
      const hit = this.objectCache.get(key)
      if (hit === undefined) missing.push(i)
      else out[i] = hit
    })
    if (missing.length === 0) return out
    const values = await this.datastore.getMany(
      missing.map((i) => refs[i]!),
      readOptions(options),
    )
    missing.forEach((i, k) => {
      const ref = refs[i]!
      const sc = this.storageClasses.get(options.storageClass ?? ref.datasetType.storageClassName)
      out[i] = values[k]
      this.objectCache.set(keys[i]!, ref.id, values[k], sc.sizeOf(values[k]))
    })
    return out
  }

  /** The registered dataset type for a write; a given definition must match the registered one. */
  private async resolveForWrite(arg: DatasetTypeArg): Promise<DatasetType> {
    const name = typeof arg === 'string' ? arg : arg.name
    if (splitDatasetTypeName(name)[1] !== undefined) {
      throw new DatasetTypeError(`Cannot write component dataset type '${name}'; write the parent dataset`)
    }
    const registered = await this.registry.getDatasetType(name)
    if (typeof arg !== 'string' && !arg.equals(registered)) {
      throw new ConflictingDefinitionError(`Dataset type ${arg} differs from the registered ${registered}`)
    }
    return registered
  }

  /** The parent dataset type and, for a component name, the component's dataset type. */
  private async resolveForRead(arg: DatasetTypeArg): Promise<ResolvedType> {
    const name = typeof arg === 'string' ? arg : arg.name
    const [parentName, component] = splitDatasetTypeName(name)
    const parent = await this.registry.getDatasetType(parentName)
    if (!component) return { parent, target: parent }
    const sc = this.storageClasses.get(parent.storageClassName)
    const componentClass = sc.components[component] ?? sc.derivedComponents[component]
    if (!componentClass) {
      throw new UnknownComponentError(
        `Dataset type '${parentName}' (storage class ${sc.name}) has no component '${component}'`,
      )
    }
    return { parent, target: parent.makeComponentDatasetType(component, componentClass) }
  }

  private async resolveRef(
    datasetType: DatasetTypeArg | DatasetRef,
    dataId: DataId | undefined,
    collections: readonly string[] | undefined,
    timespan?: Timespan,
  ): Promise<DatasetRef> {
    if (datasetType instanceof DatasetRef) return datasetType
    const { parent, target } = await this.resolveForRead(datasetType)
    const searched = this.collectionsFor(collections)
    const lookup = await this.lookupFor(parent, dataId, searched, timespan)
    const ref = await this.registry.findDataset(
      parent,
      lookup.dataId,
      searched,
      lookup.timespan ? { timespan: lookup.timespan } : {},
    )
    if (!ref) throw notFound(parent.name, lookup.dataId, searched, lookup.timespan)
    return target === parent ? ref : ref.replace({ datasetType: target })
  }

  /** The data ID of a lookup, and for a calibration dataset type its timespan (see `calibrationLookup`). */
  private async lookupFor(
    parent: DatasetType,
    dataId: DataId | undefined,
    collections: readonly string[],
    timespan: Timespan | undefined,
  ): Promise<{ dataId: DataCoordinate; timespan?: Timespan | undefined }> {
    if (parent.isCalibration) {
      return calibrationLookup(this.registry, this.dataIdDefaults, { parent, dataId, collections, timespan })
    }
    return {
      dataId: DataCoordinate.standardize(dataId ?? {}, {
        dimensions: parent.dimensions,
        defaults: this.dataIdDefaults,
      }),
    }
  }

  /** The provenance recorded for a dataset (by ref or UUID), or undefined (see `Butler.getProvenance`). */
  getProvenance(ref: DatasetRef | string): Promise<DatasetProvenance | undefined> {
    return getDatasetProvenance(this.registry, ref)
  }

  /** The ancestors of a dataset (see `walkProvenance` in provenance.ts). */
  walkProvenance(ref: DatasetRef | string, options: WalkProvenanceOptions = {}): Promise<ProvenanceGraph> {
    return walkDatasetProvenance(this.registry, ref, options)
  }

  /** The datasets recorded as made from this one. */
  findDerived(ref: DatasetRef | string): Promise<DatasetRef[]> {
    return findDerivedDatasets(this.registry, ref)
  }
}

function notFound(
  name: string,
  dataId: DataCoordinate,
  collections: readonly string[],
  timespan?: Timespan,
): DatasetNotFoundError {
  return new DatasetNotFoundError(
    `No dataset '${name}' with data ID ${dataId}${timespan ? ` valid in ${timespan}` : ''} ` +
      `in collections [${collections.join(', ')}]`,
  )
}

function readOptions(options: GetOptions): DatastoreGetOptions {
  return {
    ...(options.parameters ? { parameters: options.parameters } : {}),
    ...(options.verifyChecksum ? { verifyChecksum: true } : {}),
    ...(options.storageClass ? { storageClass: options.storageClass } : {}),
  }
}
