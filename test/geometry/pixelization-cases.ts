/**
 * Regions and checks shared by the HTM and HEALPix pixelization tests.
 */
import assert from 'node:assert/strict'
import {
  Box,
  createCircle,
  createPolygon,
  IntersectionRegion,
  LonLat,
  type Pixelization,
  type Region,
  rangesContain,
  UnionRegion,
} from '../../src/geometry/index.js'
import { pointsNear } from './random.js'

/** Regions of assorted kinds, places and sizes. */
export const REGIONS: [string, Region][] = [
  ['small polygon', createPolygon([10, 10, 10.2, 10, 10.2, 10.2, 10, 10.2])],
  ['circle across lon 0', createCircle(359.8, -3, 1.5)],
  ['polar circle', createCircle(0, 89, 2)],
  ['south polar box', Box.fromDegrees(0, -90, 360, -85)],
  ['wrapping box', Box.fromDegrees(355, 20, 5, 25)],
  [
    'circle-polygon union',
    new UnionRegion([createCircle(100, 30, 1), createPolygon([102, 29, 105, 29, 103.5, 32])]),
  ],
  [
    'circle-box intersection',
    new IntersectionRegion([createCircle(45, 45, 3), Box.fromDegrees(40, 44, 50, 60)]),
  ],
]

/** Checks that the envelope of `region` holds the pixel of every sampled point inside it. */
export function checkEnvelope(p: Pixelization, region: Region, maxRanges = 0): void {
  const ranges = p.envelope(region, maxRanges)
  const [universe] = p.universe()
  assert.ok(ranges.length > 0)
  if (maxRanges > 0) assert.ok(ranges.length <= maxRanges, `${ranges.length} > ${maxRanges}`)
  for (let i = 0; i < ranges.length; i++) {
    const [b, e] = ranges[i]!
    assert.ok(b < e && b >= universe![0] && e <= universe![1], `range ${b}-${e}`)
    if (i > 0) assert.ok(b > ranges[i - 1]![1], 'sorted and merged')
  }
  const c = LonLat.fromVector(region.boundingCircle().center)
  const radius = Math.min(60, region.boundingCircle().radiusDegrees * 1.1)
  let inside = 0
  for (const v of pointsNear(c.lon, c.lat, radius, 3000, 17)) {
    if (!region.contains(v)) continue
    inside++
    assert.ok(rangesContain(ranges, p.index(v)), `pixel ${p.index(v)} of ${v} missing from ${p} envelope`)
  }
  assert.ok(inside > 50, `only ${inside} points inside`)
}

/** Checks that every interior pixel is in the envelope and that sampled points of it lie in the region. */
export function checkInterior(p: Pixelization, region: Region): void {
  const interior = p.interior(region)
  const envelope = p.envelope(region)
  for (const [b, e] of interior) {
    for (let i = b; i < e; i += Math.max(1, Math.floor((e - b) / 16))) {
      assert.ok(rangesContain(envelope, i))
      const pixel = p.pixel(i)
      const c = LonLat.fromVector(pixel.boundingCircle().center)
      for (const v of pointsNear(c.lon, c.lat, 0.5 * pixel.boundingCircle().radiusDegrees, 20, i)) {
        if (pixel.contains(v) && p.index(v) === i) assert.ok(region.contains(v), `interior pixel ${i} leaks`)
      }
    }
  }
}
