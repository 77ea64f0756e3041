/**
 * Time points as `bigint` TAI nanoseconds since 1970-01-01T00:00:00 TAI, and conversions to and from them.
 *
 * This is the butler's one internal representation of an instant (the reference stores exactly this in
 * its timespan columns). Calendar labels in UTC, TAI or TT, Modified Julian Dates and Unix seconds all
 * convert to it exactly, without floating point; UTC goes through the TAI − UTC table, so leap seconds
 * (`23:59:60`) and the 1961–1971 drifting UTC are handled.
 */
import { TimeParseError } from '../errors.js'
import {
  type CalendarDate,
  dateFromMjd,
  floorDiv,
  isValidDate,
  mjdFromDate,
  NS_PER_DAY,
  NS_PER_SECOND,
  type Rational,
  roundDiv,
  toRational,
  UNIX_EPOCH_MJD,
} from './calendar.js'
import { taiMinusUtcEntry, taiMinusUtcNs, utcDayLengthNs } from './leap-seconds.js'

/** A time scale the butler reads times in: UTC, TAI, or TT (= TAI + 32.184 s). */
export type TimeScale = 'utc' | 'tai' | 'tt'

/** TT − TAI, exactly 32.184 s, in nanoseconds. */
export const TT_MINUS_TAI_NS = 32_184_000_000n

/** The smallest time a timespan bound can hold: 1970-01-01T00:00:00 TAI. */
export const TAI_MIN_NS = 0n

/** The largest time a timespan bound can hold (its "unbounded" end): 2100-01-01T00:00:00 TAI. */
export const TAI_MAX_NS = BigInt(mjdFromDate(2100, 1, 1) - UNIX_EPOCH_MJD) * NS_PER_DAY

/** A calendar date and time of day; `second` is 60 only inside a UTC leap second. */
export interface CalendarTime extends CalendarDate {
  /** Hour, 0–23. */
  readonly hour: number
  /** Minute, 0–59. */
  readonly minute: number
  /** Whole second, 0–59 (60 in a UTC leap second). */
  readonly second: number
  /** Nanoseconds into the second, 0–999 999 999. */
  readonly nanosecond: number
}

/** A calendar date with an optional time of day (missing fields are 0). */
export interface CalendarTimeInput extends CalendarDate {
  /** Hour, 0–23. */
  readonly hour?: number
  /** Minute, 0–59. */
  readonly minute?: number
  /** Whole second, 0–59 (60 in a UTC leap second). */
  readonly second?: number
  /** Nanoseconds into the second, 0–999 999 999. */
  readonly nanosecond?: number
}

const pad = (value: number, width: number): string => String(value).padStart(width, '0')

function describeCalendar(input: CalendarTimeInput): string {
  const { year, month, day, hour = 0, minute = 0, second = 0, nanosecond = 0 } = input
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${pad(nanosecond, 9)}`
}

/** Validates a calendar input and returns its day number and nanoseconds into the day. */
function dayAndSecond(input: CalendarTimeInput, scale: TimeScale): [mjd: number, secondOfDayNs: bigint] {
  const { year, month, day, hour = 0, minute = 0, second = 0, nanosecond = 0 } = input
  const fail = (reason: string): never => {
    throw new TimeParseError(`Invalid ${scale.toUpperCase()} time ${describeCalendar(input)}: ${reason}.`)
  }
  if (!isValidDate(year, month, day)) fail('no such date')
  const inRange = (value: number, max: number): boolean =>
    Number.isInteger(value) && value >= 0 && value <= max
  if (
    !inRange(hour, 23) ||
    !inRange(minute, 59) ||
    !inRange(second, 60) ||
    !inRange(nanosecond, 999_999_999)
  ) {
    fail('a time field is out of range')
  }
  const mjd = mjdFromDate(year, month, day)
  const secondOfDayNs = BigInt((hour * 60 + minute) * 60 + second) * NS_PER_SECOND + BigInt(nanosecond)
  if (second === 60) {
    if (scale !== 'utc' || hour !== 23 || minute !== 59) fail('second 60 exists only at 23:59 UTC')
  }
  const dayLength = scale === 'utc' ? utcDayLengthNs(mjd) : NS_PER_DAY
  if (secondOfDayNs >= dayLength)
    fail(second === 60 ? 'this UTC day has no leap second' : 'this UTC day ends earlier')
  return [mjd, secondOfDayNs]
}

/** Converts a UTC day and nanoseconds into it (already validated) to TAI nanoseconds. */
function utcDaySecondToTaiNs(mjd: number, secondOfDayNs: bigint): bigint {
  return BigInt(mjd - UNIX_EPOCH_MJD) * NS_PER_DAY + secondOfDayNs + taiMinusUtcNs(mjd, secondOfDayNs)
}

/** Converts a TAI calendar date and time to TAI nanoseconds. */
export function taiCalendarToNs(input: CalendarTimeInput): bigint {
  const [mjd, secondOfDayNs] = dayAndSecond(input, 'tai')
  return BigInt(mjd - UNIX_EPOCH_MJD) * NS_PER_DAY + secondOfDayNs
}

/**
 * Converts a UTC calendar date and time to TAI nanoseconds.
 *
 * `second: 60` is accepted at 23:59 of a day that ends with a leap second (and, in 1961–1971, within
 * the positive step that ends some days), and rejected elsewhere.
 *
 * @example
 * utcCalendarToTaiNs({ year: 2016, month: 12, day: 31, hour: 23, minute: 59, second: 60 })
 * // = taiCalendarToNs({ year: 2017, month: 1, day: 1, second: 36 })
 */
export function utcCalendarToTaiNs(input: CalendarTimeInput): bigint {
  const [mjd, secondOfDayNs] = dayAndSecond(input, 'utc')
  return utcDaySecondToTaiNs(mjd, secondOfDayNs)
}

/** Converts a calendar date and time read in the given scale to TAI nanoseconds. */
export function calendarToTaiNs(input: CalendarTimeInput, scale: TimeScale): bigint {
  if (scale === 'utc') return utcCalendarToTaiNs(input)
  const [mjd, secondOfDayNs] = dayAndSecond(input, scale)
  const ns = BigInt(mjd - UNIX_EPOCH_MJD) * NS_PER_DAY + secondOfDayNs
  return scale === 'tt' ? ns - TT_MINUS_TAI_NS : ns
}

/** Splits nanoseconds into a day into a time of day (with second 60 past the end of an 86 400 s day). */
function timeOfDay(mjd: number, secondOfDayNs: bigint): CalendarTime {
  const date = dateFromMjd(mjd)
  if (secondOfDayNs >= NS_PER_DAY) {
    // Inside a UTC leap second (or a 1960s step): 23:59:60.x.
    const past = secondOfDayNs - (NS_PER_DAY - 60n * NS_PER_SECOND)
    return {
      ...date,
      hour: 23,
      minute: 59,
      second: Number(past / NS_PER_SECOND),
      nanosecond: Number(past % NS_PER_SECOND),
    }
  }
  const seconds = Number(secondOfDayNs / NS_PER_SECOND)
  return {
    ...date,
    hour: Math.floor(seconds / 3600),
    minute: Math.floor(seconds / 60) % 60,
    second: seconds % 60,
    nanosecond: Number(secondOfDayNs % NS_PER_SECOND),
  }
}

/** Converts TAI nanoseconds to a TAI calendar date and time. */
export function taiNsToCalendar(ns: bigint): CalendarTime {
  const days = floorDiv(ns, NS_PER_DAY)
  return timeOfDay(UNIX_EPOCH_MJD + Number(days), ns - days * NS_PER_DAY)
}

/** Converts TAI nanoseconds to a UTC calendar date and time (second 60 inside a leap second). */
export function taiNsToUtcCalendar(ns: bigint): CalendarTime {
  let mjd = UNIX_EPOCH_MJD + Number(floorDiv(ns, NS_PER_DAY))
  // TAI − UTC is between 0 and 38 s, so the UTC day is the TAI day or the one before.
  if (ns < utcDaySecondToTaiNs(mjd, 0n)) mjd -= 1
  const sinceMidnight = ns - BigInt(mjd - UNIX_EPOCH_MJD) * NS_PER_DAY
  const drift = taiMinusUtcEntry(mjd)?.driftNsPerDay ?? 0n
  // TAI runs (1 + drift/day) times as fast as UTC within the day; invert, then settle the rounding.
  let second = floorDiv((sinceMidnight - taiMinusUtcNs(mjd)) * NS_PER_DAY, NS_PER_DAY + drift)
  const forward = (s: bigint): bigint => s + taiMinusUtcNs(mjd, s)
  while (forward(second + 1n) <= sinceMidnight) second += 1n
  while (forward(second) > sinceMidnight) second -= 1n
  return timeOfDay(mjd, second)
}

/** Converts an exact Modified Julian Date read in the given scale to TAI nanoseconds. */
export function mjdRationalToTaiNs(mjd: Rational, scale: TimeScale): bigint {
  const { numerator, denominator } = mjd
  if (scale !== 'utc') {
    const ns = roundDiv((numerator - BigInt(UNIX_EPOCH_MJD) * denominator) * NS_PER_DAY, denominator)
    return scale === 'tt' ? ns - TT_MINUS_TAI_NS : ns
  }
  // A UTC MJD counts each UTC day as 1.0 however many seconds it has (astropy's and ERFA's convention),
  // so the fraction is scaled by the day's length.
  const dayBig = floorDiv(numerator, denominator)
  if (dayBig < -100_000_000n || dayBig > 100_000_000n) {
    throw new TimeParseError(
      `MJD ${numerator}/${denominator} is too far from the present to convert from UTC.`,
    )
  }
  let day = Number(dayBig)
  const length = utcDayLengthNs(day)
  let second = roundDiv((numerator - dayBig * denominator) * length, denominator)
  if (second >= length) {
    day += 1
    second -= length
  }
  return utcDaySecondToTaiNs(day, second)
}

/**
 * Converts a Modified Julian Date (a number or a decimal string, for full precision) read in the given
 * scale to TAI nanoseconds.
 *
 * In UTC every day counts as 1.0, so on a leap-second day the fraction is spread over 86 401 s, as
 * astropy does.
 */
export function mjdToTaiNs(mjd: number | string | bigint, scale: TimeScale = 'tai'): bigint {
  const value = toRational(mjd)
  if (value === undefined)
    throw new TimeParseError(`Invalid MJD ${String(mjd)}: not a finite decimal number.`)
  return mjdRationalToTaiNs(value, scale)
}

/**
 * Converts Unix time (UTC seconds since 1970-01-01, leap seconds not counted) to TAI nanoseconds.
 *
 * As in astropy (and so in the reference butler), Unix time is read as a UTC pseudo-MJD, so on a
 * leap-second day its 86 400 s are stretched over the day's 86 401 UTC seconds; elsewhere it is the
 * POSIX reading.
 */
export function unixToTaiNs(seconds: number | string | bigint): bigint {
  const value = toRational(seconds)
  if (value === undefined)
    throw new TimeParseError(`Invalid Unix time ${String(seconds)}: not a finite number.`)
  const perDay = 86_400n * value.denominator
  return mjdRationalToTaiNs(
    { numerator: BigInt(UNIX_EPOCH_MJD) * perDay + value.numerator, denominator: perDay },
    'utc',
  )
}

/** How `formatTai*`/`formatUtc*` write the fraction of a second. */
export interface FormatTimeOptions {
  /** Drop trailing zeros of the nanoseconds (and the dot, if all are zero); default false. */
  readonly trimFraction?: boolean
}

/** Writes a calendar time as `YYYY-MM-DD<sep>hh:mm:ss.nnnnnnnnn`. */
export function formatCalendarTime(
  time: CalendarTime,
  separator: ' ' | 'T',
  options: FormatTimeOptions = {},
): string {
  const year = time.year < 0 ? `-${pad(-time.year, 4)}` : pad(time.year, 4)
  let fraction = `.${pad(time.nanosecond, 9)}`
  if (options.trimFraction) fraction = fraction.replace(/\.?0+$/, '')
  return (
    `${year}-${pad(time.month, 2)}-${pad(time.day, 2)}${separator}` +
    `${pad(time.hour, 2)}:${pad(time.minute, 2)}:${pad(time.second, 2)}${fraction}`
  )
}

/** Writes TAI nanoseconds as `YYYY-MM-DD hh:mm:ss.nnnnnnnnn` in TAI (the `!butler_time/tai/iso` form). */
export function formatTaiIso(ns: bigint): string {
  return formatCalendarTime(taiNsToCalendar(ns), ' ')
}

/** Writes TAI nanoseconds as ISO `YYYY-MM-DDThh:mm:ss.nnnnnnnnn` in TAI. */
export function formatTaiIsot(ns: bigint, options: FormatTimeOptions = {}): string {
  return formatCalendarTime(taiNsToCalendar(ns), 'T', options)
}

/** Writes TAI nanoseconds as ISO `YYYY-MM-DDThh:mm:ss.nnnnnnnnn` in UTC (seconds 60 in a leap second). */
export function formatUtcIsot(ns: bigint, options: FormatTimeOptions = {}): string {
  return formatCalendarTime(taiNsToUtcCalendar(ns), 'T', options)
}
