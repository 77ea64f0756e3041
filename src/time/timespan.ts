/**
 * Half-open time intervals `[begin, end)` in TAI nanoseconds: validity ranges, exposure and visit times.
 */
import { TimeParseError } from '../errors.js'
import { isValidDate, NS_PER_DAY, NS_PER_SECOND, roundDiv, toRational } from './calendar.js'
import { type ParseTimeOptions, parseTime } from './parse-time.js'
import { formatTaiIsot, TAI_MAX_NS, TAI_MIN_NS, taiCalendarToNs } from './tai.js'

/** Options of the `Timespan` constructor. */
export interface TimespanOptions {
  /** Turn `begin == end` into the one-nanosecond timespan `[t, t + 1)` instead of empty; default true. */
  readonly padInstantaneous?: boolean
}

const clamp = (ns: bigint): bigint => (ns < TAI_MIN_NS ? TAI_MIN_NS : ns > TAI_MAX_NS ? TAI_MAX_NS : ns)
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b)
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b)

/**
 * A half-open interval of time `[begin, end)`, as TAI nanoseconds since 1970-01-01T00:00:00 TAI.
 *
 * Bounds live in `[TAI_MIN_NS, TAI_MAX_NS]`: a `null` begin means `TAI_MIN_NS` (unbounded), a `null`
 * end means `TAI_MAX_NS` (unbounded), and values outside are clamped. Every timespan with
 * `begin >= end` is the one empty timespan, stored canonically as `(TAI_MAX_NS, TAI_MIN_NS)`; it equals
 * itself, is contained by every timespan, and overlaps nothing.
 *
 * @example
 * const night = Timespan.fromDayObs(20240101, 12 * 3600)
 * night.contains(parseTime('2024-01-02T03:00:00/tai')) // true
 */
export class Timespan {
  readonly #begin: bigint
  readonly #end: bigint

  /** Creates `[begin, end)`; `null` bounds are unbounded. */
  constructor(begin: bigint | null, end: bigint | null, options: TimespanOptions = {}) {
    let b = begin ?? TAI_MIN_NS
    let e = end ?? TAI_MAX_NS
    // Padding looks at the bounds as given, so an instant outside the range stays out of it.
    if (begin !== null && end !== null && begin === end && (options.padInstantaneous ?? true)) e = b + 1n
    b = clamp(b)
    e = clamp(e)
    if (b >= e) {
      b = TAI_MAX_NS
      e = TAI_MIN_NS
    }
    this.#begin = b
    this.#end = e
  }

  /** Returns the empty timespan. */
  static makeEmpty(): Timespan {
    return new Timespan(TAI_MAX_NS, TAI_MIN_NS)
  }

  /** Returns the one-nanosecond timespan `[t, t + 1)` holding an instant. */
  static fromInstant(t: bigint): Timespan {
    return new Timespan(t, t)
  }

  /**
   * Returns the 24 hours from TAI midnight of an observing day `YYYYMMDD`, shifted by `offsetSeconds`.
   *
   * Observatories whose night spans UTC midnight pass their day_obs offset (e.g. 12 h for noon-to-noon).
   */
  static fromDayObs(dayObs: number, offsetSeconds: number | bigint = 0): Timespan {
    const year = Math.floor(dayObs / 10_000)
    const month = Math.floor(dayObs / 100) % 100
    const day = dayObs % 100
    if (!Number.isInteger(dayObs) || dayObs < 1000_01_01 || !isValidDate(year, month, day)) {
      throw new TimeParseError(`Invalid day_obs ${dayObs}: expected a date as the integer YYYYMMDD.`)
    }
    const offset = toRational(offsetSeconds)
    if (offset === undefined) throw new TimeParseError(`Invalid day_obs offset ${String(offsetSeconds)} s.`)
    const begin =
      taiCalendarToNs({ year, month, day }) + roundDiv(offset.numerator * NS_PER_SECOND, offset.denominator)
    return new Timespan(begin, begin + NS_PER_DAY)
  }

  /** Parses two time strings (see `parseTime`; `null` for unbounded) into a timespan. */
  static parse(begin: string | null, end: string | null, options: ParseTimeOptions = {}): Timespan {
    return new Timespan(
      begin === null ? null : parseTime(begin, options),
      end === null ? null : parseTime(end, options),
    )
  }

  /** Rebuilds a timespan from `toSimple()`'s `[begin, end]` decimal nanosecond strings. */
  static fromSimple(simple: readonly [string, string] | readonly string[]): Timespan {
    const [begin, end] = simple
    const valid = (text: string | undefined): text is string =>
      text !== undefined && /^-?\d{1,30}$/.test(text)
    if (simple.length !== 2 || !valid(begin) || !valid(end)) {
      throw new TimeParseError(
        `Invalid serialized timespan ${JSON.stringify(simple)}: expected two integer strings.`,
      )
    }
    return new Timespan(BigInt(begin), BigInt(end), { padInstantaneous: false })
  }

  /** The first nanosecond inside the timespan (`TAI_MAX_NS` when empty). */
  get begin(): bigint {
    return this.#begin
  }

  /** The first nanosecond after the timespan (`TAI_MIN_NS` when empty). */
  get end(): bigint {
    return this.#end
  }

  /** True for the empty timespan. */
  get isEmpty(): boolean {
    return this.#begin >= this.#end
  }

  /** True when the timespan has no lower bound (it starts at `TAI_MIN_NS`). */
  get isUnboundedBegin(): boolean {
    return !this.isEmpty && this.#begin === TAI_MIN_NS
  }

  /** True when the timespan has no upper bound (it ends at `TAI_MAX_NS`). */
  get isUnboundedEnd(): boolean {
    return !this.isEmpty && this.#end === TAI_MAX_NS
  }

  /** Tells whether the two share at least one instant (for an instant: whether this contains it). */
  overlaps(other: Timespan | bigint): boolean {
    if (typeof other === 'bigint') return this.contains(other)
    if (this.isEmpty || other.isEmpty) return false
    return this.#begin < other.#end && other.#begin < this.#end
  }

  /** Tells whether every instant of `other` (or the instant itself) is in this timespan. */
  contains(other: Timespan | bigint): boolean {
    if (typeof other === 'bigint') return this.#begin <= other && other < this.#end
    if (other.isEmpty) return true
    return this.#begin <= other.#begin && other.#end <= this.#end
  }

  /** Returns the instants common to this and every other timespan (empty if there are none). */
  intersection(...others: Timespan[]): Timespan {
    let begin = this.#begin
    let end = this.#end
    for (const other of others) {
      begin = max(begin, other.#begin)
      end = min(end, other.#end)
    }
    return new Timespan(begin, end, { padInstantaneous: false })
  }

  /** Returns this timespan minus `other`, as 0, 1 or 2 non-empty disjoint timespans in time order. */
  difference(other: Timespan): Timespan[] {
    if (this.isEmpty) return []
    if (!this.overlaps(other)) return [this]
    const pieces: Timespan[] = []
    if (this.#begin < other.#begin) pieces.push(new Timespan(this.#begin, other.#begin))
    if (other.#end < this.#end) pieces.push(new Timespan(other.#end, this.#end))
    return pieces
  }

  /** Tells whether both have the same bounds (all empty timespans are equal). */
  equals(other: Timespan): boolean {
    return this.#begin === other.#begin && this.#end === other.#end
  }

  /** Tells whether this timespan ends at or before `other` begins (never true when either is empty). */
  isBefore(other: Timespan | bigint): boolean {
    if (this.isEmpty) return false
    if (typeof other === 'bigint') return this.#end <= other
    return !other.isEmpty && this.#end <= other.#begin
  }

  /** Tells whether this timespan begins at or after `other` ends (never true when either is empty). */
  isAfter(other: Timespan | bigint): boolean {
    if (this.isEmpty) return false
    if (typeof other === 'bigint') return other < this.#begin
    return !other.isEmpty && other.#end <= this.#begin
  }

  /** Writes the timespan readably, e.g. `[2020-01-01T00:00:00, +∞) TAI`, or `(empty)`. */
  toString(): string {
    if (this.isEmpty) return '(empty)'
    const begin = this.isUnboundedBegin ? '(-∞' : `[${formatTaiIsot(this.#begin, { trimFraction: true })}`
    const end = this.isUnboundedEnd ? '+∞)' : `${formatTaiIsot(this.#end, { trimFraction: true })})`
    return `${begin}, ${end} TAI`
  }

  /** Returns the bounds as decimal nanosecond strings (JSON numbers cannot hold them exactly). */
  toSimple(): [string, string] {
    return [this.#begin.toString(), this.#end.toString()]
  }

  /** Serializes as `toSimple()` in `JSON.stringify`. */
  toJSON(): [string, string] {
    return this.toSimple()
  }
}
