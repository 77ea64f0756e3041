import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  Box,
  Circle,
  ConvexPolygon,
  createBox,
  createCircle,
  createPoint,
  createPolygon,
  IntersectionRegion,
  LonLat,
  type Region,
  UnionRegion,
  UnitVector3d,
} from '../../src/geometry/index.js'
import { pointsNear, randomPoints, seededRandom } from './random.js'

const at = (lon: number, lat: number) => UnitVector3d.fromLonLatDegrees(lon, lat)
const lonLatOf = (v: UnitVector3d): [number, number] => {
  const p = LonLat.fromVector(v)
  return [p.lon, p.lat]
}

describe('Circle', () => {
  it('contains points within its radius, including across lon 0 and at the poles', () => {
    const c = Circle.fromDegrees(0.5, 0, 1)
    assert.equal(c.contains(at(359.6, 0)), true)
    assert.equal(c.contains(at(359.4, 0)), false)
    assert.equal(c.contains(at(1.4, 0)), true)
    assert.equal(c.contains(at(0.5, 1.01)), false)
    const polar = Circle.fromDegrees(0, 90, 5)
    assert.equal(polar.contains(at(123, 85.5)), true)
    assert.equal(polar.contains(at(303, 84.5)), false)
  })

  it('has empty and full forms', () => {
    assert.equal(Circle.empty().isEmpty(), true)
    assert.equal(Circle.empty().contains(at(0, 0)), false)
    assert.equal(Circle.full().contains(at(12, -89)), true)
    assert.equal(Circle.full().overlaps(Circle.empty()), false)
    assert.equal(Circle.full().overlaps(createPoint(1, 2)), true)
    assert.equal(Circle.fromDegrees(0, 0, 180).isFull(), true)
  })

  it('overlaps other circles exactly', () => {
    const a = Circle.fromDegrees(0, 0, 4)
    assert.equal(a.overlaps(Circle.fromDegrees(10, 0, 5.9)), false)
    assert.equal(a.overlaps(Circle.fromDegrees(10, 0, 6.1)), true)
    assert.equal(a.overlaps(Circle.fromDegrees(0, 0, 0.1)), true)
    assert.equal(a.overlaps(Circle.fromDegrees(180, 0, 170)), false)
    assert.equal(a.overlaps(Circle.fromDegrees(180, 0, 177)), true)
  })
})

describe('Box', () => {
  const box = Box.fromDegrees(0, 40, 60, 50)

  it('contains points inside its longitude and latitude ranges', () => {
    assert.equal(box.contains(at(30, 45)), true)
    assert.equal(box.contains(at(0, 40)), true)
    assert.equal(box.contains(at(60.001, 45)), false)
    assert.equal(box.contains(at(30, 50.001)), false)
  })

  it('wraps around longitude 0', () => {
    const wrap = Box.fromDegrees(350, -5, 10, 5)
    assert.equal(wrap.lon.wraps(), true)
    for (const lon of [350, 355, 0, 5, 10]) assert.equal(wrap.contains(at(lon, 0)), true, `lon ${lon}`)
    for (const lon of [15, 180, 345]) assert.equal(wrap.contains(at(lon, 0)), false, `lon ${lon}`)
    assert.equal(wrap.overlaps(Circle.fromDegrees(5, 0, 1)), true)
    assert.equal(wrap.overlaps(Circle.fromDegrees(180, 0, 10)), false)
    assert.equal(wrap.overlaps(Circle.fromDegrees(12, 0, 1.9)), false)
    assert.equal(wrap.overlaps(Circle.fromDegrees(12, 0, 2.1)), true)
  })

  it('uses small circles, not great circles, for its latitude edges', () => {
    const asPolygon = createPolygon([0, 40, 60, 40, 60, 50, 0, 50])
    // The great circle between the upper corners bulges to lat ~54; the box stops at 50.
    const above = Circle.fromDegrees(30, 52, 1)
    assert.equal(box.overlaps(above), false)
    assert.equal(asPolygon.overlaps(above), true)
    // Just above the lower edge, inside the box but outside the great-circle polygon.
    const below = Circle.fromDegrees(30, 41.5, 0.5)
    assert.equal(box.overlaps(below), true)
    assert.equal(asPolygon.overlaps(below), false)
  })

  it('handles polar boxes, full boxes, empty boxes and boxes wider than 180°', () => {
    const cap = Box.fromDegrees(10, 80, 20, 90)
    assert.equal(cap.contains(UnitVector3d.Z), true, 'the pole has every longitude')
    assert.equal(cap.overlaps(Circle.fromDegrees(200, 89, 1.5)), true, 'across the pole')
    assert.equal(cap.overlaps(Circle.fromDegrees(200, 89, 0.5)), false)
    assert.equal(Box.full().isFull(), true)
    assert.equal(Box.full().contains(at(1, -90)), true)
    assert.equal(Box.empty().isEmpty(), true)
    assert.equal(Box.empty().overlaps(Box.full()), false)
    const wide = Box.fromDegrees(10, -10, 300, 10)
    assert.equal(wide.contains(at(200, 0)), true)
    assert.equal(wide.overlaps(Circle.fromDegrees(330, 0, 5)), false)
    assert.equal(wide.overlaps(Circle.fromDegrees(305, 0, 6)), true)
    const meridian = Box.fromDegrees(30, -10, 30, 10)
    assert.equal(meridian.overlaps(createPolygon([208, -1, 212, -1, 212, 1, 208, 1])), false)
    assert.equal(meridian.overlaps(createPolygon([28, -1, 32, -1, 32, 1, 28, 1])), true)
  })

  it('overlaps other boxes', () => {
    assert.equal(box.overlaps(Box.fromDegrees(59, 49, 70, 60)), true)
    assert.equal(box.overlaps(Box.fromDegrees(61, 40, 70, 50)), false)
    assert.equal(Box.fromDegrees(350, 0, 10, 10).overlaps(Box.fromDegrees(5, 5, 20, 20)), true)
    assert.equal(Box.fromDegrees(350, 0, 10, 10).overlaps(Box.fromDegrees(11, 0, 349, 10)), false)
  })

  it('is built from a centre and full widths by BOX()', () => {
    const b = createBox(0, 0, 4, 2)
    assert.equal(b.contains(at(358.1, 0.9)), true)
    assert.equal(b.contains(at(357.9, 0)), false)
    assert.equal(b.contains(at(0, 1.1)), false)
  })
})

describe('ConvexPolygon', () => {
  const square = createPolygon([10, 10, 11, 10, 11, 11, 10, 11])

  it('contains points inside, across lon 0 and around a pole', () => {
    assert.equal(square.contains(at(10.5, 10.5)), true)
    assert.equal(square.contains(at(11.5, 10.5)), false)
    const straddle = createPolygon([359, -1, 1, -1, 1, 1, 359, 1])
    assert.equal(straddle.contains(at(0, 0)), true)
    assert.equal(straddle.contains(at(2, 0)), false)
    assert.equal(straddle.overlaps(Box.fromDegrees(350, -5, 10, 5)), true)
    assert.equal(straddle.overlaps(Box.fromDegrees(2, -5, 10, 5)), false)
    const polar = createPolygon([0, 80, 90, 80, 180, 80, 270, 80])
    assert.equal(polar.contains(UnitVector3d.Z), true)
    assert.equal(polar.boundingBox().lon.isFull(), true)
  })

  it('overlaps polygons exactly, including crossings with no vertex inside the other', () => {
    const horizontal = createPolygon([0, -0.1, 10, -0.1, 10, 0.1, 0, 0.1])
    const vertical = createPolygon([4.9, -5, 5.1, -5, 5.1, 5, 4.9, 5])
    assert.equal(horizontal.overlaps(vertical), true)
    const neighbour = createPolygon([11, 10, 12, 10, 12, 11, 11, 11])
    assert.equal(square.overlaps(neighbour), true, 'shared edge')
    const apart = createPolygon([11.01, 10, 12, 10, 12, 11, 11.01, 11])
    assert.equal(square.overlaps(apart), false)
  })

  it('overlaps circles exactly near edges and corners', () => {
    // Corner at (11, 11): a circle reaching the corner diagonally.
    assert.equal(square.overlaps(Circle.fromDegrees(11.5, 11.5, 0.6)), false)
    assert.equal(square.overlaps(Circle.fromDegrees(11.5, 11.5, 0.75)), true)
    assert.equal(square.overlaps(Circle.fromDegrees(10.5, 11.3, 0.25)), false)
    assert.equal(square.overlaps(Circle.fromDegrees(10.5, 11.3, 0.35)), true)
    assert.equal(square.overlaps(Circle.fromDegrees(10.5, 10.5, 10)), true, 'circle around the polygon')
    assert.equal(square.overlaps(createPoint(10.5, 10.5)), true)
    assert.equal(square.overlaps(createPoint(9.5, 10.5)), false)
  })

  it('takes the convex hull independently of point order', () => {
    const coords: [number, number][] = [
      [20, 0],
      [22, 0],
      [22, 2],
      [20, 2],
      [21, 1],
      [21, 0],
      [20.5, 1.5],
    ]
    const rand = seededRandom(7)
    const reference = ConvexPolygon.convexHull(coords.map(([lon, lat]) => at(lon, lat)))
    assert.equal(reference.vertices.length, 4)
    for (let k = 0; k < 10; k++) {
      const shuffled = [...coords].sort(() => rand() - 0.5)
      const hull = ConvexPolygon.convexHull(shuffled.map(([lon, lat]) => at(lon, lat)))
      assert.deepEqual(hull.encode(), reference.encode())
    }
    // Counter-clockwise: the hull contains its centroid and points inside.
    assert.equal(reference.contains(at(21, 1)), true)
    assert.equal(reference.contains(reference.centroid()), true)
    assert.throws(() => ConvexPolygon.convexHull([at(0, 0), at(1, 0), at(2, 0)]), RangeError)
    assert.throws(() => ConvexPolygon.convexHull([at(0, 0), at(120, 0), at(240, 0)]), RangeError)
  })
})

describe('UnionRegion and IntersectionRegion', () => {
  const a = createCircle(0, 0, 5)
  const b = createCircle(8, 0, 5)
  const c = createCircle(4, 5.5, 2)

  it('combine containment', () => {
    const union = new UnionRegion([a, b])
    const inter = new IntersectionRegion([a, b])
    assert.equal(union.contains(at(-4, 0)), true)
    assert.equal(inter.contains(at(-4, 0)), false)
    assert.equal(inter.contains(at(4, 0)), true)
    assert.equal(new UnionRegion([]).isEmpty(), true)
    assert.equal(new IntersectionRegion([]).contains(at(1, 2)), true)
  })

  it('overlap exactly: a region touching both operands may miss their intersection', () => {
    assert.equal(a.overlaps(c), true)
    assert.equal(b.overlaps(c), true)
    const inter = new IntersectionRegion([a, b])
    assert.equal(inter.overlaps(c), false)
    assert.equal(c.overlaps(inter), false)
    assert.equal(inter.overlaps(createCircle(4, 3.5, 1)), true)
    assert.equal(new IntersectionRegion([a, createCircle(20, 0, 5)]).isEmpty(), true)
    const union = new UnionRegion([createCircle(100, 0, 1), c])
    assert.equal(union.overlaps(a), true)
    assert.equal(union.overlaps(createCircle(50, 0, 1)), false)
  })

  it('flatten nested compounds of the same kind', () => {
    const nested = new UnionRegion([a, new UnionRegion([b, c])])
    assert.equal(nested.operands.length, 3)
    const mixed = new UnionRegion([a, new IntersectionRegion([b, c])])
    assert.equal(mixed.operands.length, 2)
  })
})

describe('bounding shapes', () => {
  const regions: [string, Region][] = [
    ['circle', createCircle(359, 30, 3)],
    ['polar circle', createCircle(0, 88, 5)],
    ['box', Box.fromDegrees(0, 40, 60, 50)],
    ['wrapping box', Box.fromDegrees(340, -20, 30, -5)],
    ['wide box', Box.fromDegrees(10, -30, 300, 10)],
    ['polar box', Box.fromDegrees(0, -90, 360, -70)],
    ['polygon', createPolygon([10, 10, 14, 9, 15, 14, 9, 12])],
    ['polar polygon', createPolygon([0, 80, 90, 80, 180, 80, 270, 80])],
    ['union', new UnionRegion([createCircle(0, 0, 5), createCircle(40, 30, 6)])],
    ['intersection', new IntersectionRegion([createCircle(0, 0, 5), Box.fromDegrees(355, -1, 20, 30)])],
  ]
  for (const [name, region] of regions) {
    it(`contain every point of a ${name}`, () => {
      const circle = region.boundingCircle()
      const box = region.boundingBox()
      // Points around the region (and beyond its bounds), plus points all over the sphere.
      const [lon, lat] = lonLatOf(circle.center)
      const near = pointsNear(lon, lat, Math.min(60, circle.radiusDegrees * 1.2), 4000, 5)
      const samples = [...near, ...randomPoints(2000, 11)]
      let inside = 0
      for (const v of samples) {
        if (!region.contains(v)) continue
        inside++
        assert.ok(circle.contains(v), `${v} in ${region} but not in ${circle}`)
        assert.ok(box.contains(v), `${v} in ${region} but not in ${box}`)
      }
      assert.ok(inside > 100, `only ${inside} sample points inside`)
    })
  }

  it('agree with sampled overlaps (no false negatives)', () => {
    const shapes: Region[] = regions.map(([, r]) => r)
    const rand = seededRandom(3)
    for (let k = 0; k < 60; k++) {
      const probe = createCircle(360 * rand(), 180 * rand() - 90, 8 * rand())
      for (const shape of shapes) {
        const sampled = randomPoints(1500, k).some((v) => probe.contains(v) && shape.contains(v))
        if (sampled) assert.equal(shape.overlaps(probe), true, `${shape} vs ${probe}`)
      }
    }
  })
})
