/**
 * Finding the HDUs of a FITS file by reading only their headers, one HDU at a time and only as far into the
 * file as the caller needs: reading one component of a multi-extension file (the WCS in the IMAGE header,
 * the pixels of one extension) fetches the headers up to that HDU and nothing after it. `readFitsStructure`
 * is this scan run to the end of the file.
 *
 * Each header is read one 2880-byte block at a time (most headers end within a block or two, and reading
 * past the END card would fetch data bytes), in growing chunks once a header is longer than a few blocks.
 * The scan seeks from header to header using the data sizes, so each HDU advances by at least one block and
 * every size is checked against the file before anything is read: a file that is not well-formed FITS (no
 * SIMPLE card, bad XTENSION, invalid BITPIX/NAXISn, data running past the end of the file, garbage between
 * HDUs) gives `CorruptArtifactError` naming the location and the HDU index rather than a hang or a crash.
 * Trailing zero blocks after the last HDU are accepted.
 */

import { CorruptArtifactError } from '../../errors.js'
import type { ByteSource } from '../byte-source.js'
import type { FitsHduInfo, FitsHduKind } from './hdu.js'
import { FITS_BLOCK, FitsHeader, findEndCard } from './header.js'
import { bytesPerPixel, FITS_BITPIX, type FitsBitpix, paddedSize } from './image.js'

/** Header blocks read one at a time before reads grow. */
const SINGLE_BLOCK_READS = 4
/** Most blocks fetched by one read while looking for the END card of a long header. */
const MAX_HEADER_CHUNK_BLOCKS = 64

/** Where a source's bytes come from, for the codec's messages (`FITS data` when the source does not say). */
export function fitsLocation(source: ByteSource): string {
  return source.location || 'FITS data'
}

function startsWith(bytes: Uint8Array, text: string): boolean {
  if (bytes.length < text.length) return false
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false
  return true
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!.subarray(0, length)
  const out = new Uint8Array(length)
  let at = 0
  for (const p of parts) {
    const n = Math.min(p.length, length - at)
    out.set(p.subarray(0, n), at)
    at += n
    if (at >= length) break
  }
  return out
}

function requireInt(
  header: FitsHeader,
  key: string,
  context: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
) {
  const v = header.get(key)
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new CorruptArtifactError(
      `${context}: ${key} ${v === undefined ? 'is missing' : `must be an integer in [${min}, ${max}], got ${String(v)}`}`,
    )
  }
  return v
}

function multiply(a: number, b: number, context: string): number {
  const r = a * b
  if (!Number.isSafeInteger(r)) throw new CorruptArtifactError(`${context}: the data size is absurdly large`)
  return r
}

/** Where a header was found: its HDU index, its offset and size in bytes, and the file it is in. */
interface HeaderPlace {
  readonly index: number
  readonly offset: number
  readonly headerBytes: number
  readonly fileSize: number
  /** The file's location, for messages. */
  readonly where: string
}

/**
 * Checks the header of one HDU (SIMPLE or XTENSION, BITPIX, NAXISn, PCOUNT/GCOUNT, random groups, data
 * within the file) and describes the HDU. Throws `CorruptArtifactError` naming the location and HDU index.
 */
function hduInfo(header: FitsHeader, place: HeaderPlace): FitsHduInfo {
  const { index, offset, headerBytes, fileSize, where } = place
  const context = `${where} HDU ${index}`
  const firstKey = header.cards()[0]?.key
  let xtension: string | undefined
  if (index === 0) {
    if (firstKey !== 'SIMPLE') {
      throw new CorruptArtifactError(`${where} is not a FITS file (it does not start with a SIMPLE card)`)
    }
    if (header.get('SIMPLE') !== true) {
      throw new CorruptArtifactError(`${context}: SIMPLE is not T (the file does not conform to FITS)`)
    }
  } else {
    const x = header.get('XTENSION')
    if (firstKey !== 'XTENSION' || typeof x !== 'string' || x.trim() === '') {
      throw new CorruptArtifactError(`${context}: bad XTENSION card (${JSON.stringify(x ?? null)})`)
    }
    xtension = x.trim().toUpperCase()
  }
  const bitpixValue = header.get('BITPIX')
  if (!FITS_BITPIX.includes(bitpixValue as FitsBitpix)) {
    throw new CorruptArtifactError(
      `${context}: invalid BITPIX ${JSON.stringify(String(bitpixValue ?? 'missing'))}`,
    )
  }
  const bitpix = bitpixValue as FitsBitpix
  const naxis = requireInt(header, 'NAXIS', context, 0, 999)
  const axes: number[] = []
  for (let n = 1; n <= naxis; n++) axes.push(requireInt(header, `NAXIS${n}`, context))
  let pcount = 0
  let gcount = 1
  if (index > 0) {
    pcount = requireInt(header, 'PCOUNT', context)
    gcount = requireInt(header, 'GCOUNT', context)
  }
  const groups = index === 0 && naxis > 0 && axes[0] === 0 && header.get('GROUPS') === true
  if (groups) {
    pcount = header.has('PCOUNT') ? requireInt(header, 'PCOUNT', context) : 0
    gcount = header.has('GCOUNT') ? requireInt(header, 'GCOUNT', context) : 1
  }
  let kind: FitsHduKind
  if (index === 0) kind = groups ? 'other' : 'image'
  else if (xtension === 'IMAGE') kind = 'image'
  else if (xtension === 'BINTABLE') kind = 'bintable'
  else if (xtension === 'TABLE') kind = 'table'
  else kind = 'other'
  if (kind === 'image' && index > 0 && (pcount !== 0 || gcount !== 1)) {
    throw new CorruptArtifactError(`${context}: an IMAGE extension needs PCOUNT = 0 and GCOUNT = 1`)
  }
  if (kind === 'bintable' && (bitpix !== 8 || naxis !== 2 || gcount !== 1)) {
    throw new CorruptArtifactError(`${context}: a BINTABLE needs BITPIX = 8, NAXIS = 2 and GCOUNT = 1`)
  }
  let elements = naxis === 0 ? 0 : 1
  for (const [i, n] of axes.entries()) if (!(groups && i === 0)) elements = multiply(elements, n, context)
  if (groups || index > 0) elements = multiply(elements + pcount, gcount, context)
  const dataSize = multiply(elements, bytesPerPixel(bitpix), context)
  const dataOffset = offset + headerBytes
  if (dataOffset + dataSize > fileSize) {
    throw new CorruptArtifactError(
      `${context}: the data is truncated (needs ${dataSize} bytes at offset ${dataOffset}; the file has ${fileSize})`,
    )
  }
  const name = header.get('EXTNAME')
  const version = header.get('EXTVER')
  return {
    index,
    kind,
    ...(xtension !== undefined ? { xtension } : {}),
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof version === 'number' ? { version } : {}),
    header,
    bitpix,
    shape: axes.reverse(),
    headerOffset: offset,
    dataOffset,
    dataSize,
  }
}

/**
 * Walks the HDUs of a FITS file on demand. Each HDU's header is read once; `at`, `find` and `all` read
 * further headers only when the HDUs seen so far do not answer. The `FitsHduInfo` it returns can be given
 * to `readImage` and `readTable`. Calls may overlap: the headers are still read once each, in order.
 *
 * @example
 * const scan = new FitsHduScanner(source)
 * const image = await scan.findExtension('IMAGE') // reads the headers up to the IMAGE extension only
 */
export class FitsHduScanner {
  /** The source scanned. */
  readonly source: ByteSource
  readonly #hdus: FitsHduInfo[] = []
  #offset = 0
  #done = false
  /** The scan of the next HDU under way, so overlapping calls wait for it instead of reading it again. */
  #next: Promise<boolean> | undefined

  /** Scans `source`; nothing is read until a method asks. */
  constructor(source: ByteSource) {
    this.source = source
  }

  /** Where the bytes come from, for messages. */
  get location(): string {
    return fitsLocation(this.source)
  }

  /** True once the scan has reached the end of the file. */
  get complete(): boolean {
    return this.#done
  }

  /** The HDU of this index (0 = primary), or undefined when the file has fewer. */
  async at(index: number): Promise<FitsHduInfo | undefined> {
    while (this.#hdus.length <= index && (await this.#scanNext())) {
      // keep scanning
    }
    return this.#hdus[index]
  }

  /** The first HDU satisfying `predicate`, reading headers until one does (or the file ends). */
  async find(predicate: (hdu: FitsHduInfo) => boolean): Promise<FitsHduInfo | undefined> {
    for (let i = 0; ; i++) {
      const hdu = await this.at(i)
      if (hdu === undefined || predicate(hdu)) return hdu
    }
  }

  /** The first extension (not the primary HDU) with this EXTNAME (case-insensitive). */
  findExtension(name: string): Promise<FitsHduInfo | undefined> {
    const wanted = name.toUpperCase()
    return this.find((h) => h.index > 0 && h.name?.trim().toUpperCase() === wanted)
  }

  /** Every HDU of the file. */
  async all(): Promise<FitsHduInfo[]> {
    while (await this.#scanNext()) {
      // keep scanning
    }
    return [...this.#hdus]
  }

  /** Reads the next HDU's header; false at the end of the file. One scan at a time. */
  #scanNext(): Promise<boolean> {
    if (this.#next) return this.#next
    const next = this.#scanOne().finally(() => {
      this.#next = undefined
    })
    this.#next = next
    return next
  }

  async #scanOne(): Promise<boolean> {
    if (this.#done) return false
    const source = this.source
    const where = this.location
    const offset = this.#offset
    const index = this.#hdus.length
    const context = `${where} HDU ${index}`
    if (index > 0 && offset >= source.size) {
      this.#done = true
      return false
    }
    if (index === 0) {
      if (source.size < FITS_BLOCK) {
        throw new CorruptArtifactError(
          `${where} is not a FITS file (${source.size} bytes, less than one 2880-byte block)`,
        )
      }
      if (!startsWith(await source.read(0, 8), 'SIMPLE  ')) {
        throw new CorruptArtifactError(`${where} is not a FITS file (it does not start with a SIMPLE card)`)
      }
    } else {
      const probe = await source.read(offset, Math.min(8, source.size - offset))
      if (!startsWith(probe, 'XTENSION')) {
        if (source.size - offset >= FITS_BLOCK) {
          const block = await source.read(offset, FITS_BLOCK)
          if (block.every((b) => b === 0)) {
            this.#done = true // trailing zero padding
            return false
          }
        }
        throw new CorruptArtifactError(
          `${context}: ${source.size - offset} bytes at offset ${offset} after HDU ${index - 1} do not start an extension (no XTENSION card)`,
        )
      }
    }
    const { header, headerBytes } = await this.#readHeader(offset, context)
    const hdu = hduInfo(header, { index, offset, headerBytes, fileSize: source.size, where })
    this.#hdus.push(hdu)
    this.#offset = hdu.dataOffset + paddedSize(hdu.dataSize)
    return true
  }

  /** Reads the header starting at `offset`: one block, then growing chunks until the END card. */
  async #readHeader(offset: number, context: string): Promise<{ header: FitsHeader; headerBytes: number }> {
    const source = this.source
    const parts: Uint8Array[] = []
    let total = 0
    let chunk = FITS_BLOCK
    for (;;) {
      const remaining = source.size - offset - total
      if (remaining < FITS_BLOCK) {
        throw new CorruptArtifactError(
          `${context}: the header is truncated (no END card before the end of the file)`,
        )
      }
      const length = Math.min(chunk, remaining - (remaining % FITS_BLOCK))
      const bytes = await source.read(offset + total, length)
      parts.push(bytes)
      const end = findEndCard(bytes)
      if (end >= 0) {
        const headerEnd = total + end
        return {
          header: FitsHeader.parse(concat(parts, headerEnd), context),
          headerBytes: paddedSize(headerEnd),
        }
      }
      total += length
      if (total >= SINGLE_BLOCK_READS * FITS_BLOCK)
        chunk = Math.min(chunk * 2, MAX_HEADER_CHUNK_BLOCKS * FITS_BLOCK)
    }
  }
}
