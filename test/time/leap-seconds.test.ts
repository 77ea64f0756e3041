import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { mjdFromDate } from '../../src/time/calendar.js'
import { TAI_MINUS_UTC_TABLE, taiMinusUtcNs, utcDayLengthNs } from '../../src/time/index.js'

const S = 1_000_000_000n
const mjd = (y: number, m: number, d: number): number => mjdFromDate(y, m, d)

describe('TAI − UTC table', () => {
  it('is ordered, starts with the 1960s drift rows and ends at 37 s from 2017-01-01', () => {
    for (let i = 1; i < TAI_MINUS_UTC_TABLE.length; i++) {
      assert.ok(TAI_MINUS_UTC_TABLE[i]!.startMjd > TAI_MINUS_UTC_TABLE[i - 1]!.startMjd)
    }
    const whole = TAI_MINUS_UTC_TABLE.filter((row) => row.driftNsPerDay === 0n)
    assert.equal(whole.length, 28)
    assert.deepEqual(
      whole.map((row) => row.offsetNs / S),
      Array.from({ length: 28 }, (_, i) => BigInt(10 + i)),
    )
    assert.equal(whole[0]!.startMjd, 41_317)
    const last = TAI_MINUS_UTC_TABLE.at(-1)!
    assert.deepEqual([last.year, last.month, last.startMjd, last.offsetNs], [2017, 1, 57_754, 37n * S])
  })

  it('gives whole seconds from 1972 and nothing new after 2017', () => {
    assert.equal(taiMinusUtcNs(mjd(1972, 1, 1)), 10n * S)
    assert.equal(taiMinusUtcNs(mjd(1972, 6, 30), 86_399n * S), 10n * S)
    assert.equal(taiMinusUtcNs(mjd(1972, 7, 1)), 11n * S)
    assert.equal(taiMinusUtcNs(mjd(2016, 12, 31), 86_400n * S), 36n * S)
    assert.equal(taiMinusUtcNs(mjd(2017, 1, 1)), 37n * S)
    assert.equal(taiMinusUtcNs(mjd(2099, 12, 31)), 37n * S)
  })

  it('follows the drifting formula in the 1960s', () => {
    // 1970-01-01: 4.2131700 + (40587 − 39126) × 0.002592 = 8.000082 s (astropy's documented value).
    assert.equal(taiMinusUtcNs(40_587), 8_000_082_000n)
    // 1965-06-15 12:00: 3.6401300 + (38926.5 − 38761) × 0.001296 = 3.854618 s.
    assert.equal(taiMinusUtcNs(mjd(1965, 6, 15), 43_200n * S), 3_854_618_000n)
    // 1962-01-01: the rate changes to 0.0011232 s/day, counted from MJD 37665.
    assert.equal(taiMinusUtcNs(37_665), 1_845_858_000n)
    assert.equal(taiMinusUtcNs(37_666), 1_845_858_000n + 1_123_200n)
    assert.equal(taiMinusUtcNs(mjd(1959, 6, 1)), 0n)
  })

  it('knows the length of UTC days', () => {
    assert.equal(utcDayLengthNs(mjd(2016, 12, 31)), 86_401n * S)
    assert.equal(utcDayLengthNs(mjd(2016, 12, 30)), 86_400n * S)
    assert.equal(utcDayLengthNs(mjd(1972, 6, 30)), 86_401n * S)
    assert.equal(utcDayLengthNs(mjd(2020, 2, 29)), 86_400n * S)
    // 10 − (4.21317 + (41317 − 39126) × 0.002592) = 0.107758 s extra at the end of 1971.
    assert.equal(utcDayLengthNs(mjd(1971, 12, 31)), 86_400n * S + 107_758_000n)
    // 1961-08-01 stepped UTC back by 0.05 s, so 1961-07-31 was that much shorter.
    assert.equal(utcDayLengthNs(mjd(1961, 7, 31)), 86_400n * S - 50_000_000n)
    // A drifting day with no step has exactly 86 400 UTC seconds.
    assert.equal(utcDayLengthNs(mjd(1969, 5, 5)), 86_400n * S)
  })
})
