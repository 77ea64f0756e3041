import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseExpression } from '../../src/expression/index.js'
import { assertSpansNest, parseError, shape } from './helpers.js'

describe('parseExpression: grammar', () => {
  it('gives null for empty or blank input', () => {
    assert.equal(parseExpression(''), null)
    assert.equal(parseExpression('  \t\n  \r\n'), null)
  })

  it('parses the reference examples', () => {
    const cases: [string, string][] = [
      ['visit > 100 AND visit < 200', '(AND (> visit 100) (< visit 200))'],
      [
        "visit IN (100..200) AND visit NOT IN (159, 191) AND band = 'i'",
        "(AND (AND (IN visit {100..200}) (NOT-IN visit {159 191})) (= band 'i'))",
      ],
      [
        '(visit = 100 OR visit = 101) AND exposure % 2 = 1',
        '(AND (OR (= visit 100) (= visit 101)) (= (% exposure 2) 1))',
      ],
      ["exposure.timespan.begin > T'58938.515'", "(> exposure.timespan.begin T'58938.515')"],
      ["ingest_date < T'2020-11-06 21:10:00'", "(< ingest_date T'2020-11-06 21:10:00')"],
      [
        "flat.dataset_id = UUID('e15ab039-bc8b-4135-87c5-90902a7c0b22')",
        "(= flat.dataset_id UUID('e15ab039-bc8b-4135-87c5-90902a7c0b22'))",
      ],
      [
        'instrument = :instrument_name AND visit IN (:visit_ids)',
        '(AND (= instrument :instrument_name) (IN visit {:visit_ids}))',
      ],
      ['visit.region OVERLAPS POINT(53.6, -32.7)', '(OVERLAPS visit.region POINT(53.6 -32.7))'],
    ]
    for (const [text, expected] of cases) assert.equal(shape(text), expected, text)
  })

  it('makes OR and AND left-associative, AND binding tighter', () => {
    assert.equal(shape('a OR b OR c'), '(OR (OR a b) c)')
    assert.equal(shape('a AND b AND c'), '(AND (AND a b) c)')
    assert.equal(shape('a OR b AND c'), '(OR a (AND b c))')
    assert.equal(shape('a AND b OR c AND d'), '(OR (AND a b) (AND c d))')
    assert.equal(shape('a AND (b OR c)'), '(AND a (OR b c))')
  })

  it('applies NOT to a whole comparison, binding tighter than AND/OR', () => {
    assert.equal(shape('NOT a = 1'), '(NOT (= a 1))')
    assert.equal(shape('NOT a AND b'), '(AND (NOT a) b)')
    assert.equal(shape('a OR NOT b'), '(OR a (NOT b))')
    assert.equal(shape('NOT NOT a < b + 1'), '(NOT (NOT (< a (+ b 1))))')
    assert.equal(shape('NOT x IN (1)'), '(NOT (IN x {1}))')
    assert.equal(parseError('a = NOT b').column, 5)
  })

  it('parses every comparison operator, looser than arithmetic', () => {
    for (const op of ['=', '!=', '<', '<=', '>', '>=', 'OVERLAPS']) {
      assert.equal(shape(`a + 1 ${op} b * 2`), `(${op} (+ a 1) (* b 2))`)
    }
    assert.equal(shape('a<=b'), '(<= a b)')
    assert.equal(shape('a!=b'), '(!= a b)')
  })

  it('keeps comparisons non-associative within a level, ordered across levels', () => {
    for (const text of ['a = b = c', 'a != b = c', 'a < b > c', 'a <= b >= c', 'a OVERLAPS b OVERLAPS c']) {
      assert.match(parseError(text).message, /^Syntax error at or near /, text)
    }
    assert.equal(parseError('a = b = c').column, 7)
    assert.equal(shape('a < b = c'), '(= (< a b) c)')
    assert.equal(shape('a = b < c'), '(= a (< b c))')
    assert.equal(shape('a = b OVERLAPS c'), '(OVERLAPS (= a b) c)')
    assert.equal(shape('(a = b) = c'), '(= (= a b) c)')
  })

  it('gives arithmetic the usual precedence, left-associative', () => {
    assert.equal(shape('a + b * c'), '(+ a (* b c))')
    assert.equal(shape('a * b + c'), '(+ (* a b) c)')
    assert.equal(shape('a - b - c'), '(- (- a b) c)')
    assert.equal(shape('a / b % c * d'), '(* (% (/ a b) c) d)')
    assert.equal(shape('(a + b) * c'), '(* (+ a b) c)')
    assert.equal(shape('a-1'), '(- a 1)')
  })

  it('binds unary signs tightest and folds a sign written before a number into the literal', () => {
    assert.equal(shape('-a * b'), '(* (- a) b)')
    assert.equal(shape('- -a'), '(- (- a))')
    assert.equal(shape('+:x'), '(+ :x)')
    assert.equal(shape('-(a + b)'), '(- (+ a b))')
    assert.equal(shape('-5 * 2'), '(* -5 2)')
    assert.equal(shape('a - -5'), '(- a -5)')
    assert.equal(shape('- 5'), '-5')
    assert.equal(shape('--5'), '(- -5)')
    assert.equal(shape('-POINT(1, 2)'), '(- POINT(1 2))')
  })

  it('parses IN and NOT IN lists of literals, ranges, simple names, binds and calls', () => {
    assert.equal(
      shape("x IN (1, -2, +3, 'a', T'58000', 1..5, 2..10:2, y, :b, f(1))"),
      "(IN x {1 -2 +3 'a' T'58000' 1..5 2..10:2 y :b F(1)})",
    )
    assert.equal(shape('x NOT IN (NULL)'), '(NOT-IN x {NULL})')
    assert.equal(shape('a + 1 IN (2) = b'), '(= (IN (+ a 1) {2}) b)')
    assert.equal(shape('x in (1) and y not in (2)'), '(AND (IN x {1}) (NOT-IN y {2}))')
  })

  it('rejects general expressions, qualified names and empty lists inside IN', () => {
    assert.equal(parseError('x IN (a + 1)').column, 9)
    assert.equal(parseError('x IN (a.b)').column, 7)
    assert.equal(parseError('x IN ()').column, 7)
    assert.equal(parseError('x IN ((1))').column, 7)
    assert.equal(parseError('x IN 1').column, 6)
    assert.equal(parseError('x NOT y').column, 3)
  })

  it('parses 2-tuples and OVERLAPS between them', () => {
    assert.equal(
      shape("visit.timespan OVERLAPS (T'2020-01-01', T'2020-01-02')"),
      "(OVERLAPS visit.timespan [T'2020-01-01' T'2020-01-02'])",
    )
    assert.equal(shape('(a, b + 1)'), '[a (+ b 1)]')
    assert.equal(shape('((a), (b OR c))'), '[a (OR b c)]')
    assert.equal(parseError('(a, b, c)').column, 6)
    assert.equal(parseError('(a,)').column, 4)
  })

  it('parses function calls with upper-cased names and any arguments', () => {
    assert.equal(shape('point(1, 2)'), 'POINT(1 2)')
    assert.equal(shape('CIRCLE(ra, -dec, :r * 2)'), 'CIRCLE(ra (- dec) (* :r 2))')
    assert.equal(shape('Box(1, 2, 3, 4)'), 'BOX(1 2 3 4)')
    assert.equal(shape('polygon(0, 0, 1, 0, 1, 1)'), 'POLYGON(0 0 1 0 1 1)')
    assert.equal(shape("region('CIRCLE 1 2 3')"), "REGION('CIRCLE 1 2 3')")
    assert.equal(shape('REGION(:pos)'), 'REGION(:pos)')
    assert.equal(shape("glob(name, 'a*?')"), "GLOB(name 'a*?')")
    assert.equal(shape('GLOB(visit.name, :pattern)'), 'GLOB(visit.name :pattern)')
    assert.equal(
      shape("uuid('{E15AB039BC8B413587C590902A7C0B22}')"),
      "UUID('{E15AB039BC8B413587C590902A7C0B22}')",
    )
    assert.equal(shape('my_func()'), 'MY_FUNC()')
    assert.equal(shape('f(a = 1, NOT b, (c, d))'), 'F((= a 1) (NOT b) [c d])')
  })

  it('checks the arity and argument kinds of the known functions', () => {
    const cases: [string, RegExp, number][] = [
      ['POINT(1)', /^POINT\(\) takes 2 arguments \(ra, dec\), got 1/, 1],
      ['x = circle(1, 2)', /^CIRCLE\(\) takes 3 arguments/, 5],
      ["CIRCLE(1, 2, 'r')", /^CIRCLE\(\) arguments must be numeric/, 14],
      ['BOX(1, 2, 3)', /^BOX\(\) takes 4 arguments/, 1],
      ['POLYGON(1, 2, 3, 4)', /^POLYGON\(\) takes an even number of arguments, at least 6/, 1],
      ['POLYGON(1, 2, 3, 4, 5, 6, 7)', /^POLYGON\(\) takes an even number/, 1],
      ['POLYGON(1, 2, 3, 4, 5, (6, 7))', /^POLYGON\(\) arguments must be numeric/, 24],
      ['REGION(1)', /^REGION\(\) takes a string or a bind name/, 8],
      ["GLOB('a*', name)", /^GLOB\(\) takes an identifier as its first argument/, 6],
      ['GLOB(name, other)', /^GLOB\(\) takes a string or a bind name as its pattern/, 12],
      ['GLOB(name)', /^GLOB\(\) takes 2 arguments/, 1],
      ['UUID(:id)', /^UUID\(\) takes a string literal/, 6],
      ["UUID('not-a-uuid')", /^'not-a-uuid' is not a valid UUID/, 6],
      ['UUID()', /^UUID\(\) takes 1 argument \(a UUID string\), got 0/, 1],
    ]
    for (const [text, message, column] of cases) {
      const error = parseError(text)
      assert.match(error.message, message, text)
      assert.equal(error.column, column, text)
    }
  })

  it('treats reserved words case-insensitively and NULL, IS, LIKE, BETWEEN as names', () => {
    assert.equal(shape('a oR b AnD NoT c'), '(OR a (AND b (NOT c)))')
    assert.equal(shape('a overlaps b'), '(OVERLAPS a b)')
    assert.equal(shape('x = null'), '(= x null)')
    assert.equal(shape('is = like'), '(= is like)')
    assert.equal(shape('between.x = 1'), '(= between.x 1)')
    assert.equal(shape('in.x = 1'), '(= in.x 1)')
    assert.equal(parseError('and = 1').column, 1)
  })

  it('records spans in source offsets', () => {
    const text = "  visit IN (1..3) AND\n (band = 'r' OR f(:x))"
    const tree = parseExpression(text)
    assert.ok(tree && tree.kind === 'binary')
    assert.deepEqual(tree.span, { start: 2, end: text.length })
    assert.equal(text.slice(tree.lhs.span.start, tree.lhs.span.end), 'visit IN (1..3)')
    assert.equal(text.slice(tree.rhs.span.start, tree.rhs.span.end), "(band = 'r' OR f(:x))")
    const group = parseExpression('( ( a ) )')
    assert.deepEqual(group, { kind: 'identifier', name: 'a', span: { start: 0, end: 9 } })
    assertSpansNest(tree, text)
    const signed = parseExpression('a = - 5')
    assert.ok(signed?.kind === 'binary')
    assert.deepEqual(signed.rhs.span, { start: 4, end: 7 })
    const tuple = parseExpression(' (a, b) ')
    assert.deepEqual(tuple?.span, { start: 1, end: 7 })
  })

  it('gives plain JSON-serialisable trees', () => {
    const tree = parseExpression("x IN (1..3:2) AND t > T'2020-01-01' AND n = 99999999999999999999")
    assert.deepEqual(JSON.parse(JSON.stringify(tree)), tree)
  })
})
