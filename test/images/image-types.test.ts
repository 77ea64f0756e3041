import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createNdArray, type NdArray } from '../../src/datasets/ndarray.js'
import {
  ReadParameterError,
  StorageClassConversionError,
  StorageClassError,
  UnknownComponentError,
} from '../../src/errors.js'
import { loadDefaultStorageClasses } from '../../src/formatters/default-storage-classes.js'
import { Box2I } from '../../src/images/box.js'
import { EXPOSURE_COMPONENTS, Exposure } from '../../src/images/exposure.js'
import { Image } from '../../src/images/image.js'
import type { Mask } from '../../src/images/mask.js'
import { MaskedImage } from '../../src/images/masked-image.js'
import { PropertyList } from '../../src/images/property-list.js'
import type { Psf } from '../../src/images/psf.js'
import type { Wcs } from '../../src/images/wcs.js'
import { sampleExposure } from './fixtures.js'

const factory = loadDefaultStorageClasses()

describe('image storage classes', () => {
  it('are defined with the reference names, types and inheritance', () => {
    const types: Record<string, string> = {
      Image: 'image',
      ImageF: 'image',
      ImageI: 'image',
      ImageU: 'image',
      Mask: 'mask',
      MaskX: 'mask',
      MaskedImage: 'masked-image',
      MaskedImageF: 'masked-image',
      Exposure: 'exposure',
      ExposureF: 'exposure',
      ExposureI: 'exposure',
      ExposureU: 'exposure',
      Box2I: 'box',
      Wcs: 'wcs',
      Psf: 'psf',
      PropertyList: 'property-list',
      VisitInfo: 'object',
      ExposureSummaryStats: 'object',
      PhotoCalib: 'object',
      Extent2I: 'object',
      Point2I: 'object',
      FilterLabel: 'string',
    }
    for (const [name, type] of Object.entries(types)) assert.equal(factory.get(name).type, type, name)
    const exposure = factory.get('ExposureF')
    assert.deepEqual(Object.keys(exposure.components), EXPOSURE_COMPONENTS)
    assert.deepEqual(exposure.derivedComponents, { bbox: 'Box2I', dimensions: 'Extent2I', xy0: 'Point2I' })
    assert.deepEqual(exposure.parameters, ['bbox'])
    assert.deepEqual(factory.get('MaskedImageF').components, {
      image: 'Image',
      mask: 'Mask',
      variance: 'Image',
    })
    for (const name of ['Image', 'Mask', 'MaskedImage'])
      assert.deepEqual(factory.get(name).parameters, ['bbox'])
  })

  it('recognise instances', () => {
    const e = sampleExposure()
    const cases: [string, unknown, unknown][] = [
      ['Image', e.image, e.mask],
      ['Mask', e.mask, e.image],
      ['MaskedImage', e.maskedImage, e],
      ['Exposure', e, e.maskedImage],
      ['Wcs', e.wcs, e.wcs?.toJSON()],
      ['Psf', e.psf, e.psf?.kernel],
      ['PropertyList', e.metadata, e.metadata.toJSON()],
      ['Box2I', e.bbox, e.bbox.toJSON()],
    ]
    for (const [name, yes, no] of cases) {
      assert.ok(factory.get(name).isInstance(yes), name)
      assert.ok(!factory.get(name).isInstance(no), `${name} rejects the wrong type`)
    }
    assert.throws(() => factory.get('Exposure').assertInstance(e.maskedImage), /not an Exposure/)
  })

  it('give real and derived components', () => {
    const e = sampleExposure()
    const sc = factory.get('ExposureF')
    assert.equal(sc.getComponent(e, 'image'), e.image)
    assert.equal(sc.getComponent(e, 'wcs'), e.wcs)
    assert.equal(sc.getComponent(e, 'metadata'), e.metadata)
    assert.equal(sc.getComponent(e, 'filter'), 'r')
    assert.deepEqual(sc.getComponent(e, 'photoCalib'), { calibrationMean: 0.45, calibrationErr: 0.01 })
    assert.ok((sc.getComponent(e, 'bbox') as Box2I).equals(new Box2I(100, 200, 12, 8)))
    assert.deepEqual(sc.getComponent(e, 'dimensions'), { width: 12, height: 8 })
    assert.deepEqual(sc.getComponent(e, 'xy0'), { x: 100, y: 200 })
    assert.ok(factory.get('Extent2I').isInstance(sc.getComponent(e, 'dimensions')))
    assert.ok(factory.get('Point2I').isInstance(sc.getComponent(e, 'xy0')))
    for (const [name, obj] of [
      ['Image', e.image],
      ['Mask', e.mask],
      ['MaskedImage', e.maskedImage],
    ] as const) {
      const c = factory.get(name)
      assert.ok((c.getComponent(obj, 'bbox') as Box2I).equals(e.bbox), name)
      assert.deepEqual(c.getComponent(obj, 'dimensions'), { width: 12, height: 8 })
      assert.deepEqual(c.getComponent(obj, 'xy0'), { x: 100, y: 200 })
    }
    assert.equal(factory.get('MaskedImage').getComponent(e.maskedImage, 'variance'), e.variance)
    assert.throws(() => sc.getComponent(e, 'detector'), UnknownComponentError)
    assert.throws(() => factory.get('Image').getComponent(e.image, 'mask'), UnknownComponentError)
    assert.equal(sc.getComponent(new Exposure(e.maskedImage), 'psf'), undefined)
  })

  it('apply the bbox read parameter in parent coordinates', () => {
    const e = sampleExposure()
    const box = new Box2I(103, 201, 4, 5)
    const plain = { x0: 103, y0: 201, width: 4, height: 5 }
    const sub = factory.get('Exposure').handleParameters(e, { bbox: plain }) as Exposure
    assert.ok(sub.equals(e.subimage(box)))
    assert.ok(sub.bbox.equals(box))
    assert.equal(sub.image.get(103, 201), e.image.get(103, 201))
    assert.ok(
      (factory.get('ImageF').handleParameters(e.image, { bbox: box }) as Image).equals(e.image.subimage(box)),
    )
    assert.ok(
      (factory.get('MaskX').handleParameters(e.mask, { bbox: box }) as Mask).equals(e.mask.subimage(box)),
    )
    const mi = factory.get('MaskedImage').handleParameters(e.maskedImage, { bbox: plain }) as MaskedImage
    assert.ok(mi.equals(e.maskedImage.subimage(box)))
    for (const bad of [
      { x0: 0, y0: 0, width: 5, height: 5 },
      { x0: 103.5, y0: 201, width: 4, height: 5 },
      { x0: 103, y0: 201, width: -4, height: 5 },
      [103, 201, 4, 5],
      'all',
    ]) {
      assert.throws(
        () => factory.get('Exposure').handleParameters(e, { bbox: bad }),
        ReadParameterError,
        JSON.stringify(bad),
      )
    }
    assert.throws(() => factory.get('Exposure').handleParameters(e, { origin: 'LOCAL' }), ReadParameterError)
  })

  it('disassemble and assemble back to an equal object', () => {
    const e = sampleExposure()
    for (const name of ['Exposure', 'ExposureF']) {
      const sc = factory.get(name)
      const parts = sc.disassemble(e)
      assert.deepEqual(Object.keys(parts).sort(), Object.keys(sc.components).sort())
      for (const [component, value] of Object.entries(parts)) {
        assert.ok(factory.get(sc.components[component] as string).isInstance(value), component)
      }
      assert.ok((sc.assemble(parts) as Exposure).equals(e))
    }
    const bare = new Exposure(new MaskedImage(Image.zeros('float32', 3, 2)))
    const bareParts = factory.get('Exposure').disassemble(bare)
    assert.deepEqual(Object.keys(bareParts).sort(), ['image', 'mask', 'metadata', 'variance'])
    assert.ok((factory.get('Exposure').assemble(bareParts) as Exposure).equals(bare))
    const mi = factory.get('MaskedImage')
    assert.ok((mi.assemble(mi.disassemble(e.maskedImage)) as MaskedImage).equals(e.maskedImage))
    assert.throws(
      () => factory.get('Exposure').assemble({ mask: e.mask }),
      (err: Error) => err instanceof StorageClassError && err.message.includes("'image'"),
    )
    assert.throws(() => mi.assemble({ variance: e.variance }), /without its 'image'/)
    assert.throws(() => mi.assemble({ image: e.image, wcs: e.wcs }), /no component\(s\) wcs/)
    assert.throws(() => mi.assemble({ image: e.image, mask: 'bits' }), StorageClassError)
  })

  it('convert between exposures, masked images, images and arrays', async () => {
    const e = sampleExposure()
    const mi = (await factory.convert(e, 'ExposureF', 'MaskedImageF')) as MaskedImage
    assert.equal(mi, e.maskedImage)
    const back = (await factory.convert(mi, 'MaskedImage', 'ExposureF')) as Exposure
    assert.ok(back.maskedImage.equals(e.maskedImage))
    assert.equal(back.wcs, undefined)
    assert.equal(back.metadata.size, 0)
    assert.equal(await factory.convert(e, 'Exposure', 'ImageF'), e.image)
    assert.equal(await factory.convert(mi, 'MaskedImage', 'Image'), e.image)
    const array = (await factory.convert(e.image, 'ImageF', 'NumpyArray')) as NdArray
    assert.deepEqual(array.shape, [8, 12])
    assert.equal(array.data, e.image.data)
    const image = (await factory.convert(array, 'NumpyArray', 'Image')) as Image
    assert.ok(image.equals(e.image.withOrigin(0, 0)))
    assert.equal(await factory.coerceForWrite(e, 'MaskedImage'), e.maskedImage)
    assert.ok(((await factory.coerceForWrite(array, 'ImageU')) as Image).bbox.equals(new Box2I(0, 0, 12, 8)))
  })

  it('refuse impossible conversions with StorageClassConversionError', async () => {
    const e = sampleExposure()
    await assert.rejects(
      factory.convert(createNdArray(new Float32Array(6), [6]), 'NumpyArray', 'Image'),
      StorageClassConversionError,
    )
    await assert.rejects(
      factory.convert(createNdArray(new Float32Array(8), [2, 2, 2]), 'NumpyArray', 'Image'),
      /shape \[2, 2, 2\].*2-D/,
    )
    await assert.rejects(
      factory.convert(createNdArray([true, false], [1, 2]), 'NumpyArray', 'Image'),
      StorageClassConversionError,
    )
    await assert.rejects(factory.convert(e.image, 'Image', 'Exposure'), StorageClassConversionError)
    await assert.rejects(factory.convert(e.mask, 'Mask', 'Image'), StorageClassConversionError)
    await assert.rejects(factory.convert(e.wcs, 'Wcs', 'Psf'), StorageClassConversionError)
    await assert.rejects(factory.convert(e.image, 'Exposure', 'MaskedImage'), StorageClassConversionError)
    await assert.rejects(factory.coerceForWrite(e.image, 'Exposure'), /Image is not an Exposure/)
    assert.ok(!factory.canConvert('Image', 'MaskedImage'))
    assert.ok(factory.canConvert('ExposureU', 'Image'))
  })

  it('estimate sizes from the pixel buffers', () => {
    const e = sampleExposure()
    const pixels = e.image.data.byteLength + e.mask.data.byteLength + e.variance.data.byteLength
    assert.ok(factory.get('Exposure').sizeOf(e) >= pixels)
    assert.ok(factory.get('Image').sizeOf(Image.zeros('float64', 100, 100)) >= 80_000)
    assert.ok(factory.get('Psf').sizeOf(e.psf as Psf) >= 72)
    assert.ok(factory.get('PropertyList').sizeOf(new PropertyList([['A', 1]])) > 0)
    assert.ok(factory.get('Wcs').sizeOf(e.wcs as Wcs) > 0)
  })
})
