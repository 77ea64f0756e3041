import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InputError } from '../../src/errors.js'
import { type ExpressionNode, formatExpression, parseExpression } from '../../src/expression/index.js'
import { stripSpans } from './helpers.js'

const span = { start: 0, end: 0 }
const id = (name: string): ExpressionNode => ({ kind: 'identifier', name, span })
const num = (text: string): ExpressionNode => ({
  kind: 'numeric',
  text,
  isInteger: true,
  value: Number(text),
  span,
})

/** Formats the parse of `text`. */
function canonical(text: string): string {
  const tree = parseExpression(text)
  assert.ok(tree, text)
  return formatExpression(tree)
}

describe('formatExpression', () => {
  it('prints canonical text: upper-case keywords and calls, single spaces, T quotes', () => {
    const cases: [string, string][] = [
      ["visit=1 and band='r'", "visit = 1 AND band = 'r'"],
      ['x  not  in (1,2 ,  3..9:2)', 'x NOT IN (1, 2, 3..9:2)'],
      ["t'2020-01-01' overlaps ( a,b )", "T'2020-01-01' OVERLAPS (a, b)"],
      ['point( ra ,:dec )', 'POINT(ra, :dec)'],
      ['not\n\ta', 'NOT a'],
      ['- 5 + + .5e3', '-5 + +.5e3'],
      ['f()', 'F()'],
    ]
    for (const [text, expected] of cases) assert.equal(canonical(text), expected, text)
  })

  it('adds parentheses only where precedence needs them', () => {
    const cases: [string, string][] = [
      ['((a OR b)) AND (c)', '(a OR b) AND c'],
      ['a OR (b AND c)', 'a OR b AND c'],
      ['a OR (b OR c)', 'a OR (b OR c)'],
      ['(a OR b) OR c', 'a OR b OR c'],
      ['NOT (a OR b)', 'NOT (a OR b)'],
      ['NOT (a = b)', 'NOT a = b'],
      ['(a = b) = c', '(a = b) = c'],
      ['a = (b = c)', 'a = (b = c)'],
      ['(a < b) = c', 'a < b = c'],
      ['a < (b = c)', 'a < (b = c)'],
      ['(a = b) OVERLAPS c', 'a = b OVERLAPS c'],
      ['a - (b - c)', 'a - (b - c)'],
      ['(a - b) - c', 'a - b - c'],
      ['(a + b) * -(c % d)', '(a + b) * -(c % d)'],
      ['(a IN (1)) = b', 'a IN (1) = b'],
      ['(a + b) IN (1)', 'a + b IN (1)'],
      ['(a * b) NOT IN (1)', 'a * b NOT IN (1)'],
      ['f((a OR b), (c))', 'F(a OR b, c)'],
      ['(NOT a) AND b', 'NOT a AND b'],
      ['a = (NOT b)', 'a = (NOT b)'],
      ['-(-5)', '-(-5)'],
      ['-(1..3)', '-(1..3)'],
      ['- -1..3', '-(-1..3)'],
    ]
    for (const [text, expected] of cases) {
      const printed = canonical(text)
      assert.equal(printed, expected, text)
      assert.deepEqual(stripSpans(parseExpression(printed)!), stripSpans(parseExpression(text)!), text)
    }
  })

  it('prints hand-built trees so that they parse back unchanged', () => {
    const trees: ExpressionNode[] = [
      { kind: 'unary', op: '-', operand: num('5'), span },
      { kind: 'unary', op: '+', operand: { kind: 'unary', op: '-', operand: id('a'), span }, span },
      { kind: 'binary', op: '-', lhs: id('a'), rhs: num('-5'), span },
      {
        kind: 'binary',
        op: '*',
        lhs: id('a'),
        rhs: { kind: 'binary', op: '+', lhs: id('b'), rhs: num('1'), span },
        span,
      },
      { kind: 'unary', op: 'NOT', operand: { kind: 'unary', op: 'NOT', operand: id('a'), span }, span },
    ]
    const expected = ['-(5)', '+-a', 'a - -5', 'a * (b + 1)', 'NOT NOT a']
    trees.forEach((tree, i) => {
      const printed = formatExpression(tree)
      assert.equal(printed, expected[i])
      assert.deepEqual(stripSpans(parseExpression(printed)!), stripSpans(tree))
    })
  })

  it('refuses a string literal the language cannot express', () => {
    assert.throws(
      () => formatExpression({ kind: 'string', value: "it's", span }),
      (error: unknown) => error instanceof InputError && /single quote/.test((error as Error).message),
    )
  })
})
