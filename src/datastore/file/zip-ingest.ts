/**
 * Ingest of a zip of artifacts whole: the zip goes to `zips/<first 4 chars>/<name>` under the root
 * (or stays where it is for `direct`), and each dataset's record points at its member.
 */
import { copyFile, link, mkdir, rename, rmdir, symlink, unlink } from 'node:fs/promises'
import { dirname, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { DatastoreBridge } from '../../datasets/stored-file-info.js'
import { ButlerError, ConflictingDefinitionError, InputError } from '../../errors.js'
import type { UndoLog } from '../../internal/undo-log.js'
import type { TransferMode, ZipDataset } from '../datastore.js'
import { insertZipRecords, storedZipInUse } from '../ingest-plan.js'
import { isStrictlyInside } from './safe-path.js'
import { zipEntries } from './zip-member.js'

/** What zip ingest needs from the datastore it fills. */
export interface ZipIngestHost {
  readonly root: string
  readonly name: string
  readonly bridge: DatastoreBridge
  /** Absolute path of a new artifact, confined to the root (throws `PathEscapeError`). */
  writeTarget(path: string): string
}

/** Datastore-relative path where a zip of this file name is stored. */
export function storedZipPath(name: string): string {
  return `zips/${name.slice(0, 4)}/${name}`
}

/**
 * Places the zip (undoably) and inserts one record per dataset. `auto` copies a zip from outside the
 * root and uses one inside it in place; `direct` records the zip's absolute URI.
 */
export async function ingestZipFile(
  host: ZipIngestHost,
  zip: ZipDataset,
  transfer: TransferMode,
  undo: UndoLog,
): Promise<void> {
  const root = resolve(host.root)
  const source = resolve(zip.path)
  const inside = isStrictlyInside(root, source)
  let mode = transfer
  if (mode === 'auto' || mode === 'split') mode = inside ? 'none' : mode === 'auto' ? 'copy' : 'direct'
  let recorded: string
  if (mode === 'direct') recorded = pathToFileURL(source).href
  else if (mode === 'none') {
    if (!inside)
      throw new InputError(`Zip '${zip.name}' is not inside the datastore root; choose a transfer mode`)
    recorded = relative(root, source).split('\\').join('/')
  } else {
    recorded = storedZipPath(zip.name)
    const target = host.writeTarget(recorded)
    // The same name means the same members: a zip still used by other datasets is shared.
    const members = await storedMembers(target)
    if (!(await storedZipInUse(host.bridge, recorded, members, 'A file')))
      await place(mode, source, target, undo)
  }
  await insertZipRecords(host, zip, recorded)
}

/** Members of the zip stored at `target`: undefined when there is none, [] when it cannot be read. */
async function storedMembers(target: string): Promise<string[] | undefined> {
  try {
    return [...(await zipEntries(target)).keys()]
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    return []
  }
}

/** Transfers one file to `target` and registers its undo. */
async function place(mode: TransferMode, source: string, target: string, undo: UndoLog): Promise<void> {
  const created = await makeParents(dirname(target))
  undo.push(async () => {
    for (const dir of created.reverse()) await rmdir(dir).catch(() => undefined)
  })
  try {
    switch (mode) {
      case 'copy':
        await copyFile(source, target, 1 /* COPYFILE_EXCL */)
        undo.push(() => unlink(target))
        break
      case 'move':
        await rename(source, target)
        undo.push(() => rename(target, source))
        break
      case 'hardlink':
        await link(source, target)
        undo.push(() => unlink(target))
        break
      case 'link':
        await link(source, target).catch(() => symlink(source, target))
        undo.push(() => unlink(target))
        break
      case 'symlink':
        await symlink(source, target)
        undo.push(() => unlink(target))
        break
      case 'relsymlink':
        await symlink(relative(dirname(target), source), target)
        undo.push(() => unlink(target))
        break
      default:
        throw new InputError(`Transfer mode '${mode}' cannot store a zip`)
    }
  } catch (error) {
    if (error instanceof ButlerError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw new ConflictingDefinitionError(`A file is already where the zip would go`)
    if (code === 'EXDEV' && mode === 'move') {
      await copyFile(source, target, 1)
      undo.push(() => unlink(target))
      // Across devices: copy, then remove the source; a rollback restores it from the copy first.
      await unlink(source)
      undo.push(() => copyFile(target, source))
      return
    }
    throw new ButlerError(`Could not ${mode} the zip into the datastore`, { cause: error })
  }
}

/** Creates missing folders above a target; returns those created, outermost first. */
async function makeParents(dir: string): Promise<string[]> {
  const first = await mkdir(dir, { recursive: true })
  if (!first) return []
  const created: string[] = []
  for (let d = dir; d.length >= first.length; d = dirname(d)) created.unshift(d)
  return created
}
