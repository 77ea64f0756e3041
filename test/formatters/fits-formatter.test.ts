/**
 * The FITS formatter of the image model: round trips of every type, component and `bbox` reads (and what
 * they fetch), provenance cards, damaged and foreign files, and checks by fitsverify and astropy.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { createNdArray, type NdArray } from '../../src/datasets/ndarray.js'
import { ButlerUserError, CorruptArtifactError, ReadParameterError } from '../../src/errors.js'
import { type ByteSource, MemoryByteSource } from '../../src/formatters/byte-source.js'
import { loadDefaultStorageClasses } from '../../src/formatters/default-storage-classes.js'
import { FitsHeader, readFitsStructure, recordToTable, writeFits } from '../../src/formatters/fits/index.js'
import { FitsFormatter, readFitsProvenance } from '../../src/formatters/fits-formatter.js'
import type { FormatterReadResult } from '../../src/formatters/formatter.js'
import { FormatterFactory } from '../../src/formatters/formatter-factory.js'
import {
  Box2I,
  EXPOSURE_COMPONENTS,
  Exposure,
  IMAGE_DTYPES,
  Image,
  Mask,
  MaskedImage,
  PropertyList,
  Psf,
  Wcs,
} from '../../src/images/index.js'
import { rampImage, sampleExposure } from '../images/fixtures.js'
import { concat, RecordingSource, rng, sampleArray } from './fits/fits-test-utils.js'
import { astropySkip, fitsverify, fitsverifySkip, runAstropy } from './fits/fits-tools.js'

const storageClasses = loadDefaultStorageClasses()
const fits = new FitsFormatter()

type Provenance = Readonly<Record<string, string | number>>

async function write(obj: unknown, storageClass: string, provenance?: Provenance): Promise<Uint8Array> {
  const chunks = await fits.toBytes(obj, {
    storageClass: storageClasses.get(storageClass),
    writeParameters: {},
    ...(provenance ? { provenance } : {}),
  })
  return concat(chunks)
}

interface ReadOptions {
  readonly component?: string
  readonly parameters?: Readonly<Record<string, unknown>>
  readonly location?: string
}

function read(
  data: Uint8Array | ByteSource,
  storageClass: string,
  options: ReadOptions = {},
): Promise<FormatterReadResult> {
  const source =
    data instanceof Uint8Array ? new MemoryByteSource(data, options.location ?? 'test.fits') : data
  return fits.readFrom(source, {
    storageClass: storageClasses.get(storageClass),
    readParameters: options.parameters ?? {},
    location: options.location ?? source.location,
    ...(options.component !== undefined ? { component: options.component } : {}),
  })
}

async function readValue(data: Uint8Array | ByteSource, storageClass: string, options: ReadOptions = {}) {
  return (await read(data, storageClass, options)).value
}

/** A rotated TAN WCS with a reference pixel far from the origin. */
function rotatedWcs(): Wcs {
  return new Wcs({
    crpix: [512.3, -20.7],
    crval: [210.5, -45.25],
    cd: [
      [-5.1e-5, 1.2e-6],
      [1.1e-6, 5.05e-5],
    ],
  })
}

/** An exposure of random pixels with every part, `width` x `height` at origin (x0, y0). */
function randomExposure(width: number, height: number, x0: number, y0: number, seed = 1): Exposure {
  const random = rng(seed)
  const image = Image.zeros('float32', width, height, x0, y0)
  const variance = Image.zeros('float32', width, height, x0, y0)
  const mask = Mask.zeros(width, height, x0, y0, { BAD: 0, SAT: 1, CR: 3, DETECTED_NEGATIVE: 6, STREAK: 31 })
  for (let i = 0; i < width * height; i++) {
    image.data[i] = (random() - 0.5) * 1000
    variance.data[i] = random() * 50
    mask.data[i] = random() < 0.1 ? mask.bitMask('BAD', 'STREAK') : random() < 0.2 ? mask.bitMask('CR') : 0
  }
  const kernel = Image.fromArray(
    createNdArray(
      Float64Array.from({ length: 25 }, (_, i) => i / 300),
      [5, 5],
    ),
  )
  return new Exposure(new MaskedImage(image, mask, variance), {
    wcs: rotatedWcs(),
    psf: new Psf(kernel, 2.25),
    metadata: new PropertyList([
      ['EXPTIME', 30.5, 'seconds'],
      ['OBJECT', 'M31'],
      ['DETECTOR', 16],
      ['ESO TEL AIRM START', 1.25, 'a HIERARCH key'],
    ]),
    visitInfo: {
      exposureTime: 30.5,
      boresightRaDec: [210.5, -45.25],
      observatory: { latitude: -30.24, longitude: -70.74, name: 'Cerro Pachón' },
      date: '2025-01-02T03:04:05',
      hasSimulatedContent: false,
      focusZ: null,
      id: 9007199254740993n,
      note: 'trailing space ',
    },
    summaryStats: { psfSigma: 1.7, skyBg: 123.5, zeroPoint: Number.NaN },
    photoCalib: { calibrationMean: 0.45, calibrationErr: 0.01 },
    filter: 'HSC-R',
  })
}

function headerOf(bytes: Uint8Array, index: number): Promise<FitsHeader> {
  return readFitsStructure(new MemoryByteSource(bytes)).then((hdus) => hdus[index]!.header)
}

/** Asserts that `promise` rejects with a user error of `code` whose message matches `pattern`. */
async function rejectsWith(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ButlerUserError, `a user error, got ${String(error)}`)
    assert.equal(error.code, code, error.message)
    if (pattern) assert.match(error.message, pattern)
    return true
  })
}

describe('FitsFormatter: writing and reading every type', () => {
  it('round-trips images of every dtype with their origin', async () => {
    for (const dtype of IMAGE_DTYPES) {
      const image = new Image(sampleArray(dtype, [5, 7]), -3, 7)
      const bytes = await write(image, 'Image')
      const back = (await readValue(bytes, 'Image')) as Image
      assert.ok(back instanceof Image)
      assert.equal(back.dtype, dtype)
      assert.ok(back.equals(image), dtype)
      const header = await headerOf(bytes, 0)
      assert.equal(header.get('LTV1'), 3)
      assert.equal(header.get('LTV2'), -7)
      assert.equal(header.get('CRVAL1A'), -3)
      assert.equal(header.get('CTYPE2A'), 'LINEAR')
    }
    const empty = Image.zeros('float32', 0, 4, 2, 2)
    assert.ok(((await readValue(await write(empty, 'ImageF'), 'ImageF')) as Image).equals(empty))
  })

  it('round-trips masks with custom planes as MP_ cards', async () => {
    const mask = Mask.zeros(6, 4, 10, -20, { BAD: 0, MY_LONG_PLANE_NAME: 12, 'with space': 5, TOP: 31 })
    mask.set(10, -20, mask.bitMask('TOP', 'BAD'))
    mask.set(15, -17, mask.bitMask('MY_LONG_PLANE_NAME'))
    const bytes = await write(mask, 'Mask')
    const back = (await readValue(bytes, 'Mask')) as Mask
    assert.ok(back.equals(mask))
    assert.equal(back.get(10, -20), mask.bitMask('TOP', 'BAD'))
    assert.ok(back.get(10, -20) < 0, 'bit 31 reads back as a negative int32')
    const header = await headerOf(bytes, 0)
    assert.equal(header.get('MP_BAD'), 0)
    assert.equal(header.get('MP_MY_LONG_PLANE_NAME'), 12)
    assert.equal(header.get('MP_with space'), 5)
    // A short lower-case name would come back upper-case: refused rather than renamed.
    await rejectsWith(write(Mask.zeros(2, 2, 0, 0, { sky: 3 }), 'Mask'), 'formatter', /plane "sky"/)
  })

  it('round-trips masked images as IMAGE, MASK and VARIANCE extensions', async () => {
    const mi = randomExposure(9, 5, 4, -2).maskedImage
    const bytes = await write(mi, 'MaskedImage')
    const hdus = await readFitsStructure(new MemoryByteSource(bytes))
    assert.deepEqual(
      hdus.map((h) => [h.name, h.shape]),
      [
        [undefined, []],
        ['IMAGE', [5, 9]],
        ['MASK', [5, 9]],
        ['VARIANCE', [5, 9]],
      ],
    )
    assert.ok(((await readValue(bytes, 'MaskedImage')) as MaskedImage).equals(mi))
  })

  it('round-trips exposures with every part, and with none', async () => {
    for (const exposure of [sampleExposure(), randomExposure(17, 11, -4, 9)]) {
      const bytes = await write(exposure, 'ExposureF')
      const back = (await readValue(bytes, 'ExposureF')) as Exposure
      assert.ok(back.equals(exposure))
      const hdus = await readFitsStructure(new MemoryByteSource(bytes))
      assert.deepEqual(
        hdus.map((h) => h.name ?? ''),
        ['', 'IMAGE', 'MASK', 'VARIANCE', 'PSF', 'VISITINFO', 'SUMMARYSTATS', 'PHOTOCALIB'],
      )
      assert.equal(hdus[0]!.header.get('FILTER'), exposure.filter)
      assert.equal(hdus[0]!.shape.length, 0, 'the primary HDU has no data')
    }
    const bare = new Exposure(new MaskedImage(rampImage(4, 3, 0, 0)))
    const bytes = await write(bare, 'Exposure')
    const back = (await readValue(bytes, 'Exposure')) as Exposure
    assert.ok(back.equals(bare))
    for (const part of ['wcs', 'psf', 'visitInfo', 'summaryStats', 'photoCalib', 'filter'] as const) {
      assert.equal(back[part], undefined, part)
    }
    assert.equal((await readFitsStructure(new MemoryByteSource(bytes))).length, 4)
  })

  it('keeps nested visit info as JSON columns and plain values as typed columns', async () => {
    const exposure = randomExposure(3, 3, 0, 0)
    const bytes = await write(exposure, 'Exposure')
    const hdus = await readFitsStructure(new MemoryByteSource(bytes))
    const visit = hdus.find((h) => h.name === 'VISITINFO')!
    const forms = new Map<string, string>()
    for (let n = 1; n <= Number(visit.header.get('TFIELDS')); n++) {
      const unit = visit.header.get(`TUNIT${n}`)
      forms.set(
        String(visit.header.get(`TTYPE${n}`)),
        `${visit.header.get(`TFORM${n}`)}${unit ? ` ${unit}` : ''}`,
      )
    }
    assert.equal(forms.get('exposureTime'), '1D')
    assert.equal(forms.get('hasSimulatedContent'), '1L')
    assert.equal(forms.get('id'), '1K')
    assert.equal(forms.get('date'), '19A')
    assert.match(forms.get('observatory')!, /A JSON$/)
    assert.match(forms.get('note')!, /A JSON$/, 'a trailing space needs JSON')
    assert.deepEqual(await readValue(bytes, 'Exposure', { component: 'visitInfo' }), exposure.visitInfo)
    const bad = exposure.with({ visitInfo: { nested: { n: Number.NaN } } })
    await rejectsWith(write(bad, 'Exposure'), 'formatter', /JSON cannot store/)
  })

  it('keeps the WCS exact when shifting it to the HDU grid is not exact in floating point', async () => {
    const wcs = new Wcs({
      crpix: [0.1, 2036.7261239],
      crval: [10, 20],
      cd: [
        [1e-4, 0],
        [0, 1e-4],
      ],
    })
    const exposure = new Exposure(new MaskedImage(Image.zeros('float32', 4, 4, -3, 4000)), { wcs })
    assert.notEqual(wcs.shifted(3, -4000).crpix[0] - 3, 0.1, 'the shift is inexact')
    const bytes = await write(exposure, 'Exposure')
    const header = await headerOf(bytes, 1)
    assert.equal(header.get('LSST PARENT CRPIX1'), 0.1)
    assert.equal(header.get('CRPIX1'), wcs.shifted(3, -4000).crpix[0])
    const back = (await readValue(bytes, 'Exposure', { component: 'wcs' })) as Wcs
    assert.ok(back.equals(wcs))
    // A file whose CRPIX was edited since: the stale exact card is ignored.
    header.set('CRPIX1', 5.5)
    const edited = writeFits([
      { kind: 'image', data: null },
      { kind: 'image', name: 'IMAGE', data: createNdArray(new Float32Array(16), [4, 4]), header },
    ])
    const moved = (await readValue(concat(edited), 'Exposure', { component: 'wcs' })) as Wcs
    assert.equal(moved.crpix[0], 5.5 - 3)
  })

  it('round-trips a Wcs, a Psf and a PropertyList alone', async () => {
    const wcs = rotatedWcs()
    assert.ok(((await readValue(await write(wcs, 'Wcs'), 'Wcs')) as Wcs).equals(wcs))
    const psf = randomExposure(1, 1, 0, 0).psf!
    const psfBytes = await write(psf, 'Psf')
    const backPsf = (await readValue(psfBytes, 'Psf')) as Psf
    assert.ok(backPsf.equals(psf))
    assert.equal((await headerOf(psfBytes, 0)).get('FWHM'), 2.25)
    const list = new PropertyList([
      ['STR', "it's here", 'a comment'],
      ['INT', -42],
      ['FLOAT', 0.1],
      ['WHOLE', 3e21],
      ['BOOL', false],
      ['UNDEF', null, 'no value'],
      ['BIG', 2n ** 62n],
      ['A long HIERARCH key', 'x'.repeat(150)],
      ['COMMENT', `${'c'.repeat(72)}second card and ${'d'.repeat(80)}`],
      ['HISTORY', 'one line'],
      ['EXTNAME', 'not special here'],
    ])
    const back = (await readValue(await write(list, 'PropertyList'), 'PropertyList')) as PropertyList
    assert.ok(back.equals(list), JSON.stringify(back.toJSON()))
  })

  it('skips structural and provenance keys of metadata, and refuses values FITS cannot hold', async () => {
    const list = new PropertyList([
      ['NAXIS', 5],
      ['BITPIX', 8],
      ['LSST BUTLER RUN', 'stale'],
      ['KEPT', 1],
    ])
    const back = (await readValue(await write(list, 'PropertyList'), 'PropertyList')) as PropertyList
    assert.deepEqual(back.entries(), [['KEPT', 1]])
    await rejectsWith(write(new PropertyList([['NAN', Number.NaN]]), 'PropertyList'), 'formatter', /NAN/)
    await rejectsWith(write(new PropertyList([['TEXT', 'héllo']]), 'PropertyList'), 'formatter', /ASCII/)
    const exposure = sampleExposure()
    exposure.metadata.set('FILTER', 'g')
    await rejectsWith(write(exposure, 'Exposure'), 'formatter', /filter "r" and its metadata FILTER "g"/)
    exposure.metadata.set('FILTER', 'r')
    const back2 = (await readValue(await write(exposure, 'Exposure'), 'Exposure')) as Exposure
    assert.equal(back2.filter, 'r')
    assert.equal(back2.metadata.has('FILTER'), false)
  })

  it('refuses objects of the wrong type and storage classes it does not write', async () => {
    await rejectsWith(write(sampleExposure(), 'Image'), 'storage_class')
    await rejectsWith(write({ a: 1 }, 'StructuredDataDict'), 'storage_class')
    await rejectsWith(read(await write(sampleExposure(), 'Exposure'), 'StructuredDataDict'), 'storage_class')
    await rejectsWith(
      fits.toBytes(sampleExposure(), {
        storageClass: storageClasses.get('Exposure'),
        writeParameters: { recipe: 'lossless' },
      }),
      'formatter',
      /recipe/,
    )
  })
})

describe('FitsFormatter: components, derived components and bbox', () => {
  it('reads each component alone, equal to getComponent', async () => {
    for (const exposure of [
      randomExposure(13, 7, 5, -6),
      new Exposure(new MaskedImage(rampImage(3, 2, 1, 1))),
    ]) {
      const bytes = await write(exposure, 'Exposure')
      for (const name of EXPOSURE_COMPONENTS) {
        const result = await read(bytes, 'Exposure', { component: name })
        assert.equal(result.component, true, name)
        assert.deepEqual(result.appliedParameters, [])
        const expected = exposure.getComponent(name)
        const value = result.value
        if (expected === undefined) assert.equal(value, undefined, name)
        else if (typeof (expected as { equals?: unknown }).equals === 'function') {
          assert.ok((expected as { equals(o: unknown): boolean }).equals(value), name)
        } else assert.deepEqual(value, expected, name)
      }
    }
    const mi = randomExposure(5, 4, 0, 0).maskedImage
    const bytes = await write(mi, 'MaskedImage')
    for (const name of ['image', 'mask', 'variance'] as const) {
      const value = await readValue(bytes, 'MaskedImage', { component: name })
      assert.ok((mi[name] as Image | Mask).equals(value as Image & Mask), name)
    }
  })

  it('reads derived components from the headers alone', async () => {
    const exposure = randomExposure(64, 48, -7, 30)
    const cases: [unknown, string][] = [
      [exposure, 'Exposure'],
      [exposure.maskedImage, 'MaskedImage'],
      [exposure.image, 'Image'],
      [exposure.mask, 'Mask'],
    ]
    for (const [obj, sc] of cases) {
      const bytes = await write(obj, sc)
      const hdus = await readFitsStructure(new MemoryByteSource(bytes))
      const dataBytes = hdus.reduce((n, h) => n + h.dataSize, 0)
      for (const name of ['bbox', 'dimensions', 'xy0']) {
        const source = new RecordingSource(bytes)
        const result = await read(source, sc, { component: name })
        assert.equal(result.component, true)
        assert.deepEqual(
          name === 'bbox' ? (result.value as Box2I).toJSON() : result.value,
          storageClasses.get(sc).getComponent(obj, name) instanceof Box2I
            ? (storageClasses.get(sc).getComponent(obj, name) as Box2I).toJSON()
            : storageClasses.get(sc).getComponent(obj, name),
          `${sc}.${name}`,
        )
        assert.ok(source.bytesRead <= 4 * 2880, `${sc}.${name} read ${source.bytesRead} bytes`)
        assert.ok(dataBytes > 3 * 2880)
      }
    }
  })

  it('fetches little for a component of a 1k x 1k exposure', async () => {
    const exposure = randomExposure(1024, 1024, 0, 0)
    const bytes = await write(exposure, 'ExposureF')
    const hdus = await readFitsStructure(new MemoryByteSource(bytes))
    const figures: string[] = []
    const fetch = async (component: string, limit: number) => {
      const source = new RecordingSource(bytes)
      const value = await readValue(source, 'ExposureF', { component })
      figures.push(`${component}: ${(source.bytesRead / 1024).toFixed(1)} KiB`)
      assert.ok(source.bytesRead < limit, `${component} fetched ${source.bytesRead} bytes`)
      return { value, source }
    }
    const { value: wcs } = await fetch('wcs', 64 * 1024)
    assert.ok((wcs as Wcs).equals(exposure.wcs!))
    await fetch('metadata', 8 * 1024)
    await fetch('filter', 8 * 1024)
    const { value: image, source } = await fetch('image', 4 * 1024 * 1024 + 64 * 1024)
    assert.ok((image as Image).equals(exposure.image))
    const mask = hdus.find((h) => h.name === 'MASK')!
    for (const [offset, length] of source.reads) {
      assert.ok(offset + length <= mask.dataOffset, 'nothing of the MASK data or beyond is read')
    }
    const { value: psf } = await fetch('psf', 64 * 1024)
    assert.ok((psf as Psf).equals(exposure.psf!))
    await fetch('photoCalib', 64 * 1024)
    process.stdout.write(
      `# component fetches from a ${(bytes.length / 2 ** 20).toFixed(1)} MiB file: ${figures.join(', ')}\n`,
    )
  })

  it('bbox reads equal subimage for random boxes, edges and clipping, and fetch only the rows needed', async () => {
    const exposure = randomExposure(37, 23, -5, 12, 7)
    const bytes = await write(exposure, 'Exposure')
    const hdus = await readFitsStructure(new MemoryByteSource(bytes))
    const pixelHdus = hdus.filter((h) => ['IMAGE', 'MASK', 'VARIANCE'].includes(h.name ?? ''))
    const random = rng(42)
    const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1))
    const boxes: Box2I[] = [
      exposure.bbox,
      new Box2I(-5, 12, 1, 1),
      new Box2I(31, 34, 1, 1),
      new Box2I(-100, -100, 500, 500),
      new Box2I(-10, 20, 8, 3), // clipped on the left
      new Box2I(30, 30, 20, 20), // clipped bottom right
      new Box2I(32, 12, 5, 23), // exactly the last columns
      new Box2I(100, 100, 5, 5), // outside
      new Box2I(0, 15, 0, 3), // empty
    ]
    for (let i = 0; i < 60; i++) boxes.push(new Box2I(int(-15, 40), int(0, 45), int(0, 30), int(0, 30)))
    let checked = 0
    for (const box of boxes) {
      const parameters = { bbox: random() < 0.5 ? box : box.toJSON() }
      let expected: Exposure | undefined
      let failure: Error | undefined
      try {
        expected = exposure.subimage(box)
      } catch (error) {
        failure = error as Error
      }
      const source = new RecordingSource(bytes)
      const pending = read(source, 'Exposure', { parameters })
      if (failure) {
        await assert.rejects(
          pending,
          (e: Error) => e instanceof ReadParameterError && e.message === failure.message,
        )
        continue
      }
      const result = await pending
      assert.deepEqual(result.appliedParameters, ['bbox'])
      assert.ok((result.value as Exposure).equals(expected!), String(box))
      // Every read inside a pixel HDU's data lies within the rows of the (clipped) box.
      const overlap = exposure.bbox.intersection(box)
      for (const hdu of pixelHdus) {
        const rowBytes = hdu.shape[1]! * (Math.abs(hdu.bitpix) / 8)
        const from = hdu.dataOffset + (overlap.y0 - exposure.bbox.y0) * rowBytes
        const to = from + overlap.height * rowBytes
        for (const [offset, length] of source.reads) {
          // Reads of the data region (a header read may run past its END card into the data).
          if (offset < hdu.dataOffset || offset >= hdu.dataOffset + hdu.dataSize) continue
          assert.ok(
            offset >= from && offset + length <= to,
            `${hdu.name}: read ${offset}+${length} outside rows`,
          )
        }
      }
      // The same box on the image and mask components.
      for (const name of ['image', 'mask', 'variance'] as const) {
        const part = await read(bytes, 'Exposure', { component: name, parameters })
        assert.deepEqual(part.appliedParameters, ['bbox'])
        assert.ok((expected![name] as Image & Mask).equals(part.value as Image & Mask), `${name} ${box}`)
      }
      checked++
    }
    assert.ok(checked > 30, `${checked} boxes overlapped`)
    await rejectsWith(
      read(bytes, 'Exposure', { parameters: { bbox: { x0: 1.5, y0: 0, width: 1, height: 1 } } }),
      'read_parameter',
    )
    await rejectsWith(read(bytes, 'Exposure', { parameters: { bbox: [0, 0, 1, 1] } }), 'read_parameter')
  })

  it('bbox reads of stored images and masks equal subimage', async () => {
    const exposure = randomExposure(20, 10, 100, 200, 3)
    const box = new Box2I(95, 205, 10, 10)
    for (const [obj, sc] of [
      [exposure.image, 'Image'],
      [exposure.mask, 'Mask'],
      [exposure.maskedImage, 'MaskedImage'],
    ] as const) {
      const result = await read(await write(obj, sc), sc, { parameters: { bbox: box } })
      assert.deepEqual(result.appliedParameters, ['bbox'])
      assert.ok(obj.subimage(box).equals(result.value as never), sc)
    }
  })
})

describe('FitsFormatter: provenance', () => {
  const provenance = {
    id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
    run: `u/someone/${'long/'.repeat(20)}run`,
    datasettype: 'calexp',
    'dataid.instrument': 'HSC',
    'dataid.visit': 903334,
    'dataid.detector': 16,
    task: 'calibrate',
    'extra.seeing': 0.75,
    n_inputs: 1,
    'input.0.id': '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a60',
    'input.0.run': 'raw/all',
    'input.0.datasettype': 'raw',
  }

  it('writes HIERARCH LSST BUTLER cards in the primary header and strips them from the metadata', async () => {
    const exposure = sampleExposure()
    const bytes = await write(exposure, 'Exposure', provenance)
    const primary = await headerOf(bytes, 0)
    assert.equal(primary.get('LSST BUTLER DATAID VISIT'), 903334)
    assert.equal(primary.get('LSST BUTLER INPUT 0 DATASETTYPE'), 'raw')
    assert.equal(primary.get('LSST BUTLER RUN'), provenance.run)
    assert.ok(primary.keys().includes('LSST BUTLER EXTRA SEEING'))
    assert.deepEqual(await readFitsProvenance(new MemoryByteSource(bytes)), provenance)
    const back = (await readValue(bytes, 'Exposure')) as Exposure
    assert.ok(back.equals(exposure), 'the metadata has no provenance cards')
    const metadata = (await readValue(bytes, 'Exposure', { component: 'metadata' })) as PropertyList
    assert.ok(metadata.equals(exposure.metadata))
    for (const [obj, sc] of [
      [exposure.image, 'Image'],
      [exposure.wcs, 'Wcs'],
      [exposure.metadata, 'PropertyList'],
    ] as const) {
      const file = await write(obj, sc, provenance)
      assert.deepEqual(await readFitsProvenance(new MemoryByteSource(file)), provenance, sc)
      assert.ok((obj as { equals(o: unknown): boolean }).equals(await readValue(file, sc)), sc)
    }
    assert.deepEqual(await readFitsProvenance(new MemoryByteSource(await write(exposure, 'Exposure'))), {})
  })
})

describe('FitsFormatter: damaged and foreign files', () => {
  it('reports truncated files as corrupt, at every kind of offset', async () => {
    const exposure = randomExposure(30, 20, 3, 4)
    const bytes = await write(exposure, 'Exposure', { id: 'x', run: 'r' })
    const hdus = await readFitsStructure(new MemoryByteSource(bytes))
    const last = hdus[hdus.length - 1]!
    const dataEnd = last.dataOffset + last.dataSize
    const offsets = new Set<number>([0, 1, 7, 8, 79, 80, 2879, 2880, 2881])
    for (let o = 0; o < bytes.length; o += 211) offsets.add(o)
    for (const h of hdus)
      for (const d of [-1, 0, 1, 80]) offsets.add(h.headerOffset + d).add(h.dataOffset + d)
    let failures = 0
    for (const offset of [...offsets].filter((o) => o >= 0 && o < bytes.length)) {
      const cut = bytes.slice(0, offset)
      for (const component of [undefined, 'wcs', 'image', 'psf', 'bbox', 'visitInfo']) {
        try {
          const result = await read(cut, 'Exposure', {
            location: 'cut.fits',
            ...(component ? { component } : {}),
          })
          assert.ok(component !== undefined || offset >= dataEnd, `whole read of ${offset} bytes succeeded`)
          if (component === undefined) assert.ok((result.value as Exposure).equals(exposure))
        } catch (error) {
          assert.ok(error instanceof CorruptArtifactError, `${offset} ${component}: ${String(error)}`)
          assert.match(error.message, /cut\.fits/)
          failures++
        }
      }
    }
    assert.ok(failures > 100)
  })

  it('never crashes on files with damaged bytes', async () => {
    const bytes = await write(randomExposure(8, 6, 0, 0), 'Exposure', { id: 'x' })
    const random = rng(5)
    const printable = " ='/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-+.ET"
    let ok = 0
    let corrupt = 0
    for (let i = 0; i < 400; i++) {
      const damaged = bytes.slice()
      for (let k = 0; k < 1 + (i % 4); k++) {
        const at = Math.floor(random() * damaged.length)
        damaged[at] =
          random() < 0.7
            ? printable.charCodeAt(Math.floor(random() * printable.length))
            : Math.floor(random() * 256)
      }
      for (const component of [undefined, 'wcs', 'mask', 'visitInfo']) {
        try {
          await read(damaged, 'Exposure', component ? { component } : {})
          ok++
        } catch (error) {
          assert.ok(
            error instanceof CorruptArtifactError,
            `damage ${i} ${component}: ${(error as Error).stack}`,
          )
          corrupt++
        }
      }
    }
    assert.ok(ok > 0 && corrupt > 0, `${ok} readable, ${corrupt} corrupt`)
  })

  it('reports valid FITS files of the wrong shape as corrupt, naming what is missing', async () => {
    const header = await write(new PropertyList([['A', 1]]), 'PropertyList')
    await rejectsWith(read(header, 'Exposure'), 'corrupt_artifact', /test\.fits has no IMAGE HDU/)
    await rejectsWith(read(header, 'Exposure', { component: 'wcs' }), 'corrupt_artifact', /no IMAGE HDU/)
    await rejectsWith(read(header, 'Image'), 'corrupt_artifact', /no IMAGE HDU/)
    await rejectsWith(read(header, 'Psf'), 'corrupt_artifact', /no PSF HDU/)
    await rejectsWith(read(header, 'Wcs'), 'corrupt_artifact', /no celestial WCS/)
    const table = concat(writeFits([{ kind: 'bintable', name: 'IMAGE', table: recordToTable({ a: 1 }) }]))
    await rejectsWith(
      read(table, 'Exposure'),
      'corrupt_artifact',
      /HDU 1 \(IMAGE\) is a bintable, not a 2-D image/,
    )
    const cube = concat(
      writeFits([
        { kind: 'image', data: null },
        { kind: 'image', name: 'IMAGE', data: sampleArray('float32', [2, 3, 4]) },
      ]),
    )
    await rejectsWith(read(cube, 'MaskedImage'), 'corrupt_artifact', /NAXIS = 3/)
    const floatMask = concat(
      writeFits([
        { kind: 'image', data: null },
        { kind: 'image', name: 'IMAGE', data: sampleArray('float32', [2, 2]) },
        { kind: 'image', name: 'MASK', data: sampleArray('float32', [2, 2]) },
      ]),
    )
    await rejectsWith(read(floatMask, 'Exposure'), 'corrupt_artifact', /mask needs integer pixels/)
    const badVisit = writeFits([
      { kind: 'image', data: null },
      { kind: 'image', name: 'IMAGE', data: sampleArray('float32', [2, 2]) },
      {
        kind: 'bintable',
        name: 'VISITINFO',
        table: { rows: 1, columns: [{ name: 'x', values: ['{'], unit: 'JSON' }] },
      },
    ])
    await rejectsWith(
      read(concat(badVisit), 'Exposure', { component: 'visitInfo' }),
      'corrupt_artifact',
      /column x does not hold JSON/,
    )
    await rejectsWith(read(concat(badVisit), 'Exposure'), 'corrupt_artifact', /no MASK HDU/)
    await rejectsWith(
      read(new TextEncoder().encode('{"not": "fits"}'), 'Exposure'),
      'corrupt_artifact',
      /not a FITS file/,
    )
    await rejectsWith(read(new Uint8Array(0), 'Image'), 'corrupt_artifact', /not a FITS file/)
    await rejectsWith(
      fits.fromBytes(new Uint8Array(100), {
        storageClass: storageClasses.get('Image'),
        readParameters: {},
        location: 'where/it/is.fits',
      }),
      'corrupt_artifact',
      /where\/it\/is\.fits/,
    )
  })

  it('reads plain images of other writers as images, masked images and exposures', async () => {
    const array = sampleArray('int16', [4, 6])
    const header = new FitsHeader().set('OBJECT', 'plain').set('CRVAL1A', 10).set('CTYPE1A', 'LINEAR')
    const bytes = concat(writeFits([{ kind: 'image', data: array, header }]))
    const image = (await readValue(bytes, 'Image')) as Image
    assert.deepEqual([image.x0, image.y0], [10, 0], 'origin from the linear WCS "A"')
    const exposure = (await readValue(bytes, 'Exposure')) as Exposure
    assert.ok(exposure.image.equals(image))
    assert.ok(exposure.mask.equals(Mask.zeros(6, 4, 10, 0)))
    assert.deepEqual(exposure.metadata.entries(), [['OBJECT', 'plain']])
    const mi = (await readValue(bytes, 'MaskedImage', {
      parameters: { bbox: new Box2I(12, 1, 2, 2) },
    })) as MaskedImage
    assert.ok(mi.equals(new MaskedImage(image).subimage(new Box2I(12, 1, 2, 2))))
    const inExtension = concat(
      writeFits([
        { kind: 'image', data: null },
        { kind: 'image', name: 'IMAGE', data: array as NdArray },
      ]),
    )
    assert.ok(((await readValue(inExtension, 'Image')) as Image).equals(new Image(array)))
  })

  it('is registered as the default formatter of the image model, under the reference names too', () => {
    const factory = new FormatterFactory({ storageClasses })
    const subject = (storageClassName: string) => ({
      datasetTypeName: 'x',
      storageClassName,
      parentStorageClassName: undefined,
      instrument: undefined,
      matchesDimensionsKey: () => false,
    })
    for (const sc of [
      'Image',
      'ImageF',
      'Mask',
      'MaskedImageF',
      'Exposure',
      'ExposureF',
      'Wcs',
      'Psf',
      'PropertyList',
    ]) {
      assert.equal(factory.getFormatter(subject(sc)).formatter.name, 'FitsFormatter', sc)
    }
    for (const name of [
      'FitsExposureFormatter',
      'FitsImageFormatter',
      'FitsMaskFormatter',
      'FitsMaskedImageFormatter',
    ]) {
      assert.equal(factory.getByName(`lsst.obs.base.formatters.fitsExposure.${name}`).name, 'FitsFormatter')
    }
    assert.deepEqual(fits.supportedExtensions, ['.fits', '.fit'])
  })
})

describe('FitsFormatter files in independent tools', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fits-formatter-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const provenance = { id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', run: `u/x/${'y'.repeat(90)}`, n_inputs: 0 }

  it('fitsverify finds no errors and no warnings in files of every type', {
    skip: fitsverifySkip(),
  }, async () => {
    const exposure = randomExposure(40, 30, 1000, 2000)
    const files: [unknown, string][] = [
      [exposure, 'ExposureF'],
      [new Exposure(new MaskedImage(rampImage(3, 3, 0, 0))), 'Exposure'],
      [exposure.maskedImage, 'MaskedImage'],
      [exposure.image, 'Image'],
      [exposure.mask, 'Mask'],
      [exposure.wcs, 'Wcs'],
      [exposure.psf, 'Psf'],
      [exposure.metadata, 'PropertyList'],
    ]
    for (const [obj, sc] of files) {
      const path = join(dir, `${sc}.fits`)
      writeFileSync(path, await write(obj, sc, provenance))
      const result = fitsverify(path)
      assert.equal(result.errors + result.warnings, 0, `${sc}:\n${result.output}`)
    }
  })

  it('astropy finds the extensions, the pixels and the same sky positions', {
    skip: astropySkip(),
  }, async () => {
    const exposure = randomExposure(40, 30, 1000, 2000)
    const path = join(dir, 'astropy.fits')
    writeFileSync(path, await write(exposure, 'ExposureF', provenance))
    const pixels: [number, number][] = [
      [0, 0],
      [39, 0],
      [0, 29],
      [17, 11],
      [39, 29],
    ]
    const script = `
import json, sys, warnings
warnings.simplefilter('ignore')
from astropy.io import fits
from astropy.wcs import WCS
pixels = json.loads(sys.argv[2])
with fits.open(sys.argv[1]) as f:
    out = {'names': [h.name for h in f]}
    for name in ('IMAGE', 'MASK', 'VARIANCE'):
        out[name] = [float(f[name].data[j, i]) for i, j in pixels]
    w = WCS(f['IMAGE'].header)
    out['sky'] = [[float(v) for v in w.pixel_to_world_values(i, j)] for i, j in pixels]
    out['ltv'] = [f['IMAGE'].header['LTV1'], f['IMAGE'].header['LTV2']]
    out['run'] = f[0].header['LSST BUTLER RUN']
    out['psf'] = float(f['PSF'].data[2, 2])
    out['observatory'] = json.loads(f['VISITINFO'].data['observatory'][0])
print(json.dumps(out))
`
    const out = JSON.parse(runAstropy(script, path, JSON.stringify(pixels))) as {
      names: string[]
      IMAGE: number[]
      MASK: number[]
      VARIANCE: number[]
      sky: [number, number][]
      ltv: number[]
      run: string
      psf: number
      observatory: unknown
    }
    assert.deepEqual(out.names, [
      'PRIMARY',
      'IMAGE',
      'MASK',
      'VARIANCE',
      'PSF',
      'VISITINFO',
      'SUMMARYSTATS',
      'PHOTOCALIB',
    ])
    assert.deepEqual(out.ltv, [-1000, -2000])
    assert.equal(out.run, provenance.run)
    assert.equal(out.psf, exposure.psf!.kernel.get(0, 0))
    assert.deepEqual(out.observatory, exposure.visitInfo!.observatory)
    pixels.forEach(([i, j], n) => {
      const x = 1000 + i
      const y = 2000 + j
      assert.equal(out.IMAGE[n], exposure.image.get(x, y))
      assert.equal(out.MASK[n], exposure.mask.get(x, y))
      assert.equal(out.VARIANCE[n], exposure.variance.get(x, y))
      const [ra, dec] = exposure.wcs!.pixelToSky(x, y)
      const [ara, adec] = out.sky[n]!
      assert.ok(
        Math.abs(ara - ra) < 1e-8 && Math.abs(adec - dec) < 1e-8,
        `(${x}, ${y}): ${ra},${dec} vs ${ara},${adec}`,
      )
    })
  })
})
