/**
 * Crash cleanup of a cache directory's private files (`.incoming/` staged files, `.held/` links).
 */
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { ButlerError } from '../../errors.js'
import { errorCode, lstatOrUndefined, unlinkQuietly } from './cache-fs.js'
import { HELD_DIR, INCOMING_DIR, isOwnerGone, parseOwnedFileName } from './cache-names.js'

/**
 * Removes private files of other processes that are gone (same host) or too old: staged files not
 * written for `staleTempSeconds` (a live download keeps writing), held links older than
 * `maxHoldSeconds`. Files of this process are kept. Returns how many were removed.
 */
export async function sweepPrivateFiles(
  root: string,
  limits: { readonly staleTempSeconds: number; readonly maxHoldSeconds: number },
): Promise<number> {
  const now = Date.now()
  let swept = 0
  for (const dir of [INCOMING_DIR, HELD_DIR]) {
    let names: string[]
    try {
      names = await readdir(path.join(root, dir))
    } catch (error) {
      if (errorCode(error) === 'ENOENT') continue
      throw new ButlerError(`Could not list cache directory ${path.join(root, dir)}`, { cause: error })
    }
    for (const name of names) {
      const file = path.join(root, dir, name)
      const owner = parseOwnedFileName(name)
      if (owner?.mine) continue
      let stale = owner !== undefined && isOwnerGone(owner)
      if (!stale && dir === INCOMING_DIR) {
        // Age since the last write (a live slow download keeps writing) or since the name was made.
        const info = await lstatOrUndefined(file)
        if (info === undefined) continue
        const last = Math.max(info.mtimeMs, owner?.createdMs ?? 0)
        stale = now - last > limits.staleTempSeconds * 1000
      } else if (!stale) {
        stale = owner === undefined || now - owner.createdMs > limits.maxHoldSeconds * 1000
      }
      if (stale && (await unlinkQuietly(file).catch(() => false))) swept++
    }
  }
  return swept
}
