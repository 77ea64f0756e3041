import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InputError } from '../../src/errors.js'
import { createPolygon, HealpixPixelization, LonLat, UnitVector3d } from '../../src/geometry/index.js'
import { checkEnvelope, checkInterior, REGIONS } from './pixelization-cases.js'
import { randomPoints } from './random.js'

const at = (lon: number, lat: number) => UnitVector3d.fromLonLatDegrees(lon, lat)

describe('HealpixPixelization', () => {
  it('puts the poles, equator and mid-latitudes in the standard base pixels', () => {
    const hp = new HealpixPixelization(0)
    const cases: [number, number, number][] = [
      [0, 90, 0],
      [45, 60, 0],
      [135, 60, 1],
      [225, 60, 2],
      [315, 60, 3],
      [0, 0, 4],
      [90, 0, 5],
      [180, 0, 6],
      [270, 0, 7],
      [45, -60, 8],
      [135, -60, 9],
      [225, -60, 10],
      [315, -60, 11],
      [0, -90, 8],
    ]
    for (const [lon, lat, pixel] of cases) assert.equal(hp.index(at(lon, lat)), pixel, `(${lon}, ${lat})`)
    assert.deepEqual(hp.universe(), [[0, 12]])
    assert.equal(new HealpixPixelization(17).npix, 12 * 4 ** 17)
  })

  it('rejects bad orders and indices', () => {
    assert.throws(() => new HealpixPixelization(18), InputError)
    assert.throws(() => new HealpixPixelization(1.5), InputError)
    assert.throws(() => new HealpixPixelization(1).pixel(48), InputError)
  })

  it('has equal-area pixels', () => {
    const points = randomPoints(24000, 2)
    const counts = new Map<number, number>()
    const hp = new HealpixPixelization(2)
    for (const v of points) counts.set(hp.index(v), (counts.get(hp.index(v)) ?? 0) + 1)
    assert.equal(counts.size, 192)
    // 125 expected per pixel; 5 sigma is about 56.
    for (const [pixel, n] of counts) assert.ok(Math.abs(n - 125) < 56, `pixel ${pixel} has ${n} points`)
  })

  it('nests: the parent of a point’s pixel is its pixel one order up', () => {
    const points = randomPoints(2000, 3)
    for (let order = 1; order <= 17; order += 4) {
      const fine = new HealpixPixelization(order)
      const coarse = new HealpixPixelization(order - 1)
      for (const v of points) assert.equal(Math.floor(fine.index(v) / 4), coarse.index(v))
    }
  })

  it('bounds every pixel by a box holding the points indexed to it', () => {
    const points = randomPoints(1500, 4)
    for (const order of [0, 1, 4, 9, 13, 17]) {
      const hp = new HealpixPixelization(order)
      for (const v of points) {
        const i = hp.index(v)
        assert.ok(hp.pixel(i).contains(v), `order ${order}: ${v} not in box of pixel ${i}`)
      }
    }
    // Near the poles, where the pixels meet at a point.
    for (const lat of [89.99999, -89.99999, 90, -90]) {
      for (const lon of [1, 100, 200, 300]) {
        const v = at(lon, lat)
        for (const order of [0, 5, 17]) {
          const hp = new HealpixPixelization(order)
          assert.ok(hp.pixel(hp.index(v)).contains(v), `order ${order}: (${lon}, ${lat})`)
        }
      }
    }
  })

  it('maps pixel centres back to their own index', () => {
    const hp = new HealpixPixelization(3)
    for (let i = 0; i < hp.npix; i++) {
      const box = hp.pixel(i)
      const c = box.boundingCircle().center
      assert.ok(box.contains(c))
      const p = LonLat.fromVector(c)
      assert.ok(p.lat >= -90)
    }
  })

  for (const [name, region] of REGIONS) {
    it(`covers a ${name} with its envelope and interior`, () => {
      for (const order of [2, 6, 9]) checkEnvelope(new HealpixPixelization(order), region)
      checkEnvelope(new HealpixPixelization(8), region, 4)
      checkInterior(new HealpixPixelization(8), region)
    })
  }

  it('computes a small envelope at order 8 quickly', () => {
    const hp = new HealpixPixelization(8)
    const polygon = createPolygon([150, 2, 150.2, 2, 150.2, 2.2, 150, 2.2])
    for (let i = 0; i < 20; i++) hp.envelope(polygon)
    const start = performance.now()
    for (let i = 0; i < 100; i++) hp.envelope(polygon)
    const mean = (performance.now() - start) / 100
    assert.ok(mean < 10, `mean envelope time ${mean} ms`)
  })
})
