/**
 * A datastore of files under one local root directory.
 */
import type { Dirent } from 'node:fs'
import { lstatSync } from 'node:fs'
import { readdir, rmdir, stat, unlink } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { StoredFileInfo } from '../../datasets/stored-file-info.js'
import { ChecksumError } from '../../errors.js'
import { MemoryByteSource } from '../../formatters/byte-source.js'
import type { UndoLog } from '../../internal/undo-log.js'
import {
  ArtifactDatastore,
  type ArtifactDatastoreOptions,
  CHECKSUM_ALGORITHM,
} from '../artifact-datastore.js'
import {
  checkDistinctPaths,
  checkPathsUnused,
  isAbsoluteUri,
  type PreparedArtifact,
  recordOf,
} from '../artifact-planner.js'
import type { StoredItem, VerifyHost } from '../artifact-upkeep.js'
import type { DatasetReaderHost, OpenedArtifact } from '../dataset-reader.js'
import type {
  ArtifactInfo,
  Datastore,
  FetchMode,
  FileDataset,
  IngestOptions,
  LocalArtifact,
  TransferMode,
  ZipDataset,
} from '../datastore.js'
import { isTemporaryFileName, SMALL_FILE_BYTES, writeFilesAtomic } from './atomic-write.js'
import { FileByteSource } from './file-byte-source.js'
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
export interface FileDatastoreOptions extends ArtifactDatastoreOptions {
  /** Absolute path of the root directory (the name defaults to `FileDatastore@<root>`). */
  readonly root: string
  /** fsync files and directories before renaming them into place (default true). */
  readonly fsync?: boolean
  /** Files and folders under the root that are not artifacts (registry database, config). */
  readonly ignore?: readonly string[]
}

/**
 * Stores each dataset as one file whose path comes from a file template and whose format comes from
 * the formatter chosen for its dataset type. Writes are atomic (temporary file, fsync, rename); the
 * file is in place before the registry transaction that records it commits, so the registry never
 * lists a dataset without its file.
 */
export class FileDatastore extends ArtifactDatastore<FileDatastoreOptions> implements Datastore {
  readonly name: string
  readonly root: string
  /** Directories already checked to be inside the real root (symlinks included). */
  private readonly checkedDirs = new Set<string>()
  /** What the generic dataset reader needs: storage classes, formatters, and opening an artifact. */
  private readonly reader: DatasetReaderHost

  constructor(options: FileDatastoreOptions) {
    super(options)
    this.root = options.root
    this.name = options.name ?? `FileDatastore@${options.root}`
    this.reader = {
      name: this.name,
      storageClasses: options.storageClasses,
      formatters: options.formatters,
      open: (record, o) => this.openArtifact(record, o.verifyChecksum),
    }
  }

  protected async writePrepared(prepared: readonly PreparedArtifact[], undo: UndoLog): Promise<void> {
    checkDistinctPaths(prepared)
    const absolute = prepared.map((p) => this.writeTarget(p.path))
    await this.checkTargets(prepared, absolute)
    const results = await writeFilesAtomic(
      prepared.map((p, i) => ({ path: absolute[i]!, chunks: p.chunks })),
      {
        fsync: this.options.fsync ?? true,
        checksum: this.checksum,
        concurrency: this.concurrency,
      },
    )
    undo.push(() => removeQuietly(absolute).then(() => undefined))
    await this.bridge.insertRecords(
      this.name,
      prepared.map((p, i) => recordOf(p, results[i]!.size, results[i]!.checksum)),
    )
  }

  async ingest(files: readonly FileDataset[], options: IngestOptions, undo: UndoLog): Promise<void> {
    await ingestFiles(
      { ...this.ingestPlanHost(), root: this.root, fsync: this.options.fsync ?? true },
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

  /** The storage operations of deletion and checks: files under the root. */
  protected upkeepHost(): VerifyHost {
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

  /** The one reader host of every read: opening a file does not depend on the dataset. */
  protected readerHost(): DatasetReaderHost {
    return this.reader
  }

  protected async hasArtifact(recordPath: string): Promise<boolean> {
    try {
      await stat(this.absolute(recordPath))
      return true
    } catch {
      return false
    }
  }

  protected uriOf(recordPath: string): string {
    return pathToFileURL(this.absolute(recordPath)).href + zipFragmentOf(recordPath)
  }

  protected newArtifactUri(path: string): string {
    return pathToFileURL(joinInside(this.root, path)).href
  }

  protected locationOf(recordPath: string): string {
    return this.absolute(recordPath)
  }

  protected checkNewPath(path: string): void {
    this.writeTarget(path)
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
