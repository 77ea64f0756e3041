/**
 * HEALPix arithmetic for the NESTED scheme (Górski et al. 2005): the face/x/y coordinates of a direction,
 * the position of a point given in face coordinates, and the bit interleaving of nested indices.
 * Indices stay below 2^53 (order <= 24), so plain numbers are used, never 32-bit bitwise operators.
 */
import { TWO_PI } from './angle.js'
import type { UnitVector3d } from './vector.js'

/** Ring number of the southern corner of each base face, in units of nside. */
const JRLL = [2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4] as const
/** Longitude of each base face centre, in units of π/4. */
export const JPLL = [1, 3, 5, 7, 0, 2, 4, 6, 1, 3, 5, 7] as const

/** A pixel by base face and integer x, y in [0, nside). */
export interface FaceXY {
  readonly face: number
  readonly ix: number
  readonly iy: number
}

/** Spreads the bits of `v` to the even bit positions (v < 2^26). */
function spread(v: number): number {
  let out = 0
  let bit = 1
  for (let rest = v; rest > 0; rest = Math.floor(rest / 2), bit *= 4) {
    if (rest % 2 === 1) out += bit
  }
  return out
}

/** Collects the even bit positions of `v` (the inverse of `spread`). */
function compress(v: number): number {
  let out = 0
  let bit = 1
  for (let rest = v; rest > 0; rest = Math.floor(rest / 4), bit *= 2) {
    if (rest % 2 === 1) out += bit
  }
  return out
}

/** The nested index of a face pixel. */
export function nestIndex(nside: number, { face, ix, iy }: FaceXY): number {
  return face * nside * nside + spread(ix) + 2 * spread(iy)
}

/** The face pixel of a nested index. */
export function faceXY(nside: number, index: number): FaceXY {
  const perFace = nside * nside
  const face = Math.floor(index / perFace)
  const within = index - face * perFace
  return { face, ix: compress(within), iy: compress(Math.floor(within / 2)) }
}

/** The face pixel containing the unit vector `v` (the standard ang2pix of the NESTED scheme). */
export function vectorToFaceXY(nside: number, v: UnitVector3d): FaceXY {
  const z = v.z
  const za = Math.abs(z)
  let phi = Math.atan2(v.y, v.x)
  if (phi < 0) phi += TWO_PI
  let tt = phi / (0.5 * Math.PI)
  if (tt >= 4) tt -= 4
  if (za <= 2 / 3) {
    const t1 = nside * (0.5 + tt)
    const t2 = nside * z * 0.75
    const jp = Math.floor(t1 - t2) // ascending edge line
    const jm = Math.floor(t1 + t2) // descending edge line
    const ifp = Math.floor(jp / nside)
    const ifm = Math.floor(jm / nside)
    const face = ifp === ifm ? (ifp === 4 ? 4 : ifp + 4) : ifp < ifm ? ifp : ifm + 8
    return { face, ix: jm % nside, iy: nside - (jp % nside) - 1 }
  }
  const ntt = Math.min(3, Math.floor(tt))
  const tp = tt - ntt
  // nside * sqrt(3 (1 - |z|)), computed from sin(theta) to stay accurate near the poles.
  const tmp = nside * Math.hypot(v.x, v.y) * Math.sqrt(3 / (1 + za))
  const jp = Math.min(nside - 1, Math.floor(tp * tmp))
  const jm = Math.min(nside - 1, Math.floor((1 - tp) * tmp))
  return z >= 0 ? { face: ntt, ix: nside - jm - 1, iy: nside - jp - 1 } : { face: ntt + 8, ix: jp, iy: jm }
}

/** A point given by z = sin(lat), s = cos(lat) and longitude phi (radians, in [0, 2π)). */
export interface FacePoint {
  readonly z: number
  readonly s: number
  readonly phi: number
  /** True at a pole, where phi is meaningless. */
  readonly pole: boolean
}

/** The point at fractional face coordinates (x, y) in [0, 1]² of base face `face`. */
export function facePoint(face: number, x: number, y: number): FacePoint {
  const jr = JRLL[face]! - x - y
  let nr: number
  let z: number
  let s: number
  if (jr < 1) {
    nr = jr
    z = 1 - (nr * nr) / 3
    s = (nr / Math.sqrt(3)) * Math.sqrt(2 - (nr * nr) / 3)
  } else if (jr > 3) {
    nr = 4 - jr
    z = (nr * nr) / 3 - 1
    s = (nr / Math.sqrt(3)) * Math.sqrt(2 - (nr * nr) / 3)
  } else {
    nr = 1
    z = ((2 - jr) * 2) / 3
    s = Math.sqrt((1 - z) * (1 + z))
  }
  const pole = nr < 1e-15
  let t = JPLL[face]! * nr + x - y
  if (t < 0) t += 8
  if (t >= 8) t -= 8
  return { z, s, phi: pole ? 0 : (0.25 * Math.PI * t) / nr, pole }
}
