import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type ExpressionNode, parseExpression } from '../../src/expression/index.js'
import { taiCalendarToNs } from '../../src/time/index.js'
import { parseError } from './helpers.js'

/** Parses `x = <literal>` and returns the literal's node without its span. */
function literal(text: string): Record<string, unknown> {
  const tree = parseExpression(`x = ${text}`)
  assert.ok(tree?.kind === 'binary', text)
  const { span, ...rest } = tree.rhs as ExpressionNode
  assert.equal(span.end - span.start, text.length, `span of ${text}`)
  return rest
}

/** TAI ns (decimal) of a TAI calendar time written `YYYY-MM-DD hh:mm:ss[.fff]`. */
function tai(text: string): string {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(text)
  assert.ok(m, text)
  const [, year, month, day, hour, minute, second, fraction = ''] = m
  return taiCalendarToNs({
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second),
    nanosecond: Number(fraction.padEnd(9, '0')),
  }).toString()
}

const timeNs = (text: string): unknown => literal(text).taiNs

describe('parseExpression: literals', () => {
  it('reads integers and floats, keeping the text and sign', () => {
    assert.deepEqual(literal('42'), { kind: 'numeric', text: '42', isInteger: true, value: 42 })
    assert.deepEqual(literal('-1'), { kind: 'numeric', text: '-1', isInteger: true, value: -1 })
    assert.deepEqual(literal('+7'), { kind: 'numeric', text: '+7', isInteger: true, value: 7 })
    assert.deepEqual(literal('1.2'), { kind: 'numeric', text: '1.2', isInteger: false, value: 1.2 })
    assert.deepEqual(literal('1.2e-5'), { kind: 'numeric', text: '1.2e-5', isInteger: false, value: 1.2e-5 })
    assert.deepEqual(literal('3E+2'), { kind: 'numeric', text: '3E+2', isInteger: false, value: 300 })
    assert.deepEqual(literal('.5'), { kind: 'numeric', text: '.5', isInteger: false, value: 0.5 })
    assert.deepEqual(literal('5.'), { kind: 'numeric', text: '5.', isInteger: false, value: 5 })
    assert.deepEqual(literal('007'), { kind: 'numeric', text: '007', isInteger: true, value: 7 })
    assert.equal(Object.is(literal('-0').value, 0), true)
  })

  it('keeps integers beyond the safe range exact, as decimal strings', () => {
    assert.equal(literal('9007199254740991').value, 9007199254740991)
    assert.equal(literal('9007199254740993').value, '9007199254740993')
    assert.equal(literal('-00012345678901234567890').value, '-12345678901234567890')
    assert.equal(literal('1e300').value, 1e300)
    assert.match(parseError('x = 1e999').message, /^Numeric literal '1e999' is out of range/)
  })

  it('reads strings between single quotes, without escapes', () => {
    assert.deepEqual(literal("'r'"), { kind: 'string', value: 'r' })
    assert.deepEqual(literal("''"), { kind: 'string', value: '' })
    assert.deepEqual(literal('\'a "b" AND c\''), { kind: 'string', value: 'a "b" AND c' })
    assert.equal(parseError("x = 'a''b'").column, 8)
  })

  it('reads ranges with optional stride, negative bounds and spaces', () => {
    assert.deepEqual(literal('1..10'), { kind: 'range', start: 1, stop: 10, stride: null })
    assert.deepEqual(literal('1..10:3'), { kind: 'range', start: 1, stop: 10, stride: 3 })
    assert.deepEqual(literal('-10..-1:2'), { kind: 'range', start: -10, stop: -1, stride: 2 })
    assert.deepEqual(literal('5 .. 7 : 1'), { kind: 'range', start: 5, stop: 7, stride: 1 })
    assert.deepEqual(literal('-0..0'), { kind: 'range', start: 0, stop: 0, stride: null })
    assert.match(parseError('x IN (1..5:0)').message, /^Bad range stride '0' in '1..5:0'/)
    assert.match(parseError('x IN (1..5:-2)').message, /^Bad range stride '-2'/)
    assert.match(parseError('x IN (1..5:01)').message, /^Bad range stride '01'/)
    assert.match(
      parseError('x IN (1..99999999999999999)').message,
      /^Range bound '99999999999999999' is too large/,
    )
  })

  it('reads binds and identifiers with up to two dots', () => {
    assert.deepEqual(literal(':name_1'), { kind: 'bind', name: 'name_1' })
    assert.deepEqual(literal('visit'), { kind: 'identifier', name: 'visit' })
    assert.deepEqual(literal('visit.day_obs'), { kind: 'identifier', name: 'visit.day_obs' })
    assert.deepEqual(literal('Visit.Timespan.BEGIN'), { kind: 'identifier', name: 'Visit.Timespan.BEGIN' })
    assert.deepEqual(literal('_x9'), { kind: 'identifier', name: '_x9' })
    assert.equal(parseError('x = a.b.c.d').column, 10)
    assert.equal(parseError('x = : a').column, 5)
  })

  it('guesses time formats, with each default scale', () => {
    // MJD (a decimal number) defaults to TAI.
    assert.equal(timeNs("T'58938.515'"), tai('2020-03-30 12:21:36'))
    assert.equal(timeNs("T'58938'"), tai('2020-03-30 00:00:00'))
    // ISO, ISOT, FITS and day-of-year default to UTC (TAI − UTC = 37 s in 2020).
    assert.equal(timeNs("T'2020-01-01'"), tai('2020-01-01 00:00:37'))
    assert.equal(timeNs("T'2020-11-06 21:10'"), tai('2020-11-06 21:10:37'))
    assert.equal(timeNs("T'2020-11-06 21:10:00'"), tai('2020-11-06 21:10:37'))
    assert.equal(timeNs("T'2020-11-06 21:10:00.25'"), tai('2020-11-06 21:10:37.25'))
    assert.equal(timeNs("T'2020-11-06T21:10:00'"), tai('2020-11-06 21:10:37'))
    assert.equal(timeNs("T'+2020-11-06T21:10:00'"), tai('2020-11-06 21:10:37'))
    assert.equal(timeNs("T'+2020-11-06'"), tai('2020-11-06 00:00:37'))
    assert.equal(timeNs("T'2020:032'"), tai('2020-02-01 00:00:37'))
    assert.equal(timeNs("T'2020:032:12:30'"), tai('2020-02-01 12:30:37'))
    assert.equal(timeNs("T'2020:032:12:30:15.5'"), tai('2020-02-01 12:30:52.5'))
  })

  it('reads explicit formats and scales, case-insensitively, with t or T', () => {
    const mjd = tai('2020-03-30 12:21:36')
    assert.equal(timeNs("T'mjd/58938.515/tai'"), mjd)
    assert.equal(timeNs("t'MJD/58938.515/TAI'"), mjd)
    assert.equal(timeNs("T'58938.515/tai'"), mjd)
    assert.equal(timeNs("T'mjd/58938.515'"), mjd)
    assert.equal(timeNs("T'jd/2458849.5'"), tai('2020-01-01 00:00:00'))
    assert.equal(timeNs("T'unix/1577836800'"), tai('2020-01-01 00:00:37'))
    assert.equal(timeNs("T'unix_tai/0'"), '0')
    // cxcsec counts from 1998-01-01 TT = 1997-12-31 23:59:27.816 TAI.
    assert.equal(timeNs("T'cxcsec/0'"), tai('1997-12-31 23:59:27.816'))
    assert.equal(timeNs("T'2020-01-01T00:00:00/tai'"), tai('2020-01-01 00:00:00'))
    assert.equal(timeNs("T'2020-01-01T00:00:32.184/tt'"), tai('2020-01-01 00:00:00'))
    assert.equal(timeNs("T'iso/2020-01-01 00:00:00/utc'"), tai('2020-01-01 00:00:37'))
    assert.equal(timeNs("T'isot/2020-01-01T00:00:00'"), tai('2020-01-01 00:00:37'))
    assert.equal(timeNs("T'fits/2020-01-01T00:00:00/UTC'"), tai('2020-01-01 00:00:37'))
    assert.equal(timeNs("T'yday/2020:001'"), tai('2020-01-01 00:00:37'))
    assert.equal(timeNs("T'2020-01-01T00:00:00+00:00'"), tai('2020-01-01 00:00:37'))
    assert.deepEqual(literal("T'2020-01-01'"), {
      kind: 'time',
      text: '2020-01-01',
      taiNs: tai('2020-01-01 00:00:37'),
    })
  })

  it('rejects bad time literals at the literal, saying why', () => {
    const cases: [string, RegExp][] = [
      ["T'garbage'", /cannot tell its format/],
      ["T'2020-01-01T00:00:00+01:00'", /time zone '\+01:00' is not supported/],
      ["T'2020-01-01 12'", /needs at least hours and minutes/],
      ["T'foo/58000'", /'foo' is not a time format/],
      ["T'58000/xyz'", /'58000' is not a time format and 'xyz' is not a time scale/],
      ["T'58000/tdb'", /time scale 'tdb' is not supported/],
      ["T'2020-02-30'", /no such date/],
      ["T''", /no value/],
    ]
    for (const [text, reason] of cases) {
      const error = parseError(`t > ${text}`)
      assert.match(error.message, /^Bad time literal: /, text)
      assert.match(error.message, reason, text)
      assert.equal(error.column, 5, text)
    }
  })
})
