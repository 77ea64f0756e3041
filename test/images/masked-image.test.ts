import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { StorageClassError } from '../../src/errors.js'
import { Box2I } from '../../src/images/box.js'
import { Image } from '../../src/images/image.js'
import { Mask } from '../../src/images/mask.js'
import { MaskedImage } from '../../src/images/masked-image.js'

describe('MaskedImage', () => {
  it('fills a missing mask and variance with zeros on the image box', () => {
    const mi = new MaskedImage(Image.zeros('float32', 6, 4, 3, -2))
    assert.ok(mi.bbox.equals(new Box2I(3, -2, 6, 4)))
    assert.ok(mi.mask.bbox.equals(mi.bbox) && mi.variance.bbox.equals(mi.bbox))
    assert.equal(mi.variance.dtype, 'float32')
    assert.ok(mi.mask.planes.has('BAD'))
    assert.ok(mi.mask.data.every((v) => v === 0))
    assert.equal(mi.width, 6)
    assert.equal(mi.height, 4)
    assert.equal(mi.x0, 3)
    assert.equal(mi.y0, -2)
  })

  it('rejects parts whose bounding box differs', () => {
    const image = Image.zeros('float32', 6, 4)
    assert.throws(
      () => new MaskedImage(image, Mask.zeros(6, 4, 1, 0)),
      (e: Error) => {
        return e instanceof StorageClassError && /mask has bounding box .* but the image has/.test(e.message)
      },
    )
    assert.throws(() => new MaskedImage(image, undefined, Image.zeros('float32', 5, 4)), /variance/)
    assert.throws(() => new MaskedImage('x' as never), StorageClassError)
    assert.throws(() => new MaskedImage(image, image as never), /mask must be a Mask/)
  })

  it('cuts all three planes and compares them', () => {
    const image = Image.zeros('float32', 6, 4, 10, 10)
    image.set(12, 11, 5)
    const mask = Mask.zeros(6, 4, 10, 10)
    mask.set(12, 11, mask.bitMask('SAT'))
    const variance = Image.zeros('float32', 6, 4, 10, 10)
    variance.set(12, 11, 2)
    const mi = new MaskedImage(image, mask, variance)
    const sub = mi.subimage(new Box2I(11, 11, 3, 2))
    assert.ok(sub.bbox.equals(new Box2I(11, 11, 3, 2)))
    assert.equal(sub.image.get(12, 11), 5)
    assert.equal(sub.mask.get(12, 11), 2)
    assert.equal(sub.variance.get(12, 11), 2)
    assert.ok(mi.equals(mi.clone()))
    const other = mi.clone()
    other.variance.set(10, 10, 1)
    assert.ok(!mi.equals(other))
  })
})
