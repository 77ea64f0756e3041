import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { InputError } from '../../src/errors.js'
import {
  Box,
  Circle,
  ConvexPolygon,
  createPolygon,
  decodeRegion,
  decodeRegionHex,
  Ellipse,
  encodeRegionHex,
  IntersectionRegion,
  type Region,
  UnionRegion,
  UnitVector3d,
} from '../../src/geometry/index.js'
import { fixture, fixturesSkip } from '../fixtures.js'

const FILES = ['spatial.yaml', 'ci_hsc-subset.yaml', 'hsc-rc2-subset.yaml']

function roundTrip(region: Region): Region {
  const bytes = region.encode()
  const back = decodeRegion(bytes)
  assert.equal(back.kind, region.kind)
  assert.deepEqual(back.encode(), bytes)
  return back
}

function hex(typeCode: string, doubles: number[]): string {
  const bytes = new Uint8Array(1 + 8 * doubles.length)
  bytes[0] = typeCode.charCodeAt(0)
  const view = new DataView(bytes.buffer)
  doubles.forEach((d, i) => {
    view.setFloat64(1 + 8 * i, d, true)
  })
  return Buffer.from(bytes).toString('hex')
}

describe('sphgeom encoding of the shared fixtures', { skip: fixturesSkip() }, () => {
  for (const file of FILES) {
    it(`decodes and re-encodes every region of ${file} byte for byte`, () => {
      const text = readFileSync(fixture('registry_data', file), 'utf8')
      const encoded = [...text.matchAll(/encoded:\s*([0-9a-f]+)/g)].map((m) => m[1]!)
      assert.ok(encoded.length > 0)
      for (const h of encoded) {
        const region = decodeRegionHex(h)
        assert.ok(region instanceof ConvexPolygon)
        assert.equal(encodeRegionHex(region), h)
        // Vertices are counter-clockwise: the polygon holds its own centroid.
        assert.equal(region.contains(region.centroid()), true)
      }
    })
  }
})

describe('sphgeom encoding layouts', () => {
  it('encodes a circle as c, centre x y z, squared chord length, opening angle', () => {
    const c = Circle.fromRadians(UnitVector3d.X, Math.PI / 3)
    const bytes = c.encode()
    assert.equal(bytes.length, 41)
    assert.equal(encodeRegionHex(c), hex('c', [1, 0, 0, 4 * Math.sin(Math.PI / 6) ** 2, Math.PI / 3]))
    roundTrip(c)
    assert.equal((roundTrip(Circle.empty()) as Circle).isEmpty(), true)
    assert.equal((roundTrip(Circle.full()) as Circle).isFull(), true)
  })

  it('encodes a box as b, lon a, lon b, lat a, lat b in radians', () => {
    const b = Box.fromDegrees(350, -10, 10, 20)
    const rad = Math.PI / 180
    assert.equal(encodeRegionHex(b), hex('b', [350 * rad, 10 * rad, -10 * rad, 20 * rad]))
    const back = roundTrip(b) as Box
    assert.equal(back.lon.wraps(), true)
    assert.equal((roundTrip(Box.empty()) as Box).isEmpty(), true)
    assert.equal((roundTrip(Box.full()) as Box).isFull(), true)
    assert.equal(Box.empty().encode().length, 33)
  })

  it('encodes a polygon as p and its vertices', () => {
    const p = createPolygon([0, 0, 1, 0, 0, 1])
    const v = p.vertices
    assert.equal(
      encodeRegionHex(p),
      hex(
        'p',
        v.flatMap((u) => [u.x, u.y, u.z]),
      ),
    )
    roundTrip(p)
  })

  it('encodes an ellipse as e, matrix, a, b, gamma, tan a, tan b, and tests points exactly', () => {
    const alpha = (10 * Math.PI) / 180
    const a = alpha - Math.PI / 2
    const e = new Ellipse({
      matrix: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      a,
      b: a,
      gamma: 0,
      tana: Math.abs(Math.tan(a)),
      tanb: Math.abs(Math.tan(a)),
    })
    assert.equal(e.encode().length, 113)
    const back = roundTrip(e) as Ellipse
    assert.equal(back.contains(UnitVector3d.fromLonLatDegrees(0, 81)), true)
    assert.equal(back.contains(UnitVector3d.fromLonLatDegrees(0, 79)), false)
    assert.equal(back.overlaps(Circle.fromDegrees(0, 75, 5.5)), true)
    assert.equal(back.overlaps(Circle.fromDegrees(0, 75, 4.5)), false)
  })

  it('encodes compounds as the type code, then per operand a uint64 length and its bytes', () => {
    const c = Circle.fromDegrees(10, 10, 1)
    const b = Box.fromDegrees(0, 0, 5, 5)
    const u = new UnionRegion([c, b])
    const bytes = u.encode()
    assert.equal(bytes[0], 'u'.charCodeAt(0))
    const view = new DataView(bytes.buffer)
    assert.equal(view.getBigUint64(1, true), 41n)
    assert.deepEqual(bytes.subarray(9, 50), c.encode())
    assert.equal(view.getBigUint64(50, true), 33n)
    assert.deepEqual(bytes.subarray(58), b.encode())
    roundTrip(u)
    const i = roundTrip(new IntersectionRegion([u, createPolygon([0, 0, 3, 0, 0, 3])])) as IntersectionRegion
    assert.equal(i.operands[0]!.kind, 'union')
    assert.equal(roundTrip(new UnionRegion([])).isEmpty(), true)
  })

  it('flattens nested compounds of the same kind on decode, as sphgeom does', () => {
    const inner = new UnionRegion([Circle.fromDegrees(1, 1, 1)]).encode()
    const outer = new Uint8Array(1 + 8 + inner.length)
    outer[0] = 'u'.charCodeAt(0)
    new DataView(outer.buffer).setBigUint64(1, BigInt(inner.length), true)
    outer.set(inner, 9)
    const decoded = decodeRegion(outer) as UnionRegion
    assert.equal(decoded.operands.length, 1)
    assert.equal(decoded.operands[0]!.kind, 'circle')
  })
})

describe('bad region bytes', () => {
  const bad: [string, string | Uint8Array, RegExp][] = [
    ['no bytes', new Uint8Array(0), /no bytes/],
    ['unknown code', 'ff00', /unknown type code 0xff/],
    ['short circle', hex('c', [1, 0, 0, 1]), /Circle takes 41 bytes, not 33/],
    ['long box', hex('b', [0, 1, 0, 1, 0]), /Box takes 33 bytes/],
    ['two-vertex polygon', hex('p', [1, 0, 0, 0, 1, 0]), /ConvexPolygon takes 1 \+ 24n bytes/],
    ['ragged polygon', `${hex('p', [1, 0, 0, 0, 1, 0, 0, 0, 1])}00`, /ConvexPolygon/],
    ['non-unit vertex', hex('p', [1, 0, 0, 0, 2, 0, 0, 0, 1]), /polygon vertex 1 .* is not a unit vector/],
    ['NaN centre', hex('c', [Number.NaN, 0, 0, 1, 1]), /circle centre/],
    ['bad box longitudes', hex('b', [7, 6.5, 0, 1]), /box invalid longitude interval/],
    ['truncated union length', '7501000000', /truncated \(operand length\)/],
    ['truncated union operand', `75${'29'.padEnd(16, '0')}63`, /truncated \(operand bytes\)/],
    ['odd hex', 'abc', /hexadecimal/],
    ['non-hex', 'zz', /hexadecimal/],
  ]
  for (const [name, input, message] of bad) {
    it(`rejects ${name} with an InputError`, () => {
      assert.throws(
        () => (typeof input === 'string' ? decodeRegionHex(input) : decodeRegion(input)),
        (error: unknown) => error instanceof InputError && message.test(error.message),
      )
    })
  }
})
