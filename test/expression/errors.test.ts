import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ButlerUserError, isUserError } from '../../src/errors.js'
import { MAX_NESTING, MAX_TREE_DEPTH, parseExpression } from '../../src/expression/index.js'
import { parseError } from './helpers.js'

describe('parseExpression: errors', () => {
  it('names the token, its line and column, and shows a caret under it', () => {
    const error = parseError("visit = 1 AND AND band = 'r'")
    assert.ok(error instanceof ButlerUserError && isUserError(error))
    assert.equal(error.name, 'ExpressionSyntaxError')
    assert.deepEqual([error.line, error.column], [1, 15])
    assert.equal(
      error.message,
      "Syntax error at or near 'AND' (line 1, column 15):\n  visit = 1 AND AND band = 'r'\n                ^",
    )
  })

  it('locates errors on later lines of multi-line input', () => {
    const error = parseError("visit = 1\nAND (band = 'r'\n   OR band == 'i')")
    assert.deepEqual([error.line, error.column], [3, 13])
    assert.equal(
      error.message,
      "Syntax error at or near '=' (line 3, column 13):\n     OR band == 'i')\n              ^",
    )
    const first = parseError('\n\n  )')
    assert.deepEqual([first.line, first.column], [3, 3])
  })

  it('keeps the caret aligned past tabs and on CRLF lines', () => {
    const error = parseError('a = 1 AND\r\n\tb = = 2')
    assert.deepEqual([error.line, error.column], [2, 6])
    assert.equal(error.message.split('\n').slice(1).join('\n'), '   b = = 2\n       ^')
  })

  it('reports an unexpected end at the end of the text', () => {
    for (const text of ['a =', 'a AND', '(a', 'f(1,', 'x IN (1', 'NOT', '-']) {
      const error = parseError(text)
      assert.match(error.message, /^Syntax error: unexpected end of expression \(line 1, column \d+\)/, text)
      assert.equal(error.column, text.length + 1, text)
    }
    const multiLine = parseError('a = 1 AND\n  (b OR\n')
    assert.deepEqual([multiLine.line, multiLine.column], [3, 1])
  })

  it('reports unexpected characters and unterminated literals', () => {
    const cases: [string, RegExp, number, number][] = [
      ['a == b', /^Syntax error at or near '='/, 1, 4],
      ['a = b #', /^Unexpected character '#'/, 1, 7],
      ['a = "x"', /^Unexpected character '"'/, 1, 5],
      ['a ! b', /^Unexpected character '!'/, 1, 3],
      ['a = 1 ;', /^Unexpected character ';'/, 1, 7],
      ['x = é', /^Unexpected character 'é'/, 1, 5],
      ['x = 😀', /^Unexpected character '😀'/, 1, 5],
      ['x = :1', /^Unexpected character ':' \(a bind name is a colon followed by a letter or _\)/, 1, 5],
      ["a = 'open", /^Unterminated string literal/, 1, 5],
      ["a = 'line\nbreak'", /^Unterminated string literal/, 1, 5],
      ["t > T'2020-01-01", /^Unterminated time literal/, 1, 5],
      ['x IN (1..3:0)', /^Bad range stride/, 1, 7],
      ['1.5..2', /^Unexpected character '\.'/, 1, 4],
    ]
    for (const [text, message, line, column] of cases) {
      const error = parseError(text)
      assert.match(error.message, message, text)
      assert.deepEqual([error.line, error.column], [line, column], text)
    }
  })

  it('keeps messages short: long lines are cut around the caret, long tokens shortened', () => {
    const text = `${'a = 1 AND '.repeat(500)}'${'x'.repeat(100)}' 'y'`
    const error = parseError(text)
    const lines = error.message.split('\n')
    assert.equal(lines.length, 3)
    assert.ok(lines.every((line) => line.length < 160))
    assert.match(lines[0]!, /^Syntax error at or near '/)
    assert.equal(lines[2]!.indexOf('^'), lines[1]!.indexOf("'y'"))
    const token = parseError(`x = 1 '${'z'.repeat(300)}'`)
    assert.ok(token.message.split('\n')[0]!.length < 100)
  })

  it('refuses deep nesting with a user error instead of overflowing the stack', () => {
    for (const text of [
      '('.repeat(10_000),
      `${'('.repeat(MAX_NESTING + 1)}a${')'.repeat(MAX_NESTING + 1)}`,
    ]) {
      const error = parseError(text)
      assert.match(error.message, /^Expression is nested too deeply \(more than 200 levels/)
      assert.equal(error.column, MAX_NESTING + 1)
    }
    assert.match(parseError(`${'NOT '.repeat(50_000)}a`).message, /nested too deeply/)
    assert.match(parseError(`${'- '.repeat(50_000)}a`).message, /nested too deeply/)
    assert.match(parseError(`${'f('.repeat(5000)}`).message, /nested too deeply/)
    const ok = `${'('.repeat(MAX_NESTING)}a${')'.repeat(MAX_NESTING)}`
    assert.deepEqual(parseExpression(ok)?.kind, 'identifier')
  })

  it('refuses operator chains deeper than the tree limit, accepting long flat lists', () => {
    const chain = (n: number): string => Array.from({ length: n }, (_, i) => `v = ${i}`).join(' OR ')
    assert.equal(parseExpression(chain(MAX_TREE_DEPTH - 1))?.kind, 'binary')
    assert.match(
      parseError(chain(20_000)).message,
      /^Expression is too deeply nested \(more than 1000 levels\)/,
    )
    const list = `v IN (${Array.from({ length: 50_000 }, (_, i) => i).join(', ')})`
    const tree = parseExpression(list)
    assert.ok(tree?.kind === 'in')
    assert.equal(tree.items.length, 50_000)
  })

  it('handles very long input in linear time', () => {
    const started = Date.now()
    assert.match(
      parseError(`${'a '.repeat(200_000)}`).message,
      /^Syntax error at or near 'a' \(line 1, column 3\)/,
    )
    assert.match(parseError(`'${'x'.repeat(1_000_000)}`).message, /^Unterminated string literal/)
    assert.ok(Date.now() - started < 2000)
  })
})
