import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { after, before, beforeEach, describe, it } from 'node:test'
import { type DatasetRef, DatasetType, type DirectButler, openButler } from '../../src/index.js'
import { Timespan } from '../../src/time/timespan.js'
import { createTestRepository, DATABASES } from '../support/databases.js'

async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return []
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() || e.isSymbolicLink()) out.push(relative(dir, join(e.parentPath, e.name)))
  }
  return out.filter((f) => !/gen3\.sqlite3|butler\.yaml/.test(f)).sort()
}

/** Inserts the dimension records of the tests: one instrument, a filter, a day, two detectors, two visits. */
async function addRecords(butler: DirectButler): Promise<void> {
  await butler.insertDimensionRecords('instrument', [
    { name: 'HSC', detector_max: 200, visit_max: 30_000_000 },
  ])
  await butler.insertDimensionRecords('physical_filter', [{ instrument: 'HSC', name: 'HSC-R', band: 'r' }])
  await butler.insertDimensionRecords('day_obs', [
    { instrument: 'HSC', id: 20130617, timespan: Timespan.fromDayObs(20130617) },
  ])
  await butler.insertDimensionRecords('detector', [
    { instrument: 'HSC', id: 16, full_name: '1_36' },
    { instrument: 'HSC', id: 17, full_name: '1_37' },
  ])
  await butler.insertDimensionRecords('visit', [
    { instrument: 'HSC', id: 903334, name: 'v1', physical_filter: 'HSC-R', day_obs: 20130617 },
    { instrument: 'HSC', id: 903336, name: 'v2', physical_filter: 'HSC-R', day_obs: 20130617 },
  ])
}

function types(butler: DirectButler): DatasetType[] {
  const dims = butler.universe.group(['instrument', 'visit', 'detector'])
  return [new DatasetType('meta', dims, 'StructuredDataDict'), new DatasetType('notes', dims, 'Text')]
}

for (const db of DATABASES) {
  describe(`transfers between repositories (${db.name})`, { skip: db.skip }, () => {
    let base: string
    let source: DirectButler
    let sourceRefs: DatasetRef[]
    let n = 0

    /** A new empty repository (with the records unless told otherwise). */
    async function emptyRepo(options: { records?: boolean; types?: boolean } = {}): Promise<DirectButler> {
      const repo = join(base, `target-${++n}`)
      await createTestRepository(db, repo)
      const butler = await openButler(repo)
      if (options.records ?? true) await addRecords(butler)
      if (options.types) for (const t of types(butler)) await butler.registerDatasetType(t)
      return butler
    }

    before(async () => {
      base = await mkdtemp(join(tmpdir(), 'butler-transfer-'))
      await createTestRepository(db, join(base, 'source'))
      source = await openButler(join(base, 'source'), { run: 'u/src/run1' })
      await addRecords(source)
      for (const t of types(source)) await source.registerDatasetType(t)
      sourceRefs = []
      for (const visit of [903334, 903336]) {
        for (const detector of [16, 17]) {
          const dataId = { instrument: 'HSC', visit, detector }
          sourceRefs.push(await source.put({ visit, detector, ok: true }, 'meta', dataId))
          sourceRefs.push(await source.put(`notes on ${visit}/${detector}`, 'notes', dataId))
        }
      }
    })

    after(async () => {
      await source.close()
      await rm(base, { recursive: true, force: true })
    })

    describe('transferFrom', () => {
      it('keeps UUIDs, runs, paths and bytes, and the target reads the same objects', async () => {
        const target = await emptyRepo({ types: true })
        try {
          const moved = await target.transferFrom(source, sourceRefs)
          assert.equal(moved.length, sourceRefs.length)
          const again = await target.registry.getDatasets(sourceRefs.map((r) => r.id))
          assert.deepEqual(again.map((r) => r.id).sort(), sourceRefs.map((r) => r.id).sort())
          assert.ok(again.every((r) => r.run === 'u/src/run1'))
          const srcFiles = await listFiles(join(base, 'source'))
          const dstFiles = await listFiles(join(base, `target-${n}`))
          assert.deepEqual(dstFiles, srcFiles)
          for (const f of srcFiles) {
            assert.deepEqual(
              await readFile(join(base, `target-${n}`, f)),
              await readFile(join(base, 'source', f)),
            )
          }
          for (const ref of sourceRefs) assert.deepEqual(await target.get(ref), await source.get(ref))
          assert.deepEqual(await target.verify(), [])
        } finally {
          await target.close()
        }
      })

      it('skips datasets the target already has', async () => {
        const target = await emptyRepo({ types: true })
        try {
          const first = await target.transferFrom(source, sourceRefs.slice(0, 3))
          assert.equal(first.length, 3)
          const second = await target.transferFrom(source, sourceRefs)
          assert.deepEqual(
            second.map((r) => r.id).sort(),
            sourceRefs
              .slice(3)
              .map((r) => r.id)
              .sort(),
          )
          assert.equal((await target.transferFrom(source, sourceRefs)).length, 0)
        } finally {
          await target.close()
        }
      })

      it('leaves out datasets without artifacts unless skipMissing is false', async () => {
        const dataId = { instrument: 'HSC', visit: 903336, detector: 17 }
        const unstored = await source.put('gone', 'notes', dataId, { run: 'u/src/unstored' })
        await source.pruneDatasets([unstored], { unstore: true })
        const target = await emptyRepo({ types: true })
        try {
          assert.deepEqual(await target.transferFrom(source, [unstored]), [])
          assert.deepEqual(await target.registry.getDatasets([unstored.id]), [])
          const moved = await target.transferFrom(source, [unstored], { skipMissing: false })
          assert.equal(moved.length, 1)
          const existence = await target.exists(unstored)
          assert.equal(existence.recorded, true)
          assert.equal(existence.datastore, false)
        } finally {
          await target.close()
          await source.pruneDatasets([unstored], { purge: true })
        }
      })

      it('registers dataset types only when asked', async () => {
        const target = await emptyRepo()
        try {
          await assert.rejects(target.transferFrom(source, sourceRefs), (e: Error & { code?: string }) => {
            assert.equal(e.code, 'missing_dataset_type')
            assert.match(e.message, /meta|notes/)
            return true
          })
          assert.deepEqual(await target.queryDatasetTypes(), [])
          assert.deepEqual(await listFiles(join(base, `target-${n}`)), [])
          await target.transferFrom(source, sourceRefs, { registerDatasetTypes: true })
          assert.deepEqual(
            (await target.queryDatasetTypes()).map((t) => t.name),
            ['meta', 'notes'],
          )
        } finally {
          await target.close()
        }
      })

      it('refuses a dataset type defined differently, even with registerDatasetTypes', async () => {
        const target = await emptyRepo()
        try {
          const dims = target.universe.group(['instrument', 'visit', 'detector'])
          await target.registerDatasetType(new DatasetType('meta', dims, 'StructuredDataList'))
          await assert.rejects(
            target.transferFrom(source, sourceRefs, { registerDatasetTypes: true }),
            (e: Error & { code?: string }) => e.code === 'conflicting_definition',
          )
        } finally {
          await target.close()
        }
      })

      it('copies dimension records when asked, and names a missing record otherwise', async () => {
        const target = await emptyRepo({ records: false })
        try {
          await assert.rejects(
            target.transferFrom(source, sourceRefs, { registerDatasetTypes: true }),
            (e: Error & { code?: string }) => {
              assert.equal(e.code, 'data_id_value')
              assert.match(e.message, /instrument|visit|detector/)
              return true
            },
          )
          assert.deepEqual(await target.registry.fetchDimensionRecords('instrument'), [])
          await target.transferFrom(source, sourceRefs, {
            registerDatasetTypes: true,
            transferDimensions: true,
          })
          const visits = await target.registry.fetchDimensionRecords('visit')
          assert.deepEqual(visits.map((v) => v.get('id')).sort(), [903334, 903336])
          const [day] = await target.registry.fetchDimensionRecords('day_obs')
          const [srcDay] = await source.registry.fetchDimensionRecords('day_obs')
          assert.deepEqual(
            (day!.get('timespan') as Timespan).toSimple(),
            (srcDay!.get('timespan') as Timespan).toSimple(),
            'timespans survive',
          )
          assert.deepEqual(await target.get(sourceRefs[0]!), await source.get(sourceRefs[0]!))
        } finally {
          await target.close()
        }
      })

      it('leaves files stored by absolute path where they are under auto, and copies them under copy', async () => {
        const outside = join(base, 'outside-note.txt')
        await writeFile(outside, 'kept outside\n')
        const [direct] = await source.ingest(
          [
            {
              path: outside,
              refs: [{ datasetType: 'notes', dataId: { instrument: 'HSC', visit: 903336, detector: 16 } }],
            },
          ],
          { transfer: 'direct', run: 'u/src/direct' },
        )
        const auto = await emptyRepo({ types: true })
        const copy = await emptyRepo({ types: true })
        try {
          await auto.transferFrom(source, [direct!])
          const [a] = await auto.datastore.artifacts([direct!])
          assert.equal(a!.absolutePath, outside)
          assert.equal(await auto.get(direct!), 'kept outside\n')
          await copy.transferFrom(source, [direct!], { transfer: 'copy' })
          const [c] = await copy.datastore.artifacts([direct!])
          assert.notEqual(c!.absolutePath, outside)
          assert.ok(c!.absolutePath.startsWith(join(base, `target-${n}`)))
          assert.equal(await copy.get(direct!), 'kept outside\n')
        } finally {
          await auto.close()
          await copy.close()
          await source.pruneDatasets([direct!], { purge: true })
        }
      })

      it('reports without writing on a dry run', async () => {
        const target = await emptyRepo()
        try {
          const would = await target.transferFrom(source, sourceRefs, {
            registerDatasetTypes: true,
            dryRun: true,
          })
          assert.equal(would.length, sourceRefs.length)
          assert.deepEqual(await target.queryDatasetTypes(), [])
          assert.deepEqual(await listFiles(join(base, `target-${n}`)), [])
        } finally {
          await target.close()
        }
      })

      it('leaves the target unchanged when an artifact fails mid-way', async () => {
        // A second source whose last file is gone: the registry still lists it.
        const repo = join(base, 'broken-source')
        await createTestRepository(db, repo)
        const broken = await openButler(repo, { run: 'u/broken' })
        const target = await emptyRepo()
        try {
          await addRecords(broken)
          for (const t of types(broken)) await broken.registerDatasetType(t)
          const refs: DatasetRef[] = []
          for (const detector of [16, 17])
            refs.push(await broken.put({ detector }, 'meta', { instrument: 'HSC', visit: 903334, detector }))
          const [last] = await broken.datastore.artifacts([refs[1]!])
          await unlink(last!.absolutePath)
          await assert.rejects(target.transferFrom(broken, refs, { registerDatasetTypes: true }))
          assert.deepEqual(await target.queryDatasetTypes(), [])
          assert.deepEqual(await target.registry.getDatasets(refs.map((r) => r.id)), [])
          assert.deepEqual(
            (await target.queryCollections()).map((c) => c.name),
            [],
          )
          assert.deepEqual(await listFiles(join(base, `target-${n}`)), [])
        } finally {
          await broken.close()
          await target.close()
        }
      })
    })

    describe('retrieveArtifacts', () => {
      let dest: string
      beforeEach(async () => {
        dest = await mkdtemp(join(base, 'retrieve-'))
      })

      it('copies files keeping their datastore paths', async () => {
        const written = await source.retrieveArtifacts(sourceRefs, dest)
        assert.equal(written.length, sourceRefs.length)
        assert.deepEqual(await listFiles(dest), await listFiles(join(base, 'source')))
        for (const f of await listFiles(dest))
          assert.deepEqual(await readFile(join(dest, f)), await readFile(join(base, 'source', f)))
      })

      it('flattens paths without preservePath, and links when asked', async () => {
        const written = await source.retrieveArtifacts(sourceRefs.slice(0, 2), dest, {
          preservePath: false,
          transfer: 'symlink',
        })
        assert.equal(written.length, 2)
        const files = await listFiles(dest)
        assert.ok(
          files.every((f) => !f.includes('/')),
          `flat: ${files}`,
        )
        const [artifact] = await source.datastore.artifacts([sourceRefs[0]!])
        assert.equal(
          await readlink(join(dest, files.find((f) => f.startsWith('meta'))!)),
          artifact!.absolutePath,
        )
      })

      it('refuses to overwrite without overwrite, writing nothing', async () => {
        const [artifact] = await source.datastore.artifacts([sourceRefs[1]!])
        const clash = join(dest, relative(join(base, 'source'), artifact!.absolutePath))
        await mkdir(join(clash, '..'), { recursive: true })
        await writeFile(clash, 'mine')
        await assert.rejects(source.retrieveArtifacts(sourceRefs, dest), (e: Error & { code?: string }) => {
          assert.equal(e.code, 'conflicting_definition')
          return true
        })
        assert.deepEqual(await listFiles(dest), [relative(dest, clash)])
        assert.equal(await readFile(clash, 'utf8'), 'mine')
        await source.retrieveArtifacts(sourceRefs, dest, { overwrite: true })
        assert.notEqual(await readFile(clash, 'utf8'), 'mine')
      })

      it('refuses move', async () => {
        await assert.rejects(source.retrieveArtifacts(sourceRefs, dest, { transfer: 'move' }), /move/)
      })
    })

    describe('zip round trip', () => {
      it('retrieves a zip from A, ingests it into an empty B, reads it back and deletes it with its last dataset', async () => {
        const dest = await mkdtemp(join(base, 'zip-'))
        const zip = await source.retrieveArtifactsZip(sourceRefs, dest)
        assert.match(zip, /[0-9a-f-]{36}\.zip$/)
        const again = await source.retrieveArtifactsZip(sourceRefs, await mkdtemp(join(base, 'zip-')))
        assert.equal(again.slice(-40), zip.slice(-40), 'deterministic name')
        const target = await emptyRepo({ records: false })
        const root = join(base, `target-${n}`)
        try {
          const refs = await target.ingestZip(zip, { transferDimensions: true })
          assert.deepEqual(refs.map((r) => r.id).sort(), sourceRefs.map((r) => r.id).sort())
          const files = await listFiles(root)
          assert.equal(files.length, 1)
          assert.match(files[0]!, /^zips\/[0-9a-f]{4}\/[0-9a-f-]{36}\.zip$/)
          assert.ok(files[0]!.endsWith(zip.slice(-40)))
          for (const ref of sourceRefs) assert.deepEqual(await target.get(ref), await source.get(ref))
          assert.deepEqual(await target.verify({ checksums: true }), [])
          assert.match(await target.getURI(sourceRefs[0]!), /^file:\/\/.*\.zip#zip-path=[0-9a-f-]{36}-meta_/)
          assert.ok((await target.exists(sourceRefs[0]!, undefined, { fullCheck: true })).exists)
          // Removing all but one dataset keeps the zip; removing the last one deletes it.
          await target.pruneDatasets(sourceRefs.slice(1), { purge: true })
          assert.equal((await listFiles(root)).length, 1)
          assert.deepEqual(await target.get(sourceRefs[0]!), await source.get(sourceRefs[0]!))
          await target.pruneDatasets(sourceRefs.slice(0, 1), { purge: true })
          assert.deepEqual(await listFiles(root), [])
        } finally {
          await target.close()
        }
      })

      it('moves datasets out of a zip-ingested repository, and references a zip in place with direct', async () => {
        const zip = await source.retrieveArtifactsZip(
          sourceRefs.slice(0, 4),
          await mkdtemp(join(base, 'zip-')),
        )
        const zipped = await emptyRepo()
        const onward = await emptyRepo()
        try {
          await zipped.ingestZip(zip, { transfer: 'direct' })
          assert.deepEqual(await listFiles(join(base, `target-${n - 1}`)), [], 'direct: nothing copied')
          assert.deepEqual(await zipped.get(sourceRefs[2]!), await source.get(sourceRefs[2]!))
          // Retrieval and transfer take the members out of the zip as plain files.
          const out = await mkdtemp(join(base, 'retrieve-'))
          const written = await zipped.retrieveArtifacts(sourceRefs.slice(0, 4), out, { preservePath: false })
          assert.equal(written.length, 4)
          const [artifact] = await source.datastore.artifacts([sourceRefs[0]!])
          assert.deepEqual(
            await readFile(written.find((w) => w.endsWith(artifact!.path.split('/').pop()!))!),
            await readFile(artifact!.absolutePath),
          )
          const moved = await onward.transferFrom(zipped, sourceRefs.slice(0, 4), {
            registerDatasetTypes: true,
          })
          assert.equal(moved.length, 4)
          for (const ref of sourceRefs.slice(0, 4))
            assert.deepEqual(await onward.get(ref), await source.get(ref))
          assert.deepEqual(await onward.verify(), [])
          // Removing every dataset of a zip used in place leaves the zip alone.
          await zipped.pruneDatasets(sourceRefs.slice(0, 4), { purge: true })
          assert.ok(existsSync(zip))
        } finally {
          await zipped.close()
          await onward.close()
        }
      })

      it('fails on existing datasets unless skipExisting, and on missing records without transferDimensions', async () => {
        const dest = await mkdtemp(join(base, 'zip-'))
        const zip = await source.retrieveArtifactsZip(sourceRefs.slice(0, 2), dest)
        const bare = await emptyRepo({ records: false })
        try {
          await assert.rejects(
            bare.ingestZip(zip),
            (e: Error & { code?: string }) => e.code === 'data_id_value',
          )
          assert.deepEqual(await bare.queryDatasetTypes(), [])
        } finally {
          await bare.close()
        }
        await assert.rejects(
          source.ingestZip(zip),
          (e: Error & { code?: string }) => e.code === 'conflicting_definition',
        )
        assert.deepEqual(await source.ingestZip(zip, { skipExisting: true }), [])
        // A dataset removed from a zip-ingested repository comes back by re-ingesting the same zip.
        const target = await emptyRepo()
        const root = join(base, `target-${n}`)
        try {
          await target.ingestZip(zip)
          await target.pruneDatasets([sourceRefs[0]!], { purge: true })
          const back = await target.ingestZip(zip, { skipExisting: true })
          assert.deepEqual(
            back.map((r) => r.id),
            [sourceRefs[0]!.id],
          )
          assert.equal((await listFiles(root)).length, 1)
          assert.deepEqual(await target.get(sourceRefs[0]!), await source.get(sourceRefs[0]!))
        } finally {
          await target.close()
        }
      })

      it('rejects a corrupt zip and a zip without a valid index', async () => {
        const target = await emptyRepo()
        try {
          const junk = join(base, 'junk.zip')
          await writeFile(junk, 'this is not a zip')
          await assert.rejects(target.ingestZip(junk), (e: Error & { code?: string }) => e.code === 'input')
          const zip = await source.retrieveArtifactsZip(
            sourceRefs.slice(0, 1),
            await mkdtemp(join(base, 'zip-')),
          )
          const bytes = await readFile(zip)
          const cut = join(base, 'cut.zip')
          await writeFile(cut, bytes.subarray(0, bytes.length - 30))
          await assert.rejects(target.ingestZip(cut), (e: Error & { code?: string }) => e.code === 'input')
          await assert.rejects(target.ingestZip(join(base, 'nothing.zip')), /No zip file/)
          assert.deepEqual(await target.queryDatasetTypes(), [])
          assert.deepEqual(await listFiles(join(base, `target-${n}`)), [])
        } finally {
          await target.close()
        }
      })
    })
  })
}
