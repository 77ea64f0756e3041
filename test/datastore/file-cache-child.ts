/**
 * Child process of the file cache tests (not a test file itself).
 *
 * `node file-cache-child.js stress <root> <config json> <duration ms> <seed>`: loops inserting, finding
 * (and reading slowly, then verifying), fetching, removing and expiring random keys of one shared cache
 * directory, then prints a JSON summary of counts (`ops`, `inserts`, `hits`, `verified`,
 * `heldAfterEviction`, ...) and `errors`.
 *
 * `node file-cache-child.js crash <root> <config json> <dataset id>`: holds a found entry and starts a
 * fetch that writes half a file, prints `ready`, and waits to be killed.
 */
import { open, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { type CachedFile, FileCache } from '../../src/datastore/cache/file-cache.js'
import { seededRandom } from '../support/random.js'
import { contentFor, STRESS_COMPONENTS, STRESS_DATASETS } from './file-cache-shared.js'

/** Operations each stress child does at the least, however long they take. */
const MIN_OPS = 400

/** Reads a held file in two halves with a pause between, as a slow reader would. */
async function readSlowly(file: string): Promise<Buffer> {
  const handle = await open(file, 'r')
  try {
    const { size } = await handle.stat()
    const out = Buffer.alloc(size)
    const half = Math.floor(size / 2)
    await handle.read(out, 0, half, 0)
    await sleep(1)
    let offset = half
    while (offset < size) {
      const { bytesRead } = await handle.read(out, offset, size - offset, offset)
      if (bytesRead === 0) break
      offset += bytesRead
    }
    return out.subarray(0, offset)
  } finally {
    await handle.close()
  }
}

async function stress(root: string, config: unknown, durationMs: number, seed: number): Promise<void> {
  const cache = FileCache.fromConfig({ ...(config as object), root }, {})
  const rand = seededRandom(seed) // runs differ per child but are repeatable
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!
  const stats = {
    ops: 0,
    inserts: 0,
    fetches: 0,
    hits: 0,
    misses: 0,
    verified: 0,
    expiries: 0,
    errors: [] as string[],
  }
  const verify = async (
    file: CachedFile,
    id: string,
    component: string | null,
    what: string,
  ): Promise<void> => {
    const expected = contentFor(id, component)
    const actual = rand() < 0.5 ? await readSlowly(file.path) : await readFile(file.path)
    if (file.size !== expected.length || !actual.equals(expected)) {
      stats.errors.push(
        `${what} ${id}/${component}: ${actual.length} bytes (handle ${file.size}), expected ${expected.length}`,
      )
    } else stats.verified++
  }
  let heldAfterEviction = 0
  const holding: { file: CachedFile; id: string; component: string | null; until: number }[] = []
  const scratch = join(tmpdir(), `butler-cache-child-${process.pid}`)
  // At least the duration, and at least MIN_OPS operations, so that a loaded machine still exercises
  // every path (the parent checks minimum counts).
  const end = Date.now() + durationMs
  while (Date.now() < end || stats.ops < MIN_OPS) {
    stats.ops++
    const id = pick(STRESS_DATASETS)
    const component = pick(STRESS_COMPONENTS)
    const r = rand()
    try {
      if (r < 0.25) {
        const file = await cache.insert(id, component, '.bin', contentFor(id, component))
        stats.inserts++
        await verify(file, id, component, 'insert')
        await file.release()
      } else if (r < 0.35) {
        await writeFile(scratch, contentFor(id, component))
        const file = await cache.insert(id, component, '.bin', scratch, { transfer: 'move' })
        stats.inserts++
        await verify(file, id, component, 'insert-move')
        await file.release()
      } else if (r < 0.7) {
        const file = await cache.find(id, component, '.bin')
        if (!file) stats.misses++
        else {
          stats.hits++
          // Sometimes keep the handle a while so other processes evict the entry under it.
          if (rand() < 0.2) holding.push({ file, id, component, until: stats.ops + 20 })
          else {
            await verify(file, id, component, 'find')
            await file.release()
          }
        }
      } else if (r < 0.85) {
        const file = await cache.withCachedFile(id, component, '.bin', async (target) => {
          stats.fetches++
          const bytes = contentFor(id, component)
          const half = Math.floor(bytes.length / 2)
          await writeFile(target, bytes.subarray(0, half))
          await sleep(1)
          await writeFile(target, bytes.subarray(half), { flag: 'a' })
        })
        await verify(file, id, component, 'fetch')
        await file.release()
      } else if (r < 0.88) {
        await cache.remove(id, rand() < 0.5 ? undefined : component)
      } else if (r < 0.94) {
        // Every complete entry in the directory has its full size: nobody sees a partial file.
        for (const entry of await cache.scan()) {
          const expected = contentFor(entry.datasetId, entry.component).length
          if (entry.size !== expected)
            stats.errors.push(`scan: ${entry.name} has ${entry.size} bytes, expected ${expected}`)
        }
      } else {
        await cache.expire()
        stats.expiries++
      }
      for (let i = holding.length - 1; i >= 0; i--) {
        const h = holding[i]!
        if (h.until > stats.ops) continue
        holding.splice(i, 1)
        if (!(await cache.has(h.id, h.component, '.bin'))) heldAfterEviction++
        await verify(h.file, h.id, h.component, 'held')
        await h.file.release()
      }
    } catch (error) {
      stats.errors.push(`${(error as Error).name}: ${(error as Error).message}`)
    }
  }
  for (const h of holding) {
    await verify(h.file, h.id, h.component, 'held')
    await h.file.release()
  }
  await cache.close()
  await rm(scratch, { force: true })
  process.stdout.write(JSON.stringify({ ...stats, heldAfterEviction }))
}

async function crash(root: string, config: unknown, datasetId: string): Promise<void> {
  const cache = FileCache.fromConfig({ ...(config as object), root }, {})
  const held = await cache.find(datasetId, null, '.bin')
  if (!held) throw new Error('the parent should have cached the dataset')
  void cache.withCachedFile(datasetId, 'image', '.bin', async (target) => {
    await writeFile(target, contentFor(datasetId, 'image').subarray(0, 10))
    process.stdout.write('ready\n')
    await new Promise(() => {}) // Never finishes: the parent kills this process.
  })
  setInterval(() => {}, 1000)
}

const [mode, root, configJson, ...rest] = process.argv.slice(2)
if (mode === 'stress') await stress(root!, JSON.parse(configJson!), Number(rest[0]), Number(rest[1]))
else if (mode === 'crash') await crash(root!, JSON.parse(configJson!), rest[0]!)
