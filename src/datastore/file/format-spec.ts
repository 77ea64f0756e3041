/**
 * Python's format-specification mini-language (`[[fill]align][sign][z][#][0][width][grouping][.precision][type]`),
 * the part of it that file templates use: strings, integers and fixed/exponent floats.
 *
 * Output matches Python's `format(value, spec)` for these types, so templates such as `{visit:08d}` or
 * `{detector:>3}` expand byte-for-byte like the reference implementation.
 */

/** A parsed format specification. */
export interface FormatSpec {
  readonly fill: string
  readonly align: '<' | '>' | '^' | '=' | undefined
  readonly sign: '+' | '-' | ' '
  readonly coerceNegativeZero: boolean
  readonly alternate: boolean
  readonly zeroPad: boolean
  readonly width: number
  readonly grouping: ',' | '_' | undefined
  readonly precision: number | undefined
  readonly type: string | undefined
}

const SPEC_RE = /^(?:([\s\S])?([<>=^]))?([+\- ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([a-zA-Z%])?$/u
const INTEGER_TYPES = new Set(['d', 'b', 'o', 'x', 'X'])
const FLOAT_TYPES = new Set(['f', 'F', 'e', 'E', '%'])

/** Parses a format specification; throws a plain `Error` describing the problem when it is invalid. */
export function parseFormatSpec(spec: string): FormatSpec {
  const m = SPEC_RE.exec(spec)
  if (!m) throw new Error(`invalid format specification '${spec}'`)
  const type = m[10]
  if (type !== undefined && type !== 's' && !INTEGER_TYPES.has(type) && !FLOAT_TYPES.has(type)) {
    throw new Error(`unsupported format type '${type}'`)
  }
  return {
    fill: m[1] ?? (m[6] ? '0' : ' '),
    align: (m[2] as FormatSpec['align']) ?? undefined,
    sign: (m[3] as FormatSpec['sign']) ?? '-',
    coerceNegativeZero: m[4] !== undefined,
    alternate: m[5] !== undefined,
    zeroPad: m[6] !== undefined && m[1] === undefined && m[2] === undefined,
    width: m[7] ? Number(m[7]) : 0,
    grouping: (m[8] as FormatSpec['grouping']) ?? undefined,
    precision: m[9] !== undefined ? Number(m[9]) : undefined,
    type,
  }
}

/** Formats a value like Python's `format(value, spec)`; throws a plain `Error` on a type mismatch. */
export function formatWithSpec(value: string | number | bigint, spec: FormatSpec): string {
  if (typeof value === 'string') return formatString(value, spec)
  return formatNumber(value, spec)
}

function formatString(value: string, spec: FormatSpec): string {
  if (spec.type !== undefined && spec.type !== 's') {
    throw new Error(`format code '${spec.type}' cannot format the string '${value}'`)
  }
  if (spec.sign !== '-' || spec.alternate || spec.grouping || spec.coerceNegativeZero) {
    throw new Error('sign, #, z and grouping are not allowed in a string format specifier')
  }
  if (spec.align === '=') throw new Error("'=' alignment is not allowed in a string format specifier")
  let text = value
  if (spec.precision !== undefined) text = [...text].slice(0, spec.precision).join('')
  return pad(text, '', spec, '<')
}

function formatNumber(value: number | bigint, spec: FormatSpec): string {
  const isInteger = typeof value === 'bigint' || Number.isInteger(value)
  let type = spec.type
  if (type === 's') throw new Error(`format code 's' cannot format the number ${value}`)
  if (type === undefined) {
    if (!isInteger) {
      if (spec.precision !== undefined) throw new Error('precision on a float needs a format type here')
      return pad(String(value), '', spec, '>')
    }
    type = 'd'
  }
  if (INTEGER_TYPES.has(type)) {
    if (!isInteger) throw new Error(`format code '${type}' cannot format the non-integer ${value}`)
    if (spec.precision !== undefined)
      throw new Error('precision is not allowed in an integer format specifier')
    const big = typeof value === 'bigint' ? value : BigInt(value)
    const negative = big < 0n
    const magnitude = negative ? -big : big
    const base = type === 'd' ? 10 : type === 'b' ? 2 : type === 'o' ? 8 : 16
    let digits = magnitude.toString(base)
    if (type === 'X') digits = digits.toUpperCase()
    if (spec.grouping) digits = group(digits, base === 10 ? 3 : 4, spec.grouping)
    const prefix = spec.alternate && base !== 10 ? `0${type === 'X' ? 'X' : type}` : ''
    return pad(digits, signOf(negative, spec) + prefix, spec, '>')
  }
  // Float types.
  let num = Number(value)
  if (type === '%') num *= 100
  const negative = num < 0 || (Object.is(num, -0) && !spec.coerceNegativeZero)
  const magnitude = Math.abs(num)
  const precision = spec.precision ?? 6
  let digits: string
  if (!Number.isFinite(magnitude)) {
    digits = Number.isNaN(magnitude) ? 'nan' : 'inf'
  } else if (type === 'e' || type === 'E') {
    // Python writes at least two exponent digits (1.5e+00).
    digits = magnitude.toExponential(precision).replace(/e([+-])(\d)$/, 'e$10$2')
  } else if (magnitude >= 1e21) {
    // toFixed switches to exponent notation here; such doubles are integers, so BigInt is exact.
    digits = BigInt(magnitude).toString() + (precision > 0 ? `.${'0'.repeat(precision)}` : '')
  } else {
    digits = magnitude.toFixed(precision)
    if (spec.coerceNegativeZero && Number(digits) === 0) return pad(digits, signOf(false, spec), spec, '>')
  }
  if (spec.grouping && Number.isFinite(magnitude)) {
    const intPart = /^\d+/.exec(digits)?.[0] ?? ''
    digits = group(intPart, 3, spec.grouping) + digits.slice(intPart.length)
  }
  if (spec.alternate && precision === 0 && !digits.includes('.')) digits += '.'
  if (type === 'E' || type === 'F') digits = digits.toUpperCase()
  if (type === '%') digits += '%'
  return pad(digits, signOf(negative, spec), spec, '>')
}

function signOf(negative: boolean, spec: FormatSpec): string {
  if (negative) return '-'
  return spec.sign === '-' ? '' : spec.sign
}

function group(digits: string, size: number, separator: string): string {
  const out: string[] = []
  for (let end = digits.length; end > 0; end -= size) out.unshift(digits.slice(Math.max(0, end - size), end))
  return out.join(separator)
}

function pad(body: string, prefix: string, spec: FormatSpec, defaultAlign: '<' | '>'): string {
  const length = [...prefix].length + [...body].length
  const missing = spec.width - length
  if (missing <= 0) return prefix + body
  const align = spec.align ?? (spec.zeroPad && defaultAlign === '>' ? '=' : defaultAlign)
  const fill = spec.fill
  switch (align) {
    case '<':
      return prefix + body + fill.repeat(missing)
    case '>':
      return fill.repeat(missing) + prefix + body
    case '^': {
      const left = Math.floor(missing / 2)
      return fill.repeat(left) + prefix + body + fill.repeat(missing - left)
    }
    case '=':
      return prefix + fill.repeat(missing) + body
  }
}
