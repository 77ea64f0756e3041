/**
 * Half-open ranges of pixel indices, as pixelization envelopes return them: sorting, merging and
 * coarsening to a maximum count.
 */

/** The pixel indices begin, begin + 1, ..., end - 1. */
export type PixelRange = readonly [begin: number, end: number]

/** The ranges sorted by start, with overlapping and adjacent ones merged. */
export function mergeRanges(ranges: readonly PixelRange[]): PixelRange[] {
  const sorted = [...ranges].filter(([b, e]) => e > b).sort((x, y) => x[0] - y[0])
  const out: [number, number][] = []
  for (const [b, e] of sorted) {
    const last = out[out.length - 1]
    if (last && b <= last[1]) last[1] = Math.max(last[1], e)
    else out.push([b, e])
  }
  return out
}

/**
 * Sorted, merged ranges reduced to at most `maxRanges` (0 = no limit) by filling the smallest gaps, so
 * the result covers everything the input covers.
 */
export function simplifyRanges(ranges: readonly PixelRange[], maxRanges: number): PixelRange[] {
  const merged = mergeRanges(ranges)
  if (maxRanges <= 0 || merged.length <= maxRanges) return merged
  const gaps = merged.slice(1).map((r, i) => ({ i, size: r[0] - merged[i]![1] }))
  gaps.sort((a, b) => a.size - b.size || a.i - b.i)
  const fill = new Set(gaps.slice(0, merged.length - maxRanges).map((g) => g.i))
  const out: [number, number][] = []
  merged.forEach(([b, e], i) => {
    const last = out[out.length - 1]
    if (last && fill.has(i - 1)) last[1] = e
    else out.push([b, e])
  })
  return out
}

/** True when `index` lies in one of the sorted, merged `ranges`. */
export function rangesContain(ranges: readonly PixelRange[], index: number): boolean {
  let lo = 0
  let hi = ranges.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const [b, e] = ranges[mid]!
    if (index < b) hi = mid - 1
    else if (index >= e) lo = mid + 1
    else return true
  }
  return false
}
