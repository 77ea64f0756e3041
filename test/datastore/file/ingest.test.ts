/**
 * `FileDatastore.ingest` in every transfer mode, with the source file's fate checked, and the undo of
 * failed ingests. Datasets are inserted into the registry and ingested in one butler transaction,
 * as `Butler.ingest` does.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { isAbsolute, join, relative } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { TransferMode } from '../../../src/datastore/datastore.js'
import { ingestExtension } from '../../../src/datastore/ingest-plan.js'
import {
  type ButlerUserError,
  createRepository,
  type DatasetRef,
  DatasetType,
  type DirectButler,
  openButler,
} from '../../../src/index.js'
import { ids, insertCameraRecords } from '../../support/records.js'

const RUN = 'ingest/run'

interface Source {
  readonly path: string
  readonly visit: number
  readonly detector: number
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isDirectory()) out.push(relative(dir, join(e.parentPath, e.name)))
  }
  return out.sort()
}

describe('FileDatastore.ingest', () => {
  let base: string
  let repo: string
  let outside: string
  let butler: DirectButler
  let counter = 0

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'butler-ingest-'))
    repo = join(base, 'repo')
    outside = join(base, 'outside')
    mkdirSync(outside)
    await createRepository(repo)
    butler = await openButler(repo)
    await insertCameraRecords(butler, {
      visitMax: 999,
      dayObs: 20240101,
      detectors: ids(100),
      visits: ids(200, 1),
    })
    const dims = butler.universe.group(['instrument', 'visit', 'detector'])
    await butler.registerDatasetType(new DatasetType('summary', dims, 'StructuredDataDict'))
    await butler.registerDatasetType(new DatasetType('notes', dims, 'Text'))
  })

  after(async () => {
    await butler.close()
    await rm(base, { recursive: true, force: true })
  })

  /** A new JSON file (in `dir`, default outside the repository) with a fresh data ID. */
  function source(dir = outside, ext = '.json'): Source {
    counter++
    const path = join(dir, `src-${counter}${ext}`)
    mkdirSync(dir, { recursive: true })
    writeFileSync(path, ext === '.json' ? JSON.stringify({ n: counter }) : `note ${counter}`)
    return { path, visit: 1 + Math.floor(counter / 100), detector: counter % 100 }
  }

  /** Inserts one dataset per source and ingests the files with the datastore, in one transaction. */
  async function ingestRaw(
    sources: readonly Source[],
    transfer: TransferMode,
    options: { datasetType?: string; recordValidationInfo?: boolean; after?: () => void } = {},
  ): Promise<DatasetRef[]> {
    const type = await butler.getDatasetType(options.datasetType ?? 'summary')
    return butler.writeTransaction(async (undo) => {
      await butler.registry.registerRun(RUN)
      const dataIds = await Promise.all(
        sources.map((s) =>
          butler.registry.expandDataId({ instrument: 'HSC', visit: s.visit, detector: s.detector }),
        ),
      )
      const refs = await butler.registry.insertDatasets(type, RUN, dataIds)
      await butler.datastore.ingest(
        sources.map((s, i) => ({ path: s.path, refs: [refs[i]!] })),
        {
          transfer,
          ...(options.recordValidationInfo !== undefined
            ? { recordValidationInfo: options.recordValidationInfo }
            : {}),
        },
        undo,
      )
      options.after?.()
      return refs
    })
  }

  async function recordOf(ref: DatasetRef) {
    const [info] = await butler.datastore.artifacts([ref])
    assert.ok(info, `no artifact for ${ref}`)
    return info
  }

  it('copy: the source is untouched and the artifact is an independent copy', async () => {
    const s = source()
    const before = readFileSync(s.path, 'utf8')
    const [ref] = await ingestRaw([s], 'copy')
    const info = await recordOf(ref!)
    assert.equal(readFileSync(s.path, 'utf8'), before)
    assert.ok(!isAbsolute(info.path) && info.path.endsWith('.json'), info.path)
    assert.notEqual(statSync(info.absolutePath).ino, statSync(s.path).ino)
    assert.equal(info.fileSize, Buffer.byteLength(before))
    writeFileSync(s.path, JSON.stringify({ changed: true }))
    assert.deepEqual(await butler.datastore.get(ref!), JSON.parse(before))
  })

  it('move: the source is gone and the artifact holds its content', async () => {
    const s = source()
    const content = JSON.parse(readFileSync(s.path, 'utf8'))
    const [ref] = await ingestRaw([s], 'move')
    assert.equal(existsSync(s.path), false)
    assert.deepEqual(await butler.datastore.get(ref!), content)
  })

  it('hardlink: the artifact is the same inode (link count 2)', async () => {
    const s = source()
    const [ref] = await ingestRaw([s], 'hardlink')
    const info = await recordOf(ref!)
    assert.equal(statSync(info.absolutePath).ino, statSync(s.path).ino)
    assert.equal(statSync(s.path).nlink, 2)
    assert.deepEqual(await butler.datastore.get(ref!), JSON.parse(readFileSync(s.path, 'utf8')))
  })

  it('link: a hard link on the same filesystem', async () => {
    const s = source()
    const [ref] = await ingestRaw([s], 'link')
    const info = await recordOf(ref!)
    assert.equal(lstatSync(info.absolutePath).isSymbolicLink(), false)
    assert.equal(statSync(s.path).nlink, 2)
    assert.ok(await butler.datastore.get(ref!))
  })

  it('link: falls back to a symlink across filesystems', { skip: shmSkip() }, async () => {
    const s = source(join('/dev/shm', `butler-ingest-${process.pid}`))
    try {
      const [ref] = await ingestRaw([s], 'link')
      const info = await recordOf(ref!)
      assert.equal(lstatSync(info.absolutePath).isSymbolicLink(), true)
      assert.equal(readlinkSync(info.absolutePath), s.path)
      assert.ok(await butler.datastore.get(ref!))
    } finally {
      await rm(join('/dev/shm', `butler-ingest-${process.pid}`), { recursive: true, force: true })
    }
  })

  it('symlink: an absolute symbolic link to the source', async () => {
    const s = source()
    const [ref] = await ingestRaw([s], 'symlink')
    const info = await recordOf(ref!)
    assert.equal(lstatSync(info.absolutePath).isSymbolicLink(), true)
    assert.equal(readlinkSync(info.absolutePath), s.path)
    assert.deepEqual(await butler.datastore.get(ref!), JSON.parse(readFileSync(s.path, 'utf8')))
  })

  it('relsymlink: a relative symbolic link that resolves to the source', async () => {
    const s = source()
    const [ref] = await ingestRaw([s], 'relsymlink')
    const info = await recordOf(ref!)
    const target = readlinkSync(info.absolutePath)
    assert.equal(isAbsolute(target), false, target)
    assert.equal(realpathSync(info.absolutePath), realpathSync(s.path))
    assert.deepEqual(await butler.datastore.get(ref!), JSON.parse(readFileSync(s.path, 'utf8')))
  })

  it('direct: the record holds the absolute URI; removing the datasets leaves the file', async () => {
    const a = source()
    const b = source()
    const [refA, refB] = await ingestRaw([a, b], 'direct')
    const info = await recordOf(refA!)
    assert.equal(info.path, pathToFileURL(a.path).href)
    assert.equal(info.absolutePath, a.path)
    assert.equal(await butler.datastore.getURI(refA!), pathToFileURL(a.path).href)
    assert.equal(await butler.datastore.exists(refA!), true)
    assert.deepEqual(await butler.datastore.get(refB!), JSON.parse(readFileSync(b.path, 'utf8')))
    const problems = await butler.verify()
    assert.deepEqual(
      problems.filter((p) => p.path.includes('src-')),
      [],
    )
    await butler.pruneDatasets([refA!], { purge: true })
    assert.equal(existsSync(a.path), true)
    assert.equal(await butler.datastore.knows(refA!), false)
  })

  it('split: inside the root is recorded relative, outside as an absolute URI', async () => {
    const inside = source(join(repo, 'incoming'))
    const out = source()
    const [refIn, refOut] = await ingestRaw([inside, out], 'split')
    assert.equal((await recordOf(refIn!)).path, 'incoming/' + inside.path.split('/').pop())
    assert.equal((await recordOf(refOut!)).path, pathToFileURL(out.path).href)
    assert.ok(await butler.datastore.get(refIn!))
    assert.ok(await butler.datastore.get(refOut!))
  })

  it('auto: files inside the root are used in place, files outside are linked', async () => {
    const inside = source(join(repo, 'incoming'))
    const [refIn] = await ingestRaw([inside], 'auto')
    assert.equal((await recordOf(refIn!)).path, relative(repo, inside.path))
    const out = source()
    const [refOut] = await ingestRaw([out], 'auto')
    assert.equal(statSync(out.path).nlink, 2)
    assert.ok(!isAbsolute((await recordOf(refOut!)).path))
    const a = source(join(repo, 'incoming'))
    const b = source()
    const [refA, refB] = await ingestRaw([a, b], 'auto')
    assert.equal((await recordOf(refA!)).path, relative(repo, a.path))
    assert.equal((await recordOf(refB!)).path, pathToFileURL(b.path).href, 'mixed: split')
  })

  it('none: records a file inside the root; a file outside is a user error', async () => {
    const inside = source(join(repo, 'incoming'))
    const [ref] = await ingestRaw([inside], 'none')
    assert.equal((await recordOf(ref!)).path, relative(repo, inside.path))
    assert.deepEqual(await butler.datastore.get(ref!), JSON.parse(readFileSync(inside.path, 'utf8')))
    const out = source()
    await assert.rejects(ingestRaw([out], 'none'), (e: ButlerUserError) => {
      assert.equal(e.code, 'input')
      assert.match(e.message, /outside the datastore root/)
      return true
    })
  })

  it('records size and no checksum without validation info', async () => {
    const s = source()
    const [ref] = await ingestRaw([s], 'copy', { recordValidationInfo: false })
    const info = await recordOf(ref!)
    assert.equal(info.fileSize, -1)
    assert.equal(info.checksum, null)
    assert.ok(await butler.datastore.get(ref!))
  })

  it('chooses the formatter from the extension; an unreadable extension is a user error', async () => {
    const txt = source(outside, '.txt')
    const [ref] = await ingestRaw([txt], 'copy', { datasetType: 'notes' })
    assert.equal((await recordOf(ref!)).formatter, 'TextFormatter')
    assert.match(await butler.datastore.getURI(ref!), /\.txt$/)
    const yaml = join(outside, `x-${++counter}.yaml`)
    writeFileSync(yaml, 'a: 1\n')
    const [refYaml] = await ingestRaw([{ path: yaml, visit: 3, detector: counter % 100 }], 'copy')
    assert.equal((await recordOf(refYaml!)).formatter, 'YamlFormatter')
    assert.deepEqual(await butler.datastore.get(refYaml!), { a: 1 })
    const bad = source(outside, '.fits')
    await assert.rejects(ingestRaw([bad], 'copy'), (e: ButlerUserError) => {
      assert.equal(e.code, 'formatter')
      assert.match(e.message, /\.fits/)
      return true
    })
  })

  it('removeRuns deletes transferred artifacts but never direct ones', async () => {
    const run = 'ingest/removal'
    const files = ['copy', 'hardlink', 'symlink', 'direct'].map(() => source())
    const refs: DatasetRef[] = []
    for (const [i, mode] of (['copy', 'hardlink', 'symlink', 'direct'] as const).entries()) {
      const [ref] = await butler.ingest(
        [
          {
            path: files[i]!.path,
            refs: [{ datasetType: 'summary', dataId: { instrument: 'HSC', visit: 150, detector: i } }],
          },
        ],
        { run, transfer: mode },
      )
      refs.push(ref!)
    }
    const artifacts = await butler.datastore.artifacts(refs)
    assert.equal(artifacts.length, 4)
    await butler.removeRuns([run])
    for (const a of artifacts.slice(0, 3))
      assert.equal(lstatSync(a.absolutePath, { throwIfNoEntry: false }), undefined)
    for (const f of files) assert.equal(existsSync(f.path), true, `source ${f.path} must remain`)
    assert.equal(statSync(files[1]!.path).nlink, 1)
  })

  it('a missing file is a user error naming it; nothing changes', async () => {
    const present = source()
    const missing = join(outside, 'no-such-file.json')
    const beforeFiles = await listFiles(repo)
    await assert.rejects(
      butler.ingest(
        [present, { path: missing, visit: 5, detector: 5 }].map((s) => ({
          path: s.path,
          refs: [
            { datasetType: 'summary', dataId: { instrument: 'HSC', visit: s.visit, detector: s.detector } },
          ],
        })),
        { run: 'ingest/missing', transfer: 'move' },
      ),
      (e: ButlerUserError) => {
        assert.equal(e.code, 'input')
        assert.match(e.message, /no-such-file\.json/)
        return true
      },
    )
    assert.equal(existsSync(present.path), true, 'nothing was moved')
    assert.deepEqual(
      await listFiles(repo).then((l) => l.filter((f) => !f.startsWith('gen3'))),
      beforeFiles.filter((f) => !f.startsWith('gen3')),
    )
    assert.deepEqual(await butler.queryCollections('ingest/missing*'), [])
  })

  it('a destination that exists already is a user error', async () => {
    const a = source()
    const [ref] = await ingestRaw([a], 'copy')
    const info = await recordOf(ref!)
    await butler.pruneDatasets([ref!], { purge: true })
    writeFileSync(info.absolutePath, '{}')
    const b = { ...source(), visit: a.visit, detector: a.detector }
    await assert.rejects(ingestRaw([b], 'copy'), (e: ButlerUserError) => {
      assert.equal(e.code, 'conflicting_definition')
      assert.match(e.message, /already exists/)
      return true
    })
  })

  it('a failure after the transfers undoes them: copies removed, moved files restored', async () => {
    const copies = [source(), source()]
    const moves = [source(), source()]
    const contents = moves.map((m) => readFileSync(m.path, 'utf8'))
    const beforeFiles = await listFiles(repo)
    await assert.rejects(
      butler.transaction(async () => {
        await ingestRaw(copies, 'copy')
        await ingestRaw(moves, 'move')
        assert.equal(existsSync(moves[0]!.path), false)
        throw new Error('boom')
      }),
      /boom/,
    )
    moves.forEach((m, i) => {
      assert.equal(readFileSync(m.path, 'utf8'), contents[i], 'moved file restored')
    })
    assert.deepEqual(await listFiles(repo), beforeFiles)
  })

  it('a failure in the middle of the transfers removes the files already placed', {
    skip: shmSkip(),
  }, async () => {
    const shm = join('/dev/shm', `butler-ingest-x-${process.pid}`)
    try {
      const files = [source(), source(), source(shm)]
      const beforeFiles = await listFiles(repo)
      await assert.rejects(ingestRaw(files, 'hardlink'), /hardlink/)
      assert.deepEqual(await listFiles(repo), beforeFiles)
      for (const f of files.slice(0, 2)) assert.equal(statSync(f.path).nlink, 1)
    } finally {
      await rm(shm, { recursive: true, force: true })
    }
  })

  it('one file may back several datasets; it goes with the last of them', async () => {
    const s = source()
    const type = await butler.getDatasetType('summary')
    const refs = await butler.writeTransaction(async (undo) => {
      await butler.registry.registerRun(RUN)
      const ids = await Promise.all(
        [190, 191].map((visit) => butler.registry.expandDataId({ instrument: 'HSC', visit, detector: 1 })),
      )
      const inserted = await butler.registry.insertDatasets(type, RUN, ids)
      await butler.datastore.ingest([{ path: s.path, refs: inserted }], { transfer: 'copy' }, undo)
      return inserted
    })
    const [a, b] = await butler.datastore.artifacts(refs)
    assert.equal(a!.path, b!.path)
    await butler.pruneDatasets([refs[0]!], { purge: true })
    assert.equal(existsSync(a!.absolutePath), true, 'still used by the second dataset')
    assert.ok(await butler.datastore.get(refs[1]!))
    await butler.pruneDatasets([refs[1]!], { purge: true })
    assert.equal(existsSync(a!.absolutePath), false)
  })

  it('takes target paths and checksums as given (transfers); a target leaving the root is refused', async () => {
    const type = await butler.getDatasetType('summary')
    const s = source()
    const [ref] = await butler.writeTransaction(async (undo) => {
      await butler.registry.registerRun(RUN)
      const dataId = await butler.registry.expandDataId({ instrument: 'HSC', visit: 180, detector: 2 })
      const refs = await butler.registry.insertDatasets(type, RUN, [dataId])
      await butler.datastore.ingest(
        [{ path: s.path, refs }],
        { transfer: 'copy', targetPaths: ['kept/layout/x.json'], checksums: ['abc123'] },
        undo,
      )
      return refs
    })
    const info = await recordOf(ref!)
    assert.equal(info.path, 'kept/layout/x.json')
    assert.equal(info.checksum, 'abc123')
    const t = source()
    await assert.rejects(
      butler.writeTransaction(async (undo) => {
        const dataId = await butler.registry.expandDataId({ instrument: 'HSC', visit: 180, detector: 3 })
        const refs = await butler.registry.insertDatasets(type, RUN, [dataId])
        await butler.datastore.ingest(
          [{ path: t.path, refs }],
          { transfer: 'copy', targetPaths: ['../escape.json'] },
          undo,
        )
      }),
      (e: ButlerUserError) => e.code === 'path_escape',
    )
    assert.equal(existsSync(join(repo, '..', 'escape.json')), false)
  })

  it('records a checksum of the source when the datastore keeps checksums', async () => {
    const repo2 = join(base, 'repo-checksum')
    await createRepository(repo2, { config: { datastore: { checksum: true } } })
    const b2 = await openButler(repo2)
    try {
      await b2.insertDimensionRecords('instrument', [{ name: 'HSC', detector_max: 200, visit_max: 999 }])
      const dims = b2.universe.group(['instrument', 'detector'])
      await b2.registerDatasetType(new DatasetType('cfg', dims, 'StructuredDataDict'))
      await b2.insertDimensionRecords('detector', [{ instrument: 'HSC', id: 1, full_name: 'D1' }])
      const s = source()
      const [ref] = await b2.ingest(
        [{ path: s.path, refs: [{ datasetType: 'cfg', dataId: { instrument: 'HSC', detector: 1 } }] }],
        { run: 'c', transfer: 'symlink' },
      )
      const [info] = await b2.datastore.artifacts([ref!])
      assert.equal(info!.checksum, createHash('blake2b512').update(readFileSync(s.path)).digest('hex'))
      assert.deepEqual(
        await b2.get(ref!, undefined, { verifyChecksum: true }),
        JSON.parse(readFileSync(s.path, 'utf8')),
      )
    } finally {
      await b2.close()
    }
  })

  it('keeps compressed extensions whole', () => {
    assert.equal(ingestExtension('/a/b/raw.fits.gz'), '.fits.gz')
    assert.equal(ingestExtension('/a/b/x.json'), '.json')
    assert.equal(ingestExtension('/a/b/noext'), '')
    assert.equal(fileURLToPath(pathToFileURL('/a b/c.json')), '/a b/c.json')
  })
})

function shmSkip(): string | false {
  if (!existsSync('/dev/shm')) return 'no /dev/shm (a second filesystem) here'
  try {
    return statSync('/dev/shm').dev !== statSync(tmpdir()).dev ? false : '/dev/shm is on the same filesystem'
  } catch {
    return 'cannot stat /dev/shm'
  }
}
