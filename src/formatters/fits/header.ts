/**
 * FITS header cards: parsing and writing of 80-character keyword records in 2880-byte blocks.
 *
 * Supported (FITS 4.0 plus the common conventions):
 * - fixed-format logical, integer and floating-point values (integers beyond 2^53 read as `bigint`;
 *   floats always written with a decimal point or exponent, shortest round-trip digits, upper-case `E`);
 * - character strings with embedded quotes doubled; strings too long for one card use the OGIP long-string
 *   convention (`&` at the end of each part, `CONTINUE` cards), and a `LONGSTRN = 'OGIP 1.0'` card is added
 *   before the first such string when the header has none;
 * - ESO `HIERARCH` keywords for keys longer than 8 characters or with characters a standard keyword cannot
 *   hold (spaces, dots, ...), e.g. `HIERARCH LSST BUTLER ID = '...'`;
 * - undefined values (`KEY =` with nothing after it) as `null`; comments after `/`;
 * - commentary cards (`COMMENT`, `HISTORY`, blank keyword, or any card without a value indicator).
 *
 * Keys are case-insensitive on lookup. Keys that are valid standard keywords once upper-cased (at most 8
 * characters of `A-Z 0-9 _ -`) are stored upper-case, as FITS defines them case-insensitively; HIERARCH keys
 * keep their case. Complex-valued cards (`(1.0, 2.0)`), rare in practice, are read as their text.
 * Trailing spaces of string values are not significant in FITS and are dropped on read.
 */

import { CorruptArtifactError, FormatterError } from '../../errors.js'

/** A header value; `null` is FITS's undefined value (`KEY =` with no value). */
export type FitsValue = string | number | bigint | boolean | null

/**
 * One header card. Commentary cards (`COMMENT`, `HISTORY`, blank key) have no `value` and carry their text
 * in `comment`.
 */
export interface FitsCard {
  /** Keyword: upper-case for standard keys, as written for HIERARCH keys (without the `HIERARCH ` prefix). */
  readonly key: string
  /** The value; absent on commentary cards. */
  readonly value?: FitsValue
  /** The comment after `/`, or the text of a commentary card. */
  readonly comment?: string
  /**
   * For numeric values: written (and was read) as a floating-point literal even when the number is an
   * integer (`EXPTIME = 30.0`), so other readers see a float.
   */
  readonly float?: boolean
}

/** Options of {@link FitsHeader.set}. */
export interface FitsSetOptions {
  /** Write an integral number as a float (`30.0`); by default kept from the card being replaced. */
  readonly float?: boolean
}

/** Bytes in a FITS block; headers and data are padded to a multiple of it. */
export const FITS_BLOCK = 2880
/** Bytes in a header card. */
export const CARD_LENGTH = 80

/** Keys whose cards hold free text instead of a value. */
const COMMENTARY_KEYS = new Set(['COMMENT', 'HISTORY', ''])
const STANDARD_KEY = /^[A-Z0-9_-]{1,8}$/
const INTEGER = /^[+-]?\d+$/
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([EDed][+-]?\d+)?$/
const COMPLEX = /^\(\s*[^,()]+\s*,\s*[^,()]+\s*\)$/
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

interface MutableCard {
  key: string
  value?: FitsValue
  comment?: string
  float?: boolean
}

/** Normalises a key for case-insensitive lookup (`hierarch lsst  id` → `LSST ID`). */
function lookupKey(key: string): string {
  let k = key.trim().replace(/\s+/g, ' ').toUpperCase()
  if (k.startsWith('HIERARCH ')) k = k.slice(9)
  return k
}

/** The stored spelling of a key: upper-case when it is a standard keyword, else as given (HIERARCH). */
function storedKey(key: string): string {
  let k = key.trim().replace(/\s+/g, ' ')
  if (k.toUpperCase().startsWith('HIERARCH ')) k = k.slice(9)
  const upper = k.toUpperCase()
  return STANDARD_KEY.test(upper) || COMMENTARY_KEYS.has(upper) ? upper : k
}

/** True when `text` is printable ASCII (the only characters a FITS header may hold). */
function isPrintableAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 32 || c > 126) return false
  }
  return true
}

function checkText(what: string, text: string): void {
  if (!isPrintableAscii(text)) {
    throw new FormatterError(
      `FITS header ${what} must be printable ASCII, got ${JSON.stringify(text.length > 60 ? text.slice(0, 60) + '...' : text)}`,
    )
  }
}

function checkValue(key: string, value: unknown): asserts value is FitsValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'bigint') return
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new FormatterError(`FITS header value of ${key} must be finite, got ${value}`)
    return
  }
  if (typeof value === 'string') {
    checkText(`value of ${key}`, value)
    return
  }
  throw new FormatterError(
    `FITS header value of ${key} must be a string, number, bigint, boolean or null, got ${typeof value}`,
  )
}

function checkKey(key: string): string {
  if (typeof key !== 'string') throw new FormatterError(`FITS header key must be a string`)
  checkText('key', key)
  const k = storedKey(key)
  if (k.includes('=')) throw new FormatterError(`FITS header key ${JSON.stringify(key)} contains '='`)
  if (k === 'END' || k === 'CONTINUE' || k === 'HIERARCH') {
    throw new FormatterError(`FITS header key ${k} is reserved`)
  }
  return k
}

/** Formats a float with a decimal point or exponent, shortest digits that read back exactly. */
export function formatFitsFloat(v: number): string {
  if (!Number.isFinite(v)) throw new FormatterError(`FITS cannot store the non-finite number ${v}`)
  if (Object.is(v, -0)) return '-0.0'
  const fix = (s: string): string => {
    const e = s.indexOf('e')
    if (e < 0) return s.includes('.') ? s : s + '.0'
    const mantissa = s.slice(0, e)
    return (mantissa.includes('.') ? mantissa : mantissa + '.0') + 'E' + s.slice(e + 1)
  }
  const plain = fix(String(v))
  const exp = fix(v.toExponential())
  return exp.length < plain.length ? exp : plain
}

/** Formats a non-string value as it appears after `= ` (not padded). */
function formatScalar(card: MutableCard): string {
  const v = card.value
  if (v === null || v === undefined) return ''
  if (typeof v === 'boolean') return v ? 'T' : 'F'
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && !card.float && !Object.is(v, -0)) return String(v)
    return formatFitsFloat(v)
  }
  throw new FormatterError(`internal: formatScalar on a string`)
}

function escapeString(s: string): string {
  return s.replaceAll("'", "''")
}

/** Splits a string into parts whose escaped forms have at most `first`, then `rest` characters. */
function splitEscaped(s: string, first: number, rest: number): string[] {
  const parts: string[] = []
  let current = ''
  let limit = first
  for (const ch of s) {
    const esc = ch === "'" ? "''" : ch
    if (current.length + esc.length > limit) {
      parts.push(current)
      current = ''
      limit = rest
    }
    current += esc
  }
  parts.push(current)
  return parts
}

function withComment(image: string, comment: string | undefined): string {
  if (comment === undefined || comment === '') return image
  const room = CARD_LENGTH - image.length - 3
  if (room <= 0) return image
  return `${image} / ${comment.slice(0, room)}`
}

/** Card images (80 characters each) of one card; long strings take several. */
function cardImages(card: MutableCard): { images: string[]; long: boolean } {
  const { key } = card
  if (card.value === undefined) {
    // Commentary card: text in columns 9-80, split over several cards when longer than 72 characters.
    const text = card.comment ?? ''
    const head = key.padEnd(8)
    const images: string[] = []
    for (let i = 0; i < text.length || i === 0; i += 72) images.push(head + text.slice(i, i + 72))
    return { images, long: false }
  }
  const hierarch = !STANDARD_KEY.test(key)
  const prefix = hierarch ? `HIERARCH ${key} = ` : `${key.padEnd(8)}= `
  const room = CARD_LENGTH - prefix.length
  const v = card.value
  if (typeof v !== 'string') {
    const text = formatScalar(card)
    if (text.length > room) {
      throw new FormatterError(`FITS header card for ${key} is too long (key and value exceed 80 characters)`)
    }
    const field = hierarch ? text : text.padStart(20)
    return { images: [withComment(prefix + field, card.comment)], long: false }
  }
  const escaped = escapeString(v)
  if (escaped.length + 2 <= room) {
    const quoted = v === '' ? "''" : `'${escaped.padEnd(8)}'`
    const field = hierarch ? quoted : quoted.padEnd(20)
    return { images: [withComment(prefix + field, card.comment)], long: false }
  }
  // OGIP long-string convention: 'part1&' then CONTINUE  'part2&' ... CONTINUE  'last'.
  if (room < 4) throw new FormatterError(`FITS HIERARCH key ${key} is too long for a string value`)
  const parts = splitEscaped(v, room - 3, 67)
  const images: string[] = []
  parts.forEach((part, i) => {
    const last = i === parts.length - 1
    const head = i === 0 ? prefix : 'CONTINUE  '
    images.push(`${head}'${part}${last ? '' : '&'}'`)
  })
  const comment = card.comment
  if (comment) {
    const lastImage = images[images.length - 1]!
    if (lastImage.length + 3 + comment.length <= CARD_LENGTH) {
      images[images.length - 1] = withComment(lastImage, comment)
    } else {
      images[images.length - 1] = lastImage.slice(0, -1) + "&'"
      images.push(withComment("CONTINUE  ''", comment))
    }
  }
  return { images, long: true }
}

/** Thrown by the parser with a message; turned into `CorruptArtifactError` with the caller's context. */
class CardError extends Error {}

/** Parses a quoted string starting at `text[start] === "'"`; returns the value and the index after it. */
function parseQuoted(text: string, start: number): { value: string; end: number } {
  let out = ''
  let i = start + 1
  for (;;) {
    const q = text.indexOf("'", i)
    if (q < 0) throw new CardError('unterminated string')
    out += text.slice(i, q)
    if (text[q + 1] === "'") {
      out += "'"
      i = q + 2
    } else {
      return { value: out.replace(/ +$/, ''), end: q + 1 }
    }
  }
}

/** Parses a comment after a value: optional spaces, then nothing or `/ comment`. */
function parseComment(text: string, from: number): string | undefined {
  const rest = text.slice(from)
  const trimmed = rest.trimStart()
  if (trimmed === '') return undefined
  if (!trimmed.startsWith('/'))
    throw new CardError(`unexpected text after the value: ${trimmed.slice(0, 30)}`)
  const comment = trimmed.slice(1).trim()
  return comment === '' ? undefined : comment
}

/** Parses the value field (the text after `=`) of a card. */
function parseValueField(text: string): MutableCard & { key: '' } {
  let i = 0
  while (i < text.length && text[i] === ' ') i++
  if (i === text.length) return { key: '', value: null }
  if (text[i] === '/') return withOptionalComment({ key: '', value: null }, parseComment(text, i))
  if (text[i] === "'") {
    const { value, end } = parseQuoted(text, i)
    return withOptionalComment({ key: '', value }, parseComment(text, end))
  }
  if (text[i] === '(') {
    const close = text.indexOf(')', i)
    if (close < 0) throw new CardError('unterminated complex value')
    const token = text.slice(i, close + 1)
    if (!COMPLEX.test(token)) throw new CardError(`invalid complex value ${token}`)
    return withOptionalComment({ key: '', value: token }, parseComment(text, close + 1))
  }
  let end = i
  while (end < text.length && text[end] !== ' ' && text[end] !== '/') end++
  const token = text.slice(i, end)
  const card: MutableCard & { key: '' } = { key: '' }
  if (token === 'T' || token === 'F') card.value = token === 'T'
  else if (INTEGER.test(token)) {
    const big = BigInt(token)
    card.value = big > MAX_SAFE || big < -MAX_SAFE ? big : Number(big)
  } else if (FLOAT.test(token)) {
    const v = Number(token.replace(/[dD]/, 'E'))
    if (!Number.isFinite(v)) throw new CardError(`float value ${token} is out of range`)
    card.value = v
    card.float = true
  } else throw new CardError(`invalid value ${token.slice(0, 30)}`)
  return withOptionalComment(card, parseComment(text, end))
}

function withOptionalComment<C extends MutableCard>(card: C, comment: string | undefined): C {
  if (comment !== undefined) card.comment = comment
  return card
}

/** Parses one 80-character card image (not END, not CONTINUE). */
function parseCard(image: string): MutableCard {
  const field = image.slice(0, 8)
  const name = field.trimEnd()
  if (!/^[A-Za-z0-9_-]*$/.test(name)) throw new CardError(`invalid keyword ${JSON.stringify(field)}`)
  const key = name.toUpperCase()
  if (key === 'HIERARCH') {
    const rest = image.slice(8)
    const eq = rest.indexOf('=')
    const hkey = eq < 0 ? '' : rest.slice(0, eq).trim().replace(/\s+/g, ' ')
    if (hkey === '' || hkey.includes("'")) return { key, comment: rest.trimEnd() }
    const parsed = parseValueField(rest.slice(eq + 1))
    return { ...parsed, key: hkey }
  }
  if (COMMENTARY_KEYS.has(key) || image[8] !== '=') {
    return { key, comment: image.slice(8).trimEnd() }
  }
  const parsed = parseValueField(image.slice(9))
  return { ...parsed, key }
}

/** Reads the string of a CONTINUE card; undefined when it holds none. */
function parseContinue(image: string): { value: string; comment?: string } | undefined {
  try {
    const parsed = parseValueField(image.slice(8))
    if (typeof parsed.value !== 'string') return undefined
    return parsed.comment === undefined
      ? { value: parsed.value }
      : { value: parsed.value, comment: parsed.comment }
  } catch {
    return undefined
  }
}

/** Decodes card bytes as Latin-1 text (FITS headers are ASCII; other bytes are kept, not rejected). */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = ''
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 4096)))
  }
  return s
}

/** True when the card at `offset` is the END card. */
function isEndCard(bytes: Uint8Array, offset: number): boolean {
  // 'END' then spaces to column 8; columns 9-80 are meant to be blank but readers ignore them.
  if (bytes[offset] !== 0x45 || bytes[offset + 1] !== 0x4e || bytes[offset + 2] !== 0x44) return false
  for (let i = 3; i < 8; i++) if (bytes[offset + i] !== 0x20) return false
  return true
}

/**
 * Returns the byte offset just after the END card in `bytes` (searching whole cards from the start), or
 * -1 when there is none yet.
 */
export function findEndCard(bytes: Uint8Array, from = 0): number {
  for (let off = from; off + CARD_LENGTH <= bytes.length; off += CARD_LENGTH) {
    if (isEndCard(bytes, off)) return off + CARD_LENGTH
  }
  return -1
}

/** An ordered FITS header. */
export class FitsHeader {
  readonly #cards: MutableCard[] = []
  #index: Map<string, MutableCard> | undefined

  /** Creates a header from cards (values are validated as by {@link FitsHeader.set}, order kept). */
  constructor(cards: Iterable<FitsCard> = []) {
    for (const card of cards) this.add(card)
  }

  /** Number of cards (a long string counts once; commentary cards count each). */
  get length(): number {
    return this.#cards.length
  }

  #lookup(): Map<string, MutableCard> {
    if (!this.#index) {
      this.#index = new Map()
      for (const card of this.#cards) {
        if (card.value === undefined) continue
        const k = lookupKey(card.key)
        if (!this.#index.has(k)) this.#index.set(k, card)
      }
    }
    return this.#index
  }

  /** The value of the first card with this key (`null` for an undefined value, undefined when absent). */
  get(key: string): FitsValue | undefined {
    return this.#lookup().get(lookupKey(key))?.value
  }

  /** The comment of the first card with this key. */
  getComment(key: string): string | undefined {
    return this.#lookup().get(lookupKey(key))?.comment
  }

  /** True when a valued card has this key. */
  has(key: string): boolean {
    return this.#lookup().has(lookupKey(key))
  }

  /**
   * Sets a value: replaces the first card with this key in place (keeping its comment unless one is given,
   * and its float-ness for numbers unless `options.float` says otherwise) or appends a new card. Throws
   * `FormatterError` for values FITS cannot hold (NaN, Infinity, non-ASCII text) and for commentary keys
   * (use {@link FitsHeader.addComment} / {@link FitsHeader.addHistory}).
   */
  set(key: string, value: FitsValue, comment?: string, options: FitsSetOptions = {}): this {
    const k = checkKey(key)
    if (COMMENTARY_KEYS.has(k)) {
      throw new FormatterError(`FITS ${k || 'blank'} cards hold text, not values; use addComment/addHistory`)
    }
    checkValue(k, value)
    if (comment !== undefined) checkText(`comment of ${k}`, comment)
    const existing = this.#lookup().get(lookupKey(k))
    const card: MutableCard = { key: existing?.key ?? k, value }
    const newComment = comment ?? existing?.comment
    if (newComment !== undefined) card.comment = newComment
    if (options.float ?? (typeof value === 'number' && existing?.float === true)) card.float = true
    cardImages(card) // throws FormatterError now rather than when writing
    if (existing) {
      delete existing.comment
      delete existing.float
      Object.assign(existing, card)
      return this
    }
    this.#cards.push(card)
    this.#lookup().set(lookupKey(k), card)
    return this
  }

  /** Appends a card as given (duplicates allowed), including commentary cards. */
  add(card: FitsCard): this {
    const k = card.value === undefined ? storedKey(card.key) : checkKey(card.key)
    if (card.value === undefined) checkText('commentary key', k)
    else checkValue(k, card.value)
    if (card.comment !== undefined) checkText(`comment of ${k}`, card.comment)
    const copy: MutableCard = { key: k }
    if (card.value !== undefined) copy.value = card.value
    if (card.comment !== undefined) copy.comment = card.comment
    if (card.float && typeof card.value === 'number') copy.float = true
    cardImages(copy)
    this.#cards.push(copy)
    if (copy.value !== undefined && !this.#lookup().has(lookupKey(k))) this.#lookup().set(lookupKey(k), copy)
    return this
  }

  /** Appends a COMMENT card. */
  addComment(text: string): this {
    return this.add({ key: 'COMMENT', comment: text })
  }

  /** Appends a HISTORY card. */
  addHistory(text: string): this {
    return this.add({ key: 'HISTORY', comment: text })
  }

  /** Texts of the commentary cards with this key (`COMMENT`, `HISTORY` or `''`), in order. */
  commentary(key: string): string[] {
    const k = key.trim().toUpperCase()
    return this.#cards.filter((c) => c.value === undefined && c.key === k).map((c) => c.comment ?? '')
  }

  /** Removes every card with this key (valued or commentary); returns whether any was removed. */
  delete(key: string): boolean {
    const k = lookupKey(key)
    const before = this.#cards.length
    for (let i = this.#cards.length - 1; i >= 0; i--) {
      if (lookupKey(this.#cards[i]!.key) === k) this.#cards.splice(i, 1)
    }
    this.#index = undefined
    return this.#cards.length !== before
  }

  /** Copies of the cards, in order. */
  cards(): FitsCard[] {
    return this.#cards.map((c) => ({ ...c }))
  }

  /** Keys of the valued cards, in order (duplicates once). */
  keys(): string[] {
    return [...this.#lookup().values()].map((c) => c.key)
  }

  /** A copy of this header. */
  clone(): FitsHeader {
    const copy = new FitsHeader()
    for (const card of this.#cards) copy.#cards.push({ ...card })
    return copy
  }

  /** The header as FITS blocks: all cards, END, space-padded to a multiple of 2880 bytes. */
  toBytes(): Uint8Array {
    const images: string[] = []
    const hasLongstrn = this.has('LONGSTRN')
    let longstrnAdded = false
    for (const card of this.#cards) {
      const { images: cardLines, long } = cardImages(card)
      if (long && !hasLongstrn && !longstrnAdded) {
        images.push(
          ...cardImages({
            key: 'LONGSTRN',
            value: 'OGIP 1.0',
            comment: 'The OGIP long string convention may be used',
          }).images,
        )
        longstrnAdded = true
      }
      images.push(...cardLines)
    }
    images.push('END')
    const cards = images.length
    const size = Math.ceil((cards * CARD_LENGTH) / FITS_BLOCK) * FITS_BLOCK
    const out = new Uint8Array(size).fill(0x20)
    images.forEach((image, n) => {
      const base = n * CARD_LENGTH
      for (let i = 0; i < image.length && i < CARD_LENGTH; i++) out[base + i] = image.charCodeAt(i)
    })
    return out
  }

  /**
   * Parses header cards up to the END card. `context` prefixes error messages (e.g. `file.fits HDU 2`).
   * Throws `CorruptArtifactError` when there is no END card or a card is malformed.
   */
  static parse(bytes: Uint8Array, context = 'FITS header'): FitsHeader {
    const end = findEndCard(bytes)
    if (end < 0) throw new CorruptArtifactError(`${context}: no END card (truncated or not a FITS header)`)
    const header = new FitsHeader()
    const count = end / CARD_LENGTH - 1
    const text = latin1(bytes, 0, end)
    const image = (n: number) => text.slice(n * CARD_LENGTH, (n + 1) * CARD_LENGTH)
    for (let n = 0; n < count; n++) {
      let card: MutableCard
      try {
        card = parseCard(image(n))
      } catch (error) {
        if (error instanceof CardError) {
          throw new CorruptArtifactError(
            `${context}: card ${n + 1} is malformed (${error.message}): ${image(n).trimEnd()}`,
          )
        }
        throw error
      }
      // OGIP long strings: a string ending in '&' continued by CONTINUE cards.
      if (typeof card.value === 'string') {
        let value = card.value
        const comments = card.comment === undefined ? [] : [card.comment]
        while (value.endsWith('&') && n + 1 < count && image(n + 1).startsWith('CONTINUE')) {
          const cont = parseContinue(image(n + 1))
          if (!cont) break
          value = value.slice(0, -1) + cont.value
          if (cont.comment !== undefined) comments.push(cont.comment)
          n++
        }
        card.value = value
        if (comments.length > 0) card.comment = comments.join(' ')
      }
      header.#cards.push(card)
    }
    return header
  }
}
