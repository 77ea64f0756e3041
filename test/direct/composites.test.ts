/**
 * Composites at the butler level: an Exposure dataset type written as one multi-extension FITS file and
 * another written disassembled (one file per component), read whole, by component, with a `bbox`, as
 * other storage classes and through deferred handles; component puts; provenance in the FITS headers.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DatasetProvenance } from '../../src/datasets/provenance.js'
import { withFileSource } from '../../src/datastore/file/file-byte-source.js'
import { readFitsProvenance } from '../../src/formatters/fits-formatter.js'
import {
  Box2I,
  DatasetType,
  type DirectButler,
  Exposure,
  Image,
  Mask,
  MaskedImage,
  openButler,
  PropertyList,
  Psf,
  Wcs,
} from '../../src/index.js'
import { rampImage, sampleExposure } from '../images/fixtures.js'
import { createTestRepository, DATABASES } from '../support/databases.js'
import { insertCameraRecords } from '../support/records.js'

const db = DATABASES[0]!

/**
 * A 300 x 250 exposure at (100, 200) with every part: over 256 KiB a file, so the datastore reads it
 * through positioned reads rather than whole.
 */
function bigExposure(): Exposure {
  const sample = sampleExposure()
  const image = rampImage(300, 250, 100, 200)
  const mask = Mask.zeros(300, 250, 100, 200)
  mask.set(105, 203, mask.bitMask('BAD', 'CR'))
  mask.set(399, 449, mask.bitMask('SAT'))
  const variance = rampImage(300, 250, 100, 200, 0.5)
  // A NaN statistic: the disassembled summary statistics are YAML, which holds it.
  return new Exposure(new MaskedImage(image, mask, variance), {
    wcs: sample.wcs,
    psf: sample.psf,
    metadata: sample.metadata,
    visitInfo: sample.visitInfo,
    summaryStats: { psfSigma: 1.7, skyBg: 123.5, effTime: Number.NaN },
    photoCalib: sample.photoCalib,
    filter: sample.filter,
  })
}

/** Asserts equality of image-model objects (by their `equals`) or of plain values. */
function assertSame(actual: unknown, expected: unknown, what: string): void {
  if (expected !== undefined && typeof (expected as { equals?: unknown }).equals === 'function') {
    assert.ok((expected as { equals(o: unknown): boolean }).equals(actual), what)
  } else {
    assert.deepEqual(actual, expected, what)
  }
}

const COMPONENT_FORMATTERS: Record<string, string> = {
  image: 'FitsFormatter',
  mask: 'FitsFormatter',
  variance: 'FitsFormatter',
  wcs: 'FitsFormatter',
  psf: 'FitsFormatter',
  metadata: 'FitsFormatter',
  visitInfo: 'YamlFormatter',
  summaryStats: 'YamlFormatter',
  photoCalib: 'YamlFormatter',
  filter: 'TextFormatter',
}

describe('Composites: an Exposure as one FITS file and disassembled', () => {
  let base: string
  let butler: DirectButler
  const exposure = bigExposure()
  const dataId = { instrument: 'HSC', visit: 903334, detector: 16 }
  const other = (detector: number) => ({ instrument: 'HSC', visit: 903334, detector })

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'butler-composites-'))
    const repo = join(base, 'repo')
    await createTestRepository(db, repo, {
      config: { datastore: { composites: { default: false, disassembled: { calexp_d: true } } } },
    })
    butler = await openButler(repo, { run: 'u/test/run1' })
    await insertCameraRecords(butler, { detectors: [16, 17, 18, 19, 20, 21] })
    const dims = butler.universe.group(['instrument', 'visit', 'detector'])
    await butler.registerDatasetType(new DatasetType('calexp', dims, 'ExposureF'))
    await butler.registerDatasetType(new DatasetType('calexp_d', dims, 'ExposureF'))
  })

  after(async () => {
    await butler.close()
    await rm(base, { recursive: true, force: true })
  })

  for (const [type, disassembled] of [
    ['calexp', false],
    ['calexp_d', true],
  ] as const) {
    describe(`${type} (${disassembled ? 'disassembled' : 'one file'})`, () => {
      before(async () => {
        await butler.put(exposure, type, dataId)
      })

      it('is stored as expected on disk', async () => {
        const ref = (await butler.findDataset(type, dataId))!
        const artifacts = await butler.datastore.artifacts([ref])
        for (const a of artifacts) assert.ok((await stat(a.absolutePath)).size > 0, a.path)
        if (!disassembled) {
          assert.equal(artifacts.length, 1)
          assert.equal(artifacts[0]!.component, '')
          assert.equal(artifacts[0]!.formatter, 'FitsFormatter')
          assert.match(artifacts[0]!.path, /\.fits$/)
          assert.ok(artifacts[0]!.fileSize > 256 * 1024)
          return
        }
        assert.deepEqual(
          Object.fromEntries(artifacts.map((a) => [a.component, a.formatter])),
          COMPONENT_FORMATTERS,
        )
        for (const a of artifacts) {
          const extension = { FitsFormatter: '.fits', YamlFormatter: '.yaml', TextFormatter: '.txt' }[
            a.formatter as 'FitsFormatter'
          ]
          assert.ok(a.path.endsWith(extension), a.path)
        }
        assert.equal(new Set(artifacts.map((a) => a.path)).size, artifacts.length)
      })

      it('reads the whole exposure back', async () => {
        const back = await butler.get(type, dataId, { cache: false })
        assert.ok(back instanceof Exposure)
        assert.ok(back.equals(exposure))
      })

      it('reads every component alone', async () => {
        for (const name of ['image', 'mask', 'variance', 'wcs', 'psf', 'metadata', 'visitInfo'] as const) {
          const value = await butler.get(`${type}.${name}`, dataId, { cache: false })
          assertSame(value, exposure.getComponent(name), `${type}.${name}`)
        }
        assert.ok((await butler.get(`${type}.wcs`, dataId)) instanceof Wcs)
        assert.ok((await butler.get(`${type}.psf`, dataId)) instanceof Psf)
        assert.ok((await butler.get(`${type}.metadata`, dataId)) instanceof PropertyList)
        for (const name of ['summaryStats', 'photoCalib', 'filter'] as const) {
          assert.deepEqual(await butler.get(`${type}.${name}`, dataId), exposure.getComponent(name), name)
        }
      })

      it('reads the derived components', async () => {
        const bbox = (await butler.get(`${type}.bbox`, dataId)) as Box2I
        assert.ok(bbox.equals(exposure.bbox))
        assert.deepEqual(await butler.get(`${type}.dimensions`, dataId), { width: 300, height: 250 })
        assert.deepEqual(await butler.get(`${type}.xy0`, dataId), { x: 100, y: 200 })
      })

      it('applies a bbox to the whole and to the image', async () => {
        for (const box of [
          new Box2I(150, 300, 40, 30),
          new Box2I(50, 150, 100, 100),
          new Box2I(390, 440, 50, 50),
        ]) {
          const cut = await butler.get(type, dataId, { parameters: { bbox: box }, cache: false })
          assert.ok((cut as Exposure).equals(exposure.subimage(box)), String(box))
          const image = await butler.get(`${type}.image`, dataId, { parameters: { bbox: box.toJSON() } })
          assert.ok((image as Image).equals(exposure.image.subimage(box)), String(box))
        }
        await assert.rejects(butler.get(type, dataId, { parameters: { bbox: new Box2I(0, 0, 10, 10) } }), {
          code: 'read_parameter',
        })
        await assert.rejects(butler.get(type, dataId, { parameters: { bbox: { x0: 'a' } } }), {
          code: 'read_parameter',
        })
        await assert.rejects(butler.get(`${type}.wcs`, dataId, { parameters: { bbox: exposure.bbox } }), {
          code: 'read_parameter',
        })
      })

      it('converts to MaskedImage and Image', async () => {
        const mi = await butler.get(type, dataId, { storageClass: 'MaskedImage' })
        assert.ok(mi instanceof MaskedImage)
        assert.ok(mi.equals(exposure.maskedImage))
        const image = await butler.get(type, dataId, { storageClass: 'Image' })
        assert.ok(image instanceof Image)
        assert.ok(image.equals(exposure.image))
        const box = new Box2I(120, 210, 5, 5)
        const small = await butler.get(type, dataId, { storageClass: 'Image', parameters: { bbox: box } })
        assert.ok((small as Image).equals(exposure.image.subimage(box)))
      })

      it('reads through deferred handles, with components and parameters', async () => {
        const handle = await butler.getDeferred(type, dataId)
        assert.ok(((await handle.get({ component: 'wcs' })) as Wcs).equals(exposure.wcs!))
        const box = new Box2I(200, 250, 10, 20)
        assert.ok(
          ((await handle.get({ parameters: { bbox: box } })) as Exposure).equals(exposure.subimage(box)),
        )
        const image = await handle.get({ component: 'image', parameters: { bbox: box } })
        assert.ok((image as Image).equals(exposure.image.subimage(box)))
        assert.deepEqual(await handle.get({ component: 'xy0' }), { x: 100, y: 200 })
        await assert.rejects(handle.get({ component: 'nope' }), { code: 'unknown_component' })
      })

      it('rejects unknown components and derived-component puts', async () => {
        await assert.rejects(butler.get(`${type}.nope`, dataId), { code: 'unknown_component' })
        await assert.rejects(butler.put(exposure.bbox, `${type}.bbox`, dataId), { code: 'dataset_type' })
      })
    })
  }

  it('adds a missing component to a disassembled dataset, once', async () => {
    const id = other(17)
    await butler.put(exposure.with({ wcs: undefined }), 'calexp_d', id)
    assert.equal(((await butler.get('calexp_d', id, { cache: false })) as Exposure).wcs, undefined)
    const ref = (await butler.findDataset('calexp_d', id))!
    assert.equal((await butler.datastore.artifacts([ref])).length, 9)
    await butler.put(exposure.wcs, 'calexp_d.wcs', id)
    assert.equal((await butler.datastore.artifacts([ref])).length, 10)
    const back = (await butler.get('calexp_d', id, { cache: false })) as Exposure
    assert.ok(back.equals(exposure))
    assert.ok(((await butler.get('calexp_d.wcs', id)) as Wcs).equals(exposure.wcs!))
    await assert.rejects(butler.put(exposure.wcs, 'calexp_d.wcs', id), { code: 'conflicting_definition' })
    await assert.rejects(butler.put(exposure.image, 'calexp_d.image', id), { code: 'conflicting_definition' })
    await assert.rejects(butler.put(exposure.wcs, 'calexp.wcs', dataId), { code: 'conflicting_definition' })
  })

  it('starts a dataset from one component', async () => {
    const id = other(18)
    const image = rampImage(20, 10, -5, 7)
    await butler.put(image, 'calexp_d.image', id)
    const back = (await butler.get('calexp_d', id, { cache: false })) as Exposure
    assert.ok(back instanceof Exposure)
    assert.ok(back.image.equals(image))
    assert.ok(back.mask.equals(Mask.zeros(20, 10, -5, 7)))
    assert.equal(back.wcs, undefined)
    assert.ok(((await butler.get('calexp_d.bbox', id)) as Box2I).equals(image.bbox))
    assert.ok(((await butler.get('calexp_d.image', id)) as Image).equals(image))
    await butler.put(exposure.psf, 'calexp_d.psf', id)
    assert.ok(((await butler.get('calexp_d', id, { cache: false })) as Exposure).psf!.equals(exposure.psf!))
  })

  it('embeds the provenance in the FITS headers, one file or many', async () => {
    const input = (await butler.findDataset('calexp', dataId))!
    const provenance = new DatasetProvenance({ task: 'calibrate', inputs: [input], extras: { seeing: 0.75 } })
    for (const [type, id] of [
      ['calexp', other(19)],
      ['calexp_d', other(20)],
    ] as const) {
      const ref = await butler.put(exposure, type, id, { provenance })
      const fitsFiles = (await butler.datastore.artifacts([ref])).filter(
        (a) => a.formatter === 'FitsFormatter',
      )
      assert.equal(fitsFiles.length, type === 'calexp' ? 1 : 6)
      for (const artifact of fitsFiles) {
        const flat = await withFileSource(artifact.absolutePath, artifact.path, (source) =>
          readFitsProvenance(source),
        )
        assert.equal(flat.id, ref.id, artifact.path)
        assert.equal(flat.run, 'u/test/run1')
        assert.equal(flat.datasettype, type)
        assert.equal(flat['dataid.detector'], id.detector)
        assert.equal(flat.task, 'calibrate')
        assert.equal(flat['extra.seeing'], 0.75)
        assert.equal(flat.n_inputs, 1)
        assert.equal(flat['input.0.id'], input.id)
        assert.equal(flat['input.0.datasettype'], 'calexp')
      }
      const back = (await butler.get(type, id, { cache: false })) as Exposure
      assert.ok(back.equals(exposure), 'provenance cards are not metadata')
    }
  })
})
