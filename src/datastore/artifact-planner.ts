/**
 * What every datastore that stores one artifact per file (or object) decides the same way: the lookup
 * subject of a dataset, where its artifact goes (file template) and in which format (formatter),
 * serialising it (storage-class conversion, disassembly of composites, provenance), and the record
 * that says where it went. The file and object-store datastores differ only in how bytes are stored.
 */
import type { DatasetRef } from '../datasets/dataset-ref.js'
import type { LookupSubject } from '../datasets/lookup-keys.js'
import type { StorageClass, StorageClassFactory } from '../datasets/storage-class.js'
import type { DatastoreBridge, StoredFileInfo } from '../datasets/stored-file-info.js'
import { ConflictingDefinitionError } from '../errors.js'
import type { Formatter } from '../formatters/formatter.js'
import type { FormatterFactory } from '../formatters/formatter-factory.js'
import type { CompositesPolicy } from './composites.js'
import type { DatastorePutItem, DatastorePutOptions } from './datastore.js'
import type { FileTemplates, TemplateContext } from './file/file-template.js'

/** The configuration an `ArtifactPlanner` works from. */
export interface ArtifactPlannerOptions {
  readonly storageClasses: StorageClassFactory
  readonly formatters: FormatterFactory
  readonly templates: FileTemplates
  /** Which composites are written one artifact per component (default: none). */
  readonly composites?: CompositesPolicy | undefined
  /**
   * Checks a new artifact's datastore-relative path before anything is serialised (throws, e.g.
   * `PathEscapeError`, when the path is not acceptable to the store).
   */
  readonly checkPath?: (path: string) => void
}

/** Template path (without extension), formatter and write parameters of a dataset. */
export interface LocatedArtifact {
  readonly path: string
  readonly formatter: Formatter
  readonly writeParameters: Readonly<Record<string, unknown>>
}

/** One serialised artifact about to be stored: a whole dataset, or one component of a composite. */
export interface PreparedArtifact {
  readonly ref: DatasetRef
  /** '' for the whole dataset, else the component this artifact holds. */
  readonly component: string
  /** Datastore-relative path, extension included. */
  readonly path: string
  readonly formatter: Formatter
  /** Storage class of what the artifact holds (recorded with it). */
  readonly storageClass: StorageClass
  readonly chunks: Uint8Array[]
}

/** The lookup subject of a dataset (or component): what templates, formatters and caches match on. */
export function lookupSubject(ref: DatasetRef): LookupSubject {
  const dt = ref.datasetType
  const instrument = ref.dataId.get('instrument')
  const universe = dt.dimensions.universe
  return {
    datasetTypeName: dt.name,
    storageClassName: dt.storageClassName,
    parentStorageClassName: dt.parentStorageClassName,
    instrument: typeof instrument === 'string' ? instrument : undefined,
    matchesDimensionsKey: (key) => {
      try {
        return universe.group(key.split('+')) === dt.dimensions
      } catch {
        return false
      }
    },
  }
}

/** Plans and serialises artifacts from the templates, formatters and composites configuration. */
export class ArtifactPlanner {
  readonly #options: ArtifactPlannerOptions

  constructor(options: ArtifactPlannerOptions) {
    this.#options = options
  }

  /** Template path (no extension), formatter and write parameters of a dataset. */
  locate(ref: DatasetRef): LocatedArtifact {
    const subject = lookupSubject(ref)
    const { formatter, writeParameters } = this.#options.formatters.getFormatter(subject)
    const template = this.#options.templates.select(subject)
    const records: Record<string, Readonly<Record<string, unknown>> | null> = {}
    if (ref.dataId.records) {
      for (const [name, r] of ref.dataId.records) records[name] = r ? r.values : null
    }
    const ctx: TemplateContext = {
      run: ref.run,
      datasetType: ref.datasetType.parentName,
      component: ref.datasetType.component,
      id: ref.id,
      dataId: ref.dataId.mapping,
      records,
      skypix: ref.dataId.dimensions.skypix[0],
    }
    return { path: template.format(ctx), formatter, writeParameters }
  }

  /**
   * Serialises one dataset: converted to its dataset type's storage class if it is of a convertible
   * one, then written whole or, for composites configured so, one artifact per component.
   */
  async prepare(item: DatastorePutItem): Promise<PreparedArtifact[]> {
    const { ref } = item
    const factory = this.#options.storageClasses
    const storageClass = factory.get(ref.datasetType.storageClassName)
    const obj = await factory.coerceForWrite(
      item.obj,
      storageClass,
      `Object put as '${ref.datasetType.name}'`,
    )
    if (this.#options.composites?.shouldDisassemble(lookupSubject(ref), storageClass)) {
      const parts = storageClass.disassemble(obj)
      return Promise.all(
        Object.entries(parts).map(([name, part]) =>
          this.prepareFile(
            part,
            ref.makeComponentRef(name, storageClass.components[name]!),
            factory.get(storageClass.components[name]!),
            name,
            item,
          ),
        ),
      )
    }
    return [await this.prepareFile(obj, ref, storageClass, '', item)]
  }

  /**
   * Serialises one component (`ref` is a component ref) of a dataset stored one artifact per
   * component, after checking with the records that the dataset is stored so and lacks that component.
   */
  async prepareComponent(
    obj: unknown,
    ref: DatasetRef,
    bridge: DatastoreBridge,
    options: DatastorePutOptions,
  ): Promise<PreparedArtifact> {
    const component = ref.datasetType.component
    if (component === undefined) throw new Error('putComponent needs a component ref')
    const records = (await bridge.fetchRecords([ref.id])).get(ref.id) ?? []
    if (records.some((r) => r.component === '')) {
      throw new ConflictingDefinitionError(
        `Dataset ${ref.id} is stored as one file; its component '${component}' cannot be written separately`,
      )
    }
    if (records.some((r) => r.component === component)) {
      throw new ConflictingDefinitionError(
        `Dataset ${ref.id} already has its component '${component}' stored`,
      )
    }
    const storageClass = this.#options.storageClasses.get(ref.datasetType.storageClassName)
    const value = await this.#options.storageClasses.coerceForWrite(
      obj,
      storageClass,
      `Object put as '${ref.datasetType.name}'`,
    )
    return this.prepareFile(value, ref, storageClass, component, options)
  }

  /** Serialises one artifact: the whole dataset (`component` '') or one component (`ref` is its ref). */
  async prepareFile(
    obj: unknown,
    ref: DatasetRef,
    storageClass: StorageClass,
    component: string,
    options: DatastorePutOptions,
  ): Promise<PreparedArtifact> {
    const { path: stem, formatter, writeParameters } = this.locate(ref)
    let value = obj
    let written = storageClass
    // A formatter that writes another storage class natively gets the object converted to it.
    if (formatter.storageClassTypes && !formatter.storageClassTypes.includes(storageClass.type)) {
      if (formatter.defaultStorageClass) {
        written = this.#options.storageClasses.get(formatter.defaultStorageClass)
        value = await this.#options.storageClasses.convert(value, storageClass, written)
      }
    }
    const path = stem + formatter.extension
    this.#options.checkPath?.(path)
    const chunks = await formatter.toBytes(value, {
      storageClass: written,
      writeParameters,
      ...(options.provenance ? { provenance: options.provenance } : {}),
    })
    return { ref, component, path, formatter, storageClass: written, chunks }
  }
}

/** Throws `ConflictingDefinitionError` when two artifacts of one batch would go to the same path. */
export function checkDistinctPaths(prepared: readonly PreparedArtifact[]): void {
  const seen = new Set<string>()
  for (const p of prepared) {
    if (seen.has(p.path)) {
      throw new ConflictingDefinitionError(
        `Two datasets of this batch would be written to the same file '${p.path}'`,
      )
    }
    seen.add(p.path)
  }
}

/**
 * Throws `ConflictingDefinitionError` when one of `paths` (artifacts about to be written over whatever
 * is there) is used by a record: the file template then does not give unique paths. Anything else at
 * those paths is a leftover of an interrupted write and may be replaced.
 */
export async function checkPathsUnused(
  bridge: DatastoreBridge,
  prepared: readonly PreparedArtifact[],
  paths: readonly string[] = prepared.map((p) => p.path),
): Promise<void> {
  if (paths.length === 0) return
  const inUse = await bridge.pathsInUse(paths)
  const clash = prepared.find((p) => inUse.has(p.path))
  if (clash) {
    throw new ConflictingDefinitionError(
      `File '${clash.path}' for ${clash.ref} is already used by another dataset; the file template does not give unique paths`,
    )
  }
}

/** The record of a stored artifact. */
export function recordOf(p: PreparedArtifact, size: number, checksum: string | undefined): StoredFileInfo {
  return {
    datasetId: p.ref.id,
    component: p.component,
    path: p.path,
    formatter: p.formatter.name,
    storageClass: p.storageClass.name,
    checksum: checksum ?? null,
    fileSize: size,
  }
}

/** Whether a recorded path is an absolute URI or absolute path (an artifact the butler does not own). */
export function isAbsoluteUri(path: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(path) || path.startsWith('/')
}
