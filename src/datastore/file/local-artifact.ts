/**
 * Artifacts of a local datastore handed to code outside it: copied or linked to a target file
 * (`fetchArtifact`), or given as a readable local path (`localArtifact`), zip members extracted.
 */
import { copyFile, link, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { InputError } from '../../errors.js'
import type { FetchMode, LocalArtifact } from '../datastore.js'
import { readZipMember, splitZipPath } from './zip-member.js'

/**
 * Copies or links the artifact stored at `absolute` (recorded as `recordPath`) to `target`; a zip
 * member is written out alone, whatever the mode. File-system errors (`EEXIST`, ...) pass through.
 */
export async function placeLocalArtifact(
  absolute: string,
  recordPath: string,
  target: string,
  mode: FetchMode,
): Promise<void> {
  const zip = splitZipPath(recordPath)
  if (zip) {
    await writeFile(target, await readZipMember(absolute, zip.member, recordPath))
    return
  }
  switch (mode) {
    case 'auto':
    case 'copy':
      return copyFile(absolute, target)
    case 'hardlink':
      return link(absolute, target)
    case 'link':
      return link(absolute, target).catch(() => symlink(absolute, target))
    case 'symlink':
      return symlink(resolve(absolute), target)
    case 'relsymlink':
      return symlink(relative(dirname(target), resolve(absolute)), target)
    default:
      throw new InputError(
        `Transfer mode '${String(mode)}' cannot take artifacts out of a datastore; use copy, link, hardlink, symlink or relsymlink`,
      )
  }
}

/**
 * A readable local path of the artifact: the stored file itself, or for a zip member a temporary
 * file of the member alone (same base name, so its extension still says its format).
 */
export async function openLocalArtifact(absolute: string, recordPath: string): Promise<LocalArtifact> {
  const zip = splitZipPath(recordPath)
  if (!zip) return { path: absolute, isCopy: false, release: async () => {} }
  return withTemporaryFile(basename(zip.member), async (path) => {
    await writeFile(path, await readZipMember(absolute, zip.member, recordPath))
  })
}

/**
 * Makes a file named `name` in a new private temporary folder, filled by `fill`; the returned
 * artifact removes the folder when released (or at once if `fill` fails).
 */
export async function withTemporaryFile(
  name: string,
  fill: (path: string) => Promise<void>,
): Promise<LocalArtifact> {
  const dir = await mkdtemp(join(tmpdir(), 'butler-artifact-'))
  const path = join(dir, name || 'artifact')
  try {
    await fill(path)
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  let released = false
  return {
    path,
    isCopy: true,
    release: async () => {
      if (released) return
      released = true
      await rm(dir, { recursive: true, force: true })
    },
  }
}
