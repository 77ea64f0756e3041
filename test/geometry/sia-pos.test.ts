import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { InputError } from '../../src/errors.js'
import {
  Box,
  Circle,
  ConvexPolygon,
  callRegionFunction,
  parseSiaPos,
  UnitVector3d,
} from '../../src/geometry/index.js'

const at = (lon: number, lat: number) => UnitVector3d.fromLonLatDegrees(lon, lat)

describe('parseSiaPos', () => {
  it('parses CIRCLE', () => {
    const c = parseSiaPos('CIRCLE 150.1 2.2 0.5')
    assert.ok(c instanceof Circle)
    assert.ok(Math.abs(c.radiusDegrees - 0.5) < 1e-12)
    assert.equal(c.contains(at(150.1, 2.6)), true)
    assert.equal(c.contains(at(150.1, 2.8)), false)
    assert.ok(parseSiaPos('  circle\t1e1 -5 .5 ') instanceof Circle)
  })

  it('parses RANGE with infinite bounds and wrap-around', () => {
    const all = parseSiaPos('RANGE -Inf +Inf -Inf +Inf')
    assert.ok(all instanceof Box)
    assert.equal(all.isFull(), true)
    const band = parseSiaPos('RANGE -Inf +Inf 10 20') as Box
    assert.equal(band.lon.isFull(), true)
    assert.equal(band.contains(at(200, 15)), true)
    assert.equal(band.contains(at(200, 21)), false)
    const wrap = parseSiaPos('RANGE 350 10 -5 5') as Box
    assert.equal(wrap.contains(at(0, 0)), true)
    assert.equal(wrap.contains(at(180, 0)), false)
    const north = parseSiaPos('RANGE 0 360 80 +Inf') as Box
    assert.equal(north.contains(UnitVector3d.Z), true)
    assert.equal(north.contains(at(123, 79)), false)
  })

  it('parses POLYGON as the convex hull of its vertices', () => {
    const p = parseSiaPos('POLYGON 10 10 11 11 11 10 10 11')
    assert.ok(p instanceof ConvexPolygon)
    assert.equal(p.vertices.length, 4)
    assert.equal(p.contains(at(10.5, 10.5)), true)
    assert.equal(p.contains(at(11.5, 10.5)), false)
  })

  const bad: [string, RegExp][] = [
    ['', /unknown shape ''/],
    ['ELLIPSE 1 2 3 4 5', /unknown shape 'ELLIPSE'/],
    ['CIRCLE 1 2', /CIRCLE needs 3 numbers but got 2/],
    ['CIRCLE 1 2 x', /'x' is not a number/],
    ['CIRCLE 1 2 -1', /radius -1/],
    ['CIRCLE 1 95 1', /latitude 95/],
    ['CIRCLE 1 2 +Inf', /does not accept infinite/],
    ['RANGE 1 2 3', /RANGE needs 4 numbers/],
    ['RANGE 0 10 20 10', /lat1 <= lat2/],
    ['RANGE 0 400 0 10', /longitudes must be in \[0, 360\]/],
    ['POLYGON 1 2 3 4', /at least 3 vertices but got 2/],
    ['POLYGON 1 2 3 4 5', /pairs/],
    ['POLYGON 0 0 120 0 240 0', /hemisphere/],
    ['POLYGON 0 0 1 0 2 0', /one great circle/],
    ['POLYGON 0 0 1 0 2 Inf', /infinite/],
  ]
  for (const [pos, message] of bad) {
    it(`rejects '${pos}' with an InputError`, () => {
      assert.throws(
        () => parseSiaPos(pos),
        (error: unknown) => error instanceof InputError && message.test(error.message),
      )
    })
  }

  it('raises only InputErrors for arbitrary text', () => {
    const word = fc.constantFrom(
      'CIRCLE',
      'RANGE',
      'POLYGON',
      'circle',
      'BOX',
      '1',
      '-Inf',
      '+Inf',
      'nan',
      '1e999',
    )
    const text = fc.oneof(
      fc.string(),
      fc.array(fc.oneof(word, fc.double().map(String)), { maxLength: 9 }).map((w) => w.join(' ')),
    )
    fc.assert(
      fc.property(text, (pos) => {
        try {
          parseSiaPos(pos)
        } catch (error) {
          return error instanceof InputError
        }
        return true
      }),
      { numRuns: 300 },
    )
  })

  it('gives circles that contain their centre', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 360, noNaN: true }),
        fc.double({ min: -90, max: 90, noNaN: true }),
        fc.double({ min: 0, max: 180, noNaN: true }),
        (lon, lat, r) => parseSiaPos(`CIRCLE ${lon} ${lat} ${r}`).contains(at(lon, lat)),
      ),
      { numRuns: 200 },
    )
  })
})

describe('query spatial functions', () => {
  it('builds points, circles, boxes and polygons by name', () => {
    const p = callRegionFunction('point', [10, 20])
    assert.ok(p instanceof UnitVector3d)
    assert.ok(callRegionFunction('CIRCLE', [10, 20, 1]) instanceof Circle)
    const box = callRegionFunction('Box', [10, 20, 2, 4]) as Box
    assert.equal(box.contains(at(10.9, 21.9)), true)
    assert.equal(box.contains(at(11.1, 20)), false)
    const poly = callRegionFunction('POLYGON', [1, 1, 0, 0, 1, 0, 0, 1]) as ConvexPolygon
    assert.equal(poly.vertices.length, 4)
    assert.ok(callRegionFunction('REGION', ['CIRCLE 1 2 3']) instanceof Circle)
  })

  const bad: [string, (number | string)[], RegExp][] = [
    ['POINT', [1], /POINT takes 2 arguments, not 1/],
    ['POINT', [1, 100], /latitude 100/],
    ['CIRCLE', [1, 2, 3, 4], /CIRCLE takes 3 arguments/],
    ['BOX', [1, 2, -3, 4], /width -3/],
    ['POLYGON', [1, 2, 3, 4], /at least 3 vertices/],
    ['REGION', [1], /one string argument/],
    ['CIRCLE', ['a', 2, 3], /numeric arguments/],
    ['HEXAGON', [1], /unknown spatial function 'HEXAGON'/],
  ]
  for (const [name, args, message] of bad) {
    it(`rejects ${name}(${args.join(', ')}) with an InputError`, () => {
      assert.throws(
        () => callRegionFunction(name, args),
        (error: unknown) => error instanceof InputError && message.test(error.message),
      )
    })
  }
})
