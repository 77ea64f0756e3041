/**
 * Provenance through the butler, on SQLite and PostgreSQL: `put` / `putMany` record it in the write's
 * transaction and hand the flattened form to the datastore; `getProvenance`, `walkProvenance` (two
 * levels back to raws) and `findDerived` read it; removals take a dataset's own provenance with it.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DatasetRef } from '../../src/datasets/dataset-ref.js'
import { DatasetType } from '../../src/datasets/dataset-type.js'
import { DatasetProvenance, parseFlatProvenance } from '../../src/datasets/provenance.js'
import type { Datastore } from '../../src/datastore/datastore.js'
import { DataCoordinate } from '../../src/dimensions/data-coordinate.js'
import { DirectButler } from '../../src/direct/direct-butler.js'
import { DatasetNotFoundError, InputError, openButler, uuid7 } from '../../src/index.js'
import { createTestRepository, DATABASES } from '../support/databases.js'
import { insertCameraRecords } from '../support/records.js'

const FOREIGN = '0190c5a2-7d4e-7b7a-9f3e-2b1c4d5e6f70'

/** The datastore, with the provenance each write is handed recorded (by dataset ID). */
function recordingDatastore(inner: Datastore): {
  datastore: Datastore
  seen: Map<string, Readonly<Record<string, string | number>> | undefined>
} {
  const seen = new Map<string, Readonly<Record<string, string | number>> | undefined>()
  const datastore = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'put') {
        return (...args: Parameters<Datastore['put']>) => {
          seen.set(args[1].id, args[3]?.provenance)
          return target.put(...args)
        }
      }
      if (prop === 'putMany') {
        return (...args: Parameters<Datastore['putMany']>) => {
          for (const item of args[0]) seen.set(item.ref.id, item.provenance)
          return target.putMany(...args)
        }
      }
      const value = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { datastore, seen }
}

for (const db of DATABASES) {
  describe(`provenance through the butler (${db.name})`, { skip: db.skip }, () => {
    let dir: string
    let butler: DirectButler
    let seen: Map<string, Readonly<Record<string, string | number>> | undefined>
    let raw: DatasetRef
    let bias: DatasetRef
    let post: DatasetRef
    let calexp: DatasetRef
    const dataId = { instrument: 'HSC', visit: 903334, detector: 16 }

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'butler-prov-direct-'))
      const repo = await createTestRepository(db, join(dir, 'repo'))
      const opened = await openButler(repo)
      const recording = recordingDatastore(opened.datastore)
      seen = recording.seen
      butler = new DirectButler(opened.registry, recording.datastore, opened.storageClasses, {
        run: 'u/me/proc',
      })
      await insertCameraRecords(butler, { detectors: [16, 17], visits: [903334] })
      const exposure = butler.universe.group(['instrument', 'visit', 'detector'])
      for (const name of ['raw', 'postISRCCD', 'calexp', 'src']) {
        await butler.registerDatasetType(new DatasetType(name, exposure, 'StructuredDataDict'))
      }
      await butler.registerDatasetType(
        new DatasetType('bias', butler.universe.group(['instrument', 'detector']), 'StructuredDataDict'),
      )
      raw = await butler.put({ pixels: [1, 2] }, 'raw', dataId, { run: 'HSC/raw/all' })
      bias = await butler.put({ level: 3 }, 'bias', { instrument: 'HSC', detector: 16 }, { run: 'calib' })
      const quantum = uuid7()
      post = await butler.put({ pixels: [0, 1] }, 'postISRCCD', dataId, {
        provenance: new DatasetProvenance({ task: 'isr', quantumId: quantum, extras: { attempt: 1 } })
          .addInput(raw)
          .addInput(bias, { amp: 'all' }),
      })
      calexp = await butler.put({ pixels: [0, 1], wcs: 'tan' }, 'calexp', dataId, {
        provenance: new DatasetProvenance({ task: 'calibrate' }).addInput(post),
      })
    })
    after(async () => {
      await butler.close()
      await rm(dir, { recursive: true, force: true })
    })

    it('records provenance with the put and hands its flattened form to the datastore', async () => {
      const p = await butler.getProvenance(post)
      assert.equal(p?.task, 'isr')
      assert.deepEqual(
        p?.inputs.map((i) => [i.id, i.run, i.datasetType]),
        [
          [raw.id, 'HSC/raw/all', 'raw'],
          [bias.id, 'calib', 'bias'],
        ],
      )
      assert.deepEqual(p?.inputExtras.get(bias.id), { amp: 'all' })
      assert.equal(await butler.getProvenance(raw), undefined)
      assert.equal((await butler.getProvenance(calexp.id))?.task, 'calibrate')
      await assert.rejects(butler.getProvenance('not-a-uuid'), InputError)

      const flat = parseFlatProvenance(seen.get(post.id)!)
      assert.equal(flat.id, post.id)
      assert.equal(flat.run, 'u/me/proc')
      assert.equal(flat.datasetType, 'postISRCCD')
      assert.deepEqual(flat.dataId, { instrument: 'HSC', detector: 16, visit: 903334 })
      assert.equal(flat.task, 'isr')
      assert.deepEqual(
        flat.inputs.map((i) => i.id),
        [raw.id, bias.id],
      )
      // Without provenance the file still names its own dataset.
      assert.deepEqual(parseFlatProvenance(seen.get(raw.id)!).id, raw.id)
      assert.equal(parseFlatProvenance(seen.get(raw.id)!).nInputs, 0)
    })

    it('walks back to the raws through two levels', async () => {
      const graph = await butler.walkProvenance(calexp)
      assert.equal(graph.root, calexp.id)
      assert.equal(graph.truncated, false)
      assert.deepEqual(
        graph.nodes.map((n) => [n.datasetType, n.depth, n.hasProvenance, n.task ?? null]),
        [
          ['calexp', 0, true, 'calibrate'],
          ['postISRCCD', 1, true, 'isr'],
          ['raw', 2, false, null],
          ['bias', 2, false, null],
        ],
      )
      assert.deepEqual(graph.nodes[2]!.dataId, { instrument: 'HSC', detector: 16, visit: 903334 })
      assert.ok(graph.nodes.every((n) => n.known))
      assert.deepEqual(
        graph.edges.map((e) => [e.input, e.output, e.position]),
        [
          [post.id, calexp.id, 0],
          [raw.id, post.id, 0],
          [bias.id, post.id, 1],
        ],
      )
      assert.deepEqual(graph.edges[2]!.extras, { amp: 'all' })

      const shallow = await butler.walkProvenance(calexp.id, { maxDepth: 1 })
      assert.equal(shallow.truncated, true)
      assert.deepEqual(
        shallow.nodes.map((n) => n.datasetType),
        ['calexp', 'postISRCCD'],
      )
      const none = await butler.walkProvenance(raw, { maxDepth: 0 })
      assert.deepEqual(none, {
        root: raw.id,
        nodes: [{ ...none.nodes[0]!, hasProvenance: false }],
        edges: [],
        truncated: false,
      })
      await assert.rejects(butler.walkProvenance(FOREIGN), DatasetNotFoundError)
      await assert.rejects(butler.walkProvenance(calexp, { maxDepth: -1 }), InputError)

      assert.deepEqual(
        (await butler.findDerived(raw)).map((r) => r.id),
        [post.id],
      )
      assert.deepEqual(await butler.findDerived(calexp), [])
    })

    it('records per-item and default provenance in putMany, and keeps foreign inputs', async () => {
      const shared = new DatasetProvenance({ task: 'measure' }).addInput(calexp)
      const own = new DatasetProvenance({ task: 'measure' })
        .addInput(calexp)
        .addInput({ id: FOREIGN, run: 'other/repo/run', datasetType: 'refcat' })
      const refs = await butler.putMany(
        [
          { obj: { n: 1 }, datasetType: 'src', dataId },
          { obj: { n: 2 }, datasetType: 'src', dataId: { ...dataId, detector: 17 }, provenance: own },
        ],
        { run: 'u/me/measure', provenance: shared },
      )
      assert.ok((await butler.getProvenance(refs[0]!))!.equals(shared))
      assert.ok((await butler.getProvenance(refs[1]!))!.equals(own))
      assert.equal(parseFlatProvenance(seen.get(refs[1]!.id)!).nInputs, 2)
      const graph = await butler.walkProvenance(refs[1]!, { maxDepth: 1 })
      const foreign = graph.nodes.find((n) => n.id === FOREIGN)!
      assert.deepEqual(foreign, {
        id: FOREIGN,
        run: 'other/repo/run',
        datasetType: 'refcat',
        known: false,
        hasProvenance: false,
        depth: 1,
      })
      assert.equal(graph.truncated, true, 'calexp has inputs beyond depth 1')
      assert.deepEqual(
        (await butler.findDerived(calexp)).map((r) => r.id).sort(),
        refs.map((r) => r.id).sort(),
      )
    })

    it('writes nothing when the provenance or the put is bad', async () => {
      const before = (await butler.findDerived(raw)).length
      await assert.rejects(
        butler.put({ a: 1 }, 'src', dataId, {
          run: 'u/me/bad',
          provenance: { inputs: [raw] } as unknown as DatasetProvenance,
        }),
        InputError,
      )
      // The object does not fit the storage class: the dataset and its provenance roll back.
      await assert.rejects(
        butler.put('not a dict', 'src', dataId, {
          run: 'u/me/bad',
          provenance: new DatasetProvenance().addInput(raw),
        }),
      )
      assert.equal((await butler.findDerived(raw)).length, before)
      assert.equal(await butler.findDataset('src', dataId, { collections: ['u/me/bad'] }), undefined)
    })

    it('records provenance of a put of a resolved ref', async () => {
      const t = await butler.getDatasetType('src')
      const ref = new DatasetRef(
        t,
        DataCoordinate.standardize(dataId, { dimensions: t.dimensions }),
        'u/me/resolved',
        uuid7(),
      )
      await butler.registerRun('u/me/resolved')
      const provenance = new DatasetProvenance({ task: 'copy' }).addInput(calexp)
      await butler.put({ n: 3 }, ref, undefined, { provenance })
      assert.ok((await butler.getProvenance(ref))!.equals(provenance))
      assert.equal(parseFlatProvenance(seen.get(ref.id)!).task, 'copy')
    })

    it('removes a dataset own provenance with it; what it was an input of keeps naming it', async () => {
      const [first] = await butler.putMany([{ obj: { n: 9 }, datasetType: 'src', dataId }], {
        run: 'u/me/doomed',
        provenance: new DatasetProvenance({ task: 'doomed' }).addInput(raw),
      })
      await butler.pruneDatasets([post], { purge: true })
      assert.equal(await butler.getProvenance(post.id), undefined)
      const graph = await butler.walkProvenance(calexp)
      assert.deepEqual(
        graph.nodes.map((n) => [n.datasetType, n.known, n.hasProvenance]),
        [
          ['calexp', true, true],
          ['postISRCCD', false, false],
        ],
      )
      await butler.removeRuns(['u/me/doomed'])
      assert.equal(await butler.getProvenance(first!.id), undefined)
      assert.deepEqual(
        (await butler.findDerived(raw)).map((r) => r.id),
        [],
      )
    })
  })
}
