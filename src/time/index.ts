/**
 * Time in the butler: instants as `bigint` TAI nanoseconds since 1970-01-01 TAI, their conversions from
 * and to UTC/TAI/TT calendars, MJD and Unix time, the `T'…'` time-string parser, and `Timespan`.
 */
export { type CalendarDate, NS_PER_DAY, NS_PER_SECOND } from './calendar.js'
export { TAI_MINUS_UTC_TABLE, type TaiMinusUtcEntry, taiMinusUtcNs, utcDayLengthNs } from './leap-seconds.js'
export { type ParseTimeOptions, parseTime, TIME_FORMATS, TIME_SCALES, type TimeFormat } from './parse-time.js'
export {
  type CalendarTime,
  type CalendarTimeInput,
  calendarToTaiNs,
  type FormatTimeOptions,
  formatCalendarTime,
  formatTaiIso,
  formatTaiIsot,
  formatUtcIsot,
  mjdToTaiNs,
  TAI_MAX_NS,
  TAI_MIN_NS,
  type TimeScale,
  TT_MINUS_TAI_NS,
  taiCalendarToNs,
  taiNsToCalendar,
  taiNsToUtcCalendar,
  unixToTaiNs,
  utcCalendarToTaiNs,
} from './tai.js'
export { Timespan, type TimespanOptions } from './timespan.js'
