/**
 * Proleptic Gregorian calendar arithmetic on Modified Julian Day numbers, plus exact decimal helpers.
 *
 * Everything here is scale-free: a date is a label, and which time scale it is read in is the caller's
 * business. Days are plain numbers (they stay far inside the safe-integer range); anything finer than a
 * day is a `bigint` of nanoseconds so no precision is lost.
 */

/** MJD of 1970-01-01, the epoch of both Unix time and the TAI nanosecond counts. */
export const UNIX_EPOCH_MJD = 40_587

/** Nanoseconds in one second. */
export const NS_PER_SECOND = 1_000_000_000n

/** Nanoseconds in one 86 400-second day. */
export const NS_PER_DAY = 86_400n * NS_PER_SECOND

/** A calendar date (proleptic Gregorian). */
export interface CalendarDate {
  /** Year, e.g. 2020. */
  readonly year: number
  /** Month, 1–12. */
  readonly month: number
  /** Day of the month, 1–31. */
  readonly day: number
}

/** Tells whether a year has a 29 February. */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
}

/** Returns the number of days in a month (1–12) of a year. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** Tells whether year, month and day name a real calendar date. */
export function isValidDate(year: number, month: number, day: number): boolean {
  return (
    Number.isSafeInteger(year) &&
    Number.isInteger(month) &&
    Number.isInteger(day) &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month)
  )
}

/** Returns the Modified Julian Day number of a calendar date (no validation). */
export function mjdFromDate(year: number, month: number, day: number): number {
  // Count from 1 March so that the leap day falls at the end of the counting year.
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const monthFromMarch = (month + 9) % 12
  const dayOfYear = Math.floor((153 * monthFromMarch + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  // 0000-03-01 is MJD -678 881.
  return era * 146_097 + dayOfEra - 678_881
}

/** Returns the calendar date of a Modified Julian Day number. */
export function dateFromMjd(mjd: number): CalendarDate {
  const z = mjd + 678_881
  const era = Math.floor(z / 146_097)
  const dayOfEra = z - era * 146_097
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  )
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153)
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  return { year, month, day }
}

/** Divides and rounds towards negative infinity. */
export function floorDiv(numerator: bigint, denominator: bigint): bigint {
  const q = numerator / denominator
  return numerator % denominator !== 0n && numerator < 0n !== denominator < 0n ? q - 1n : q
}

/** Divides and rounds to the nearest integer, halves upwards (denominator > 0). */
export function roundDiv(numerator: bigint, denominator: bigint): bigint {
  return floorDiv(2n * numerator + denominator, 2n * denominator)
}

/** An exact rational number `numerator / denominator` with a positive denominator. */
export interface Rational {
  /** The numerator. */
  readonly numerator: bigint
  /** The denominator, always > 0. */
  readonly denominator: bigint
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/

/** Parses a decimal literal (`12`, `-1.5`, `.5`, `5.8938515e4`) exactly; `undefined` if it is not one. */
export function parseDecimal(text: string): Rational | undefined {
  const match = DECIMAL.exec(text)
  if (!match) return undefined
  const [, sign = '', whole = '', fraction = '', exponentText] = match
  if (whole === '' && fraction === '') return undefined
  const exponent = Number(exponentText ?? '0') - fraction.length
  if (Math.abs(exponent) > 400) return undefined
  let numerator = BigInt(whole + fraction || '0')
  let denominator = 1n
  if (exponent >= 0) numerator *= 10n ** BigInt(exponent)
  else denominator = 10n ** BigInt(-exponent)
  if (sign === '-') numerator = -numerator
  return { numerator, denominator }
}

/** Converts a JS number, decimal string or bigint to an exact rational; `undefined` if not finite. */
export function toRational(value: number | string | bigint): Rational | undefined {
  if (typeof value === 'bigint') return { numerator: value, denominator: 1n }
  if (typeof value === 'number') return Number.isFinite(value) ? parseDecimal(String(value)) : undefined
  return parseDecimal(value.trim())
}
