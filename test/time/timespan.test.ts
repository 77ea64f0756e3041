import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { TimeParseError } from '../../src/errors.js'
import { parseTime, TAI_MAX_NS, TAI_MIN_NS, Timespan, taiCalendarToNs } from '../../src/time/index.js'
import { fixture, fixturesSkip } from '../fixtures.js'

const S = 1_000_000_000n
const ts = (begin: bigint | null, end: bigint | null): Timespan => new Timespan(begin, end)
const EMPTY = Timespan.makeEmpty()

describe('Timespan', () => {
  it('normalizes bounds', () => {
    const all = ts(null, null)
    assert.deepEqual([all.begin, all.end], [TAI_MIN_NS, TAI_MAX_NS])
    assert.ok(all.isUnboundedBegin && all.isUnboundedEnd && !all.isEmpty)
    const clamped = ts(-5n, TAI_MAX_NS + 5n)
    assert.ok(clamped.equals(all))
    const instant = ts(10n, 10n)
    assert.deepEqual([instant.begin, instant.end], [10n, 11n])
    assert.ok(Timespan.fromInstant(10n).equals(instant))
    assert.ok(new Timespan(10n, 10n, { padInstantaneous: false }).isEmpty)
    for (const empty of [
      ts(11n, 10n),
      ts(-5n, -1n),
      ts(TAI_MAX_NS, TAI_MAX_NS),
      ts(-1n, -1n),
      ts(null, 0n),
    ]) {
      assert.ok(empty.isEmpty)
      assert.deepEqual([empty.begin, empty.end], [TAI_MAX_NS, TAI_MIN_NS])
      assert.ok(!empty.isUnboundedBegin && !empty.isUnboundedEnd)
    }
    assert.ok(ts(0n, 0n).equals(ts(0n, 1n)))
  })

  it('tests overlap and containment', () => {
    const a = ts(10n, 20n)
    assert.ok(a.overlaps(ts(19n, 30n)))
    assert.ok(!a.overlaps(ts(20n, 30n)))
    assert.ok(!a.overlaps(ts(0n, 10n)))
    assert.ok(a.overlaps(10n) && !a.overlaps(20n) && a.contains(19n) && !a.contains(9n))
    assert.ok(a.contains(ts(10n, 20n)) && a.contains(ts(12n, 13n)) && !a.contains(ts(12n, 21n)))
    assert.ok(a.contains(EMPTY) && !a.overlaps(EMPTY) && !EMPTY.overlaps(a) && !EMPTY.overlaps(EMPTY))
    assert.ok(EMPTY.contains(EMPTY) && !EMPTY.contains(a) && !EMPTY.contains(0n))
    assert.ok(EMPTY.equals(Timespan.makeEmpty()) && !EMPTY.equals(a))
  })

  it('intersects and subtracts', () => {
    const a = ts(10n, 20n)
    assert.ok(a.intersection(ts(15n, 30n)).equals(ts(15n, 20n)))
    assert.ok(a.intersection(ts(15n, 30n), ts(0n, 17n)).equals(ts(15n, 17n)))
    assert.ok(a.intersection(ts(20n, 30n)).isEmpty)
    assert.ok(a.intersection(EMPTY).isEmpty)
    assert.ok(a.intersection().equals(a))
    assert.deepEqual(a.difference(ts(12n, 15n)).map(String), [ts(10n, 12n), ts(15n, 20n)].map(String))
    assert.deepEqual(
      a.difference(ts(0n, 15n)).map((t) => t.toSimple()),
      [['15', '20']],
    )
    assert.deepEqual(
      a.difference(ts(15n, null)).map((t) => t.toSimple()),
      [['10', '15']],
    )
    assert.deepEqual(a.difference(ts(0n, 30n)), [])
    assert.deepEqual(
      a.difference(ts(30n, 40n)).map((t) => t.toSimple()),
      [['10', '20']],
    )
    assert.deepEqual(
      a.difference(EMPTY).map((t) => t.toSimple()),
      [['10', '20']],
    )
    assert.deepEqual(EMPTY.difference(a), [])
  })

  it('orders strictly', () => {
    const a = ts(10n, 20n)
    assert.ok(a.isBefore(ts(20n, 30n)) && !a.isBefore(ts(19n, 30n)))
    assert.ok(a.isAfter(ts(0n, 10n)) && !a.isAfter(ts(0n, 11n)))
    assert.ok(a.isBefore(20n) && !a.isBefore(19n))
    assert.ok(a.isAfter(9n) && !a.isAfter(10n))
    assert.ok(!EMPTY.isBefore(a) && !EMPTY.isAfter(a) && !a.isBefore(EMPTY) && !a.isAfter(EMPTY))
  })

  it('builds from day_obs and strings', () => {
    const day = Timespan.fromDayObs(20240101)
    assert.equal(day.begin, taiCalendarToNs({ year: 2024, month: 1, day: 1 }))
    assert.equal(day.end - day.begin, 86_400n * S)
    const shifted = Timespan.fromDayObs(20240229, 43_200)
    assert.equal(shifted.begin, taiCalendarToNs({ year: 2024, month: 2, day: 29, hour: 12 }))
    assert.equal(Timespan.fromDayObs(20240101, -0.5).begin, day.begin - S / 2n)
    for (const bad of [20230229, 2024011, 20241301, 20240100, 20240101.5]) {
      assert.throws(() => Timespan.fromDayObs(bad), TimeParseError, String(bad))
    }
    const parsed = Timespan.parse('2020-01-01T00:00:00/tai', '2020-01-02T00:00:00/tai')
    assert.equal(parsed.toString(), '[2020-01-01T00:00:00, 2020-01-02T00:00:00) TAI')
    assert.ok(Timespan.parse(null, '58938.5').equals(ts(null, parseTime('58938.5'))))
    assert.ok(Timespan.parse('2020-01-01', null).isUnboundedEnd)
    assert.equal(Timespan.parse('2020-01-01', null, { scale: 'tai' }).begin, parseTime('2020-01-01/tai'))
    assert.throws(() => Timespan.parse('nope', null), TimeParseError)
  })

  it('prints and serializes', () => {
    assert.equal(ts(null, null).toString(), '(-∞, +∞) TAI')
    assert.equal(EMPTY.toString(), '(empty)')
    assert.equal(ts(S / 2n, null).toString(), '[1970-01-01T00:00:00.5, +∞) TAI')
    assert.deepEqual(EMPTY.toSimple(), [TAI_MAX_NS.toString(), '0'])
    assert.ok(Timespan.fromSimple(EMPTY.toSimple()).isEmpty)
    assert.ok(Timespan.fromSimple(['10', '11']).equals(ts(10n, 11n)))
    assert.ok(Timespan.fromSimple(['10', '10']).isEmpty)
    assert.equal(JSON.stringify({ t: ts(10n, 20n) }), '{"t":["10","20"]}')
    for (const bad of [['1'], ['1', '2', '3'], ['a', '2'], ['1.5', '2'], ['', '2']]) {
      assert.throws(() => Timespan.fromSimple(bad), TimeParseError, JSON.stringify(bad))
    }
  })

  it('matches the day_obs records of the reference export', { skip: fixturesSkip() }, () => {
    // LSSTCam day_obs 20251202 runs noon to noon TAI.
    const text = readFileSync(fixture('registry_data', 'lsstcam-subset.yaml'), 'utf8')
    const match =
      /id: 20251202\n\s+datetime_begin: !butler_time\/tai\/iso '([^']+)'\n\s+datetime_end: !butler_time\/tai\/iso '([^']+)'/.exec(
        text,
      )
    assert.ok(match)
    const expected = Timespan.parse(`${match[1]}/tai`, `${match[2]}/tai`)
    assert.ok(Timespan.fromDayObs(20251202, 12 * 3600).equals(expected))
  })
})

describe('Timespan algebra (property)', () => {
  const bound = fc.oneof(
    fc.constant(null),
    fc.bigInt({ min: -3n, max: 40n }),
    fc.bigInt({ min: TAI_MAX_NS - 3n, max: TAI_MAX_NS + 3n }),
  )
  const timespan = fc
    .tuple(bound, bound, fc.boolean())
    .map(([begin, end, padInstantaneous]) => new Timespan(begin, end, { padInstantaneous }))
  /** Instants where membership can change: every bound and its neighbours. */
  const probes = (...spans: Timespan[]): bigint[] =>
    spans.flatMap((t) => [t.begin - 1n, t.begin, t.begin + 1n, t.end - 1n, t.end, t.end + 1n])

  it('keeps the canonical form', () => {
    fc.assert(
      fc.property(timespan, (a) => {
        if (a.isEmpty) assert.deepEqual([a.begin, a.end], [TAI_MAX_NS, TAI_MIN_NS])
        else assert.ok(TAI_MIN_NS <= a.begin && a.begin < a.end && a.end <= TAI_MAX_NS)
        assert.ok(Timespan.fromSimple(a.toSimple()).equals(a))
      }),
    )
  })

  it('makes intersections subsets of both', () => {
    fc.assert(
      fc.property(timespan, timespan, (a, b) => {
        const both = a.intersection(b)
        assert.ok(a.contains(both) && b.contains(both))
        assert.ok(both.equals(b.intersection(a)))
        assert.equal(a.overlaps(b), !both.isEmpty)
        for (const t of probes(a, b)) assert.equal(both.contains(t), a.contains(t) && b.contains(t))
      }),
    )
  })

  it('rebuilds the original from difference and intersection', () => {
    fc.assert(
      fc.property(timespan, timespan, (a, b) => {
        const pieces = a.difference(b)
        const both = a.intersection(b)
        assert.ok(pieces.length <= 2)
        for (const piece of pieces) {
          assert.ok(!piece.isEmpty && a.contains(piece) && !piece.overlaps(b) && !piece.overlaps(both))
        }
        if (pieces.length === 2) assert.ok(pieces[0]!.isBefore(pieces[1]!))
        for (const t of probes(a, b)) {
          const covered = both.contains(t) || pieces.some((piece) => piece.contains(t))
          assert.equal(covered, a.contains(t), `instant ${t}`)
        }
        const length = (x: Timespan): bigint => (x.isEmpty ? 0n : x.end - x.begin)
        assert.equal(
          pieces.reduce((sum, piece) => sum + length(piece), length(both)),
          length(a),
        )
      }),
    )
  })

  it('has symmetric overlaps and consistent ordering', () => {
    fc.assert(
      fc.property(timespan, timespan, (a, b) => {
        assert.equal(a.overlaps(b), b.overlaps(a))
        assert.equal(a.isBefore(b), b.isAfter(a))
        if (a.isBefore(b) || a.isAfter(b)) assert.ok(!a.overlaps(b))
        if (!a.isEmpty && !b.isEmpty && !a.overlaps(b)) assert.ok(a.isBefore(b) || a.isAfter(b))
        if (a.contains(b) && !b.isEmpty) assert.ok(a.overlaps(b))
        assert.equal(a.equals(b), a.contains(b) && b.contains(a))
      }),
    )
  })

  it('follows the empty rules', () => {
    fc.assert(
      fc.property(timespan, fc.bigInt({ min: -3n, max: 50n }), (a, t) => {
        assert.ok(a.contains(EMPTY) && !a.overlaps(EMPTY) && !EMPTY.overlaps(a))
        assert.equal(EMPTY.contains(a), a.isEmpty)
        assert.ok(a.intersection(EMPTY).isEmpty)
        assert.deepEqual(EMPTY.difference(a), [])
        assert.equal(a.overlaps(t), a.contains(t))
        if (a.isEmpty) assert.ok(a.equals(EMPTY) && !a.contains(t))
      }),
    )
  })
})
