/**
 * The Hierarchical Triangular Mesh, numbered as sphgeom's `HtmPixelization`: eight root trixels S0-S3,
 * N0-N3 with indices 8-15, and the children of trixel i numbered 4i + 0..3 (0: at the first vertex,
 * 1: at the second, 2: at the third, 3: the middle one).
 */
import { InputError } from '../errors.js'
import { edgeCap } from './caps.js'
import { ConvexPolygon } from './convex-polygon.js'
import { findPixels, type PixelNode, type PixelTree } from './pixel-finder.js'
import type { PixelRange } from './pixel-ranges.js'
import type { Pixelization } from './pixelization.js'
import type { Region } from './region.js'
import { UnitVector3d } from './vector.js'

const X = UnitVector3d.X
const Y = UnitVector3d.Y
const Z = UnitVector3d.Z

/** Vertices of the root trixels S0, S1, S2, S3, N0, N1, N2, N3 (counter-clockwise). */
const ROOTS: readonly (readonly [UnitVector3d, UnitVector3d, UnitVector3d])[] = [
  [X, Z.negate(), Y],
  [Y, Z.negate(), X.negate()],
  [X.negate(), Z.negate(), Y.negate()],
  [Y.negate(), Z.negate(), X],
  [X, Z, Y.negate()],
  [Y.negate(), Z, X.negate()],
  [X.negate(), Z, Y],
  [Y, Z, X],
]

type Triangle = readonly [UnitVector3d, UnitVector3d, UnitVector3d]

function mid(a: UnitVector3d, b: UnitVector3d): UnitVector3d {
  return a.add(b).normalize()
}

/** The four children of a trixel, in index order. */
function subdivide([v0, v1, v2]: Triangle): Triangle[] {
  const m12 = mid(v1, v2)
  const m20 = mid(v2, v0)
  const m01 = mid(v0, v1)
  return [
    [v0, m01, m20],
    [v1, m12, m01],
    [v2, m20, m12],
    [m12, m20, m01],
  ]
}

function node(index: number, level: number, t: Triangle): PixelNode & { readonly triangle: Triangle } {
  const center = t[0].add(t[1]).add(t[2]).normalize()
  const radius = Math.max(...t.map((v) => center.angleTo(v))) + 1e-12
  const caps = [edgeCap(t[0], t[1])!, edgeCap(t[1], t[2])!, edgeCap(t[2], t[0])!]
  return { index, level, caps, center, radius, triangle: t }
}

const TREE: PixelTree = {
  roots: () => ROOTS.map((t, r) => node(8 + r, 0, t)),
  children: (n) => {
    const t = (n as ReturnType<typeof node>).triangle
    return subdivide(t).map((c, k) => node(4 * n.index + k, n.level + 1, c))
  },
}

/** The HTM pixelization at one level (0-24). */
export class HtmPixelization implements Pixelization {
  /** The deepest supported level. */
  static readonly MAX_LEVEL = 24

  /** Throws an `InputError` for a level outside 0-24. */
  constructor(readonly level: number) {
    if (!Number.isInteger(level) || level < 0 || level > HtmPixelization.MAX_LEVEL) {
      throw new InputError(`invalid HTM level ${level} (must be 0-${HtmPixelization.MAX_LEVEL})`)
    }
  }

  /** The level of an HTM index, or -1 when it is not a valid index. */
  static levelOf(i: number): number {
    if (!Number.isSafeInteger(i) || i < 8) return -1
    const bits = Math.floor(Math.log2(i))
    // log2 may round up just below a power of two.
    const msb = 2 ** bits > i ? bits - 1 : bits
    if (msb % 2 === 0) return -1
    const level = (msb - 3) / 2
    return level <= HtmPixelization.MAX_LEVEL ? level : -1
  }

  /** The name of a trixel, e.g. `N3200` for index 15·16 + 2·4. */
  static asString(i: number): string {
    const level = HtmPixelization.levelOf(i)
    if (level < 0) throw new InputError(`invalid HTM index ${i}`)
    let digits = ''
    let rest = i
    for (let l = 0; l < level; l++) {
      digits = String(rest % 4) + digits
      rest = Math.floor(rest / 4)
    }
    return `${rest >= 12 ? 'N' : 'S'}${rest % 4}${digits}`
  }

  index(v: UnitVector3d): number {
    let r: number
    if (v.z < 0) {
      if (v.y > 0) r = v.x > 0 ? 0 : 1
      else if (v.y === 0) r = v.x >= 0 ? 0 : 2
      else r = v.x < 0 ? 2 : 3
    } else if (v.y > 0) r = v.x > 0 ? 7 : 6
    else if (v.y === 0) r = v.x >= 0 ? 7 : 5
    else r = v.x < 0 ? 5 : 4
    let [v0, v1, v2] = ROOTS[r]!
    let i = r + 8
    for (let l = 0; l < this.level; l++) {
      const m01 = mid(v0, v1)
      const m20 = mid(v2, v0)
      i *= 4
      if (v.orientation(m01, m20) >= 0) {
        v1 = m01
        v2 = m20
        continue
      }
      const m12 = mid(v1, v2)
      if (v.orientation(m12, m01) >= 0) {
        v0 = v1
        v1 = m12
        v2 = m01
        i += 1
      } else if (v.orientation(m20, m12) >= 0) {
        v0 = v2
        v1 = m20
        v2 = m12
        i += 2
      } else {
        v0 = m12
        v1 = m20
        v2 = m01
        i += 3
      }
    }
    return i
  }

  /** The trixel with index `i` (at this level) as a triangle; an `InputError` for other indices. */
  pixel(i: number): ConvexPolygon {
    if (HtmPixelization.levelOf(i) !== this.level) {
      throw new InputError(`${i} is not an HTM index at level ${this.level}`)
    }
    const path: number[] = []
    let rest = i
    for (let l = 0; l < this.level; l++) {
      path.unshift(rest % 4)
      rest = Math.floor(rest / 4)
    }
    let t: Triangle = ROOTS[rest - 8]!
    for (const k of path) t = subdivide(t)[k]!
    return new ConvexPolygon(t)
  }

  universe(): PixelRange[] {
    const scale = 4 ** this.level
    return [[8 * scale, 16 * scale]]
  }

  envelope(region: Region, maxRanges = 0): PixelRange[] {
    return findPixels(region, TREE, this.level, { interior: false, maxRanges })
  }

  interior(region: Region): PixelRange[] {
    return findPixels(region, TREE, this.level, { interior: true, maxRanges: 0 })
  }

  toString(): string {
    return `HtmPixelization(${this.level})`
  }
}
