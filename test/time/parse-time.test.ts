import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { TimeParseError } from '../../src/errors.js'
import {
  formatTaiIso,
  formatUtcIsot,
  parseTime,
  TAI_MAX_NS,
  taiCalendarToNs,
  utcCalendarToTaiNs,
} from '../../src/time/index.js'
import { fixture, fixturesSkip } from '../fixtures.js'

const S = 1_000_000_000n
/** TAI ns of a TAI calendar time, written `YYYY-MM-DD hh:mm:ss[.f]`. */
const tai = (text: string): bigint => {
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(text)!
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

describe('parseTime', () => {
  it('guesses each format and its default scale', () => {
    const cases: [string, string][] = [
      // MJD defaults to TAI.
      ['58938.515', '2020-03-30 12:21:36'],
      ['5.8938515e4', '2020-03-30 12:21:36'],
      // Any decimal number is an MJD, even one that looks like YYYYMMDD.
      ['40587.5', '1970-01-01 12:00:00'],
      // ISO, ISO-T, FITS and day-of-year default to UTC (TAI − UTC = 37 s in 2020).
      ['2020-01-01', '2020-01-01 00:00:37'],
      ['2020-01-01 12:34', '2020-01-01 12:34:37'],
      ['2020-01-01 12:34:56.123456789', '2020-01-01 12:35:33.123456789'],
      ['2020-01-01T12:34:56', '2020-01-01 12:35:33'],
      ['2020-1-2 3:04:05', '2020-01-02 03:04:42'],
      ['+2020-01-01T00:00:00', '2020-01-01 00:00:37'],
      ['+2020-01-01', '2020-01-01 00:00:37'],
      ['2020:123:12:00:00', '2020-05-02 12:00:37'],
      ['2020:123', '2020-05-02 00:00:37'],
      ['2020:366:23:59', '2020-12-31 23:59:37'],
      ['  2020-01-01T00:00:00  ', '2020-01-01 00:00:37'],
    ]
    for (const [text, expected] of cases)
      assert.equal(
        formatTaiIso(parseTime(text)),
        `${expected}${expected.includes('.') ? '' : '.000000000'}`,
        text,
      )
  })

  it('accepts explicit formats and scales', () => {
    const cases: [string, string][] = [
      ['mjd/58938.515/tai', '2020-03-30 12:21:36'],
      ['mjd/58938.515', '2020-03-30 12:21:36'],
      ['MJD/58938.515/TAI', '2020-03-30 12:21:36'],
      ['mjd/58938.515/utc', '2020-03-30 12:22:13'],
      ['mjd/58938.515/tt', '2020-03-30 12:21:03.816'],
      ['58938.515/utc', '2020-03-30 12:22:13'],
      ['jd/2451545.0', '2000-01-01 12:00:00'],
      ['jd/2451545.0/tt', '2000-01-01 11:59:27.816'],
      ['iso/2020-01-01 00:00:00', '2020-01-01 00:00:37'],
      ['isot/2020-01-01T00:00:00/tai', '2020-01-01 00:00:00'],
      ['2020-01-01 00:00:00/tai', '2020-01-01 00:00:00'],
      ['2020-01-01T00:00:00/tt', '2019-12-31 23:59:27.816'],
      ['fits/2020-01-01T00:00:00/tai', '2020-01-01 00:00:00'],
      ['yday/2020:001:00:00:00/tt', '2019-12-31 23:59:27.816'],
      ['unix/1600000000.5', '2020-09-13 12:27:17.5'],
      ['unix/0', '1970-01-01 00:00:08.000082'],
      ['unix/0/tai', '1970-01-01 00:00:08.000082'],
      ['unix_tai/1600000000', '2020-09-13 12:26:40'],
      ['cxcsec/0', '1997-12-31 23:59:27.816'],
      ['cxcsec/0/tai', '1997-12-31 23:59:27.816'],
      ['cxcsec/0/utc', '1997-12-31 23:59:27.816'],
    ]
    for (const [text, expected] of cases) assert.equal(parseTime(text), tai(expected), text)
  })

  it('reads a bare YYYYMMDD-like number as an MJD, as the reference does', () => {
    assert.equal(parseTime('20200101'), (20_200_101n - 40_587n) * 86_400n * S)
  })

  it('uses options.scale only when the text names no scale', () => {
    assert.equal(parseTime('2020-01-01', { scale: 'tai' }), tai('2020-01-01 00:00:00'))
    assert.equal(parseTime('2020-01-01/utc', { scale: 'tai' }), tai('2020-01-01 00:00:37'))
    assert.equal(parseTime('58938.515', { scale: 'utc' }), tai('2020-03-30 12:22:13'))
    // A zone designator says UTC, whatever the default.
    assert.equal(parseTime('2020-01-01T00:00:00Z', { scale: 'tai' }), tai('2020-01-01 00:00:37'))
  })

  it('reads UTC leap seconds and zone designators', () => {
    assert.equal(parseTime('2016-12-31T23:59:60'), tai('2017-01-01 00:00:36'))
    assert.equal(parseTime('2016-12-31 23:59:60.5'), tai('2017-01-01 00:00:36.5'))
    assert.equal(parseTime('2017-01-01T00:00:00'), tai('2017-01-01 00:00:37'))
    assert.equal(parseTime('2020-01-01T12:00:00Z'), tai('2020-01-01 12:00:37'))
    assert.equal(parseTime('2020-01-01T12:00:00.25+00:00'), tai('2020-01-01 12:00:37.25'))
    assert.equal(parseTime('2020-01-01 12:00+00:00'), tai('2020-01-01 12:00:37'))
  })

  it('rounds fractions finer than a nanosecond', () => {
    assert.equal(parseTime('2020-01-01T00:00:00.0000000014/tai'), 1n + tai('2020-01-01 00:00:00'))
    assert.equal(parseTime('2020-01-01T00:00:00.0000000015/tai'), 2n + tai('2020-01-01 00:00:00'))
    assert.equal(parseTime('2019-12-31T23:59:59.9999999999/tai'), tai('2020-01-01 00:00:00'))
    assert.equal(parseTime('2016-12-31T23:59:59.9999999999'), tai('2017-01-01 00:00:36'))
  })

  it('rejects bad input with TimeParseError naming it', () => {
    const bad = [
      '',
      '   ',
      'yesterday',
      '2020-01-01T12',
      '2020-01-01 12',
      '2020:123:12',
      '2020-01-01T12:00:00-05:00',
      '2020-01-01T12:00:00+01:00',
      '2020-01-01T12:00:00Z/tai',
      '2020-02-30',
      '2019:366',
      '2020-01-01T24:00:00',
      '2020-01-01T12:60:00',
      '2016-12-30T23:59:60',
      '2016-12-31T23:59:60/tai',
      '2016-12-31T23:59:61',
      '-2020-01-01T00:00:00',
      'mjd/abc',
      'mjd/58938.515/tdb',
      'mjd/58938.515/martian',
      'gps/1000',
      'decimalyear/2020.5',
      'nonsense/58938.515',
      'a/b/c/d',
      `2020-01-01T00:00:00.${'0'.repeat(300)}`,
      'mjd/',
      '58938.515/',
      'unix/1e',
      'NaN',
      'inf',
      '2020-01-01T12:00:00.',
    ]
    for (const text of bad) {
      assert.throws(
        () => parseTime(text),
        (error: unknown) => {
          assert.ok(error instanceof TimeParseError, `${text}: ${String(error)}`)
          assert.equal(error.code, 'time_parse')
          assert.ok(error.message.includes(`'${text}'`), error.message)
          return true
        },
        text,
      )
    }
  })

  it('reads back what formatTaiIso and formatUtcIsot write (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: TAI_MAX_NS }), (ns) => {
        assert.equal(parseTime(`${formatTaiIso(ns)}/tai`), ns)
        assert.equal(parseTime(formatUtcIsot(ns)), ns)
        assert.equal(parseTime(`isot/${formatUtcIsot(ns)}Z`), ns)
      }),
      { numRuns: 1000 },
    )
  })

  it('reads MJDs in TAI exactly to the nanosecond (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: TAI_MAX_NS }), (ns) => {
        // ns since 1970 TAI = (MJD − 40587) × 86 400e9, so MJD = 40587 + ns / 86 400e9 exactly.
        const day = 86_400n * S
        const whole = 40_587n + ns / day
        const fraction = ((ns % day) * 10n ** 20n) / day // truncated to 20 digits, < 1 ns off
        const text = `${whole}.${fraction.toString().padStart(20, '0')}`
        assert.equal(parseTime(text), ns)
      }),
    )
  })

  it('throws only TimeParseError on arbitrary strings (property)', () => {
    const timeish = fc.stringMatching(/^[-+0-9:.T /Zaeimjdtucsxn]{0,30}$/)
    fc.assert(
      fc.property(fc.oneof(fc.string(), timeish), (text) => {
        try {
          assert.equal(typeof parseTime(text), 'bigint')
        } catch (error) {
          assert.ok(error instanceof TimeParseError, `${JSON.stringify(text)}: ${String(error)}`)
        }
      }),
      { numRuns: 3000 },
    )
  })

  it('agrees with UTC calendar conversion on ISO strings', () => {
    assert.equal(
      parseTime('1965-06-15 12:00:00'),
      utcCalendarToTaiNs({ year: 1965, month: 6, day: 15, hour: 12 }),
    )
    assert.equal(parseTime('1965-06-15 12:00:00'), tai('1965-06-15 12:00:03.854618'))
  })

  it('reads every !butler_time/tai/iso value of the reference export files', { skip: fixturesSkip() }, () => {
    let count = 0
    for (const name of ['ci_hsc-subset.yaml', 'hsc-rc2-subset.yaml', 'lsstcam-subset.yaml', 'spatial.yaml']) {
      const text = readFileSync(fixture('registry_data', name), 'utf8')
      for (const match of text.matchAll(/!butler_time\/tai\/iso '([^']+)'/g)) {
        const value = match[1]!
        assert.equal(formatTaiIso(parseTime(`${value}/tai`)), value)
        count++
      }
    }
    assert.ok(count > 300, `only ${count} values found`)
  })
})
