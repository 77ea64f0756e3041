/**
 * Paths of the shared daf_butler fixtures, read from `../shared` beside the checkout.
 */
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

function findShared(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, '..', 'shared', 'fixtures', 'daf_butler')
    if (existsSync(candidate)) return resolve(candidate)
    dir = dirname(dir)
  }
  return undefined
}

/** Root of the daf_butler fixtures, or undefined when `../shared` is absent. */
export const FIXTURES = findShared()

/** A skip reason for tests needing the fixtures (they fail instead in CI, which always has them). */
export function fixturesSkip(): string | false {
  if (FIXTURES) return false
  if (process.env.CI) throw new Error('CI must have ../shared/fixtures/daf_butler beside the checkout')
  return 'fixtures ../shared/fixtures/daf_butler not found beside the checkout'
}

/** Path of a fixture file. */
export function fixture(...parts: string[]): string {
  if (!FIXTURES) throw new Error('fixtures not available')
  return join(FIXTURES, ...parts)
}
