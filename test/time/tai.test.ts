import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { TimeParseError } from '../../src/errors.js'
import { dateFromMjd, mjdFromDate } from '../../src/time/calendar.js'
import {
  type CalendarTime,
  calendarToTaiNs,
  formatTaiIso,
  formatTaiIsot,
  formatUtcIsot,
  mjdToTaiNs,
  TAI_MAX_NS,
  TAI_MIN_NS,
  TT_MINUS_TAI_NS,
  taiCalendarToNs,
  taiNsToCalendar,
  taiNsToUtcCalendar,
  unixToTaiNs,
  utcCalendarToTaiNs,
} from '../../src/time/index.js'

const S = 1_000_000_000n
const tai = (iso: string): bigint => {
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(iso)!
  return taiCalendarToNs({
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
    nanosecond: Number((m[7] ?? '').padEnd(9, '0')),
  })
}

describe('calendar', () => {
  it('numbers days as MJD', () => {
    assert.equal(mjdFromDate(1858, 11, 17), 0)
    assert.equal(mjdFromDate(1970, 1, 1), 40_587)
    assert.equal(mjdFromDate(2000, 1, 1), 51_544)
    assert.equal(mjdFromDate(2020, 3, 30), 58_938)
    assert.deepEqual(dateFromMjd(58_938), { year: 2020, month: 3, day: 30 })
    assert.deepEqual(dateFromMjd(mjdFromDate(2000, 2, 29)), { year: 2000, month: 2, day: 29 })
    assert.deepEqual(dateFromMjd(mjdFromDate(1900, 3, 1) - 1), { year: 1900, month: 2, day: 28 })
  })
  it('round-trips every day from 1600 to 2400', () => {
    for (let day = mjdFromDate(1600, 1, 1); day < mjdFromDate(2400, 1, 1); day++) {
      const { year, month, day: d } = dateFromMjd(day)
      if (mjdFromDate(year, month, d) !== day) assert.fail(`day ${day}`)
    }
  })
})

describe('TAI nanoseconds', () => {
  it('has its range constants', () => {
    assert.equal(TAI_MIN_NS, 0n)
    assert.equal(TAI_MAX_NS, 4_102_444_800n * S)
    assert.equal(taiCalendarToNs({ year: 1970, month: 1, day: 1 }), 0n)
    assert.equal(formatTaiIso(TAI_MAX_NS), '2100-01-01 00:00:00.000000000')
  })

  it('converts UTC around the 2016 leap second', () => {
    const utc = (second: number, day = 31, month = 12, year = 2016, nanosecond = 0): bigint =>
      utcCalendarToTaiNs({
        year,
        month,
        day,
        hour: day === 31 ? 23 : 0,
        minute: day === 31 ? 59 : 0,
        second,
        nanosecond,
      })
    assert.equal(utc(0, 1, 1, 2017), tai('2017-01-01T00:00:37'))
    assert.equal(utc(60), tai('2017-01-01T00:00:36'))
    assert.equal(utc(60, 31, 12, 2016, 999_999_999), tai('2017-01-01T00:00:36.999999999'))
    assert.equal(utc(59), tai('2017-01-01T00:00:35'))
    assert.equal(utc(60) - utc(59), S)
    assert.equal(utc(0, 1, 1, 2017) - utc(60), S)
  })

  it('converts 1972-01-01 and the drifting 1960s', () => {
    assert.equal(utcCalendarToTaiNs({ year: 1972, month: 1, day: 1 }), tai('1972-01-01T00:00:10'))
    assert.equal(utcCalendarToTaiNs({ year: 1970, month: 1, day: 1 }), 8_000_082_000n)
    // astropy: Time('1965-06-15 12:00:00', scale='utc').tai.iso == '1965-06-15 12:00:03.854618'
    // (3.6401300 + (38926.5 − 38761) × 0.001296 = 3.854618 s).
    const ns = utcCalendarToTaiNs({ year: 1965, month: 6, day: 15, hour: 12 })
    assert.equal(ns, -143_467_196_145_382_000n)
    assert.equal(formatTaiIso(ns), '1965-06-15 12:00:03.854618000')
    // The 0.107758 s step at the end of 1971 is written as second 60.
    const step = utcCalendarToTaiNs({
      year: 1971,
      month: 12,
      day: 31,
      hour: 23,
      minute: 59,
      second: 60,
      nanosecond: 1e8,
    })
    assert.equal(formatTaiIso(step), '1972-01-01 00:00:09.992242003')
    assert.equal(formatUtcIsot(step), '1971-12-31T23:59:60.100000000')
  })

  it('converts TT', () => {
    assert.equal(TT_MINUS_TAI_NS, 32_184_000_000n)
    assert.equal(calendarToTaiNs({ year: 2020, month: 1, day: 1 }, 'tt'), tai('2019-12-31T23:59:27.816'))
    assert.equal(calendarToTaiNs({ year: 2020, month: 1, day: 1 }, 'tai'), tai('2020-01-01T00:00:00'))
  })

  it('converts MJD in each scale', () => {
    assert.equal(mjdToTaiNs(58_938.515), tai('2020-03-30T12:21:36'))
    assert.equal(mjdToTaiNs('58938.515', 'tai'), tai('2020-03-30T12:21:36'))
    assert.equal(mjdToTaiNs('58938.515', 'utc'), tai('2020-03-30T12:22:13'))
    assert.equal(mjdToTaiNs('58938.515', 'tt'), tai('2020-03-30T12:21:03.816'))
    assert.equal(mjdToTaiNs(40_587), 0n)
    assert.equal(mjdToTaiNs('51544.000000000011574', 'tai'), tai('2000-01-01T00:00:00.000001'))
    // On a leap-second day a UTC MJD's fraction spreads over 86 401 s (astropy's convention).
    assert.equal(mjdToTaiNs('57753.5', 'utc'), tai('2016-12-31T12:00:36.5'))
    assert.equal(mjdToTaiNs('57754', 'utc'), tai('2017-01-01T00:00:37'))
    assert.throws(() => mjdToTaiNs(Number.NaN), TimeParseError)
    assert.throws(() => mjdToTaiNs('12abc'), TimeParseError)
  })

  it('converts Unix time', () => {
    assert.equal(unixToTaiNs(0), 8_000_082_000n)
    assert.equal(unixToTaiNs(1_600_000_000.5), tai('2020-09-13T12:27:17.5'))
    assert.equal(unixToTaiNs('1600000000.123456789'), tai('2020-09-13T12:27:17.123456789'))
    assert.equal(unixToTaiNs(1_483_228_800n), tai('2017-01-01T00:00:37'))
    // Noon of the leap-second day is half a UTC second late, as in astropy.
    assert.equal(unixToTaiNs(1_483_185_600), tai('2016-12-31T12:00:36.5'))
    assert.equal(unixToTaiNs(1_483_142_400), tai('2016-12-31T00:00:36'))
  })

  it('formats TAI and UTC', () => {
    const ns = tai('2020-01-01T00:00:37.000000001')
    assert.equal(formatTaiIso(ns), '2020-01-01 00:00:37.000000001')
    assert.equal(formatTaiIsot(ns), '2020-01-01T00:00:37.000000001')
    assert.equal(formatUtcIsot(ns), '2020-01-01T00:00:00.000000001')
    assert.equal(formatTaiIsot(tai('2020-01-01T00:00:37.5'), { trimFraction: true }), '2020-01-01T00:00:37.5')
    assert.equal(formatTaiIsot(tai('2020-01-01T00:00:37'), { trimFraction: true }), '2020-01-01T00:00:37')
    assert.equal(formatTaiIso(-1n), '1969-12-31 23:59:59.999999999')
    assert.equal(formatUtcIsot(tai('2017-01-01T00:00:36.25')), '2016-12-31T23:59:60.250000000')
  })

  it('rejects impossible calendar times', () => {
    const bad = [
      { year: 2016, month: 12, day: 30, hour: 23, minute: 59, second: 60 },
      { year: 2016, month: 12, day: 31, hour: 23, minute: 58, second: 60 },
      { year: 2019, month: 2, day: 29 },
      { year: 2020, month: 13, day: 1 },
      { year: 2020, month: 1, day: 1, hour: 24 },
      { year: 2020, month: 1, day: 1, nanosecond: 1e9 },
      { year: 2020, month: 1, day: 1, minute: 1.5 },
      { year: 1971, month: 12, day: 31, hour: 23, minute: 59, second: 60, nanosecond: 2e8 },
      { year: 1961, month: 7, day: 31, hour: 23, minute: 59, second: 59, nanosecond: 96e7 },
    ]
    for (const input of bad)
      assert.throws(() => utcCalendarToTaiNs(input), TimeParseError, JSON.stringify(input))
    assert.throws(
      () => taiCalendarToNs({ year: 2016, month: 12, day: 31, hour: 23, minute: 59, second: 60 }),
      /second 60/,
    )
  })

  it('round-trips TAI ns through TAI and UTC calendars (property)', () => {
    const sameTime = (a: CalendarTime, b: CalendarTime): boolean => JSON.stringify(a) === JSON.stringify(b)
    fc.assert(
      fc.property(fc.bigInt({ min: -400_000_000n * S, max: TAI_MAX_NS + 10n * S }), (ns) => {
        assert.equal(taiCalendarToNs(taiNsToCalendar(ns)), ns)
        const utc = taiNsToUtcCalendar(ns)
        assert.equal(utcCalendarToTaiNs(utc), ns)
        assert.ok(sameTime(taiNsToUtcCalendar(utcCalendarToTaiNs(utc)), utc))
      }),
      { numRuns: 2000 },
    )
  })

  it('round-trips every leap second and 1960s step boundary', () => {
    const mjds = [
      ...[1961, 1963, 1964, 1965, 1966, 1968, 1972, 1979, 1981, 1990, 1998, 2005, 2008, 2012, 2015, 2016].map(
        (y) => mjdFromDate(y, 12, 31),
      ),
      ...[1961, 1964, 1965, 1968, 1972, 1981, 1992, 2012, 2015].flatMap((y) => [
        mjdFromDate(y, 6, 30),
        mjdFromDate(y, 7, 31),
        mjdFromDate(y, 1, 31),
        mjdFromDate(y, 8, 31),
        mjdFromDate(y, 2, 28),
        mjdFromDate(y, 3, 31),
        mjdFromDate(y, 10, 31),
      ]),
    ]
    for (const day of mjds) {
      const { year, month, day: d } = dateFromMjd(day + 1)
      const midnight = utcCalendarToTaiNs({ year, month, day: d })
      for (let delta = -3n * S; delta <= 2n * S; delta += 13_000_001n) {
        const ns = midnight + delta
        assert.equal(utcCalendarToTaiNs(taiNsToUtcCalendar(ns)), ns, formatTaiIso(ns))
      }
      // The instant before UTC midnight is never after it.
      const before = taiNsToUtcCalendar(midnight - 1n)
      assert.equal(before.hour, 23)
      assert.equal(before.minute, 59)
    }
  })
})
