/**
 * A datastore of files under one local root directory.
 */
import type { Dirent } from 'node:fs'
import { lstatSync } from 'node:fs'
import { readdir, rmdir, stat, unlink } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { DatasetRef } from '../../datasets/dataset-ref.js'
import type { LookupSubject } from '../../datasets/lookup-keys.js'
import type { StorageClass, StorageClassFactory } from '../../datasets/storage-class.js'
import type { DatastoreBridge, StoredFileInfo } from '../../datasets/stored-file-info.js'
import { ConflictingDefinitionError, DatasetNotFoundError, UnknownComponentError } from '../../errors.js'
import type { Formatter } from '../../formatters/formatter.js'
import { readWithParameters } from '../../formatters/formatter.js'
import type { FormatterFactory } from '../../formatters/formatter-factory.js'
import type { UndoLog } from '../../internal/undo-log.js'
import type {
  ArtifactInfo,
  Datastore,
  DatastoreGetOptions,
  FileDataset,
  IngestOptions,
  TransferMode,
  VerifyProblem,
  ZipDataset,
} from '../datastore.js'
import { isTemporaryFileName, writeFileAtomic, writeFilesAtomic } from './atomic-write.js'
import type { FileTemplates, TemplateContext } from './file-template.js'
import { ingestFiles, localPathOf } from './ingest.js'
import { joinInside, resolveInside } from './safe-path.js'
import { ingestZipFile } from './zip-ingest.js'
import {
  artifactSize,
  dropZipsInUse,
  isZipMemberPath,
  readArtifactChecked,
  zipFileOf,
  zipFragmentOf,
} from './zip-member.js'

/** Options of a `FileDatastore`. */
export interface FileDatastoreOptions {
  /** Absolute path of the root directory. */
  readonly root: string
  /** Name recorded with every artifact; default `FileDatastore@<root>`. */
  readonly name?: string
  readonly bridge: DatastoreBridge
  readonly storageClasses: StorageClassFactory
  readonly formatters: FormatterFactory
  readonly templates: FileTemplates
  /** Record a checksum for every file (default false, as in the reference). */
  readonly checksum?: boolean
  /** fsync files and directories before renaming them into place (default true). */
  readonly fsync?: boolean
  /** Files and folders under the root that are not artifacts (registry database, config). */
  readonly ignore?: readonly string[]
  /** How many files are written or read at once in batch operations. */
  readonly concurrency?: number
}

const CHECKSUM_ALGORITHM = 'blake2b'

interface PreparedWrite {
  readonly ref: DatasetRef
  readonly path: string
  readonly absolute: string
  readonly formatter: Formatter
  readonly storageClass: StorageClass
  readonly chunks: Uint8Array[]
}

/**
 * Stores each dataset as one file whose path comes from a file template and whose format comes from
 * the formatter chosen for its dataset type. Writes are atomic (temporary file, fsync, rename); the
 * file is in place before the registry transaction that records it commits, so the registry never
 * lists a dataset without its file.
 */
export class FileDatastore implements Datastore {
  readonly name: string
  readonly root: string
  private readonly options: FileDatastoreOptions
  private readonly bridge: DatastoreBridge
  /** Directories already checked to be inside the real root (symlinks included). */
  private readonly checkedDirs = new Set<string>()

  constructor(options: FileDatastoreOptions) {
    this.options = options
    this.root = options.root
    this.name = options.name ?? `FileDatastore@${options.root}`
    this.bridge = options.bridge
  }

  async put(obj: unknown, ref: DatasetRef, undo: UndoLog): Promise<void> {
    const prepared = await this.prepare(obj, ref)
    await this.checkTargets([prepared])
    const result = await writeFileAtomic(prepared.absolute, prepared.chunks, {
      fsync: this.options.fsync ?? true,
      checksum: this.options.checksum ? CHECKSUM_ALGORITHM : undefined,
    })
    undo.push(() => unlink(prepared.absolute))
    await this.bridge.insertRecords(this.name, [this.recordOf(prepared, result.size, result.checksum)])
  }

  async putMany(
    items: readonly { readonly obj: unknown; readonly ref: DatasetRef }[],
    undo: UndoLog,
  ): Promise<void> {
    if (items.length === 0) return
    const prepared = await Promise.all(items.map(({ obj, ref }) => this.prepare(obj, ref)))
    const seen = new Set<string>()
    for (const p of prepared) {
      if (seen.has(p.path)) {
        throw new ConflictingDefinitionError(
          `Two datasets of this batch would be written to the same file '${p.path}'`,
        )
      }
      seen.add(p.path)
    }
    await this.checkTargets(prepared)
    const results = await writeFilesAtomic(
      prepared.map((p) => ({ path: p.absolute, chunks: p.chunks })),
      {
        fsync: this.options.fsync ?? true,
        checksum: this.options.checksum ? CHECKSUM_ALGORITHM : undefined,
        concurrency: this.options.concurrency ?? 16,
      },
    )
    undo.push(() => removeQuietly(prepared.map((p) => p.absolute)).then(() => undefined))
    await this.bridge.insertRecords(
      this.name,
      prepared.map((p, i) => this.recordOf(p, results[i]!.size, results[i]!.checksum)),
    )
  }

  async get(ref: DatasetRef, options: DatastoreGetOptions = {}): Promise<unknown> {
    const records = await this.bridge.fetchRecords([ref.id])
    return this.read(ref, records.get(ref.id), options)
  }

  async getMany(refs: readonly DatasetRef[], options: DatastoreGetOptions = {}): Promise<unknown[]> {
    const records = await this.bridge.fetchRecords(refs.map((r) => r.id))
    const out: unknown[] = new Array(refs.length)
    let next = 0
    const worker = async () => {
      while (next < refs.length) {
        const i = next++
        const ref = refs[i]!
        out[i] = await this.read(ref, records.get(ref.id), options)
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 16, refs.length) }, worker))
    return out
  }

  async knows(ref: DatasetRef): Promise<boolean> {
    return (await this.bridge.knownIds(this.name, [ref.id])).has(ref.id)
  }

  async exists(ref: DatasetRef): Promise<boolean> {
    if (!(await this.knows(ref))) return false
    const records = (await this.bridge.fetchRecords([ref.id])).get(ref.id) ?? []
    for (const r of records) {
      try {
        await stat(this.absolute(r.path))
      } catch {
        return false
      }
    }
    return records.length > 0
  }

  async getURI(ref: DatasetRef, options: { readonly predict?: boolean } = {}): Promise<string> {
    const records = (await this.bridge.fetchRecords([ref.id])).get(ref.id)
    const record = records?.find((r) => r.component === '')
    if (record) return pathToFileURL(this.absolute(record.path)).href + zipFragmentOf(record.path)
    if (!options.predict) throw new DatasetNotFoundError(`Dataset ${ref} has no artifact in ${this.name}`)
    const { path, formatter } = this.locate(ref)
    return `${pathToFileURL(joinInside(this.root, path + formatter.extension)).href}#predicted`
  }

  async ingest(files: readonly FileDataset[], options: IngestOptions, undo: UndoLog): Promise<void> {
    await ingestFiles(
      {
        root: this.root,
        name: this.name,
        bridge: this.bridge,
        formatters: this.options.formatters,
        storageClasses: this.options.storageClasses,
        checksum: this.options.checksum ? CHECKSUM_ALGORITHM : undefined,
        fsync: this.options.fsync ?? true,
        concurrency: this.options.concurrency ?? 16,
        locate: (ref) => this.locate(ref),
      },
      files,
      options,
      undo,
    )
  }

  ingestZip(zip: ZipDataset, options: { readonly transfer?: TransferMode }, undo: UndoLog): Promise<void> {
    const host = {
      root: this.root,
      name: this.name,
      bridge: this.bridge,
      writeTarget: (p: string) => this.writeTarget(p),
    }
    return ingestZipFile(host, zip, options.transfer ?? 'auto', undo)
  }

  async artifacts(refs: readonly DatasetRef[]): Promise<ArtifactInfo[]> {
    const records = await this.bridge.fetchRecords(refs.map((r) => r.id))
    const known = await this.bridge.knownIds(
      this.name,
      refs.map((r) => r.id),
    )
    const out: ArtifactInfo[] = []
    for (const ref of refs) {
      if (!known.has(ref.id)) continue
      for (const r of records.get(ref.id) ?? []) {
        out.push({
          datasetId: r.datasetId,
          component: r.component,
          path: r.path,
          absolutePath: this.absolute(r.path),
          formatter: r.formatter,
          storageClass: r.storageClass,
          checksum: r.checksum,
          fileSize: r.fileSize,
        })
      }
    }
    return out
  }

  async trash(refs: readonly DatasetRef[]): Promise<void> {
    await this.bridge.trash(
      this.name,
      refs.map((r) => r.id),
    )
  }

  async emptyTrash(): Promise<number> {
    let removed = 0
    for (;;) {
      const trashed = await this.bridge.fetchTrashed(this.name, 10_000)
      if (trashed.length === 0) return removed
      const paths = [...new Set(trashed.map((r) => r.path))]
      const inUse = await this.bridge.pathsInUse(paths)
      const unused = paths.filter((p) => !inUse.has(p) && !isAbsoluteUri(p))
      // A zip member's zip goes only with the zip's last dataset.
      const files = await dropZipsInUse(
        unused,
        (ps) => this.bridge.pathsInUse(ps),
        (p) => this.absolute(p),
      )
      const doomed = files.map((p) => this.absolute(p))
      removed += await removeQuietly(doomed)
      await removeEmptyParents(this.root, doomed)
      await this.bridge.forget(this.name, [...new Set(trashed.map((r) => r.datasetId))])
    }
  }

  async verify(
    options: { readonly repair?: boolean; readonly checksums?: boolean } = {},
  ): Promise<VerifyProblem[]> {
    const problems: VerifyProblem[] = []
    const repair = options.repair ?? false
    // Pending deletes first, so their files do not show up as orphans.
    const pending = await this.bridge.fetchTrashed(this.name, Number.MAX_SAFE_INTEGER)
    for (const r of pending) {
      problems.push({
        kind: 'pending-trash',
        path: r.path,
        datasetId: r.datasetId,
        repairable: true,
        repaired: repair,
      })
    }
    if (repair && pending.length > 0) await this.emptyTrash()
    const recorded = new Map<string, StoredFileInfo>()
    // Files ingested in place (`direct`) are recorded by absolute location; one may lie under the root.
    const inPlace = new Set<string>()
    for await (const page of this.bridge.iterateRecords(this.name)) {
      for (const r of page) {
        recorded.set(r.path, r)
        // A zip ingested whole is recorded once per member.
        if (isAbsoluteUri(r.path) || isZipMemberPath(r.path)) inPlace.add(this.absolute(r.path))
      }
    }
    const ignore = new Set(this.options.ignore ?? [])
    for await (const file of walk(this.root)) {
      const rel = relative(this.root, file).split(sep).join('/')
      if (ignore.has(rel) || ignore.has(rel.split('/')[0]!)) continue
      const base = rel.slice(rel.lastIndexOf('/') + 1)
      if (isTemporaryFileName(base)) {
        if (repair) await removeQuietly([file])
        problems.push({ kind: 'temporary-file', path: rel, repairable: true, repaired: repair })
      } else if (!recorded.has(rel) && !inPlace.has(file)) {
        if (repair) await removeQuietly([file])
        problems.push({ kind: 'orphan-file', path: rel, repairable: true, repaired: repair })
      }
    }
    for (const r of recorded.values()) {
      let size: number
      try {
        size = await artifactSize(this.absolute(r.path), r.path)
      } catch {
        problems.push({
          kind: 'missing-file',
          path: r.path,
          datasetId: r.datasetId,
          repairable: false,
          repaired: false,
        })
        continue
      }
      if (r.fileSize >= 0 && size !== r.fileSize) {
        problems.push({
          kind: 'size-mismatch',
          path: r.path,
          datasetId: r.datasetId,
          repairable: false,
          repaired: false,
        })
      } else if (options.checksums && r.checksum) {
        try {
          await readArtifactChecked(this.absolute(r.path), r.path, {
            expectedChecksum: r.checksum,
            algorithm: CHECKSUM_ALGORITHM,
          })
        } catch {
          problems.push({
            kind: 'checksum-mismatch',
            path: r.path,
            datasetId: r.datasetId,
            repairable: false,
            repaired: false,
          })
        }
      }
    }
    return problems
  }

  private async read(
    ref: DatasetRef,
    records: StoredFileInfo[] | undefined,
    options: DatastoreGetOptions,
  ): Promise<unknown> {
    const component = ref.datasetType.component
    const record =
      records?.find((r) => r.component === (component ?? '')) ?? records?.find((r) => r.component === '')
    if (!record) throw new DatasetNotFoundError(`Dataset ${ref} has no artifact in ${this.name}`)
    const formatter = this.options.formatters.getByName(record.formatter)
    const storedClass = this.options.storageClasses.get(record.storageClass)
    const bytes = await readArtifactChecked(this.absolute(record.path), record.path, {
      displayName: record.path,
      ...(record.fileSize >= 0 ? { expectedSize: record.fileSize } : {}),
      ...(options.verifyChecksum && record.checksum
        ? { expectedChecksum: record.checksum, algorithm: CHECKSUM_ALGORITHM }
        : {}),
    })
    const parameters = options.parameters ?? {}
    if (component && record.component === '') {
      // A component of a dataset stored whole: read the whole, then extract.
      if (!(component in storedClass.derivedComponents) && !(component in storedClass.components)) {
        throw new UnknownComponentError(`Storage class '${storedClass.name}' has no component '${component}'`)
      }
      const whole = await readWithParameters(formatter, bytes, {
        storageClass: storedClass,
        readParameters: {},
        location: record.path,
      })
      const value = storedClass.getComponent(whole, component)
      const componentClass = this.options.storageClasses.get(ref.datasetType.storageClassName)
      return Object.keys(parameters).length > 0 ? componentClass.handleParameters(value, parameters) : value
    }
    return readWithParameters(formatter, bytes, {
      storageClass: storedClass,
      readParameters: parameters,
      location: record.path,
    })
  }

  private subject(ref: DatasetRef): LookupSubject {
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

  private locate(ref: DatasetRef): {
    path: string
    formatter: Formatter
    writeParameters: Readonly<Record<string, unknown>>
  } {
    const subject = this.subject(ref)
    const { formatter, writeParameters } = this.options.formatters.getFormatter(subject)
    const template = this.options.templates.select(subject)
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

  private async prepare(obj: unknown, ref: DatasetRef): Promise<PreparedWrite> {
    const storageClass = this.options.storageClasses.get(ref.datasetType.storageClassName)
    storageClass.assertInstance(obj, `Object put as '${ref.datasetType.name}'`)
    const { path: stem, formatter, writeParameters } = this.locate(ref)
    const path = stem + formatter.extension
    const absolute = this.writeTarget(path)
    const chunks = await formatter.toBytes(obj, { storageClass, writeParameters })
    return { ref, path, absolute, formatter, storageClass, chunks }
  }

  /** A file already at a target is a leftover of an interrupted write, unless a record uses it. */
  private async checkTargets(prepared: readonly PreparedWrite[]): Promise<void> {
    const existing: string[] = []
    for (const p of prepared) {
      if (lstatSync(p.absolute, { throwIfNoEntry: false })) existing.push(p.path)
    }
    if (existing.length === 0) return
    const inUse = await this.bridge.pathsInUse(existing)
    const clash = prepared.find((p) => inUse.has(p.path))
    if (clash) {
      throw new ConflictingDefinitionError(
        `File '${clash.path}' for ${clash.ref} is already used by another dataset; the file template does not give unique paths`,
      )
    }
  }

  private recordOf(p: PreparedWrite, size: number, checksum: string | undefined): StoredFileInfo {
    return {
      datasetId: p.ref.id,
      component: '',
      path: p.path,
      formatter: p.formatter.name,
      storageClass: p.storageClass.name,
      checksum: checksum ?? null,
      fileSize: size,
    }
  }

  /**
   * Absolute path of a recorded artifact: confined to the root lexically, except for files ingested
   * in place (`direct`), whose records hold an absolute `file://` URI or path.
   */
  private absolute(path: string): string {
    const file = zipFileOf(path) // a zip member is read from its zip
    if (isAbsoluteUri(file)) return localPathOf(file)
    return joinInside(this.root, file)
  }

  /** Absolute path of a new artifact: confined to the root, symlinked parents included. */
  private writeTarget(path: string): string {
    const joined = joinInside(this.root, path)
    const dir = dirname(joined)
    if (!this.checkedDirs.has(dir)) {
      resolveInside(this.root, path)
      if (this.checkedDirs.size > 100_000) this.checkedDirs.clear()
      this.checkedDirs.add(dir)
    }
    return joined
  }
}

function isAbsoluteUri(path: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(path) || path.startsWith('/')
}

async function removeQuietly(paths: readonly string[]): Promise<number> {
  let n = 0
  await Promise.all(
    paths.map(async (p) => {
      try {
        await unlink(p)
        n++
      } catch {
        // Already gone.
      }
    }),
  )
  return n
}

/** Removes folders left empty by deletions, up to (not including) the root. */
async function removeEmptyParents(root: string, files: readonly string[]): Promise<void> {
  const dirs = new Set(files.map((f) => dirname(f)))
  const sorted = [...dirs].sort((a, b) => b.length - a.length)
  for (let dir of sorted) {
    while (dir.length > root.length && dir.startsWith(root + sep)) {
      try {
        await rmdir(dir)
      } catch {
        break // not empty (or already gone): stop climbing
      }
      dir = dirname(dir)
    }
  }
}

async function* walk(dir: string): AsyncGenerator<string> {
  let entries: Dirent[]
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return
  }
  for (const e of entries) {
    const full = join(dir, e.name)
    if (e.isDirectory()) yield* walk(full)
    else yield full
  }
}
