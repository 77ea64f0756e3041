import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  degToRad,
  LonInterval,
  LonLat,
  normalizeLonDegrees,
  radToDeg,
  UnitVector3d,
  Vector3d,
} from '../../src/geometry/index.js'

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`)

describe('UnitVector3d', () => {
  it('is built from longitude/latitude in degrees or radians', () => {
    const v = UnitVector3d.fromLonLatDegrees(90, 0)
    close(v.x, 0)
    close(v.y, 1)
    close(v.z, 0)
    const w = UnitVector3d.fromLonLatRadians(Math.PI, Math.PI / 4)
    close(w.x, -Math.SQRT1_2)
    close(w.y, 0)
    close(w.z, Math.SQRT1_2)
    const pole = UnitVector3d.fromLonLatDegrees(123, 90)
    close(pole.z, 1)
  })

  it('normalises, and refuses the zero vector', () => {
    const v = UnitVector3d.normalized(3, 0, 4)
    assert.deepEqual([v.x, v.y, v.z], [0.6, 0, 0.8])
    assert.equal(new Vector3d(0, 2, 0).normalize().y, 1)
    assert.throws(() => UnitVector3d.normalized(0, 0, 0), RangeError)
    assert.throws(() => UnitVector3d.normalized(Number.NaN, 0, 1), RangeError)
  })

  it('has dot and cross products and angles between points', () => {
    const x = UnitVector3d.X
    const y = UnitVector3d.Y
    assert.equal(x.dot(y), 0)
    assert.deepEqual(x.cross(y), new Vector3d(0, 0, 1))
    close(x.angleTo(y), Math.PI / 2)
    close(x.angleTo(x.negate()), Math.PI)
    const a = UnitVector3d.fromLonLatDegrees(10, 20)
    const b = UnitVector3d.fromLonLatDegrees(10, 20 + 1e-9)
    close(radToDeg(a.angleTo(b)), 1e-9, 1e-14)
    const o = a.orthogonal()
    close(o.dot(a), 0)
    close(o.norm(), 1)
  })

  it('gives orientation signs for counter-clockwise and clockwise triples', () => {
    const [x, y, z] = [UnitVector3d.X, UnitVector3d.Y, UnitVector3d.Z]
    assert.ok(x.orientation(y, z) > 0)
    assert.ok(x.orientation(z, y) < 0)
    // Full precision for tiny triangles: a 1e-8 rad triangle still has the right sign.
    const a = UnitVector3d.fromLonLatRadians(1, 0.5)
    const b = UnitVector3d.fromLonLatRadians(1 + 1e-8, 0.5)
    const c = UnitVector3d.fromLonLatRadians(1, 0.5 + 1e-8)
    assert.ok(a.orientation(b, c) > 0)
    assert.ok(a.orientation(c, b) < 0)
  })
})

describe('LonLat', () => {
  it('normalises longitude to [0, 360) and checks latitude', () => {
    assert.equal(new LonLat(-90, 10).lon, 270)
    assert.equal(new LonLat(360, 0).lon, 0)
    assert.equal(new LonLat(725, 0).lon, 5)
    assert.equal(new LonLat(-1e-20, 0).lon, 0)
    assert.throws(() => new LonLat(0, 91), RangeError)
    assert.throws(() => new LonLat(Number.NaN, 0), RangeError)
  })

  it('round-trips through unit vectors', () => {
    for (const [lon, lat] of [
      [0, 0],
      [359.5, -45],
      [180, 89.9],
      [12.345, -0.001],
    ] as const) {
      const p = LonLat.fromVector(UnitVector3d.fromLonLatDegrees(lon, lat))
      close(p.lon, lon, 1e-9)
      close(p.lat, lat, 1e-9)
    }
    const south = LonLat.fromVector(UnitVector3d.Z.negate())
    assert.deepEqual([south.lon, south.lat], [0, -90])
    close(LonLat.fromRadians(Math.PI, 0).lon, 180)
    close(new LonLat(90, 45).toVector().z, Math.SQRT1_2)
  })

  it('has angle helpers', () => {
    close(degToRad(180), Math.PI)
    close(radToDeg(Math.PI / 2), 90)
    assert.equal(normalizeLonDegrees(-360), 0)
    assert.equal(normalizeLonDegrees(-10), 350)
  })
})

describe('LonInterval', () => {
  const deg = (a: number, b: number) => LonInterval.of(degToRad(a), degToRad(b))

  it('wraps when the first endpoint is larger, and is full from a 2π span', () => {
    const wrap = deg(350, 10)
    assert.equal(wrap.wraps(), true)
    assert.equal(wrap.contains(0), true)
    assert.equal(wrap.contains(degToRad(180)), false)
    assert.ok(Math.abs(radToDeg(wrap.size()) - 20) < 1e-9)
    assert.ok(Math.abs(radToDeg(wrap.center())) < 1e-9)
    assert.equal(LonInterval.of(-1, 2 * Math.PI).isFull(), true)
    assert.equal(LonInterval.of(-0.5, 0.5).wraps(), true)
    assert.throws(() => LonInterval.of(8, 7), RangeError)
    assert.equal(LonInterval.of(Number.NaN, 1).isEmpty(), true)
  })

  it('intersects, expands and clips across longitude 0', () => {
    const wrap = deg(350, 10)
    assert.equal(wrap.intersects(deg(5, 20)), true)
    assert.equal(wrap.intersects(deg(20, 340)), false)
    assert.equal(wrap.intersects(LonInterval.empty()), false)
    assert.equal(wrap.containsInterval(deg(355, 5)), true)
    assert.equal(wrap.containsInterval(deg(5, 20)), false)
    const joined = wrap.expandedTo(deg(20, 30))
    assert.ok(Math.abs(radToDeg(joined.a) - 350) < 1e-9 && Math.abs(radToDeg(joined.b) - 30) < 1e-9)
    assert.equal(wrap.expandedTo(deg(1, 2)), wrap)
    assert.equal(deg(10, 300).expandedTo(deg(290, 20)).isFull(), true)
    const clipped = wrap.clippedTo(deg(0, 90))
    assert.ok(Math.abs(radToDeg(clipped.a)) < 1e-9 && Math.abs(radToDeg(clipped.b) - 10) < 1e-9)
    assert.equal(wrap.clippedTo(deg(20, 30)).isEmpty(), true)
    assert.equal(deg(0, 20).dilatedBy(degToRad(5)).wraps(), true)
    assert.equal(deg(0, 20).dilatedBy(Math.PI).isFull(), true)
  })
})
