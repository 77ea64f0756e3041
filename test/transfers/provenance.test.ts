/**
 * Provenance between repositories, on SQLite and PostgreSQL: put → export → import keeps it (with
 * the dataset IDs), as do `transferFrom` and a zip of artifacts; files without provenance have no
 * `provenance` entry; bad or conflicting provenance entries fail naming the entry.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parse } from 'yaml'
import type { DatasetRef } from '../../src/datasets/dataset-ref.js'
import { DatasetType } from '../../src/datasets/dataset-type.js'
import { DatasetProvenance } from '../../src/datasets/provenance.js'
import { readZipMember } from '../../src/datastore/file/zip-member.js'
import type { DirectButler } from '../../src/direct/direct-butler.js'
import {
  ConflictingDefinitionError,
  ExportFileError,
  InputError,
  openButler,
  uuid7,
} from '../../src/index.js'
import { exportFile } from '../../src/transfers/export.js'
import { importFile } from '../../src/transfers/import-file.js'
import { buildZipIndex, parseZipIndex, ZIP_INDEX_NAME } from '../../src/transfers/zip-index.js'
import { createTestRepository, DATABASES } from '../support/databases.js'
import { insertCameraRecords } from '../support/records.js'

for (const db of DATABASES) {
  describe(`provenance between repositories (${db.name})`, { skip: db.skip }, () => {
    let dir: string
    let source: DirectButler
    let raw: DatasetRef
    let post: DatasetRef
    let calexp: DatasetRef
    let postProvenance: DatasetProvenance
    let n = 0
    const dataId = { instrument: 'HSC', visit: 903334, detector: 16 }

    const emptyRepo = async (): Promise<DirectButler> =>
      openButler(await createTestRepository(db, join(dir, `target-${++n}`)))

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'butler-prov-transfer-'))
      source = await openButler(await createTestRepository(db, join(dir, 'source')), { run: 'u/me/proc' })
      await insertCameraRecords(source, { detectors: [16], visits: [903334] })
      const group = source.universe.group(['instrument', 'visit', 'detector'])
      for (const name of ['raw', 'postISRCCD', 'calexp']) {
        await source.registerDatasetType(new DatasetType(name, group, 'StructuredDataDict'))
      }
      raw = await source.put({ pixels: [1] }, 'raw', dataId, { run: 'HSC/raw/all' })
      postProvenance = new DatasetProvenance({ task: 'isr', quantumId: uuid7(), extras: { ok: true } })
        .addInput(raw, { amp: 'all' })
        .addInput({ id: uuid7(), run: 'elsewhere', datasetType: 'bias' })
      post = await source.put({ pixels: [0] }, 'postISRCCD', dataId, { provenance: postProvenance })
      calexp = await source.put({ pixels: [0] }, 'calexp', dataId, {
        provenance: new DatasetProvenance({ task: 'calibrate' }).addInput(post),
      })
    })
    after(async () => {
      await source.close()
      await rm(dir, { recursive: true, force: true })
    })

    it('survives put → export → import with the dataset IDs', async () => {
      const out = join(dir, 'export')
      const file = join(out, 'export.yaml')
      await exportFile(source, file, (ctx) => ctx.saveDatasets([raw, post, calexp]), {
        directory: out,
        transfer: 'copy',
      })
      const text = await readFile(file, 'utf8')
      const entries = (
        parse(text, { logLevel: 'silent' }) as { data: { type: string; records?: unknown[] }[] }
      ).data
      const provenanceEntries = entries.filter((e) => e.type === 'provenance')
      assert.equal(provenanceEntries.length, 1)
      assert.equal(provenanceEntries[0]!.records!.length, 2, 'raws have none')
      assert.match(text, /task: isr/)

      const target = await emptyRepo()
      try {
        const summary = await importFile(target, { filename: file, transfer: 'copy' })
        assert.equal(summary.provenance, 2)
        assert.ok((await target.getProvenance(post.id))!.equals(postProvenance))
        const graph = await target.walkProvenance(calexp.id)
        assert.deepEqual(
          graph.nodes.map((n) => [n.datasetType, n.known, n.depth]),
          [
            ['calexp', true, 0],
            ['postISRCCD', true, 1],
            ['raw', true, 2],
            ['bias', false, 2],
          ],
        )
        assert.deepEqual(await target.get('calexp', dataId, { collections: ['u/me/proc'] }), { pixels: [0] })
        // Importing the same registry content again changes nothing.
        await importFile(target, { filename: file, withoutDatastore: true })
        assert.ok((await target.getProvenance(post.id))!.equals(postProvenance))

        // A file whose provenance disagrees with the repository's is refused, naming the entry.
        const altered = text.replace('task: isr', 'task: not-isr')
        await assert.rejects(
          importFile(target, { text: altered, withoutDatastore: true }),
          (e: Error) =>
            e instanceof ConflictingDefinitionError && /data\[\d+\] \(provenance\)/.test(e.message),
        )
      } finally {
        await target.close()
      }
    })

    it('writes no provenance entry when there is none, and checks the entries it reads', async () => {
      const file = join(dir, 'raw-only.yaml')
      const exported = await exportFile(source, file, (ctx) => ctx.saveDatasets([raw]))
      assert.ok(!exported.data.some((e) => e.type === 'provenance'))
      assert.doesNotMatch(await readFile(file, 'utf8'), /provenance/)
      const without = await exportFile(source, join(dir, 'without.yaml'), (ctx) => ctx.saveDatasets([post]), {
        provenance: false,
      })
      assert.ok(!without.data.some((e) => e.type === 'provenance'), 'left out on request')

      const withProvenance = join(dir, 'post-only.yaml')
      await exportFile(source, withProvenance, (ctx) => ctx.saveDatasets([post]))
      const text = await readFile(withProvenance, 'utf8')
      const target = await emptyRepo()
      try {
        // A record for a dataset neither in the file nor in the repository.
        const stray = text.replace(
          /dataset_id: !uuid '[0-9a-f-]+'\n(\s+task)/,
          `dataset_id: !uuid '${uuid7()}'\n$1`,
        )
        assert.notEqual(stray, text)
        await assert.rejects(
          importFile(target, { text: stray, withoutDatastore: true }),
          (e: Error) =>
            e instanceof ExportFileError && /neither in the file nor in the repository/.test(e.message),
        )
        // A damaged input.
        const damaged = text.replace(/dataset_type: raw\n/, 'dataset_type: 9raw\n')
        assert.notEqual(damaged, text)
        await assert.rejects(
          importFile(target, { text: damaged, withoutDatastore: true }),
          (e: Error) =>
            e instanceof ExportFileError && /\(provenance\), records\[0\], inputs\[0\]/.test(e.message),
        )
        assert.deepEqual(await target.queryDatasetTypes(), [], 'nothing was imported')
      } finally {
        await target.close()
      }
    })

    it('is copied by transferFrom', async () => {
      const target = await emptyRepo()
      try {
        await target.transferFrom(source, [raw, post, calexp], {
          registerDatasetTypes: true,
          transferDimensions: true,
        })
        assert.ok((await target.getProvenance(post))!.equals(postProvenance))
        assert.equal((await target.getProvenance(calexp))?.task, 'calibrate')
        assert.equal(await target.getProvenance(raw), undefined)
        assert.equal((await target.walkProvenance(calexp)).nodes.length, 4)
      } finally {
        await target.close()
      }
    })

    it('travels in a zip of artifacts', async () => {
      const zip = await source.retrieveArtifactsZip([raw, post], join(dir, 'zips'))
      const index = parseZipIndex((await readZipMember(zip, ZIP_INDEX_NAME)).toString('utf8'))
      assert.deepEqual(Object.keys(index.provenance ?? {}), [post.id])
      const target = await emptyRepo()
      try {
        await target.ingestZip(zip, { transferDimensions: true })
        assert.ok((await target.getProvenance(post))!.equals(postProvenance))
        assert.deepEqual(
          (await target.findDerived(raw)).map((r) => r.id),
          [post.id],
        )
      } finally {
        await target.close()
      }
      // An index naming provenance of a dataset it does not hold, or damaged provenance, is refused.
      const info = {
        path: 'm',
        formatter: 'JsonFormatter',
        storage_class: 'StructuredDataDict',
        file_size: 1,
      }
      const built = buildZipIndex(
        source.universe,
        [raw],
        [{ member: 'm', info, ids: [raw.id] }],
        undefined,
        new Map([[post.id, postProvenance]]),
      )
      assert.throws(
        () => parseZipIndex(JSON.stringify(built)),
        (e: Error) =>
          e instanceof InputError && /provenance of dataset .* not in compact_refs/.test(e.message),
      )
      const bad = {
        ...index,
        provenance: { [post.id]: { inputs: [{ id: 'x', run: 'r', datasetType: 'raw' }] } },
      }
      assert.throws(() => parseZipIndex(JSON.stringify(bad)), /provenance of .*not a UUID/)
    })
  })
}
