/**
 * The local file cache: config and environment precedence, the cacheable lookup, each expiry mode with
 * LRU order, handles that survive eviction, crash cleanup, and several real processes sharing one
 * cache directory.
 */
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  type FileCacheConfig,
  resolveCacheSettings,
  setFallbackCacheDirectoryIfUnset,
} from '../../src/datastore/cache/cache-config.js'
import { FileCache } from '../../src/datastore/cache/file-cache.js'
import { ButlerError, ConfigError, InputError } from '../../src/errors.js'
import { runNodeScript } from '../support/child-process.js'
import { contentFor, STRESS_COMPONENTS, STRESS_DATASETS } from './file-cache-shared.js'

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'file-cache-child.js')

/** A dataset ID for a small number. */
function id(n: number): string {
  return `6f1c2d3e-0000-4000-8000-${String(n).padStart(12, '0')}`
}

let scratch = ''
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'butler-file-cache-test-'))
})
after(async () => {
  await rm(scratch, { recursive: true, force: true })
})

let counter = 0
/** A cache in a fresh directory with the given config (no environment overrides). */
async function makeCache(
  config: FileCacheConfig = {},
  options = {},
): Promise<{ cache: FileCache; root: string }> {
  const root = join(scratch, `cache-${++counter}`)
  return { cache: FileCache.fromConfig({ ...config, root }, {}, options), root }
}

async function entryNames(root: string): Promise<string[]> {
  return (await readdir(root)).filter((n) => !n.startsWith('.')).sort()
}

async function put(
  cache: FileCache,
  n: number,
  component: string | null = null,
  bytes = Buffer.from(`d${n}`),
) {
  await (await cache.insert(id(n), component, '.txt', bytes)).release()
}

describe('file cache config', () => {
  it('defaults to a temporary root, 4 datasets and caching everything', () => {
    const s = resolveCacheSettings(undefined, {})
    assert.equal(s.root, undefined)
    assert.equal(s.rootKind, 'temporary')
    assert.deepEqual(s.expiry, { mode: 'datasets', threshold: 4 })
    assert.equal(s.default, true)
    assert.equal(s.cacheable.ExposureF, true)
  })

  it('reads expiry sections', () => {
    assert.deepEqual(resolveCacheSettings({ expiry: { threshold: 10 } }, {}).expiry, {
      mode: 'datasets',
      threshold: 10,
    })
    assert.deepEqual(resolveCacheSettings({ expiry: { mode: null } }, {}).expiry, { mode: 'disabled' })
    assert.deepEqual(resolveCacheSettings({ expiry: { mode: 'disabled' } }, {}).expiry, { mode: 'disabled' })
    assert.deepEqual(resolveCacheSettings({ expiry: { mode: 'age', threshold: 1.5 } }, {}).expiry, {
      mode: 'age',
      threshold: 1.5,
    })
    assert.deepEqual(resolveCacheSettings({ expiry: null }, {}).expiry, { mode: 'datasets', threshold: 4 })
  })

  const bad: [string, unknown, RegExp][] = [
    [
      'unknown mode',
      { expiry: { mode: 'weekly', threshold: 1 } },
      /datastore\.cached\.expiry: unknown expiry mode 'weekly'/,
    ],
    [
      'negative threshold',
      { expiry: { mode: 'files', threshold: -1 } },
      /datastore\.cached\.expiry: threshold must be a non-negative/,
    ],
    [
      'missing threshold',
      { expiry: { mode: 'size' } },
      /datastore\.cached\.expiry\.threshold is required for expiry mode 'size'/,
    ],
    [
      'null threshold',
      { expiry: { mode: 'age', threshold: null } },
      /datastore\.cached\.expiry\.threshold is required/,
    ],
    [
      'fractional count',
      { expiry: { mode: 'files', threshold: 2.5 } },
      /threshold of mode 'files' must be a whole number/,
    ],
    [
      'string threshold',
      { expiry: { mode: 'size', threshold: '10GB' } },
      /datastore\.cached\.expiry\.threshold must be a number/,
    ],
    ['numeric mode', { expiry: { mode: 3, threshold: 1 } }, /datastore\.cached\.expiry\.mode must be one of/],
    ['unknown key', { expiri: {} }, /datastore\.cached\.expiri is not a known key/],
    [
      'unknown expiry key',
      { expiry: { mode: 'files', threshold: 1, limit: 3 } },
      /datastore\.cached\.expiry\.limit is not a known key/,
    ],
    ['non-boolean default', { default: 'yes' }, /datastore\.cached\.default must be true or false/],
    [
      'non-boolean cacheable',
      { cacheable: { calexp: 'yes' } },
      /datastore\.cached\.cacheable\.calexp must be true or false/,
    ],
    [
      'bad instrument section',
      { cacheable: { 'instrument<HSC>': { raw: 1 } } },
      /cacheable\.instrument<HSC>\.raw must be/,
    ],
    ['bad root', { root: 5 }, /datastore\.cached\.root must be a directory path/],
    ['not a mapping', 'cached', /datastore\.cached must be a mapping/],
    ['expiry not a mapping', { expiry: ['files', 3] }, /datastore\.cached\.expiry must be a mapping/],
  ]
  for (const [what, config, message] of bad) {
    it(`rejects a config with ${what}`, () => {
      assert.throws(
        () => FileCache.fromConfig(config, {}),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, String(e))
          assert.match(e.message, message)
          assert.equal(e.code, 'config')
          return true
        },
      )
    })
  }

  for (const value of [
    'datasets',
    'datasets=',
    'datasets=-1',
    'weekly=3',
    'files=abc',
    'size=1e9',
    'files=1.5',
    '=4',
  ]) {
    it(`rejects DAF_BUTLER_CACHE_EXPIRATION_MODE='${value}'`, () => {
      assert.throws(
        () => FileCache.fromConfig({}, { DAF_BUTLER_CACHE_EXPIRATION_MODE: value }),
        (e: unknown) => e instanceof ConfigError && /DAF_BUTLER_CACHE_EXPIRATION_MODE/.test(e.message),
      )
    })
  }

  it('lets the environment override expiry and directory, in the documented order', () => {
    const config = { root: '/config/root', expiry: { mode: 'files', threshold: 3 } } as const
    const env = {
      DAF_BUTLER_CACHE_DIRECTORY: '/env/root',
      DAF_BUTLER_CACHE_DIRECTORY_IF_UNSET: '/fallback/root',
      DAF_BUTLER_CACHE_EXPIRATION_MODE: ' size=1000 ',
    }
    const all = FileCache.fromConfig(config, env)
    assert.equal(all.root, '/env/root')
    assert.equal(all.rootKind, 'environment')
    assert.deepEqual(all.expiry, { mode: 'size', threshold: 1000 })

    const noDirectory = FileCache.fromConfig(config, {
      DAF_BUTLER_CACHE_DIRECTORY_IF_UNSET: '/fallback/root',
    })
    assert.equal(noDirectory.root, '/config/root')
    assert.equal(noDirectory.rootKind, 'config')
    assert.deepEqual(noDirectory.expiry, { mode: 'files', threshold: 3 })

    const fallback = FileCache.fromConfig(
      { root: null },
      { DAF_BUTLER_CACHE_DIRECTORY_IF_UNSET: '/fallback/root' },
    )
    assert.equal(fallback.root, '/fallback/root')
    assert.equal(fallback.rootKind, 'fallback')

    const empty = FileCache.fromConfig(
      {},
      { DAF_BUTLER_CACHE_DIRECTORY: '', DAF_BUTLER_CACHE_EXPIRATION_MODE: '' },
    )
    assert.equal(empty.rootKind, 'temporary')
    assert.deepEqual(empty.expiry, { mode: 'datasets', threshold: 4 })

    assert.deepEqual(FileCache.fromConfig(config, { DAF_BUTLER_CACHE_EXPIRATION_MODE: 'disabled' }).expiry, {
      mode: 'disabled',
    })
    assert.deepEqual(FileCache.fromConfig(config, { DAF_BUTLER_CACHE_EXPIRATION_MODE: 'age=2.5' }).expiry, {
      mode: 'age',
      threshold: 2.5,
    })
  })
})

describe('file cache roots', () => {
  it('makes a private temporary root on first insert and removes it on close', async () => {
    const cache = FileCache.fromConfig(null, {})
    assert.equal(await cache.find(id(1), null, '.txt'), undefined)
    assert.equal(cache.root, undefined, 'a miss creates nothing')
    await put(cache, 1)
    const root = cache.root!
    assert.ok(root.startsWith(join(tmpdir(), 'butler-cache-dir-')))
    assert.equal((await stat(root)).mode & 0o777, 0o700)
    assert.deepEqual(await entryNames(root), [`${id(1)}.txt`])
    await cache.close()
    await assert.rejects(stat(root), { code: 'ENOENT' })
    await assert.rejects(cache.find(id(1), null, '.txt'), /closed/)
  })

  it('shares a fallback directory set for child processes, and keeps it on close', async () => {
    const env: Record<string, string | undefined> = {}
    const first = setFallbackCacheDirectoryIfUnset(env)
    assert.equal(first.defined, true)
    assert.equal(env.DAF_BUTLER_CACHE_DIRECTORY_IF_UNSET, first.directory)
    assert.deepEqual(setFallbackCacheDirectoryIfUnset(env), { defined: false, directory: first.directory })
    try {
      const a = FileCache.fromConfig({}, env)
      const b = FileCache.fromConfig({}, env)
      await put(a, 7)
      assert.equal((await stat(first.directory)).mode & 0o777, 0o700)
      const found = await b.find(id(7), null, '.txt')
      assert.equal(found?.fromCache, true)
      assert.equal(await readFile(found!.path, 'utf8'), 'd7')
      await found!.release()
      await a.close()
      await b.close()
      assert.ok((await stat(first.directory)).isDirectory())
    } finally {
      await rm(first.directory, { recursive: true, force: true })
    }
  })

  it('refuses a fallback directory that is a symbolic link', async () => {
    const target = join(scratch, 'link-target')
    await mkdir(target)
    const planted = join(scratch, 'planted')
    await symlink(target, planted)
    const cache = FileCache.fromConfig({}, { DAF_BUTLER_CACHE_DIRECTORY_IF_UNSET: planted })
    await assert.rejects(
      put(cache, 1),
      (e: unknown) => e instanceof ButlerError && /is not a directory/.test(e.message),
    )
    await cache.close()
  })
})

describe('file cache cacheable lookup', () => {
  it('looks up dataset type, parent, storage class, then default', () => {
    const cache = FileCache.fromConfig(
      {
        default: false,
        cacheable: { calexp: true, deepCoadd: false, ArrowTable: true, 'instrument<HSC>': { raw: true } },
      },
      {},
    )
    const should = (datasetTypeName: string, storageClassName: string, instrument?: string) =>
      cache.shouldCache({ datasetTypeName, storageClassName, instrument })
    assert.equal(should('calexp', 'ExposureF'), true)
    assert.equal(should('calexp.wcs', 'Wcs'), true, 'a component follows its parent')
    assert.equal(should('src', 'ArrowTable'), true, 'storage class')
    assert.equal(should('other', 'StructuredDataDict'), false, 'default')
    assert.equal(should('postISR', 'ExposureF'), true, 'built-in default for ExposureF')
    assert.equal(should('deepCoadd', 'ExposureF'), false, 'dataset type beats storage class')
    assert.equal(should('raw', 'Exposure', 'HSC'), true, 'instrument section')
    assert.equal(should('raw', 'Bytes', 'LATISS'), false)
    assert.equal(
      FileCache.fromConfig({}, {}).shouldCache({ datasetTypeName: 'x', storageClassName: 'y' }),
      true,
    )
  })
})

describe('file cache entries', () => {
  it('inserts bytes, copies or moves files, and finds them by key', async () => {
    const { cache, root } = await makeCache({ expiry: { mode: 'disabled' } })
    const handle = await cache.insert(id(1), null, '.json', Buffer.from('{"a":1}'))
    assert.equal(handle.fromCache, false)
    assert.equal(handle.size, 7)
    assert.equal(await readFile(handle.path, 'utf8'), '{"a":1}')
    await handle.release()
    await handle.release() // Idempotent.
    await assert.rejects(stat(handle.path), { code: 'ENOENT' })

    const source = join(scratch, 'source.fits.gz')
    await writeFile(source, 'fits bytes')
    await (await cache.insert(id(1), 'image', '.fits.gz', source)).release()
    assert.equal(await readFile(source, 'utf8'), 'fits bytes', 'copy leaves the source')
    await (await cache.insert(id(2), 'mask', '.fits.gz', source, { transfer: 'move' })).release()
    await assert.rejects(stat(source), { code: 'ENOENT' })

    assert.deepEqual(await entryNames(root), [
      `${id(1)}.json`,
      `${id(1)}_image.fits.gz`,
      `${id(2)}_mask.fits.gz`,
    ])
    const found = await cache.find(id(2).toUpperCase(), 'mask', '.fits.gz')
    assert.ok(found)
    assert.equal(found.fromCache, true)
    assert.ok(found.path.startsWith(join(root, '.held')))
    assert.ok(found.path.endsWith('_mask.fits.gz'), 'the private name keeps the extension')
    assert.equal(await readFile(found.path, 'utf8'), 'fits bytes')
    await found.release()
    assert.equal(await cache.find(id(2), 'mask', '.fits'), undefined, 'another extension is another file')
    assert.equal(await cache.find(id(3), null, '.json'), undefined)
    assert.equal(await cache.has(id(1), 'image'), true)
    assert.equal(await cache.has(id(1), 'image', '.fits.gz'), true)
    assert.equal(await cache.has(id(1), 'mask'), false)
    assert.deepEqual(await readdir(join(root, '.held')), [], 'released handles leave nothing')
    assert.deepEqual(await readdir(join(root, '.incoming')), [])

    assert.equal(await cache.remove(id(1), 'image'), 1)
    assert.equal(await cache.remove(id(1)), 1)
    assert.equal(await cache.remove(id(1)), 0, 'removing what is gone is fine')
    assert.deepEqual(await entryNames(root), [`${id(2)}_mask.fits.gz`])
    await cache.close()
  })

  it('lets concurrent inserts of one key all succeed', async () => {
    const { cache, root } = await makeCache({ expiry: { mode: 'files', threshold: 10 } }, { fsync: true })
    const bytes = contentFor(id(1), 'image')
    const handles = await Promise.all(
      Array.from({ length: 8 }, () => cache.insert(id(1), 'image', '.bin', bytes)),
    )
    for (const h of handles) {
      assert.ok((await readFile(h.path)).equals(bytes))
      await h.release()
    }
    assert.deepEqual(await entryNames(root), [`${id(1)}_image.bin`])
    assert.deepEqual(await readdir(join(root, '.incoming')), [])
    await cache.close()
  })

  it('rejects malformed keys and sources with InputError', async () => {
    const { cache } = await makeCache()
    const bytes = Buffer.from('x')
    await assert.rejects(cache.insert('not-a-uuid', null, '.txt', bytes), InputError)
    await assert.rejects(cache.insert(id(1), 'a.b', '.txt', bytes), InputError)
    await assert.rejects(cache.insert(id(1), '../x', '.txt', bytes), InputError)
    await assert.rejects(cache.insert(id(1), null, 'txt', bytes), InputError)
    await assert.rejects(cache.insert(id(1), null, '/../x', bytes), InputError)
    await assert.rejects(cache.insert(id(1), null, '.txt', join(scratch, 'missing')), InputError)
    await assert.rejects(cache.insert(id(1), null, '.txt', scratch), InputError)
    await assert.rejects(cache.insert(id(1), null, '.txt', 5 as unknown as string), InputError)
    await assert.rejects(cache.find(id(1), '', '.txt'), InputError)
    await cache.close()
  })

  it('keeps a found file readable after eviction until it is released', async () => {
    const { cache, root } = await makeCache({ expiry: { mode: 'files', threshold: 0 } })
    // With a threshold of 0 every insert is evicted at once, yet its handle still reads.
    const inserted = await cache.insert(id(1), null, '.txt', Buffer.from('kept'))
    assert.deepEqual(await entryNames(root), [])
    assert.equal(await readFile(inserted.path, 'utf8'), 'kept')
    await inserted.release()

    const { cache: other, root: root2 } = await makeCache({ expiry: { mode: 'disabled' } })
    await put(other, 2)
    const found = await other.find(id(2), null, '.txt')
    assert.ok(found)
    assert.equal(await other.remove(id(2)), 1)
    assert.deepEqual(await entryNames(root2), [])
    assert.equal(await readFile(found.path, 'utf8'), 'd2')
    await found.release()
    await assert.rejects(stat(found.path), { code: 'ENOENT' })
    await cache.close()
    await other.close()
  })

  it('fetches a missing file once and serves it from the cache afterwards', async () => {
    const { cache, root } = await makeCache()
    let fetches = 0
    const fetch = async (target: string) => {
      fetches++
      assert.ok(target.endsWith(`${id(5)}_image.fits`))
      await writeFile(target, 'remote bytes')
    }
    const results = await Promise.all(
      [1, 2, 3].map(() => cache.withCachedFile(id(5), 'image', '.fits', fetch)),
    )
    assert.equal(fetches, 1, 'concurrent calls share one fetch')
    assert.equal(results.filter((r) => !r.fromCache).length, 1)
    for (const r of results) {
      assert.equal(await readFile(r.path, 'utf8'), 'remote bytes')
      await r.release()
    }
    const again = await cache.withCachedFile(id(5), 'image', '.fits', fetch)
    assert.equal(again.fromCache, true)
    assert.equal(fetches, 1)
    await again.release()

    await assert.rejects(
      cache.withCachedFile(id(6), null, '.fits', async (target) => {
        await writeFile(target, 'half')
        throw new Error('network down')
      }),
      /network down/,
    )
    await assert.rejects(
      cache.withCachedFile(id(6), null, '.fits', async () => {}),
      (e: unknown) => e instanceof ButlerError && /did not write a file/.test(e.message),
    )
    assert.deepEqual(await readdir(join(root, '.incoming')), [], 'failed fetches leave nothing')
    assert.deepEqual(await entryNames(root), [`${id(5)}_image.fits`])
    await cache.close()
  })

  it('lists entries with sizes and last-use times, ignoring other files', async () => {
    const { cache, root } = await makeCache({ expiry: { mode: 'disabled' } })
    await put(cache, 1, null, Buffer.alloc(10))
    await put(cache, 2, 'image', Buffer.alloc(20))
    await writeFile(join(root, 'README'), 'not an entry')
    const before = Date.now()
    const entries = await cache.scan()
    assert.deepEqual(
      entries.map((e) => [e.name, e.datasetId, e.component, e.extension, e.size]),
      [
        [`${id(1)}.txt`, id(1), null, '.txt', 10],
        [`${id(2)}_image.txt`, id(2), 'image', '.txt', 20],
      ],
    )
    assert.ok(entries.every((e) => e.lastUsedMs <= before + 1000 && e.lastUsedMs > before - 60_000))
    await cache.expire()
    assert.equal(await readFile(join(root, 'README'), 'utf8'), 'not an entry', 'expiry leaves foreign files')
    await cache.close()
  })
})

describe('file cache expiry', () => {
  it('files: keeps the most recently used files', async () => {
    const { cache, root } = await makeCache({ expiry: { mode: 'files', threshold: 3 } })
    for (const n of [1, 2, 3]) await put(cache, n)
    const hit = await cache.find(id(1), null, '.txt') // 1 is now the most recently used
    await hit!.release()
    await put(cache, 4)
    assert.deepEqual(
      await entryNames(root),
      [1, 3, 4].map((n) => `${id(n)}.txt`),
    )
    await put(cache, 5)
    assert.deepEqual(
      await entryNames(root),
      [1, 4, 5].map((n) => `${id(n)}.txt`),
    )
    await cache.close()
  })

  it('datasets: components of one dataset count once and leave together', async () => {
    const { cache, root } = await makeCache({ expiry: { mode: 'datasets', threshold: 2 } })
    for (const c of ['image', 'mask', 'variance']) await put(cache, 1, c)
    await put(cache, 2)
    assert.equal((await entryNames(root)).length, 4, 'two datasets, four files: nothing to evict')
    const hit = await cache.find(id(1), 'mask', '.txt') // one component used: the whole dataset is recent
    await hit!.release()
    await put(cache, 3)
    assert.deepEqual(await entryNames(root), [
      `${id(1)}_image.txt`,
      `${id(1)}_mask.txt`,
      `${id(1)}_variance.txt`,
      `${id(3)}.txt`,
    ])
    await put(cache, 4)
    assert.deepEqual(await entryNames(root), [`${id(3)}.txt`, `${id(4)}.txt`])
    await cache.close()
  })

  it('size: evicts the oldest files until the total fits', async () => {
    const { cache, root } = await makeCache({ expiry: { mode: 'size', threshold: 250 } })
    for (const n of [1, 2]) await put(cache, n, null, Buffer.alloc(100))
    assert.equal((await entryNames(root)).length, 2)
    await (await cache.find(id(1), null, '.txt'))!.release()
    await put(cache, 3, null, Buffer.alloc(100))
    assert.deepEqual(
      await entryNames(root),
      [1, 3].map((n) => `${id(n)}.txt`),
    )
    await put(cache, 4, null, Buffer.alloc(240))
    assert.deepEqual(await entryNames(root), [`${id(4)}.txt`])
    const total = (await cache.scan()).reduce((n, e) => n + e.size, 0)
    assert.ok(total <= 250)
    await cache.close()
  })

  it('age: evicts files unused for longer than the threshold in seconds', async () => {
    const { cache, root } = await makeCache({ expiry: { mode: 'age', threshold: 60 } })
    for (const n of [1, 2, 3]) await put(cache, n)
    const old = Date.now() / 1000 - 120
    await utimes(join(root, `${id(2)}.txt`), old, old)
    const report = await cache.expire()
    assert.deepEqual(
      report.removed.map((e) => e.name),
      [`${id(2)}.txt`],
    )
    assert.equal(report.removedBytes, 2)
    assert.deepEqual(
      await entryNames(root),
      [1, 3].map((n) => `${id(n)}.txt`),
    )
    // A hit makes an old file young again.
    await utimes(join(root, `${id(3)}.txt`), old, old)
    await (await cache.find(id(3), null, '.txt'))!.release()
    assert.deepEqual((await cache.expire()).removed, [])
    await cache.close()
  })

  it('disabled: keeps everything', async () => {
    const { cache, root } = await makeCache({ expiry: { mode: 'disabled' } })
    for (let n = 0; n < 10; n++) await put(cache, n)
    assert.deepEqual((await cache.expire()).removed, [])
    assert.equal((await entryNames(root)).length, 10)
    await cache.close()
  })

  it('sweeps private files of dead processes and stale ones, keeping live ones', async () => {
    const { cache, root } = await makeCache({ expiry: { mode: 'disabled' } })
    await put(cache, 1)
    const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 8)
    const dead = spawnSync(process.execPath, ['-e', '']).pid!
    const live = process.ppid
    const name = (pid: number, created = Date.now()) =>
      `${created}-${pid}-${host}-0badf00d-01234567-${id(1)}.txt`
    const liveName = name(live)
    const incoming = join(root, '.incoming')
    const held = join(root, '.held')
    await writeFile(join(incoming, name(dead)), 'partial of a crashed process')
    await writeFile(join(incoming, liveName), 'a live download')
    const stale = name(live, Date.now() - 7200_000)
    await writeFile(join(incoming, stale), 'stalled for two hours')
    const old = Date.now() / 1000 - 7200
    await utimes(join(incoming, stale), old, old)
    await writeFile(join(held, name(dead)), 'held by a crashed process')
    await writeFile(join(held, liveName), 'held by a live process')
    await writeFile(join(held, name(live, Date.now() - 2 * 86400_000)), 'held for two days')
    const mine = await cache.find(id(1), null, '.txt')
    const report = await cache.expire()
    assert.equal(report.staleFiles, 4)
    assert.deepEqual(await readdir(incoming), [liveName])
    const left = await readdir(held)
    assert.equal(left.length, 2)
    assert.ok(left.includes(liveName))
    assert.ok(left.includes(mine!.path.split('/').pop()!), 'this process’s handle is kept')
    await mine!.release()
    await cache.close()
  })
})

/** Runs the child script; resolves with its stdout (rejects on a non-zero exit). */
const runChild = (args: readonly string[]): Promise<string> => runNodeScript(CHILD, args)

describe('file cache shared by processes', () => {
  it('cleans up after a process killed mid-fetch while holding a file', async () => {
    const config = { expiry: { mode: 'datasets', threshold: 10 } } as const
    const { cache, root } = await makeCache(config)
    await (await cache.insert(id(9), null, '.bin', contentFor(id(9), null))).release()
    const child = spawn(process.execPath, [CHILD, 'crash', root, JSON.stringify(config), id(9)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        if (String(d).includes('ready')) resolve()
      })
      child.on('exit', (code) => reject(new Error(`crash child exited early (${code})`)))
    })
    assert.equal((await readdir(join(root, '.incoming'))).length, 1, 'a partial fetch in progress')
    assert.equal((await readdir(join(root, '.held'))).length, 1, 'a held file')
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
    assert.deepEqual(await entryNames(root), [`${id(9)}.bin`], 'the partial file never became an entry')
    const report = await cache.expire()
    assert.equal(report.staleFiles, 2)
    assert.deepEqual(await readdir(join(root, '.incoming')), [])
    assert.deepEqual(await readdir(join(root, '.held')), [])
    assert.deepEqual(await entryNames(root), [`${id(9)}.bin`])
    await cache.close()
  })

  for (const config of [
    { expiry: { mode: 'datasets', threshold: 3 } },
    { expiry: { mode: 'size', threshold: 400_000 } },
  ] as const) {
    it(`keeps every read whole with 4 processes at once (${config.expiry.mode})`, {
      timeout: 60_000,
    }, async (t) => {
      const root = join(scratch, `shared-${config.expiry.mode}`)
      const outputs = await Promise.all(
        [1, 2, 3, 4].map((seed) => runChild(['stress', root, JSON.stringify(config), '3000', String(seed)])),
      )
      const stats = outputs.map((o) => JSON.parse(o) as Record<string, number> & { errors: string[] })
      for (const s of stats) assert.deepEqual(s.errors, [])
      t.diagnostic(JSON.stringify(stats.map(({ errors: _, ...counts }) => counts)))
      const total = (key: string) => stats.reduce((n, s) => n + (s[key] as number), 0)
      assert.ok(total('hits') > 20, `hits: ${total('hits')}`)
      assert.ok(total('inserts') > 20, `inserts: ${total('inserts')}`)
      assert.ok(total('verified') > 50, `verified: ${total('verified')}`)
      assert.ok(total('heldAfterEviction') > 0, 'some handles outlived the eviction of their entry')

      const cache = FileCache.fromConfig({ ...config, root }, {})
      await cache.expire()
      const entries = await cache.scan()
      for (const e of entries) assert.equal(e.size, contentFor(e.datasetId, e.component).length)
      if (config.expiry.mode === 'datasets') {
        assert.ok(new Set(entries.map((e) => e.datasetId)).size <= 3, 'at most 3 datasets left')
      } else {
        assert.ok(entries.reduce((n, e) => n + e.size, 0) <= 400_000, 'at most 400 kB left')
      }
      assert.ok(entries.every((e) => STRESS_DATASETS.includes(e.datasetId)))
      assert.ok(entries.every((e) => STRESS_COMPONENTS.includes(e.component)))
      assert.deepEqual(await readdir(join(root, '.incoming')), [], 'no staged file left behind')
      assert.deepEqual(await readdir(join(root, '.held')), [], 'no held file left behind')
      assert.equal((await lstat(root)).mode & 0o777, 0o700)
      await cache.close()
    })
  }
})
