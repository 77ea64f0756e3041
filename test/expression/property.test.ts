/**
 * Property tests with a small seeded PRNG: random token soup either parses or fails with the user
 * error, and random grammatical expressions survive parse → format → parse unchanged.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type ExpressionNode,
  ExpressionSyntaxError,
  formatExpression,
  parseExpression,
} from '../../src/expression/index.js'
import { seededRandom as createRandom } from '../support/random.js'
import { stripSpans } from './helpers.js'

/** Checks that `tree` prints to text that parses to the same tree, and that printing is stable. */
function assertRoundTrip(tree: ExpressionNode, source: string): void {
  const printed = formatExpression(tree)
  const again = parseExpression(printed)
  assert.ok(again, `${source} → ${printed}`)
  assert.deepEqual(stripSpans(again), stripSpans(tree), `${source} → ${printed}`)
  assert.equal(formatExpression(again), printed)
}

// Token-ish pieces: operands and binary operators (valid, mostly), and troublemakers.
const OPERANDS = [
  ...['a', 'visit', 'x.y', 'a.b.c', ':b', 'NULL', 'T', 't', 'e', '_', 'f()', 'POINT(1, 2)', '(a, 1)'],
  ...['1', '0', '1.5', '.5', '5.', '1e3', '2E-2', '1..5', '-3..-1:2', '- 2', 'NOT x', 'x IN (1, :y)'],
  ...["'s'", "''", "T'2020-01-01'", "t'58000.5/tai'", "T'+2020-01-01T00:00:00'", 'x NOT IN (1..3)'],
]
const BINARY = ['=', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', 'AND', 'or', 'overlaps']
const JUNK = [
  ...['a.b.c.d', ':', '1..5:0', '1..', '..', '.', "'", "T'bad'", "T'", '(', ')', ',', '!', 'é', '#'],
  ...['IN', 'Not', 'POINT', 'uuid', 'GLOB', 'circle', ' ', '\n', '\t', '\r\n'],
]
const SOUP = [...OPERANDS, ...BINARY, ...JUNK]

describe('parseExpression: properties', () => {
  it('either parses random token soup or throws ExpressionSyntaxError', () => {
    const random = createRandom(20240601)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
    let parsed = 0
    for (let i = 0; i < 2000; i++) {
      const length = Math.floor(random() * 7) * 2 + 1
      // Half the strings alternate operands and operators, so that a good share of them parses.
      const alternate = random() < 0.5
      let text = ''
      for (let j = 0; j < length; j++) {
        const pieces = alternate ? (j % 2 === 0 ? OPERANDS : BINARY) : SOUP
        text += pick(pieces) + (random() < 0.6 ? ' ' : '')
      }
      let tree: ExpressionNode | null
      try {
        tree = parseExpression(text)
      } catch (error) {
        assert.ok(error instanceof ExpressionSyntaxError, `${JSON.stringify(text)}: ${error}`)
        const lines = error.message.split('\n')
        assert.equal(lines.length, 3, text)
        assert.ok(error.line >= 1 && error.line <= text.split('\n').length, text)
        assert.ok(error.column >= 1, text)
        assert.match(lines[2]!, /^ +\^$/, text)
        continue
      }
      if (tree) {
        parsed++
        assertRoundTrip(tree, text)
      }
    }
    // The soup must exercise both outcomes.
    assert.ok(parsed > 300 && parsed < 1700, `parsed ${parsed}`)
  })

  it('parses random grammatical expressions and reparses their formatted text to the same tree', () => {
    const random = createRandom(7)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
    const chance = (p: number): boolean => random() < p
    const space = (): string => pick([' ', ' ', ' ', '  ', '\n', '\t'])
    const keyword = (word: string): string =>
      [...word].map((c) => (chance(0.5) ? c.toLowerCase() : c.toUpperCase())).join('')
    const join = (...parts: string[]): string => parts.join(space())

    const number = (): string =>
      (chance(0.3) ? pick(['-', '+', '- ']) : '') +
      pick(['0', '7', '42', '1.5', '.25', '3.', '1e3', '2.5E-2', '90071992547409930'])
    const range = (): string => pick(['1..5', '-10..-1:2', '0 .. 9 : 3', '100..200'])
    const time = (): string =>
      `${pick(['T', 't'])}'${pick(['58938.515', 'mjd/58938.515/tai', '2020-01-01', '2020-01-01T12:30:00', '+2020-01-01T00:00:00', '2020:032', '2020-01-01 00:00:00/tt', 'unix/0'])}'`
    const string = (): string => pick(["'r'", "''", "'a b'", "'NOT IN'"])
    const simpleId = (): string => pick(['visit', 'band', 'NULL', 'is', 'x_1', 'T', 'e'])
    const identifier = (): string =>
      pick([simpleId(), 'visit.day_obs', 'visit.timespan.begin', 'raw.ingest_date'])
    const bind = (): string => pick([':a', ':visit_ids', ':_b'])
    const literal = (): string => pick([number, range, time, string])()

    const call = (depth: number): string => {
      const name = pick(['f', 'My_Func', 'other'])
      const args = Array.from({ length: Math.floor(random() * 3) }, () => expr(depth - 1))
      return pick([
        () => `${name}(${args.join(`,${space()}`)})`,
        () => `${keyword('point')}(${bitExpr(depth - 1)}, ${bitExpr(depth - 1)})`,
        () => `${keyword('circle')}(${number()}, ${identifier()}, ${bind()})`,
        () => `${keyword('uuid')}('E15AB039-bc8b-4135-87c5-90902a7c0b22')`,
        () => `${keyword('glob')}(${identifier()}, ${pick([string(), bind()])})`,
      ])()
    }
    const simpleExpr = (depth: number): string => {
      if (depth <= 0) return pick([literal, identifier, bind])()
      return pick([
        literal,
        identifier,
        bind,
        () => call(depth),
        () => `${pick(['-', '+', '- '])}${simpleExpr(depth - 1)}`,
        () => `(${space()}${expr(depth - 1)}${space()})`,
        () => `(${expr(depth - 1)},${space()}${expr(depth - 1)})`,
      ])()
    }
    const bitExpr = (depth: number): string =>
      chance(0.3) && depth > 0
        ? join(bitExpr(depth - 1), pick(['+', '-', '*', '/', '%']), bitExpr(depth - 1))
        : simpleExpr(depth)
    const inItem = (depth: number): string => pick([literal, simpleId, bind, () => call(depth)])()
    const predicate = (depth: number): string => {
      if (!chance(0.25)) return bitExpr(depth)
      const items = Array.from({ length: 1 + Math.floor(random() * 3) }, () => inItem(depth - 1))
      const op = chance(0.5) ? keyword('in') : join(keyword('not'), keyword('in'))
      return join(bitExpr(depth - 1), op, `(${items.join(`,${space()}`)})`)
    }
    const boolPrimary = (depth: number): string =>
      chance(0.5)
        ? join(
            predicate(depth - 1),
            pick(['=', '!=', '<', '<=', '>', '>=', keyword('overlaps')]),
            predicate(depth - 1),
          )
        : predicate(depth)
    function expr(depth: number): string {
      if (depth <= 0) return boolPrimary(0)
      return pick([
        () => join(expr(depth - 1), keyword('or'), expr(depth - 1)),
        () => join(expr(depth - 1), keyword('and'), expr(depth - 1)),
        () => join(keyword('not'), expr(depth - 1)),
        () => boolPrimary(depth),
        () => boolPrimary(depth),
      ])()
    }

    for (let i = 0; i < 1000; i++) {
      const text = expr(1 + Math.floor(random() * 4))
      let tree: ExpressionNode | null
      try {
        tree = parseExpression(text)
      } catch (error) {
        assert.fail(`${JSON.stringify(text)} failed: ${(error as Error).message}`)
      }
      assert.ok(tree, text)
      assertRoundTrip(tree, text)
    }
  })
})
