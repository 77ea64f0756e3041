/**
 * The hierarchical search shared by the HTM and HEALPix pixelizations: starting from the root pixels,
 * pixels disjoint from the region are dropped, pixels inside it contribute all their descendants, and
 * the rest are subdivided down to the target level.
 */
import { type CapSet, capSetContains, capSetsIntersect } from './caps.js'
import type { Circle } from './circle.js'
import { type PixelRange, simplifyRanges } from './pixel-ranges.js'
import type { Region } from './region.js'
import type { UnitVector3d } from './vector.js'

/** A pixel at some level of a hierarchical pixelization, with a convex outer bound of its area. */
export interface PixelNode {
  /** Index of the pixel at its own level. */
  readonly index: number
  /** Subdivision level of the pixel. */
  readonly level: number
  /** Caps whose intersection contains the pixel (exactly the pixel for HTM trixels). */
  readonly caps: CapSet
  /** A point inside the pixel, the centre of a circle containing it. */
  readonly center: UnitVector3d
  /** Radius (radians) of that circle. */
  readonly radius: number
}

/** How a hierarchical pixelization enumerates its pixels. */
export interface PixelTree {
  /** The level-0 pixels. */
  roots(): PixelNode[]
  /** The four children of a pixel, whose indices are 4 * index + 0..3. */
  children(node: PixelNode): PixelNode[]
}

/** Options of `findPixels`. */
export interface FindPixelsOptions {
  /** Only pixels entirely inside the region (else every pixel that may touch it). */
  readonly interior: boolean
  /** For envelopes, coarsen the result to at most this many ranges (0 = no limit). */
  readonly maxRanges: number
}

type Relation = 'disjoint' | 'within' | 'intersects'

interface Target {
  readonly region: Region
  readonly bound: Circle
  readonly outer: readonly CapSet[]
  readonly inner: readonly CapSet[]
}

function relation({ region, bound: bc, outer, inner }: Target, node: PixelNode): Relation {
  if (bc.isEmpty()) return 'disjoint'
  if (!bc.isFull() && bc.center.angleTo(node.center) > bc.openingAngle + node.radius + 1e-12)
    return 'disjoint'
  if (!outer.some((s) => capSetsIntersect(s, node.caps))) return 'disjoint'
  // A region that does not hold the pixel centre cannot hold the pixel: skip the costlier test.
  if (region.contains(node.center) && inner.some((s) => capSetContains(s, node.caps))) return 'within'
  return 'intersects'
}

/** The sorted, merged ranges of pixel indices at `level` that cover (or lie inside) `region`. */
export function findPixels(
  region: Region,
  tree: PixelTree,
  level: number,
  options: FindPixelsOptions,
): PixelRange[] {
  const target = {
    region,
    bound: region.boundingCircle(),
    outer: region.capSets('outer'),
    inner: region.capSets('inner'),
  }
  const found: PixelRange[] = []
  const span = (node: PixelNode): PixelRange => {
    const scale = 4 ** (level - node.level)
    return [node.index * scale, (node.index + 1) * scale]
  }
  let frontier = tree.roots()
  for (let l = 0; frontier.length > 0; l++) {
    const partial: PixelNode[] = []
    for (const node of frontier) {
      const rel = relation(target, node)
      if (rel === 'within') found.push(span(node))
      else if (rel === 'intersects') partial.push(node)
    }
    if (l === level) {
      if (!options.interior) for (const node of partial) found.push(span(node))
      break
    }
    if (!options.interior && options.maxRanges > 0) {
      const coarse = simplifyRanges([...found, ...partial.map(span)], 0)
      if (coarse.length > options.maxRanges) return simplifyRanges(coarse, options.maxRanges)
    }
    frontier = partial.flatMap((node) => tree.children(node))
  }
  return simplifyRanges(found, options.interior ? 0 : options.maxRanges)
}
