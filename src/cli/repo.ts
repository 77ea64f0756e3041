/**
 * Opening a repository for one command and closing it whatever happens.
 */
import { openButler } from '../create-butler.js'
import type { DirectButler } from '../direct/direct-butler.js'
import { log } from './log.js'

/** Opens the repository at `repo`, runs `fn` with it and closes it again (also on failure). */
export async function withButler<T>(repo: string, fn: (butler: DirectButler) => Promise<T>): Promise<T> {
  const butler = await openButler(repo)
  log('DEBUG', `opened repository ${repo}`)
  try {
    return await fn(butler)
  } finally {
    await butler.close()
  }
}
