/**
 * `Butler.ingest`: data ID expansion, run registration, ID generation modes, resolved refs,
 * skip-existing, and bad input leaving the repository unchanged.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import {
  type ButlerUserError,
  DatasetRef,
  DatasetType,
  type DirectButler,
  makeDatasetId,
  openButler,
} from '../../src/index.js'
import { createTestRepository, DATABASES } from '../support/databases.js'
import { ids, insertCameraRecords } from '../support/records.js'

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => !e.isDirectory() && !e.name.startsWith('gen3.sqlite3'))
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort()
}

function userError(code: string, pattern: RegExp) {
  return (e: ButlerUserError) => {
    assert.equal(e.code, code, e.message)
    assert.match(e.message, pattern)
    return true
  }
}

for (const db of DATABASES) {
  describe(`Butler.ingest (${db.name})`, { skip: db.skip }, () => {
    let base: string
    let repo: string
    let src: string
    let butler: DirectButler
    let n = 0

    before(async () => {
      base = await mkdtemp(join(tmpdir(), 'butler-bingest-'))
      repo = join(base, 'repo')
      src = join(base, 'src')
      mkdirSync(src)
      await createTestRepository(db, repo)
      butler = await openButler(repo, { dataIdDefaults: { instrument: 'HSC' } })
      await insertCameraRecords(butler, {
        visitMax: 999,
        dayObs: 20240101,
        detectors: ids(20),
        visits: [1, 2, 3],
      })
      const dims = butler.universe.group(['instrument', 'visit', 'detector'])
      await butler.registerDatasetType(new DatasetType('summary', dims, 'StructuredDataDict'))
      await butler.registerDatasetType(new DatasetType('notes', dims, 'Text'))
    })

    after(async () => {
      await butler.close()
      await rm(base, { recursive: true, force: true })
    })

    function file(content: unknown = { n: ++n }, ext = '.json'): string {
      const path = join(src, `f${++n}${ext}`)
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
      return path
    }

    it('ingests by dataset type and data ID into a new run, expanding data IDs', async () => {
      const path = file({ a: 1 })
      const refs = await butler.ingest(
        [{ path, refs: [{ datasetType: 'summary', dataId: { visit: 1, detector: 1 } }] }],
        { run: 'ingest/a', transfer: 'copy' },
      )
      assert.equal(refs.length, 1)
      assert.equal(refs[0]!.run, 'ingest/a')
      assert.equal(refs[0]!.dataId.get('band'), 'r', 'implied values come from the records')
      assert.deepEqual(
        await butler.get('summary', { visit: 1, detector: 1 }, { collections: ['ingest/a'] }),
        {
          a: 1,
        },
      )
      const uri = await butler.getURI(refs[0]!)
      assert.match(uri, /ingest\/a\/summary\/.*\.json$/)
    })

    it('makes deterministic IDs with DATAID_TYPE and refuses the same dataset twice', async () => {
      const opts = { run: 'ingest/det', transfer: 'copy', idGenerationMode: 'DATAID_TYPE' } as const
      const item = { datasetType: 'summary', dataId: { visit: 2, detector: 3 } }
      const [ref] = await butler.ingest([{ path: file(), refs: [item] }], opts)
      assert.equal(
        ref!.id,
        makeDatasetId('DATAID_TYPE', 'summary', { detector: 3, instrument: 'HSC', visit: 2 }, ''),
      )
      const second = file()
      await assert.rejects(
        butler.ingest([{ path: second, refs: [item] }], opts),
        userError('conflicting_definition', /summary/),
      )
      const [again] = await butler.ingest([{ path: second, refs: [item] }], { ...opts, skipExisting: true })
      assert.equal(again!.id, ref!.id)
    })

    it('DATAID_TYPE_RUN IDs depend on the run', async () => {
      const item = { datasetType: 'summary', dataId: { visit: 3, detector: 3 } }
      const [a] = await butler.ingest([{ path: file(), refs: [item] }], {
        run: 'ingest/r1',
        idGenerationMode: 'DATAID_TYPE_RUN',
      })
      const [b] = await butler.ingest([{ path: file(), refs: [item] }], {
        run: 'ingest/r2',
        idGenerationMode: 'DATAID_TYPE_RUN',
      })
      assert.notEqual(a!.id, b!.id)
      assert.equal(
        a!.id,
        makeDatasetId(
          'DATAID_TYPE_RUN',
          'summary',
          { detector: 3, instrument: 'HSC', visit: 3 },
          'ingest/r1',
        ),
      )
    })

    it('imports resolved refs with their own IDs and registers their run', async () => {
      const type = await butler.getDatasetType('summary')
      const dataId = await butler.expandDataId({ visit: 1, detector: 7 }, { datasetType: 'summary' })
      const id = '0190f3a2-1111-7222-8333-444455556666'
      const ref = new DatasetRef(type, dataId, 'ingest/resolved', id)
      const [out] = await butler.ingest([{ path: pathToFileURL(file({ r: 1 })).href, refs: [ref] }], {
        transfer: 'symlink',
      })
      assert.equal(out!.id, id)
      assert.deepEqual(await butler.get(out!), { r: 1 })
      assert.deepEqual(
        (await butler.queryCollections('ingest/resolved')).map((c) => c.name),
        ['ingest/resolved'],
      )
    })

    it('one file backs several datasets; a given formatter is used', async () => {
      const path = file('"shared text"')
      const refs = await butler.ingest(
        [
          {
            path,
            formatter: 'JsonFormatter',
            refs: [
              { datasetType: 'notes', dataId: { visit: 1, detector: 10 } },
              { datasetType: 'notes', dataId: { visit: 2, detector: 10 } },
            ],
          },
        ],
        { run: 'ingest/multi', transfer: 'copy' },
      )
      assert.equal(refs.length, 2)
      for (const ref of refs) assert.equal(await butler.get(ref), 'shared text')
      const artifacts = await butler.datastore.artifacts(refs)
      assert.equal(new Set(artifacts.map((a) => a.path)).size, 1)
      assert.equal(artifacts[0]!.formatter, 'JsonFormatter')
    })

    it('bad input is a user error and leaves the repository unchanged', async () => {
      const before = listFiles(repo)
      const collections = (await butler.queryCollections()).map((c) => c.name)
      const good = file()
      const cases: [() => Promise<unknown>, string, RegExp][] = [
        [
          () =>
            butler.ingest(
              [{ path: good, refs: [{ datasetType: 'summary', dataId: { visit: 99, detector: 1 } }] }],
              {
                run: 'ingest/bad',
                transfer: 'move',
              },
            ),
          'data_id_value',
          /visit=99/,
        ],
        [
          () =>
            butler.ingest(
              [{ path: good, refs: [{ datasetType: 'nope', dataId: { visit: 1, detector: 1 } }] }],
              {
                run: 'ingest/bad',
              },
            ),
          'missing_dataset_type',
          /nope/,
        ],
        [
          () =>
            butler.ingest([
              { path: good, refs: [{ datasetType: 'summary', dataId: { visit: 1, detector: 1 } }] },
            ]),
          'input',
          /No RUN/,
        ],
        [
          () =>
            butler.ingest(
              [
                { path: good, refs: [{ datasetType: 'summary', dataId: { visit: 1, detector: 11 } }] },
                {
                  path: join(src, 'gone.json'),
                  refs: [{ datasetType: 'summary', dataId: { visit: 1, detector: 12 } }],
                },
              ],
              { run: 'ingest/bad', transfer: 'move' },
            ),
          'input',
          /gone\.json/,
        ],
        [
          () =>
            butler.ingest(
              [
                {
                  path: good,
                  formatter: 'TextFormatter',
                  refs: [{ datasetType: 'notes', dataId: { visit: 1, detector: 13 } }],
                },
              ],
              { run: 'ingest/bad', transfer: 'copy' },
            ),
          'formatter',
          /\.json/,
        ],
        [
          () =>
            butler.ingest(
              [11, 12].map((detector) => ({
                path: good,
                refs: [{ datasetType: 'summary', dataId: { visit: 1, detector } }],
              })),
              { run: 'ingest/bad', transfer: 'move' },
            ),
          'input',
          /listed twice/,
        ],
      ]
      for (const [run, code, pattern] of cases) await assert.rejects(run(), userError(code, pattern))
      assert.equal(existsSync(good), true)
      assert.deepEqual(listFiles(repo), before)
      assert.deepEqual(
        (await butler.queryCollections()).map((c) => c.name),
        collections,
      )
    })
  })
}
