/**
 * Confinement of datastore paths: a relative path from a template, a record or a client must land
 * strictly inside the datastore root, whatever `..`, absolute paths, NUL bytes or symlinked
 * directories it meets on the way.
 */
import { realpathSync } from 'node:fs'
import path from 'node:path'
import { PathEscapeError } from '../../errors.js'

/**
 * Joins `relative` onto `root` lexically and checks the result is strictly inside `root` (never the
 * root itself); throws `PathEscapeError` otherwise. No filesystem access.
 */
export function joinInside(root: string, relative: string): string {
  if (root.includes('\0') || relative.includes('\0')) throw escapeError(relative, 'contains a NUL byte')
  if (relative === '') throw escapeError(relative, 'is empty')
  if (path.isAbsolute(relative) || relative.startsWith('/') || relative.startsWith('\\')) {
    throw escapeError(relative, 'is absolute')
  }
  const base = path.resolve(root)
  const joined = path.resolve(base, relative)
  if (!isStrictlyInside(base, joined)) throw escapeError(relative, 'leaves the datastore root')
  return joined
}

/**
 * Joins `relative` onto `root` like `joinInside`, then also follows symlinks: the real path of the
 * deepest existing directory above the target must still be inside the real root. The final
 * component itself may be a symlink (ingest by `symlink` makes those on purpose).
 *
 * @returns The absolute, normalised (not symlink-resolved) path.
 */
export function resolveInside(root: string, relative: string): string {
  const joined = joinInside(root, relative)
  const base = path.resolve(root)
  const realRoot = realpathOrUndefined(base)
  // A missing root has nothing below it that could be a symlink.
  if (realRoot === undefined) return joined
  let dir = path.dirname(joined)
  while (isStrictlyInside(base, dir)) {
    const real = realpathOrUndefined(dir)
    if (real !== undefined) {
      if (real !== realRoot && !isStrictlyInside(realRoot, real)) {
        throw escapeError(relative, 'goes through a symlink that leaves the datastore root')
      }
      break
    }
    dir = path.dirname(dir)
  }
  return joined
}

/** Whether `candidate` is below `parent` (both absolute and normalised), not equal to it. */
export function isStrictlyInside(parent: string, candidate: string): boolean {
  const rel = path.relative(parent, candidate)
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel)
}

function realpathOrUndefined(p: string): string | undefined {
  try {
    return realpathSync(p)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw error
  }
}

function escapeError(relative: string, why: string): InstanceType<typeof PathEscapeError> {
  // The message names the relative path only: the root is a server-side detail.
  return new PathEscapeError(`Path ${JSON.stringify(relative)} ${why}`)
}
