/**
 * The error raised for a malformed `where` expression, with a short message that quotes the offending
 * line and puts a caret under the problem.
 */
import { ExpressionSyntaxError } from '../errors.js'

export { ExpressionSyntaxError }

/** Longest excerpt of a line quoted in a message; longer lines are cut around the caret. */
const EXCERPT_WIDTH = 80
/** Longest token quoted in "at or near '…'". */
const TOKEN_WIDTH = 40

/** A 1-based line and column in the expression text. */
export interface ExpressionPosition {
  readonly line: number
  readonly column: number
}

/** The 1-based line and column of a UTF-16 offset into `source`. */
export function positionAt(source: string, offset: number): ExpressionPosition {
  // lastIndexOf with a negative start still looks at index 0, hence the guard.
  const lineStart = offset === 0 ? 0 : source.lastIndexOf('\n', offset - 1) + 1
  let line = 1
  for (let i = source.indexOf('\n'); i !== -1 && i < lineStart; i = source.indexOf('\n', i + 1)) line++
  return { line, column: offset - lineStart + 1 }
}

/** Quotes a token for a message, shortened when long. */
export function quoteToken(text: string): string {
  return `'${text.length > TOKEN_WIDTH ? `${text.slice(0, TOKEN_WIDTH - 1)}…` : text}'`
}

/**
 * Builds the error for a problem at `offset` in `source`.
 *
 * `problem` is one sentence without a final period, e.g. `Unterminated string literal`.
 */
export function expressionError(
  source: string,
  offset: number,
  problem: string,
  options?: { cause?: unknown },
): ExpressionSyntaxError {
  const position = positionAt(source, offset)
  const lineStart = offset - (position.column - 1)
  const lineEnd = source.indexOf('\n', lineStart)
  // Tabs become single spaces so the caret stays under the right character.
  let text = source
    .slice(lineStart, lineEnd === -1 ? source.length : lineEnd)
    .replace(/\r$/, '')
    .replace(/[\t\r\v\f]/g, ' ')
  let caret = position.column - 1
  if (text.length > EXCERPT_WIDTH) {
    const from = Math.max(0, Math.min(caret - EXCERPT_WIDTH / 2, text.length - EXCERPT_WIDTH))
    const head = from > 0 ? '…' : ''
    const tail = from + EXCERPT_WIDTH < text.length ? '…' : ''
    text = head + text.slice(from, from + EXCERPT_WIDTH) + tail
    caret = caret - from + head.length
  }
  const sentence = problem.replace(/\.$/, '')
  const message = `${sentence} (line ${position.line}, column ${position.column}):\n  ${text}\n  ${' '.repeat(caret)}^`
  return new ExpressionSyntaxError(message, { ...options, ...position })
}
