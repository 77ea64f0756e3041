import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { StorageClassError } from '../../src/errors.js'
import { Box2I } from '../../src/images/box.js'
import { EXPOSURE_COMPONENTS, Exposure } from '../../src/images/exposure.js'
import { Image } from '../../src/images/image.js'
import { MaskedImage } from '../../src/images/masked-image.js'
import { PropertyList } from '../../src/images/property-list.js'
import { sampleExposure } from './fixtures.js'

describe('Exposure', () => {
  it('exposes its pixels and geometry', () => {
    const e = sampleExposure()
    assert.equal(e.image, e.maskedImage.image)
    assert.equal(e.mask, e.maskedImage.mask)
    assert.equal(e.variance, e.maskedImage.variance)
    assert.ok(e.bbox.equals(new Box2I(100, 200, 12, 8)))
    assert.deepEqual(e.dimensions, { width: 12, height: 8 })
    assert.deepEqual(e.xy0, { x: 100, y: 200 })
    assert.equal(e.filter, 'r')
    for (const name of EXPOSURE_COMPONENTS) assert.notEqual(e.getComponent(name), undefined, name)
  })

  it('always has metadata and optional parts', () => {
    const e = new Exposure(new MaskedImage(Image.zeros('float32', 2, 2)))
    assert.ok(e.metadata instanceof PropertyList)
    assert.equal(e.metadata.size, 0)
    assert.equal(e.wcs, undefined)
    assert.equal(e.psf, undefined)
    assert.equal(e.filter, undefined)
  })

  it('cuts a subimage keeping the other parts, WCS still in parent pixels', () => {
    const e = sampleExposure()
    const box = new Box2I(104, 202, 5, 3)
    const sub = e.subimage(box)
    assert.ok(sub.bbox.equals(box))
    assert.ok(sub.image.equals(e.image.subimage(box)))
    assert.ok(sub.mask.equals(e.mask.subimage(box)))
    assert.ok(sub.variance.equals(e.variance.subimage(box)))
    assert.equal(sub.mask.get(105, 203), e.mask.bitMask('BAD', 'CR'))
    assert.equal(sub.wcs, e.wcs)
    assert.deepEqual(sub.wcs?.pixelToSky(105, 203), e.wcs?.pixelToSky(105, 203))
    assert.equal(sub.psf, e.psf)
    assert.ok(sub.metadata.equals(e.metadata))
    assert.notEqual(sub.metadata, e.metadata, 'metadata is copied')
    assert.deepEqual(sub.visitInfo, e.visitInfo)
    assert.equal(sub.filter, 'r')
  })

  it('assembles from parts, filling mask and variance, and rejects bad parts', () => {
    const e = sampleExposure()
    const fromAll = Exposure.fromParts({
      image: e.image,
      mask: e.mask,
      variance: e.variance,
      wcs: e.wcs,
      psf: e.psf,
      metadata: e.metadata,
      visitInfo: e.visitInfo,
      summaryStats: e.summaryStats,
      photoCalib: e.photoCalib,
      filter: e.filter,
    })
    assert.ok(fromAll.equals(e))
    const minimal = Exposure.fromParts({ image: e.image, wcs: null })
    assert.ok(minimal.mask.bbox.equals(e.bbox) && minimal.mask.data.every((v) => v === 0))
    assert.equal(minimal.variance.dtype, 'float32')
    assert.equal(minimal.wcs, undefined)
    assert.ok(!minimal.equals(e))
    assert.throws(
      () => Exposure.fromParts({ mask: e.mask }),
      (err: Error) => err instanceof StorageClassError && /'image'/.test(err.message),
    )
    assert.throws(() => Exposure.fromParts({ image: e.image, wcs: 'tan' }), /'wcs' must be a Wcs/)
    assert.throws(() => Exposure.fromParts({ image: e.image, mask: e.image }), /'mask' must be a Mask/)
    assert.throws(
      () => Exposure.fromParts({ image: e.image, photoCalib: { calibrationMean: 1 } }),
      /photoCalib/,
    )
    assert.throws(() => Exposure.fromParts({ image: e.image, summaryStats: { a: 'b' } }), /summaryStats/)
    assert.throws(() => Exposure.fromParts({ image: e.image, filter: 3 }), /filter/)
    assert.throws(() => Exposure.fromParts({ image: e.image, detector: 1 }), /no component\(s\) detector/)
    assert.throws(
      () => Exposure.fromParts({ image: e.image, variance: Image.zeros('float32', 3, 3) }),
      /variance has bounding box/,
    )
  })

  it('compares every part and replaces parts with `with`', () => {
    const e = sampleExposure()
    assert.ok(e.equals(sampleExposure()), 'NaN summary stats compare equal')
    assert.ok(!e.equals(e.with({ filter: 'g' })))
    assert.ok(!e.equals(e.with({ wcs: undefined })))
    assert.ok(!e.equals(e.with({ visitInfo: { ...e.visitInfo, exposureTime: 31 } })))
    assert.ok(!e.equals(e.with({ metadata: new PropertyList() })))
    assert.ok(!e.equals(e.with({ psf: undefined })))
    assert.ok(e.with({}).equals(e))
    const other = e.with({ maskedImage: e.maskedImage.clone() })
    assert.ok(other.equals(e))
    other.image.set(100, 200, 99)
    assert.ok(!other.equals(e))
  })
})
