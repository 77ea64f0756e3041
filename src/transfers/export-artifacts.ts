/**
 * The files of exported datasets: one `dataset` record per stored file, and, with a transfer, the
 * file placed in the export directory at its repository path.
 */
import { mkdir } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { DatasetRef } from '../datasets/dataset-ref.js'
import type { ArtifactInfo, Datastore } from '../datastore/datastore.js'
import { InputError } from '../errors.js'
import type { ExportOptions } from './export.js'
import type { FileEntry } from './export-file.js'

interface FileSlot {
  readonly ids: string[]
  readonly dataIds: Record<string, string | number>[]
  readonly formatter: string
  readonly artifact: ArtifactInfo
}

/**
 * File entries of datasets of one dataset type and RUN: datasets sharing a file are listed together;
 * datasets without a stored file get an entry without a path.
 */
export async function exportArtifacts(
  datastore: Datastore,
  refs: readonly DatasetRef[],
  options: ExportOptions,
): Promise<FileEntry[]> {
  const byDataset = new Map<string, ArtifactInfo>()
  for (const a of await datastore.artifacts(refs)) {
    if (a.component !== '') {
      throw new InputError(
        `Dataset ${a.datasetId} is stored as separate component files, which export cannot write`,
      )
    }
    byDataset.set(a.datasetId, a)
  }
  const byPath = new Map<string, FileSlot>()
  const out: FileEntry[] = []
  for (const ref of refs) {
    const artifact = byDataset.get(ref.id)
    if (!artifact) {
      out.push({ datasetIds: [ref.id], dataIds: [{ ...ref.dataId.required }] })
      options.onProgress?.(1)
      continue
    }
    let slot = byPath.get(artifact.path)
    if (!slot) {
      slot = { ids: [], dataIds: [], formatter: artifact.formatter, artifact }
      byPath.set(artifact.path, slot)
    }
    slot.ids.push(ref.id)
    slot.dataIds.push({ ...ref.dataId.required })
  }
  for (const [path, slot] of byPath) {
    if (options.transfer) await place(datastore, slot.artifact, path, options)
    out.push({ datasetIds: slot.ids, dataIds: slot.dataIds, path, formatter: slot.formatter })
    options.onProgress?.(slot.ids.length)
  }
  return out
}

/** Places one artifact under the export directory at its repository-relative path. */
async function place(
  datastore: Datastore,
  artifact: ArtifactInfo,
  path: string,
  options: ExportOptions,
): Promise<void> {
  if (path.includes('#') || /^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('/')) {
    throw new InputError(
      `Cannot transfer '${path}': only files stored inside the repository can be exported with a transfer`,
    )
  }
  const target = resolve(options.directory!, path)
  try {
    await mkdir(dirname(target), { recursive: true })
    // `link` is a hard link here, as it always was for exports.
    const transfer = options.transfer === 'link' ? 'hardlink' : options.transfer
    if (transfer) await datastore.fetchArtifact(artifact, target, { transfer })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new InputError(`'${path}' already exists in the export directory`, { cause: error })
    }
    throw error
  }
}
