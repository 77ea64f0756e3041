/**
 * The TAI − UTC table: how far UTC lags behind TAI at any UTC instant.
 *
 * From 1961 to 1971 UTC ran at a slightly different rate from TAI ("rubber seconds") and was stepped by
 * fractions of a second now and then; for those years TAI − UTC = offset + (MJD − referenceMjd) × drift,
 * with MJD the UTC Modified Julian Date including its fraction of a day. From 1972-01-01 on the rate is
 * the same and UTC is stepped by whole leap seconds. The values are those of the IERS/USNO `tai-utc.dat`
 * table as ERFA (and so astropy, and so the reference butler) uses them, including ERFA's 1960 row.
 * Before 1960 ERFA has no value and uses 0, and so do we.
 *
 * The last leap second so far was inserted at the end of 2016-12-31. When the IERS announces another,
 * add a row to `LEAP_SECONDS`.
 */
import { mjdFromDate, NS_PER_DAY, roundDiv } from './calendar.js'

/** One row of the TAI − UTC table, in force from 0h UTC of its start date until the next row. */
export interface TaiMinusUtcEntry {
  /** Year in which the row comes into force. */
  readonly year: number
  /** Month (1–12) on whose first day the row comes into force. */
  readonly month: number
  /** UTC MJD on which the row comes into force. */
  readonly startMjd: number
  /** The constant part of TAI − UTC, in nanoseconds. */
  readonly offsetNs: bigint
  /** The MJD the drift is counted from. */
  readonly referenceMjd: number
  /** How much TAI − UTC grows per UTC day, in nanoseconds (0 from 1972 on). */
  readonly driftNsPerDay: bigint
}

// [year, month, offset ns, reference MJD, drift ns/day]: 1960–1968 rows with their rates.
const RUBBER_SECONDS: readonly (readonly [number, number, bigint, number, bigint])[] = [
  [1960, 1, 1_417_818_000n, 37_300, 1_296_000n],
  [1961, 1, 1_422_818_000n, 37_300, 1_296_000n],
  [1961, 8, 1_372_818_000n, 37_300, 1_296_000n],
  [1962, 1, 1_845_858_000n, 37_665, 1_123_200n],
  [1963, 11, 1_945_858_000n, 37_665, 1_123_200n],
  [1964, 1, 3_240_130_000n, 38_761, 1_296_000n],
  [1964, 4, 3_340_130_000n, 38_761, 1_296_000n],
  [1964, 9, 3_440_130_000n, 38_761, 1_296_000n],
  [1965, 1, 3_540_130_000n, 38_761, 1_296_000n],
  [1965, 3, 3_640_130_000n, 38_761, 1_296_000n],
  [1965, 7, 3_740_130_000n, 38_761, 1_296_000n],
  [1965, 9, 3_840_130_000n, 38_761, 1_296_000n],
  [1966, 1, 4_313_170_000n, 39_126, 2_592_000n],
  [1968, 2, 4_213_170_000n, 39_126, 2_592_000n],
]

// [year, month, TAI − UTC in whole seconds] from the first day of that month on.
const LEAP_SECONDS: readonly (readonly [number, number, number])[] = [
  [1972, 1, 10],
  [1972, 7, 11],
  [1973, 1, 12],
  [1974, 1, 13],
  [1975, 1, 14],
  [1976, 1, 15],
  [1977, 1, 16],
  [1978, 1, 17],
  [1979, 1, 18],
  [1980, 1, 19],
  [1981, 7, 20],
  [1982, 7, 21],
  [1983, 7, 22],
  [1985, 7, 23],
  [1988, 1, 24],
  [1990, 1, 25],
  [1991, 1, 26],
  [1992, 7, 27],
  [1993, 7, 28],
  [1994, 7, 29],
  [1996, 1, 30],
  [1997, 7, 31],
  [1999, 1, 32],
  [2006, 1, 33],
  [2009, 1, 34],
  [2012, 7, 35],
  [2015, 7, 36],
  [2017, 1, 37],
]

/** The whole TAI − UTC table, oldest row first. */
export const TAI_MINUS_UTC_TABLE: readonly TaiMinusUtcEntry[] = [
  ...RUBBER_SECONDS.map(([year, month, offsetNs, referenceMjd, driftNsPerDay]) => ({
    year,
    month,
    startMjd: mjdFromDate(year, month, 1),
    offsetNs,
    referenceMjd,
    driftNsPerDay,
  })),
  ...LEAP_SECONDS.map(([year, month, seconds]) => ({
    year,
    month,
    startMjd: mjdFromDate(year, month, 1),
    offsetNs: BigInt(seconds) * 1_000_000_000n,
    referenceMjd: 0,
    driftNsPerDay: 0n,
  })),
]

/** Returns the table row in force on a UTC day, or `undefined` before 1960. */
export function taiMinusUtcEntry(mjd: number): TaiMinusUtcEntry | undefined {
  let low = 0
  let high = TAI_MINUS_UTC_TABLE.length
  // Find the last row whose start is <= mjd.
  while (low < high) {
    const middle = (low + high) >>> 1
    if (TAI_MINUS_UTC_TABLE[middle]!.startMjd <= mjd) low = middle + 1
    else high = middle
  }
  return low === 0 ? undefined : TAI_MINUS_UTC_TABLE[low - 1]
}

/**
 * Returns TAI − UTC in nanoseconds at a UTC instant given as a day (MJD) and nanoseconds into that day.
 *
 * In the drifting years the intra-day part is rounded to the nearest nanosecond; it is exact at 0h.
 */
export function taiMinusUtcNs(mjd: number, secondOfDayNs = 0n): bigint {
  const entry = taiMinusUtcEntry(mjd)
  if (entry === undefined) return 0n
  if (entry.driftNsPerDay === 0n) return entry.offsetNs
  const wholeDays = BigInt(mjd - entry.referenceMjd) * entry.driftNsPerDay
  return entry.offsetNs + wholeDays + roundDiv(secondOfDayNs * entry.driftNsPerDay, NS_PER_DAY)
}

/**
 * Returns how many UTC nanoseconds a UTC day holds: 86 400 s, plus 1 s on a leap-second day, or plus or
 * minus the step that ends the day in the drifting years (ERFA's convention).
 */
export function utcDayLengthNs(mjd: number): bigint {
  const entry = taiMinusUtcEntry(mjd)
  const drift = entry?.driftNsPerDay ?? 0n
  return NS_PER_DAY + taiMinusUtcNs(mjd + 1) - taiMinusUtcNs(mjd) - drift
}
