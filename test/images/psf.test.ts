import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createNdArray } from '../../src/datasets/ndarray.js'
import { StorageClassError } from '../../src/errors.js'
import { Image } from '../../src/images/image.js'
import { Psf } from '../../src/images/psf.js'

describe('Psf', () => {
  it('centres the kernel on (0, 0) without copying it', () => {
    const data = new Float64Array(15).fill(1 / 15)
    const kernel = Image.fromArray(createNdArray(data, [3, 5]), 40, 50)
    const psf = new Psf(kernel, 2.5)
    assert.equal(psf.computeImage(), psf.kernel)
    assert.equal(psf.kernel.x0, -2)
    assert.equal(psf.kernel.y0, -1)
    assert.equal(psf.kernel.data, data)
    assert.equal(psf.fwhm, 2.5)
    assert.ok(psf.equals(new Psf(kernel.clone(), 2.5)))
    assert.ok(!psf.equals(new Psf(kernel)))
  })

  it('rejects even sizes, other dtypes and bad fwhm', () => {
    assert.throws(() => new Psf(Image.zeros('float64', 4, 5)), /odd/)
    assert.throws(() => new Psf(Image.zeros('float32', 5, 5)), /float64/)
    assert.throws(() => new Psf(Image.zeros('float64', 5, 5), -1), StorageClassError)
    assert.throws(() => new Psf('kernel' as never), StorageClassError)
  })
})
