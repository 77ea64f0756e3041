/**
 * Seeded random points for the geometry tests, so failures reproduce.
 */
import { UnitVector3d } from '../../src/geometry/index.js'
import { seededRandom } from '../support/random.js'

/** The tests' seeded generator (mulberry32), for geometry tests drawing their own numbers. */
export { seededRandom }

/** `n` points uniformly distributed on the sphere. */
export function randomPoints(n: number, seed: number): UnitVector3d[] {
  const rand = seededRandom(seed)
  return Array.from({ length: n }, () => {
    const z = 2 * rand() - 1
    const phi = 2 * Math.PI * rand()
    const s = Math.sqrt(1 - z * z)
    return UnitVector3d.normalized(s * Math.cos(phi), s * Math.sin(phi), z)
  })
}

/** `n` points within `radius` degrees of (lon, lat), roughly uniform in the tangent plane. */
export function pointsNear(
  lon: number,
  lat: number,
  radius: number,
  n: number,
  seed: number,
): UnitVector3d[] {
  const rand = seededRandom(seed)
  const c = UnitVector3d.fromLonLatDegrees(lon, lat)
  const e1 = c.orthogonal()
  const e2 = c.cross(e1)
  const t = Math.tan((radius * Math.PI) / 180)
  return Array.from({ length: n }, () => {
    const u = (2 * rand() - 1) * t
    const v = (2 * rand() - 1) * t
    return c.add(e1.scale(u)).add(e2.scale(v)).normalize()
  })
}
