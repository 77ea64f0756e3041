/**
 * Skypix dimensions in the SQL registry: their pixelizations, the common skypix level (`htm7`) that the
 * `<element>_skypix_overlap` tables index regions with, and how a pixel index at one level maps to
 * ranges of common-level indices.
 */
import type { DimensionElement } from '../../dimensions/dimension-element.js'
import type { DimensionUniverse } from '../../dimensions/dimension-universe.js'
import { ConfigError } from '../../errors.js'
import {
  HealpixPixelization,
  HtmPixelization,
  type Pixelization,
  type PixelRange,
  type Region,
  simplifyRanges,
} from '../../geometry/index.js'

/** A skypix dimension: its system name, level and pixelization. */
export interface Skypix {
  readonly name: string
  readonly system: string
  readonly level: number
  readonly pixelization: Pixelization
}

/** Most ranges a pixel condition in SQL gets; more are merged across their smallest gaps. */
export const MAX_SQL_RANGES = 64

/** The name of an element's overlap table. */
export function overlapTableName(element: string): string {
  return `${element}_skypix_overlap`
}

/** Whether an element keeps an overlap table: it has a table of its own and a region. */
export function hasOverlapTable(element: DimensionElement): boolean {
  return element.hasOwnTable && element.field('region')?.role === 'region'
}

/** The skypix dimension `name` (`htm11`, `healpix10`); a `ConfigError` for an unknown pixelization class. */
export function skypixOf(universe: DimensionUniverse, name: string): Skypix {
  const spec = universe.getElement(name).skypix
  if (!spec) throw new ConfigError(`'${name}' is not a skypix dimension`)
  const system = universe.toConfig().skypix.find((s) => s.name === spec.system)
  const className = system?.className ?? spec.system
  let pixelization: Pixelization
  if (/healpix/i.test(className)) pixelization = new HealpixPixelization(spec.level)
  else if (/htm/i.test(className)) pixelization = new HtmPixelization(spec.level)
  else
    throw new ConfigError(`Skypix system '${spec.system}' has an unknown pixelization class '${className}'`)
  return { name, system: spec.system, level: spec.level, pixelization }
}

/** The common skypix dimension of a universe, whose pixels the overlap tables hold. */
export function commonSkypix(universe: DimensionUniverse): Skypix {
  return skypixOf(universe, universe.commonSkyPix)
}

/**
 * The common-level pixels an overlap table holds for a region: the envelope of its bounding box, or of
 * its bounding circle when that is smaller (near a pole). Every pixel the region overlaps is among them;
 * on HSC detector regions they are ~6% more than the region's own envelope but 3-4 times cheaper to
 * find, and the exact test at query time makes up the difference.
 */
export function overlapIndices(common: Skypix, region: Region): number[] {
  const box = region.boundingBox()
  const circle = region.boundingCircle()
  const boxArea = box.isEmpty() ? 0 : box.lon.size() * (Math.sin(box.latB) - Math.sin(box.latA))
  const circleArea = circle.isEmpty() ? 0 : 2 * Math.PI * (1 - Math.cos(circle.openingAngle))
  const bound = boxArea <= circleArea ? box : circle
  const out: number[] = []
  for (const [begin, end] of common.pixelization.envelope(bound))
    for (let i = begin; i < end; i++) out.push(i)
  return out
}

/**
 * Ranges of common-level indices covering the pixels `ranges` of `skypix` (inclusive [start, stop]
 * pairs): a region overlapping one of those pixels overlaps one of the returned common pixels. Levels of
 * the common system map by shifting indices (HTM and nested HEALPix number the children of pixel i
 * 4i + 0..3, so a finer pixel lies in one common pixel and a coarser one holds 4^k of them); other
 * systems map through the envelope of each pixel's region, so at most `maxPixels` of them (undefined
 * when there are more).
 */
export function commonRangesOf(
  skypix: Skypix,
  common: Skypix,
  ranges: readonly (readonly [number, number])[],
  maxPixels = 256,
): PixelRange[] | undefined {
  const out: PixelRange[] = []
  if (skypix.system === common.system) {
    const shift = 4 ** Math.abs(skypix.level - common.level)
    for (const [a, b] of ranges) {
      if (skypix.level >= common.level) out.push([Math.floor(a / shift), Math.floor(b / shift) + 1])
      else out.push([a * shift, (b + 1) * shift])
    }
    return simplifyRanges(out, MAX_SQL_RANGES)
  }
  let count = 0
  for (const [a, b] of ranges) count += b - a + 1
  if (count > maxPixels) return undefined
  const [[first, last]] = skypix.pixelization.universe() as [PixelRange]
  for (const [a, b] of ranges) {
    for (let i = Math.max(a, first); i <= Math.min(b, last - 1); i++) {
      out.push(...common.pixelization.envelope(skypix.pixelization.pixel(i)))
    }
  }
  return simplifyRanges(out, MAX_SQL_RANGES)
}
