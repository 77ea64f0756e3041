/**
 * Closed intervals of longitude (normalised angles) that may wrap around 0/2π, with sphgeom's
 * `NormalizedAngleInterval` conventions: endpoints in [0, 2π], `a > b` means the interval wraps,
 * [0, 2π] is full and NaN endpoints mean empty.
 */
import { normalizeRadians, TWO_PI } from './angle.js'

/** An interval of longitudes in radians, traced counter-clockwise from `a` to `b`. */
export class LonInterval {
  private constructor(
    /** First endpoint in [0, 2π], or NaN when empty. */
    readonly a: number,
    /** Second endpoint in [0, 2π], or NaN when empty. */
    readonly b: number,
  ) {}

  /** The empty interval. */
  static empty(): LonInterval {
    return new LonInterval(Number.NaN, Number.NaN)
  }

  /** All longitudes. */
  static full(): LonInterval {
    return new LonInterval(0, TWO_PI)
  }

  /**
   * The interval between two angles (radians). When both lie in [0, 2π] `b < a` makes a wrapping
   * interval; otherwise `a <= b` is required (a RangeError if not) and a span of 2π or more is full.
   * NaN gives the empty interval.
   */
  static of(a: number, b: number): LonInterval {
    if (Number.isNaN(a) || Number.isNaN(b)) return LonInterval.empty()
    const normalized = (x: number) => x >= 0 && x <= TWO_PI
    if (!normalized(a) || !normalized(b)) {
      if (a > b) throw new RangeError(`invalid longitude interval [${a}, ${b}]`)
      if (b - a >= TWO_PI) return LonInterval.full()
    }
    return new LonInterval(normalizeRadians(a), normalizeRadians(b))
  }

  /** True when the interval holds no longitudes. */
  isEmpty(): boolean {
    return Number.isNaN(this.a) || Number.isNaN(this.b)
  }

  /** True when the interval holds every longitude. */
  isFull(): boolean {
    return this.a === 0 && this.b === TWO_PI
  }

  /** True when the interval crosses longitude 0. */
  wraps(): boolean {
    return this.a > this.b
  }

  /** Width in radians (NaN when empty). */
  size(): number {
    const d = this.b - this.a
    return d < 0 ? d + TWO_PI : d
  }

  /** The middle longitude, in [0, 2π). */
  center(): number {
    const c = this.a + 0.5 * this.size()
    return c >= TWO_PI ? c - TWO_PI : c
  }

  /** True when the longitude `x` (radians, in [0, 2π]) is in the interval. */
  contains(x: number): boolean {
    return this.wraps() ? x <= this.b || this.a <= x : this.a <= x && x <= this.b
  }

  /** True when the intervals share a longitude. */
  intersects(o: LonInterval): boolean {
    if (this.isEmpty() || o.isEmpty()) return false
    if (o.wraps()) return this.wraps() || !(o.a > this.b && o.b < this.a)
    if (this.wraps()) return !(this.a > o.b && this.b < o.a)
    return !(o.b < this.a || o.a > this.b)
  }

  /** True when every longitude of `o` is in this interval. */
  containsInterval(o: LonInterval): boolean {
    if (o.isEmpty()) return true
    if (this.isEmpty()) return false
    if (o.wraps()) {
      if (!this.wraps()) return this.isFull()
    } else if (this.wraps()) {
      return o.a >= this.a || o.b <= this.b
    }
    return o.a >= this.a && o.b <= this.b
  }

  /** The smallest interval containing both (the shorter choice when two are possible). */
  expandedTo(o: LonInterval): LonInterval {
    if (o.isEmpty()) return this
    if (this.isEmpty()) return o
    const hasA = this.contains(o.a)
    const hasB = this.contains(o.b)
    if (hasA && hasB)
      return this.wraps() !== o.wraps() && !this.containsInterval(o) ? LonInterval.full() : this
    if (hasA) return new LonInterval(this.a, o.b)
    if (hasB) return new LonInterval(o.a, this.b)
    if (o.contains(this.a)) return o
    // Disjoint: join across the smaller gap.
    const gapAfter = angleSpan(this.b, o.a)
    const gapBefore = angleSpan(o.b, this.a)
    return gapAfter < gapBefore ? new LonInterval(this.a, o.b) : new LonInterval(o.a, this.b)
  }

  /** An interval containing the intersection (the shorter input when the intersection is two pieces). */
  clippedTo(o: LonInterval): LonInterval {
    if (o.isEmpty() || this.isEmpty()) return LonInterval.empty()
    const hasA = this.contains(o.a)
    const hasB = this.contains(o.b)
    if (hasA && hasB) return this.size() >= o.size() ? o : this
    if (hasA) return new LonInterval(o.a, this.b)
    if (hasB) return new LonInterval(this.a, o.b)
    return o.contains(this.a) ? this : LonInterval.empty()
  }

  /** The interval widened by `x` radians on both sides (full once it covers the circle). */
  dilatedBy(x: number): LonInterval {
    if (this.isEmpty() || this.isFull() || !(x > 0)) return this
    if (this.size() + 2 * x >= TWO_PI) return LonInterval.full()
    return new LonInterval(normalizeRadians(this.a - x), normalizeRadians(this.b + x))
  }
}

function angleSpan(from: number, to: number): number {
  const d = to - from
  return d < 0 ? d + TWO_PI : d
}
