/**
 * A datastore of files under one local root directory.
 */
import type { Dirent } from 'node:fs'
import { lstatSync } from 'node:fs'
import { readdir, rmdir, stat, unlink } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { DatasetRef } from '../../datasets/dataset-ref.js'
import type { StorageClassFactory } from '../../datasets/storage-class.js'
import type { DatastoreBridge, StoredFileInfo } from '../../datasets/stored-file-info.js'
import { ChecksumError, DatasetNotFoundError } from '../../errors.js'
import { MemoryByteSource } from '../../formatters/byte-source.js'
import type { FormatterFactory } from '../../formatters/formatter-factory.js'
import type { UndoLog } from '../../internal/undo-log.js'
import {
  ArtifactPlanner,
  checkDistinctPaths,
  checkPathsUnused,
  isAbsoluteUri,
  type PreparedArtifact,
  recordOf,
} from '../artifact-planner.js'
import { emptyTrashWith, type StoredItem, type VerifyHost, verifyWith } from '../artifact-upkeep.js'
import type { CompositesPolicy } from '../composites.js'
import { type DatasetReaderHost, type OpenedArtifact, readDataset } from '../dataset-reader.js'
import type {
  ArtifactInfo,
  Datastore,
  DatastoreGetOptions,
  DatastorePutItem,
  DatastorePutOptions,
  FetchMode,
  FileDataset,
  IngestOptions,
  LocalArtifact,
  TransferMode,
  VerifyProblem,
  ZipDataset,
} from '../datastore.js'
import { isTemporaryFileName, SMALL_FILE_BYTES, writeFilesAtomic } from './atomic-write.js'
import { FileByteSource } from './file-byte-source.js'
import type { FileTemplates } from './file-template.js'
import { ingestFiles, localPathOf } from './ingest.js'
import { openLocalArtifact, placeLocalArtifact } from './local-artifact.js'
import { joinInside, resolveInside } from './safe-path.js'
import { ingestZipFile } from './zip-ingest.js'
import {
  artifactSize,
  isZipMemberPath,
  readArtifactChecked,
  zipEntries,
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
  /** Which composites are written one file per component (default: none). */
  readonly composites?: CompositesPolicy
}

const CHECKSUM_ALGORITHM = 'blake2b'

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
  /** What the generic dataset reader needs: storage classes, formatters, and opening an artifact. */
  private readonly readerHost: DatasetReaderHost
  /** Templates, formatters and composites: where and how each artifact is written. */
  private readonly planner: ArtifactPlanner

  constructor(options: FileDatastoreOptions) {
    this.options = options
    this.root = options.root
    this.name = options.name ?? `FileDatastore@${options.root}`
    this.bridge = options.bridge
    this.planner = new ArtifactPlanner({
      storageClasses: options.storageClasses,
      formatters: options.formatters,
      templates: options.templates,
      composites: options.composites,
      checkPath: (path) => {
        this.writeTarget(path)
      },
    })
    this.readerHost = {
      name: this.name,
      storageClasses: options.storageClasses,
      formatters: options.formatters,
      open: (record, o) => this.openArtifact(record, o.verifyChecksum),
    }
  }

  async put(obj: unknown, ref: DatasetRef, undo: UndoLog, options: DatastorePutOptions = {}): Promise<void> {
    await this.putMany([{ ...options, obj, ref }], undo)
  }

  async putMany(items: readonly DatastorePutItem[], undo: UndoLog): Promise<void> {
    if (items.length === 0) return
    const prepared = (await Promise.all(items.map((item) => this.planner.prepare(item)))).flat()
    await this.writePrepared(prepared, undo)
  }

  /**
   * Stores one component of a dataset whose other components (if any) are stored one file each; a
   * dataset stored as one file cannot take a component, nor can a component be stored twice.
   */
  async putComponent(obj: unknown, ref: DatasetRef, undo: UndoLog, options: DatastorePutOptions = {}) {
    await this.writePrepared([await this.planner.prepareComponent(obj, ref, this.bridge, options)], undo)
  }

  private async writePrepared(prepared: readonly PreparedArtifact[], undo: UndoLog): Promise<void> {
    checkDistinctPaths(prepared)
    const absolute = prepared.map((p) => this.writeTarget(p.path))
    await this.checkTargets(prepared, absolute)
    const results = await writeFilesAtomic(
      prepared.map((p, i) => ({ path: absolute[i]!, chunks: p.chunks })),
      {
        fsync: this.options.fsync ?? true,
        checksum: this.options.checksum ? CHECKSUM_ALGORITHM : undefined,
        concurrency: this.options.concurrency ?? 16,
      },
    )
    undo.push(() => removeQuietly(absolute).then(() => undefined))
    await this.bridge.insertRecords(
      this.name,
      prepared.map((p, i) => recordOf(p, results[i]!.size, results[i]!.checksum)),
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
    const { path, formatter } = this.planner.locate(ref)
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
        locate: (ref) => this.planner.locate(ref),
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

  async fetchArtifact(
    artifact: ArtifactInfo,
    target: string,
    options: { readonly transfer?: FetchMode } = {},
  ): Promise<void> {
    await placeLocalArtifact(this.absolute(artifact.path), artifact.path, target, options.transfer ?? 'copy')
  }

  localArtifact(artifact: ArtifactInfo): Promise<LocalArtifact> {
    return openLocalArtifact(this.absolute(artifact.path), artifact.path)
  }

  emptyTrash(): Promise<number> {
    return emptyTrashWith(this.upkeepHost())
  }

  verify(
    options: { readonly repair?: boolean; readonly checksums?: boolean } = {},
  ): Promise<VerifyProblem[]> {
    return verifyWith(this.upkeepHost(), options)
  }

  /** The storage operations of deletion and checks: files under the root. */
  private upkeepHost(): VerifyHost {
    const ignore = new Set(this.options.ignore ?? [])
    const root = this.root
    return {
      name: this.name,
      bridge: this.bridge,
      zipMembers: async (zip) => [...(await zipEntries(this.absolute(zip))).keys()],
      remove: async (paths) => {
        const doomed = paths.map((p) => this.absolute(p))
        const removed = await removeQuietly(doomed)
        await removeEmptyParents(root, doomed)
        return removed
      },
      async *list(): AsyncGenerator<StoredItem> {
        for await (const file of walk(root)) {
          const rel = relative(root, file).split(sep).join('/')
          if (ignore.has(rel) || ignore.has(rel.split('/')[0]!)) continue
          const base = rel.slice(rel.lastIndexOf('/') + 1)
          yield { path: rel, key: file, temporary: isTemporaryFileName(base) }
        }
      },
      // Files ingested in place (`direct`) and zips are matched by absolute location.
      ownerKey: (r) => this.absolute(r.path),
      removeLeftovers: async (items) => {
        await removeQuietly(items.map((i) => i.key))
      },
      sizeOf: (r) => artifactSize(this.absolute(r.path), r.path),
      checksumMatches: (r) =>
        readArtifactChecked(this.absolute(r.path), r.path, {
          expectedChecksum: r.checksum!,
          algorithm: CHECKSUM_ALGORITHM,
        }).then(
          () => true,
          () => false,
        ),
    }
  }

  private read(
    ref: DatasetRef,
    records: StoredFileInfo[] | undefined,
    options: DatastoreGetOptions,
  ): Promise<unknown> {
    return readDataset(this.readerHost, ref, records, options)
  }

  /**
   * A random-access source over a recorded artifact. Small files, zip members and checksummed reads
   * are read whole (checked against the recorded size and checksum); large files are opened for
   * positioned reads, so a formatter fetches only the ranges it needs, after a size check.
   */
  private async openArtifact(record: StoredFileInfo, verifyChecksum: boolean): Promise<OpenedArtifact> {
    const absolute = this.absolute(record.path)
    const wantChecksum = verifyChecksum && record.checksum !== null
    const small = record.fileSize >= 0 && record.fileSize <= SMALL_FILE_BYTES
    if (wantChecksum || small || isZipMemberPath(record.path)) {
      const bytes = await readArtifactChecked(absolute, record.path, {
        displayName: record.path,
        ...(record.fileSize >= 0 ? { expectedSize: record.fileSize } : {}),
        ...(wantChecksum ? { expectedChecksum: record.checksum!, algorithm: CHECKSUM_ALGORITHM } : {}),
      })
      return { source: new MemoryByteSource(bytes, record.path), close: async () => {} }
    }
    const source = await FileByteSource.open(absolute, record.path)
    if (record.fileSize >= 0 && source.size !== record.fileSize) {
      await source.close()
      throw new ChecksumError(
        `File ${record.path} has ${source.size} bytes; ${record.fileSize} were recorded`,
      )
    }
    return { source, close: () => source.close() }
  }

  /** A file already at a target is a leftover of an interrupted write, unless a record uses it. */
  private async checkTargets(
    prepared: readonly PreparedArtifact[],
    absolute: readonly string[],
  ): Promise<void> {
    const existing: string[] = []
    prepared.forEach((p, i) => {
      if (lstatSync(absolute[i]!, { throwIfNoEntry: false })) existing.push(p.path)
    })
    if (existing.length > 0) await checkPathsUnused(this.bridge, prepared, existing)
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
