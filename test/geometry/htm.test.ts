import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InputError } from '../../src/errors.js'
import { createCircle, createPolygon, HtmPixelization, UnitVector3d } from '../../src/geometry/index.js'
import { checkEnvelope, checkInterior, REGIONS } from './pixelization-cases.js'
import { randomPoints } from './random.js'

const at = (lon: number, lat: number) => UnitVector3d.fromLonLatDegrees(lon, lat)

describe('HtmPixelization', () => {
  it('numbers the root trixels S0-S3 = 8-11 and N0-N3 = 12-15 by octant', () => {
    const htm = new HtmPixelization(0)
    const octants: [number, number, number][] = [
      [45, -45, 8],
      [135, -45, 9],
      [225, -45, 10],
      [315, -45, 11],
      [315, 45, 12],
      [225, 45, 13],
      [135, 45, 14],
      [45, 45, 15],
    ]
    for (const [lon, lat, id] of octants) assert.equal(htm.index(at(lon, lat)), id, `(${lon}, ${lat})`)
    assert.deepEqual(htm.universe(), [[8, 16]])
  })

  it('gives the ids sphgeom gives for the axes', () => {
    // (1, 0, 0) is the third vertex of N3, the north pole its second, the south pole S0's second.
    for (let level = 1; level <= 24; level++) {
      const htm = new HtmPixelization(level)
      const scale = 4 ** (level - 1)
      assert.equal(htm.index(UnitVector3d.X), 62 * scale)
      assert.equal(htm.index(UnitVector3d.Z), 61 * scale)
      assert.equal(htm.index(UnitVector3d.Z.negate()), 33 * scale)
    }
    assert.equal(new HtmPixelization(0).index(UnitVector3d.X), 15)
    assert.equal(HtmPixelization.asString(62 * 16), 'N3200')
    assert.equal(HtmPixelization.asString(9), 'S1')
  })

  it('knows the level of an index', () => {
    assert.equal(HtmPixelization.levelOf(8), 0)
    assert.equal(HtmPixelization.levelOf(15), 0)
    assert.equal(HtmPixelization.levelOf(16), -1)
    assert.equal(HtmPixelization.levelOf(7), -1)
    assert.equal(HtmPixelization.levelOf(32), 1)
    assert.equal(HtmPixelization.levelOf(16 * 4 ** 24 - 1), 24)
    assert.equal(HtmPixelization.levelOf(8 * 4 ** 24), 24)
    assert.throws(() => new HtmPixelization(25), InputError)
    assert.throws(() => new HtmPixelization(7).pixel(8), InputError)
  })

  it('puts every point in the trixel of its index, at every level', () => {
    const points = randomPoints(1500, 1)
    for (const level of [1, 3, 7, 12, 18, 24]) {
      const htm = new HtmPixelization(level)
      for (const v of points) {
        const i = htm.index(v)
        assert.equal(HtmPixelization.levelOf(i), level)
        assert.ok(htm.pixel(i).contains(v), `level ${level}: ${v} not in trixel ${i}`)
      }
    }
  })

  it('nests children 4i + k inside their parent', () => {
    for (const level of [0, 4, 10]) {
      const parent = new HtmPixelization(level)
      const child = new HtmPixelization(level + 1)
      for (const v of randomPoints(40, level)) {
        const i = parent.index(v)
        assert.equal(Math.floor(child.index(v) / 4), i)
        const trixel = parent.pixel(i)
        for (let k = 0; k < 4; k++) {
          const c = child.pixel(4 * i + k).centroid()
          assert.ok(trixel.contains(c))
          assert.equal(child.index(c), 4 * i + k)
        }
      }
    }
  })

  for (const [name, region] of REGIONS) {
    it(`covers a ${name} with its envelope and interior`, () => {
      for (const level of [3, 7, 10]) checkEnvelope(new HtmPixelization(level), region)
      checkEnvelope(new HtmPixelization(9), region, 4)
      checkInterior(new HtmPixelization(9), region)
    })
  }

  it('finds the interior of a large circle and covers the whole sky', () => {
    const htm = new HtmPixelization(5)
    const interior = htm.interior(createCircle(0, 0, 30))
    assert.ok(interior.reduce((n, [b, e]) => n + e - b, 0) > 100)
    assert.deepEqual(htm.envelope(createCircle(0, 0, 180)), htm.universe())
  })

  it('computes a small envelope at level 7 in well under a millisecond', () => {
    const htm = new HtmPixelization(7)
    const polygon = createPolygon([150, 2, 150.2, 2, 150.2, 2.2, 150, 2.2])
    for (let i = 0; i < 50; i++) htm.envelope(polygon)
    const n = 200
    const start = performance.now()
    for (let i = 0; i < n; i++) htm.envelope(polygon)
    const mean = (performance.now() - start) / n
    assert.ok(mean < 5, `mean envelope time ${mean} ms`)
  })
})
