/**
 * The tokenizer of the `where` expression language (notes §6.1): reserved words, literals, identifiers,
 * binds and punctuation. Spaces, tabs and line breaks separate tokens and are otherwise ignored.
 */
import { expressionError, quoteToken } from './errors.js'

/** The kinds of token the lexer produces. */
export type TokenKind =
  | 'numeric'
  | 'string'
  | 'time'
  | 'range'
  | 'identifier'
  | 'qualified'
  | 'bind'
  | 'keyword'
  | 'punct'
  | 'eof'

/** A token and where it sits in the source. */
export interface Token {
  readonly kind: TokenKind
  /** Processed value: upper-cased keyword, text between quotes, bind name without colon, the symbol… */
  readonly value: string
  readonly start: number
  readonly end: number
  /** Bounds of a range literal (only on `range` tokens). */
  readonly range?: { readonly start: string; readonly stop: string; readonly stride: string | null }
}

/** The reserved words (matched case-insensitively). IS, NULL, BETWEEN and LIKE are deliberately not. */
const KEYWORDS = new Set(['IN', 'OR', 'AND', 'NOT', 'OVERLAPS'])

const WHITESPACE = /[ \t\r\n]+/y
// Ranges are tried before numbers so that `1..5` is not read as `1.` followed by `.5`.
const RANGE = /(-?\d+)\s*\.\.\s*(-?\d+)(?:\s*:\s*(-?\d+))?/y
const NUMERIC = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/y
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*){0,2}/y
const BIND = /:([A-Za-z_][A-Za-z0-9_]*)/y
const PUNCT = /!=|<=|>=|[()=<>+\-*/%,]/y

function matchAt(pattern: RegExp, source: string, offset: number): RegExpExecArray | null {
  pattern.lastIndex = offset
  return pattern.exec(source)
}

/** Reads a quoted literal that starts at `start` (its opening quote at `quote`) and ends on the same line. */
function quoted(source: string, start: number, quote: number, what: string): { value: string; end: number } {
  const close = source.indexOf("'", quote + 1)
  const newline = source.indexOf('\n', quote + 1)
  if (close === -1 || (newline !== -1 && newline < close)) {
    throw expressionError(source, start, `Unterminated ${what} literal (a closing ' is missing on this line)`)
  }
  return { value: source.slice(quote + 1, close), end: close + 1 }
}

function scan(source: string, offset: number): Token {
  const char = source[offset]!
  const next = source[offset + 1]
  if ((char === 'T' || char === 't') && next === "'") {
    const { value, end } = quoted(source, offset, offset + 1, 'time')
    return { kind: 'time', value, start: offset, end }
  }
  if (char === "'") {
    const { value, end } = quoted(source, offset, offset, 'string')
    return { kind: 'string', value, start: offset, end }
  }
  let match = matchAt(RANGE, source, offset)
  if (match) {
    const [text, start, stop, stride] = match as unknown as [string, string, string, string | undefined]
    if (stride !== undefined && !/^[1-9]\d*$/.test(stride)) {
      throw expressionError(
        source,
        offset,
        `Bad range stride ${quoteToken(stride)} in ${quoteToken(text)}: the stride must be an integer of at least 1`,
      )
    }
    const range = { start, stop, stride: stride ?? null }
    return { kind: 'range', value: text, start: offset, end: offset + text.length, range }
  }
  match = matchAt(NUMERIC, source, offset)
  if (match) return { kind: 'numeric', value: match[0], start: offset, end: offset + match[0].length }
  match = matchAt(IDENTIFIER, source, offset)
  if (match) {
    const text = match[0]
    const end = offset + text.length
    if (text.includes('.')) return { kind: 'qualified', value: text, start: offset, end }
    const upper = text.toUpperCase()
    if (KEYWORDS.has(upper)) return { kind: 'keyword', value: upper, start: offset, end }
    return { kind: 'identifier', value: text, start: offset, end }
  }
  match = matchAt(BIND, source, offset)
  if (match) return { kind: 'bind', value: match[1]!, start: offset, end: offset + match[0].length }
  match = matchAt(PUNCT, source, offset)
  if (match) return { kind: 'punct', value: match[0], start: offset, end: offset + match[0].length }
  const codePoint = String.fromCodePoint(source.codePointAt(offset)!)
  const hint = char === ':' ? ' (a bind name is a colon followed by a letter or _)' : ''
  throw expressionError(source, offset, `Unexpected character ${quoteToken(codePoint)}${hint}`)
}

/**
 * Splits an expression into tokens, ending with one `eof` token at the end of the text.
 *
 * Throws `ExpressionSyntaxError` for an unexpected character, an unterminated string or time literal,
 * or a range stride below 1.
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let offset = 0
  for (;;) {
    const space = matchAt(WHITESPACE, source, offset)
    if (space) offset += space[0].length
    if (offset >= source.length) break
    const token = scan(source, offset)
    tokens.push(token)
    offset = token.end
  }
  tokens.push({ kind: 'eof', value: '', start: source.length, end: source.length })
  return tokens
}
