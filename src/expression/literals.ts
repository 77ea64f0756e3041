/**
 * Literal nodes built from their tokens: numbers (exact for big integers), integer ranges and `T'…'`
 * times, each checked at parse time.
 *
 * Time literals go through the butler's time-string parser, which implements the rules of notes §6.1:
 * an optional `format/` prefix and `/scale` suffix, the format guessed from the value when absent (a
 * decimal number is an MJD, `YYYY-MM-DD[ hh:mm…]` ISO, with `T` ISOT, `+YYYY-MM-DD…` FITS, `YYYY:DDD…`
 * day-of-year) and the default scale per format (UTC for iso/isot/fits/yday/unix, TT for cxcsec, TAI
 * otherwise).
 */
import { ButlerUserError } from '../errors.js'
import { parseTime } from '../time/parse-time.js'
import type { NumericLiteralNode, RangeLiteralNode, Span, TimeLiteralNode } from './ast.js'
import { expressionError, quoteToken } from './errors.js'
import type { Token } from './lexer.js'

const INTEGER = /^[+-]?\d+$/

/** `-0` becomes `0`, so that trees compare equal after a JSON round trip. */
const unsignedZero = (value: number): number => (value === 0 ? 0 : value)

/** Builds a numeric literal from its text (sign included); `source` is for error messages. */
export function numericLiteral(text: string, span: Span, source: string): NumericLiteralNode {
  const isInteger = INTEGER.test(text)
  const number = Number(text)
  if (!Number.isFinite(number)) {
    throw expressionError(source, span.start, `Numeric literal ${quoteToken(text)} is out of range`)
  }
  if (isInteger && !Number.isSafeInteger(number)) {
    // Keep big integers exact, as canonical decimal text.
    const digits = text.replace(/^[+-]/, '').replace(/^0+/, '')
    return { kind: 'numeric', text, isInteger, value: text.startsWith('-') ? `-${digits}` : digits, span }
  }
  return { kind: 'numeric', text, isInteger, value: unsignedZero(number), span }
}

/** Builds a range literal from a `range` token; bounds must be safe integers. */
export function rangeLiteral(token: Token, source: string): RangeLiteralNode {
  const { start, stop, stride } = token.range!
  const bound = (text: string): number => {
    const value = Number(text)
    if (!Number.isSafeInteger(value)) {
      throw expressionError(source, token.start, `Range bound ${quoteToken(text)} is too large`)
    }
    return unsignedZero(value)
  }
  return {
    kind: 'range',
    start: bound(start),
    stop: bound(stop),
    stride: stride === null ? null : bound(stride),
    span: { start: token.start, end: token.end },
  }
}

/**
 * Builds a time literal from a `time` token, converting its text to TAI nanoseconds.
 *
 * A text that is not a valid time is reported at the literal, with the time parser's reason.
 */
export function timeLiteral(token: Token, source: string): TimeLiteralNode {
  let taiNs: bigint
  try {
    taiNs = parseTime(token.value)
  } catch (error) {
    if (!(error instanceof ButlerUserError)) throw error
    throw expressionError(source, token.start, `Bad time literal: ${error.message}`, { cause: error })
  }
  const span = { start: token.start, end: token.end }
  return { kind: 'time', text: token.value, taiNs: taiNs.toString(), span }
}
