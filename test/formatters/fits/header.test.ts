import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { CorruptArtifactError, FormatterError } from '../../../src/errors.js'
import {
  type FitsCard,
  FitsHeader,
  type FitsValue,
  formatFitsFloat,
} from '../../../src/formatters/fits/header.js'

/** The 80-character card images of a header (without the END card and padding). */
function images(header: FitsHeader): string[] {
  const bytes = header.toBytes()
  assert.equal(bytes.length % 2880, 0)
  const text = Buffer.from(bytes).toString('latin1')
  const out: string[] = []
  for (let i = 0; i < text.length; i += 80) {
    const card = text.slice(i, i + 80)
    if (card.startsWith('END     ')) break
    out.push(card)
  }
  return out
}

/** Parses card images (padded to 80) followed by END. */
function parseImages(...cards: string[]): FitsHeader {
  const text = [...cards, 'END'].map((c) => c.padEnd(80)).join('')
  return FitsHeader.parse(Buffer.from(text.padEnd(Math.ceil(text.length / 2880) * 2880), 'latin1'))
}

function roundTrip(header: FitsHeader): FitsHeader {
  return FitsHeader.parse(header.toBytes())
}

describe('FitsHeader', () => {
  it('keeps card order, replaces in place, appends new keys and deletes', () => {
    const h = new FitsHeader()
    h.set('A', 1).set('b', 2, 'second').set('C', 3)
    h.set('B', 20)
    assert.deepEqual(
      h.cards().map((c) => [c.key, c.value, c.comment]),
      [
        ['A', 1, undefined],
        ['B', 20, 'second'],
        ['C', 3, undefined],
      ],
    )
    assert.equal(h.get('b'), 20)
    assert.equal(h.getComment('B'), 'second')
    assert.equal(h.has('c'), true)
    assert.equal(h.get('missing'), undefined)
    assert.equal(h.delete('a'), true)
    assert.equal(h.delete('a'), false)
    assert.deepEqual(h.keys(), ['B', 'C'])
  })

  it('writes fixed-format cards with values right-justified in columns 11-30', () => {
    const h = new FitsHeader()
    h.set('SIMPLE', true, 'conforms to FITS standard')
    h.set('BITPIX', -32)
    h.set('EXPTIME', 30, 'seconds', { float: true })
    h.set('OBJECT', 'M31', 'target')
    h.set('EMPTY', '')
    h.set('UNDEF', null, 'no value')
    assert.deepEqual(images(h), [
      'SIMPLE  =                    T / conforms to FITS standard'.padEnd(80),
      'BITPIX  =                  -32'.padEnd(80),
      'EXPTIME =                 30.0 / seconds'.padEnd(80),
      "OBJECT  = 'M31     '           / target".padEnd(80),
      "EMPTY   = ''".padEnd(80),
      'UNDEF   =                      / no value'.padEnd(80),
    ])
  })

  it('round-trips logical, integer, bigint and float values exactly', () => {
    const values: [string, FitsValue][] = [
      ['T', true],
      ['F', false],
      ['ZERO', 0],
      ['NEG', -42],
      ['MAXSAFE', Number.MAX_SAFE_INTEGER],
      ['BEYOND', 2n ** 53n + 1n],
      ['MININT64', -(2n ** 63n)],
      ['MAXU64', 2n ** 64n - 1n],
      ['FRAC', 0.1 + 0.2],
      ['TINY', 5e-324],
      ['HUGE', 1.7976931348623157e308],
      ['NEGZERO', -0],
      ['EXP', -1.234567890123456e-300],
      ['BIGFLT', 2 ** 60],
      ['NULL', null],
    ]
    const h = new FitsHeader()
    for (const [k, v] of values) h.set(k, v)
    const back = roundTrip(h)
    for (const [k, v] of values) assert.equal(back.get(k), v, k)
    // Numbers that are not safe integers come back as numbers (written as floats), not bigints.
    assert.equal(typeof back.get('BIGFLT'), 'number')
    assert.equal(typeof back.get('BEYOND'), 'bigint')
  })

  it('writes floats with a decimal point or exponent so other readers see floats', () => {
    assert.equal(formatFitsFloat(30), '30.0')
    assert.equal(formatFitsFloat(1e21), '1.0E+21')
    assert.equal(formatFitsFloat(1.5e-7), '1.5E-7')
    assert.equal(formatFitsFloat(-0), '-0.0')
    assert.equal(formatFitsFloat(123.456), '123.456')
    for (const v of [1e300, 2 ** 60, 1 / 3, -7.25e-10]) {
      assert.match(formatFitsFloat(v), /[.E]/)
      assert.equal(Number(formatFitsFloat(v)), v)
    }
    const back = roundTrip(new FitsHeader().set('X', 2, undefined, { float: true }))
    assert.deepEqual(back.cards(), [{ key: 'X', value: 2, float: true }])
    // The float flag survives a replacement with another number.
    back.set('X', 3)
    assert.match(images(back)[0]!, /^X {7}= {18}3\.0/)
  })

  it('rejects values FITS cannot hold', () => {
    const h = new FitsHeader()
    assert.throws(() => h.set('X', Number.NaN), FormatterError)
    assert.throws(() => h.set('X', Number.POSITIVE_INFINITY), FormatterError)
    assert.throws(() => h.set('X', 'caf\u00e9'), FormatterError)
    assert.throws(() => h.set('X', 'line\nbreak'), FormatterError)
    assert.throws(() => h.set('X', 1, 'tab\there'), FormatterError)
    assert.throws(() => h.set('A=B', 1), FormatterError)
    assert.throws(() => h.set('END', 1), FormatterError)
    assert.throws(() => h.set('COMMENT', 'x'), FormatterError)
    assert.throws(() => h.set('X', {} as unknown as FitsValue), FormatterError)
    assert.throws(() => h.set('HIERARCH ' + 'K'.repeat(80), 1), FormatterError)
    assert.equal(h.length, 0)
  })

  it('doubles quotes in strings and keeps leading spaces', () => {
    const values = ["it's", "''", "'", '  indented', 'a/b = c', "O'Brien's 'quoted' text"]
    const h = new FitsHeader()
    for (const [i, v] of values.entries()) h.set(`S${i}`, v, 'with / slash')
    assert.equal(images(h)[0], "S0      = 'it''s   '           / with / slash".padEnd(80))
    const back = roundTrip(h)
    values.forEach((v, i) => {
      assert.equal(back.get(`S${i}`), v)
      assert.equal(back.getComment(`S${i}`), 'with / slash')
    })
  })

  it('writes long strings with CONTINUE cards and LONGSTRN, and reads them back', () => {
    const long = 'The quick brown fox said "it\'s" ' + 'x'.repeat(170) + " end'quote'"
    assert.ok(long.length >= 200)
    const h = new FitsHeader()
    h.set('LONG', long, 'a long value')
    h.set('QUOTES', "'".repeat(150))
    h.set('LONGCOM', 'y'.repeat(100), 'c'.repeat(60))
    h.set('AFTER', 1)
    const lines = images(h)
    assert.equal(
      lines[0],
      "LONGSTRN= 'OGIP 1.0'           / The OGIP long string convention may be used".padEnd(80),
    )
    assert.match(lines[1]!, /^LONG {4}= '.*&'$/)
    assert.match(lines[2]!, /^CONTINUE {2}'/)
    for (const line of lines) assert.equal(line.length, 80)
    const back = roundTrip(h)
    assert.equal(back.get('LONG'), long)
    assert.equal(back.getComment('LONG'), 'a long value')
    assert.equal(back.get('QUOTES'), "'".repeat(150))
    assert.equal(back.get('LONGCOM'), 'y'.repeat(100))
    assert.equal(back.getComment('LONGCOM'), 'c'.repeat(60))
    assert.equal(back.get('AFTER'), 1)
    assert.equal(back.get('LONGSTRN'), 'OGIP 1.0')
    // A header that already has LONGSTRN does not get a second one.
    assert.equal(images(back).filter((l) => l.startsWith('LONGSTRN')).length, 1)
  })

  it('uses HIERARCH for long keys and keys with spaces or dots, case-insensitively', () => {
    const h = new FitsHeader()
    h.set('LSST BUTLER ID', 'a1b2', 'dataset id')
    h.set('hierarch ESO DET CHIP NAME', 'CCD 1')
    h.set('Mixed.Case.Key', 1.5)
    h.set('LONGKEYNAME', 7)
    h.set('LSST BUTLER DATAID LONGVALUE', 'v'.repeat(120), 'long value under a long key')
    h.set('exptime', 15)
    const lines = images(h)
    assert.equal(lines[0], "HIERARCH LSST BUTLER ID = 'a1b2    ' / dataset id".padEnd(80))
    assert.equal(lines[1], "HIERARCH ESO DET CHIP NAME = 'CCD 1   '".padEnd(80))
    assert.equal(lines[2], 'HIERARCH Mixed.Case.Key = 1.5'.padEnd(80))
    assert.equal(lines[3], 'HIERARCH LONGKEYNAME = 7'.padEnd(80))
    assert.ok(lines.some((l) => l.startsWith('EXPTIME =')))
    const back = roundTrip(h)
    assert.equal(back.get('lsst butler id'), 'a1b2')
    assert.equal(back.get('HIERARCH LSST BUTLER ID'), 'a1b2')
    assert.equal(back.get('ESO DET CHIP NAME'), 'CCD 1')
    assert.equal(back.get('mixed.case.key'), 1.5)
    assert.equal(back.get('LONGKEYNAME'), 7)
    assert.equal(back.get('LSST BUTLER DATAID LONGVALUE'), 'v'.repeat(120))
    assert.equal(back.getComment('LSST BUTLER DATAID LONGVALUE'), 'long value under a long key')
    assert.equal(back.get('EXPTIME'), 15)
    assert.deepEqual(back.keys().slice(0, 3), ['LSST BUTLER ID', 'ESO DET CHIP NAME', 'Mixed.Case.Key'])
  })

  it('keeps COMMENT, HISTORY and blank cards, splitting long text', () => {
    const h = new FitsHeader()
    h.addComment('first comment')
    h.addHistory('h'.repeat(100))
    h.add({ key: '', comment: '   indented blank-key text' })
    h.set('X', 1)
    h.addComment('second comment')
    const back = roundTrip(h)
    assert.deepEqual(back.commentary('COMMENT'), ['first comment', 'second comment'])
    assert.deepEqual(back.commentary('HISTORY'), ['h'.repeat(72), 'h'.repeat(28)])
    assert.deepEqual(back.commentary(''), ['   indented blank-key text'])
    assert.equal(back.get('COMMENT'), undefined)
    assert.equal(back.delete('COMMENT'), true)
    assert.deepEqual(back.commentary('COMMENT'), [])
  })

  it('reads leniently: free format, D exponents, HIERARCH without spaces, lowercase keywords', () => {
    const h = parseImages(
      "HIERARCH ESO OBS NAME='field 1'",
      'HIERARCH ESO TEL ALT=45.5/ altitude',
      'HIERARCH  ESO   DET  ID =   3',
      'FREE    =   12   / free-format integer',
      'DEXP    = 1.5D3',
      'lower   = T',
      'CPLX    = (1.0, -2.5)',
      'NOEQUAL  just text without a value indicator',
      "STR     =    '  padded   '",
      "AMP     = 'ends with &'",
      'DANGLING= 3',
    )
    assert.equal(h.get('ESO OBS NAME'), 'field 1')
    assert.equal(h.get('ESO TEL ALT'), 45.5)
    assert.equal(h.getComment('ESO TEL ALT'), 'altitude')
    assert.equal(h.get('ESO DET ID'), 3)
    assert.equal(h.get('FREE'), 12)
    assert.equal(h.get('DEXP'), 1500)
    assert.equal(h.get('LOWER'), true)
    assert.equal(h.get('CPLX'), '(1.0, -2.5)')
    assert.deepEqual(h.commentary('NOEQUAL'), [' just text without a value indicator'])
    assert.equal(h.get('STR'), '  padded')
    assert.equal(h.get('AMP'), 'ends with &')
  })

  it('throws CorruptArtifactError for garbage', () => {
    const bad = [
      ["X       = 'unterminated"],
      ['X       = 12abc'],
      ['X       = 1.5 junk'],
      ['BAD KEY = 1'],
      ['B@D     = 1'],
      ['X       = 1E999'],
      ['X       = (1, 2'],
    ]
    for (const cards of bad) {
      assert.throws(() => parseImages(...cards), CorruptArtifactError, cards[0])
    }
    assert.throws(() => FitsHeader.parse(new Uint8Array(2880).fill(0x20)), /no END card/)
    assert.throws(() => FitsHeader.parse(new Uint8Array(0)), CorruptArtifactError)
    assert.throws(
      () => FitsHeader.parse(Buffer.from("X       = 'a".padEnd(80) + 'END'.padEnd(80)), 'f.fits HDU 3'),
      /^CorruptArtifactError: f\.fits HDU 3: card 1 is malformed/,
    )
  })

  it('clone and the constructor copy cards', () => {
    const h = new FitsHeader([
      { key: 'A', value: 1, comment: 'c' },
      { key: 'COMMENT', comment: 'x' },
    ])
    const c = h.clone()
    c.set('A', 2)
    assert.equal(h.get('A'), 1)
    assert.equal(c.get('A'), 2)
    assert.deepEqual(c.commentary('COMMENT'), ['x'])
  })

  it('round-trips random headers (property)', () => {
    const unit = fc.constantFrom(...' abcXYZ09\'"&/=.-_!~'.split(''))
    // Short strings, and strings long enough to need CONTINUE cards.
    const printable = fc
      .oneof(fc.string({ unit, maxLength: 20 }), fc.string({ unit, minLength: 60, maxLength: 250 }))
      .map((s) => s.trimEnd())
    const value: fc.Arbitrary<FitsValue> = fc.oneof(
      fc.boolean(),
      fc.integer(),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      printable,
      fc.constant(null),
    )
    const key = fc.oneof(
      fc.stringMatching(/^[A-Z][A-Z0-9_-]{0,7}$/),
      fc
        .array(fc.stringMatching(/^[A-Za-z][A-Za-z0-9.]{0,6}$/), { minLength: 2, maxLength: 4 })
        .map((w) => w.join(' ')),
    )
    const comment = fc.option(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ,.]{0,30}[A-Za-z0-9]$/), {
      nil: undefined,
    })
    const entries = fc.uniqueArray(fc.tuple(key, value, comment), {
      selector: ([k]) => k.toUpperCase(),
      maxLength: 30,
    })
    fc.assert(
      fc.property(entries, (list) => {
        const h = new FitsHeader()
        for (const [k, v, c] of list) h.set(k, v, c)
        const back = roundTrip(h)
        for (const [k, v, c] of list) {
          const got = back.get(k)
          if (typeof v === 'bigint' && v >= -(2n ** 53n) + 1n && v <= 2n ** 53n - 1n) {
            assert.equal(got, Number(v))
          } else assert.equal(got, v, k)
          // Comments may be shortened to fit the card, never changed otherwise.
          const gotComment = back.getComment(k)
          if (c === undefined) assert.equal(gotComment, undefined)
          else assert.ok(c.startsWith(gotComment ?? ''), `${k}: ${gotComment} vs ${c}`)
        }
        const cards: FitsCard[] = back.cards()
        assert.equal(cards.filter((x) => x.key !== 'LONGSTRN').length, list.length)
      }),
      { numRuns: 300 },
    )
  })
})
