import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createNdArray } from '../../src/datasets/ndarray.js'
import { InputError, ReadParameterError, StorageClassError } from '../../src/errors.js'
import { Box2I } from '../../src/images/box.js'
import { DEFAULT_MASK_PLANES, Mask } from '../../src/images/mask.js'

describe('Mask', () => {
  it('starts with afw default planes', () => {
    const mask = Mask.zeros(4, 3)
    assert.deepEqual(Object.fromEntries(mask.planes), {
      BAD: 0,
      SAT: 1,
      INTRP: 2,
      CR: 3,
      EDGE: 4,
      DETECTED: 5,
      DETECTED_NEGATIVE: 6,
      SUSPECT: 7,
      NO_DATA: 8,
    })
    assert.equal(mask.dtype, 'int32')
    assert.ok(mask.data instanceof Int32Array)
    assert.notEqual(mask.planes, DEFAULT_MASK_PLANES, 'each mask has its own plane dictionary')
  })

  it('builds bit masks from plane names', () => {
    const mask = Mask.zeros(2, 2)
    assert.equal(mask.bitMask(), 0)
    assert.equal(mask.bitMask('BAD'), 1)
    assert.equal(mask.bitMask('SAT', 'CR', 'NO_DATA'), 2 | 8 | 256)
    assert.throws(
      () => mask.bitMask('BAD', 'NOPE'),
      (e: Error) => e instanceof StorageClassError && /NOPE.*BAD, SAT/.test(e.message),
    )
    mask.set(1, 1, mask.bitMask('BAD', 'EDGE'))
    assert.ok((mask.get(1, 1) & mask.bitMask('EDGE')) !== 0)
    assert.ok((mask.get(1, 1) & mask.bitMask('SAT')) === 0)
  })

  it('adds planes on the lowest free bit, up to 32', () => {
    const mask = Mask.zeros(1, 1, 0, 0, { A: 0, C: 2 })
    assert.equal(mask.addPlane('B'), 1)
    assert.equal(mask.addPlane('A'), 0, 'existing plane keeps its bit')
    assert.equal(mask.addPlane('D'), 3)
    for (let i = 4; i < 32; i++) assert.equal(mask.addPlane(`P${i}`), i)
    assert.equal(mask.bitMask('P31'), -(2 ** 31), 'bit 31 is the int32 sign bit')
    assert.throws(() => mask.addPlane('ONE_TOO_MANY'), /all 32 bits/)
    assert.throws(() => mask.addPlane(''), StorageClassError)
    mask.set(0, 0, mask.bitMask('P31', 'A'))
    assert.equal(mask.get(0, 0), -(2 ** 31) + 1)
    mask.set(0, 0, 0xffffffff)
    assert.equal(mask.get(0, 0), -1)
    assert.throws(() => mask.set(0, 0, 2 ** 32), InputError)
    assert.throws(() => mask.set(0, 0, 1.5), InputError)
  })

  it('rejects bad planes and arrays', () => {
    assert.throws(() => Mask.zeros(1, 1, 0, 0, { A: 32 }), StorageClassError)
    assert.throws(() => Mask.zeros(1, 1, 0, 0, { A: 1, B: 1 }), /share bit 1/)
    assert.throws(() => Mask.zeros(1, 1, 0, 0, { A: -1 }), StorageClassError)
    assert.throws(() => new Mask(createNdArray(new Float32Array(4), [2, 2])), /int32/)
    assert.throws(() => new Mask(createNdArray(new Int32Array(4), [4])), StorageClassError)
  })

  it('cuts subimages with origin and planes, and compares', () => {
    const data = new Int32Array(12).map((_, i) => i)
    const mask = new Mask(createNdArray(data, [3, 4]), 10, 20, { X: 3 })
    const sub = mask.subimage(new Box2I(11, 21, 2, 2))
    assert.ok(sub.bbox.equals(new Box2I(11, 21, 2, 2)))
    assert.deepEqual([...sub.data], [5, 6, 9, 10])
    assert.deepEqual(Object.fromEntries(sub.planes), { X: 3 })
    sub.addPlane('Y')
    assert.ok(!mask.planes.has('Y'), 'subimage planes are a copy')
    assert.ok(mask.subimage(mask.bbox).equals(mask))
    assert.ok(!mask.equals(new Mask(createNdArray(data.slice(), [3, 4]), 10, 20)), 'planes differ')
    assert.ok(mask.equals(new Mask(createNdArray(data.slice(), [3, 4]), 10, 20, new Map([['X', 3]]))))
    assert.throws(() => mask.subimage(new Box2I(0, 0, 5, 5)), ReadParameterError)
  })
})
