/**
 * Parsing of time strings, as written in the query language's `T'…'` literals and in export files.
 *
 * The grammar is `[format/]value[/scale]`. Without a format it is guessed from the value: a decimal
 * number is an MJD, `YYYY-MM-DD[( |T)hh:mm[:ss[.fff]]]` is ISO, `+YYYY-MM-DD[Thh:mm:ss[.fff]]` is FITS,
 * `YYYY:DDD[:hh:mm[:ss[.fff]]]` is day-of-year. Without a scale, text formats and Unix time are UTC,
 * `cxcsec` is TT and the rest (MJD, JD, `unix_tai`) are TAI, as in the reference (astropy's defaults).
 */
import { ButlerUserError, TimeParseError } from '../errors.js'
import {
  dateFromMjd,
  isLeapYear,
  mjdFromDate,
  NS_PER_DAY,
  NS_PER_SECOND,
  parseDecimal,
  type Rational,
  roundDiv,
} from './calendar.js'
import { utcDayLengthNs } from './leap-seconds.js'
import {
  type CalendarTimeInput,
  calendarToTaiNs,
  mjdRationalToTaiNs,
  type TimeScale,
  taiNsToUtcCalendar,
  utcCalendarToTaiNs,
} from './tai.js'

/** A time format `parseTime` understands (astropy's names). */
export type TimeFormat = 'iso' | 'isot' | 'fits' | 'yday' | 'mjd' | 'jd' | 'unix' | 'unix_tai' | 'cxcsec'

/** Every time format `parseTime` understands. */
export const TIME_FORMATS: readonly TimeFormat[] = [
  'iso',
  'isot',
  'fits',
  'yday',
  'mjd',
  'jd',
  'unix',
  'unix_tai',
  'cxcsec',
]

/** Every time scale `parseTime` understands. */
export const TIME_SCALES: readonly TimeScale[] = ['utc', 'tai', 'tt']

/** Options of `parseTime`. */
export interface ParseTimeOptions {
  /** The scale to read the value in when the text has no `/scale` suffix (default: per format). */
  readonly scale?: TimeScale
}

const DEFAULT_SCALES: Readonly<Record<TimeFormat, TimeScale>> = {
  iso: 'utc',
  isot: 'utc',
  fits: 'utc',
  yday: 'utc',
  unix: 'utc',
  cxcsec: 'tt',
  mjd: 'tai',
  jd: 'tai',
  unix_tai: 'tai',
}

// Names astropy knows that we deliberately do not support, for a clearer message.
const UNSUPPORTED_SCALES = new Set(['tcb', 'tcg', 'tdb', 'ut1', 'local'])
const UNSUPPORTED_FORMATS = new Set([
  'byear',
  'byear_str',
  'datetime',
  'datetime64',
  'decimalyear',
  'gps',
  'jyear',
  'jyear_str',
  'plot_date',
  'stardate',
  'ymdhms',
])

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:([ T])(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?$/
const FITS = /^([+-]?)(\d{4,6})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?$/
const YDAY = /^(\d{4}):(\d{3})(?::(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?$/
const HOUR_ONLY = /^(?:[+-]?\d{4,6}-\d{1,2}-\d{1,2}[ T]|\d{4}:\d{3}:)\d{1,2}$/
// A zone designator right after a time of day.
const ZONE = /^(.*[ T:]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})$/i

// Epochs of the "seconds since" formats, as TAI ns.
const UNIX_EPOCH_TAI_NS = utcCalendarToTaiNs({ year: 1970, month: 1, day: 1 })
const CXC_EPOCH_TAI_NS = calendarToTaiNs({ year: 1998, month: 1, day: 1 }, 'tt')

class Failure extends Error {}

/**
 * Parses a time string to TAI nanoseconds since 1970-01-01T00:00:00 TAI.
 *
 * Accepts `[format/]value[/scale]` with the formats in `TIME_FORMATS` and the scales `utc`, `tai`,
 * `tt`; a trailing `Z` or `+00:00` on a UTC time of day is ignored, other zones are rejected. Throws
 * `TimeParseError` naming the input when the text is not a valid time.
 *
 * @example
 * parseTime('mjd/58938.515/tai') // 2020-03-30T12:21:36 TAI
 * parseTime('2020-01-01T00:00:00') // UTC, i.e. 2020-01-01T00:00:37 TAI
 */
export function parseTime(text: string, options: ParseTimeOptions = {}): bigint {
  try {
    return parseOrFail(text, options)
  } catch (error) {
    if (error instanceof Failure) throw new TimeParseError(`Invalid time '${text}': ${error.message}.`)
    if (error instanceof ButlerUserError) {
      throw new TimeParseError(`Invalid time '${text}': ${error.message}`, { cause: error })
    }
    throw error
  }
}

function parseOrFail(text: string, options: ParseTimeOptions): bigint {
  if (text.length > 200) throw new Failure('too long for a time')
  const parts = text.trim().split('/')
  let formatName: string | undefined
  let value: string
  let scaleName: string | undefined
  if (parts.length === 1) {
    value = parts[0]!
  } else if (parts.length === 2) {
    const [first = '', second = ''] = parts.map((part) => part.trim())
    if (isFormatName(first.toLowerCase())) {
      formatName = first
      value = second
    } else if (isScaleName(second.toLowerCase())) {
      value = first
      scaleName = second
    } else {
      throw new Failure(`'${first}' is not a time format and '${second}' is not a time scale`)
    }
  } else if (parts.length === 3) {
    ;[formatName, value, scaleName] = parts.map((part) => part.trim()) as [string, string, string]
  } else {
    throw new Failure('expected [format/]value[/scale]')
  }
  value = value.trim()
  if (value === '') throw new Failure('no value')

  const explicitScale = scaleName === undefined ? undefined : checkScale(scaleName.toLowerCase())
  const explicitFormat = formatName === undefined ? undefined : checkFormat(formatName.toLowerCase())

  const zone = ZONE.exec(value)
  let zoneScale: TimeScale | undefined
  if (zone) {
    const designator = zone[2]!.toUpperCase()
    if (designator !== 'Z' && designator.replace(':', '') !== '+0000') {
      throw new Failure(`time zone '${zone[2]}' is not supported; give UTC or a scale`)
    }
    if (explicitScale !== undefined && explicitScale !== 'utc') {
      throw new Failure(`a UTC zone designator contradicts scale '${explicitScale}'`)
    }
    value = zone[1]!
    zoneScale = 'utc'
  }

  const format = explicitFormat ?? guessFormat(value)
  const scale = explicitScale ?? zoneScale ?? options.scale ?? DEFAULT_SCALES[format]
  switch (format) {
    case 'iso':
    case 'isot':
      return convert(parseIso(value), scale)
    case 'fits':
      return convert(parseFits(value), scale)
    case 'yday':
      return convert(parseYday(value), scale)
    case 'mjd':
      return mjdRationalToTaiNs(parseNumber(value), scale)
    case 'jd': {
      // MJD = JD − 2 400 000.5
      const jd = parseNumber(value)
      return mjdRationalToTaiNs(
        { numerator: 2n * jd.numerator - 4_800_001n * jd.denominator, denominator: 2n * jd.denominator },
        scale,
      )
    }
    case 'unix':
      return secondsSinceEpoch(UNIX_EPOCH_TAI_NS, parseNumber(value), scale)
    case 'unix_tai':
      return secondsSinceEpoch(0n, parseNumber(value), scale)
    case 'cxcsec':
      return secondsSinceEpoch(CXC_EPOCH_TAI_NS, parseNumber(value), scale)
  }
}

function isFormatName(name: string): boolean {
  return (TIME_FORMATS as readonly string[]).includes(name) || UNSUPPORTED_FORMATS.has(name)
}

function isScaleName(name: string): boolean {
  return (TIME_SCALES as readonly string[]).includes(name) || UNSUPPORTED_SCALES.has(name)
}

function checkFormat(name: string): TimeFormat {
  if ((TIME_FORMATS as readonly string[]).includes(name)) return name as TimeFormat
  if (UNSUPPORTED_FORMATS.has(name)) throw new Failure(`time format '${name}' is not supported`)
  throw new Failure(`unknown time format '${name}' (expected one of ${TIME_FORMATS.join(', ')})`)
}

function checkScale(name: string): TimeScale {
  if ((TIME_SCALES as readonly string[]).includes(name)) return name as TimeScale
  if (UNSUPPORTED_SCALES.has(name)) throw new Failure(`time scale '${name}' is not supported`)
  throw new Failure(`unknown time scale '${name}' (expected one of ${TIME_SCALES.join(', ')})`)
}

function guessFormat(value: string): TimeFormat {
  if (NUMBER.test(value)) return 'mjd'
  if (/^[+-]\d/.test(value)) return 'fits'
  if (/^\d{4}-/.test(value)) return value.includes('T') ? 'isot' : 'iso'
  if (/^\d{4}:\d/.test(value)) return 'yday'
  throw new Failure('cannot tell its format; expected an MJD, ISO date/time, FITS or day-of-year time')
}

function parseNumber(value: string): Rational {
  const number = NUMBER.test(value) ? parseDecimal(value) : undefined
  if (number === undefined) throw new Failure(`'${value}' is not a decimal number`)
  return number
}

function rejectHourOnly(value: string): void {
  if (HOUR_ONLY.test(value)) throw new Failure('a time of day needs at least hours and minutes')
}

/** A parsed calendar time, plus what rounding a fraction finer than 1 ns carried into the next second. */
type ParsedCalendar = readonly [time: CalendarTimeInput, carryNs: bigint]

function withTime(
  date: { year: number; month: number; day: number },
  hour: string | undefined,
  minute: string | undefined,
  second: string | undefined,
  fraction = '',
): ParsedCalendar {
  let nanosecond = BigInt(fraction.slice(0, 9).padEnd(9, '0'))
  if (fraction.length > 9) nanosecond = roundDiv(BigInt(fraction), 10n ** BigInt(fraction.length - 9))
  // Rounding .9999999996 gives a whole second: convert with .999999999 and add the last nanosecond after.
  const carryNs = nanosecond === NS_PER_SECOND ? 1n : 0n
  const time = {
    ...date,
    hour: Number(hour ?? '0'),
    minute: Number(minute ?? '0'),
    second: Number(second ?? '0'),
    nanosecond: Number(nanosecond - carryNs),
  }
  return [time, carryNs]
}

function convert([time, carryNs]: ParsedCalendar, scale: TimeScale): bigint {
  return calendarToTaiNs(time, scale) + carryNs
}

function parseIso(value: string): ParsedCalendar {
  rejectHourOnly(value)
  const match = ISO.exec(value)
  if (!match) throw new Failure('expected YYYY-MM-DD[ hh:mm[:ss[.fff]]] (or with T)')
  const [, year, month, day, , hour, minute, second, fraction] = match
  return withTime(
    { year: Number(year), month: Number(month), day: Number(day) },
    hour,
    minute,
    second,
    fraction,
  )
}

function parseFits(value: string): ParsedCalendar {
  rejectHourOnly(value)
  const match = FITS.exec(value)
  if (!match) throw new Failure('expected [+]YYYY-MM-DD[Thh:mm:ss[.fff]]')
  const [, sign, year, month, day, hour, minute, second, fraction] = match
  if (sign === '-') throw new Failure('negative years are not supported')
  return withTime(
    { year: Number(year), month: Number(month), day: Number(day) },
    hour,
    minute,
    second,
    fraction,
  )
}

function parseYday(value: string): ParsedCalendar {
  rejectHourOnly(value)
  const match = YDAY.exec(value)
  if (!match) throw new Failure('expected YYYY:DDD[:hh:mm[:ss[.fff]]]')
  const [, yearText, dayText, hour, minute, second, fraction] = match
  const year = Number(yearText)
  const dayOfYear = Number(dayText)
  if (dayOfYear < 1 || dayOfYear > (isLeapYear(year) ? 366 : 365))
    throw new Failure(`${year} has no day ${dayText}`)
  const { month, day } = dateFromMjd(mjdFromDate(year, 1, 1) + dayOfYear - 1)
  return withTime({ year, month, day }, hour, minute, second, fraction)
}

/** Converts "seconds since an epoch" to TAI ns; in UTC the seconds count UTC pseudo-days of 86 400. */
function secondsSinceEpoch(epochTaiNs: bigint, seconds: Rational, scale: TimeScale): bigint {
  const { numerator, denominator } = seconds
  if (scale !== 'utc') {
    return epochTaiNs + roundDiv(numerator * NS_PER_SECOND, denominator)
  }
  // The epoch as a UTC pseudo-MJD (day + fraction of that day's length), then plus seconds / 86 400.
  const epoch = taiNsToUtcCalendar(epochTaiNs)
  const day = BigInt(mjdFromDate(epoch.year, epoch.month, epoch.day))
  const length = utcDayLengthNs(Number(day))
  const intoDay =
    BigInt((epoch.hour * 60 + epoch.minute) * 60 + epoch.second) * NS_PER_SECOND + BigInt(epoch.nanosecond)
  const perDay = NS_PER_DAY / NS_PER_SECOND
  return mjdRationalToTaiNs(
    {
      numerator: (day * length + intoDay) * perDay * denominator + numerator * length,
      denominator: length * perDay * denominator,
    },
    scale,
  )
}
