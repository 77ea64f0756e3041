import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createNdArray } from '../../src/datasets/ndarray.js'
import { InputError, ReadParameterError, StorageClassError } from '../../src/errors.js'
import { Box2I } from '../../src/images/box.js'
import { IMAGE_DTYPES, Image } from '../../src/images/image.js'

/** A width x height float32 image whose pixel (i, j) (array indices) holds 100 * j + i. */
function ramp(width: number, height: number, x0 = 0, y0 = 0): Image {
  const data = new Float32Array(width * height)
  for (let j = 0; j < height; j++) for (let i = 0; i < width; i++) data[j * width + i] = 100 * j + i
  return Image.fromArray(createNdArray(data, [height, width]), x0, y0)
}

describe('Image', () => {
  it('wraps a 2-D array with its origin', () => {
    const image = ramp(4, 3, 10, 20)
    assert.equal(image.width, 4)
    assert.equal(image.height, 3)
    assert.equal(image.dtype, 'float32')
    assert.ok(image.bbox.equals(new Box2I(10, 20, 4, 3)))
    assert.equal(image.get(10, 20), 0)
    assert.equal(image.get(13, 20), 3)
    assert.equal(image.get(11, 22), 201, 'row-major: y selects the row')
    assert.ok(image.data instanceof Float32Array)
  })

  it('makes zeros of every dtype', () => {
    for (const dtype of IMAGE_DTYPES) {
      const image = Image.zeros(dtype, 5, 2, -3, 7)
      assert.equal(image.dtype, dtype)
      assert.deepEqual(image.array.shape, [2, 5])
      assert.ok(image.bbox.equals(new Box2I(-3, 7, 5, 2)))
      assert.equal(image.get(-3, 7), dtype === 'int64' || dtype === 'uint64' ? 0n : 0)
    }
    assert.equal(Image.zeros('float64', 0, 0).bbox.isEmpty(), true)
  })

  it('gets and sets pixels in parent coordinates, checking bounds and value types', () => {
    const image = Image.zeros('int16', 3, 3, 100, 200)
    image.set(102, 201, 7)
    assert.equal(image.data[1 * 3 + 2], 7)
    assert.equal(image.get(102, 201), 7)
    assert.throws(() => image.get(0, 0), InputError)
    assert.throws(() => image.get(103, 200), /outside the image's bounding box Box2I\(x0=100/)
    assert.throws(() => image.set(100, 199, 1), InputError)
    assert.throws(() => image.get(100.5, 200), InputError)
    assert.throws(() => image.set(100, 200, 1n), InputError)
    const big = Image.zeros('int64', 1, 1)
    big.set(0, 0, 2n ** 60n)
    assert.equal(big.get(0, 0), 2n ** 60n)
    assert.throws(() => big.set(0, 0, 1), InputError)
  })

  it('cuts subimages equal to a manual crop, honouring the origin', () => {
    const image = ramp(10, 8, 1000, 2000)
    const box = new Box2I(1002, 2003, 4, 2)
    const sub = image.subimage(box)
    assert.ok(sub.bbox.equals(box))
    const manual = new Float32Array(8)
    for (let j = 0; j < 2; j++) for (let i = 0; i < 4; i++) manual[j * 4 + i] = 100 * (j + 3) + (i + 2)
    assert.ok(sub.equals(Image.fromArray(createNdArray(manual, [2, 4]), 1002, 2003)))
    assert.equal(sub.get(1002, 2003), image.get(1002, 2003))
    // A copy: changing the cut-out leaves the original alone.
    sub.set(1002, 2003, -1)
    assert.equal(image.get(1002, 2003), 302)
    assert.ok(image.subimage(image.bbox).equals(image))
  })

  it('clips boxes that stick out and rejects boxes that miss', () => {
    const image = ramp(10, 8, 5, 5)
    const clipped = image.subimage(new Box2I(0, 10, 8, 100))
    assert.ok(clipped.bbox.equals(new Box2I(5, 10, 3, 3)))
    assert.equal(clipped.get(7, 12), image.get(7, 12))
    assert.throws(() => image.subimage(new Box2I(100, 100, 2, 2)), ReadParameterError)
    assert.throws(
      () => image.subimage(new Box2I(15, 5, 2, 2)),
      (e: Error) =>
        e instanceof ReadParameterError &&
        e.message.includes('Box2I(x0=15, y0=5, width=2, height=2)') &&
        e.message.includes('Box2I(x0=5, y0=5, width=10, height=8)'),
    )
    assert.throws(() => image.subimage(new Box2I(6, 6, 0, 0)), ReadParameterError)
  })

  it('compares dtype, origin and pixels, NaN equal to NaN', () => {
    const a = Image.zeros('float64', 2, 2)
    const b = a.clone()
    assert.ok(a.equals(b))
    a.set(0, 0, Number.NaN)
    b.set(0, 0, Number.NaN)
    assert.ok(a.equals(b))
    b.set(1, 1, 1)
    assert.ok(!a.equals(b))
    assert.ok(!a.equals(a.withOrigin(1, 0)))
    assert.ok(!Image.zeros('float32', 2, 2).equals(Image.zeros('float64', 2, 2)))
    assert.ok(!Image.zeros('float32', 2, 3).equals(Image.zeros('float32', 3, 2)))
    assert.equal(a.withOrigin(4, 5).data, a.data, 'withOrigin shares pixels')
  })

  it('rejects bad arrays, origins and sizes with StorageClassError', () => {
    assert.throws(() => Image.fromArray(createNdArray(new Float32Array(6), [6])), StorageClassError)
    assert.throws(() => Image.fromArray(createNdArray(new Float32Array(6), [1, 2, 3])), StorageClassError)
    assert.throws(() => Image.fromArray(createNdArray([true, false], [1, 2])), /bool/)
    assert.throws(
      () => Image.fromArray(createNdArray(new Float32Array(4), [2, 2]), 0.5, 0),
      StorageClassError,
    )
    assert.throws(
      () => new Image({ dtype: 'float32', shape: [2, 2], data: new Float32Array(3) }),
      StorageClassError,
    )
    assert.throws(() => Image.zeros('float32', -1, 2), StorageClassError)
    assert.throws(() => Image.zeros('bool' as never, 1, 2), StorageClassError)
    assert.throws(() => Image.zeros('float32', 1e6, 1e6), /too large/)
  })
})
