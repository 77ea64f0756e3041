/**
 * The `Pixelization` interface implemented by the HTM and HEALPix sky pixelizations.
 */
import type { PixelRange } from './pixel-ranges.js'
import type { Region } from './region.js'
import type { UnitVector3d } from './vector.js'

/** A hierarchical pixelization of the sphere at one level; pixel indices are plain integers. */
export interface Pixelization {
  /** The subdivision level (HTM level or HEALPix order). */
  readonly level: number
  /** The index of the pixel containing `v`. */
  index(v: UnitVector3d): number
  /** A region containing pixel `i` (the pixel itself when it can be represented exactly). */
  pixel(i: number): Region
  /** All valid indices at this level, as ranges. */
  universe(): PixelRange[]
  /**
   * Sorted, merged half-open ranges of the pixels that may overlap `region`: never misses a pixel that
   * overlaps it, may include a few that do not. With `maxRanges` > 0 the result is coarsened to at most
   * that many ranges (still covering the region).
   */
  envelope(region: Region, maxRanges?: number): PixelRange[]
  /** Sorted, merged half-open ranges of pixels lying entirely inside `region` (may miss some). */
  interior(region: Region): PixelRange[]
}
