/**
 * FITS image pixels: how each NdArray dtype is stored (BITPIX, BZERO) and the conversions between the
 * big-endian bytes on disk and typed arrays.
 *
 * Writing (dtype → BITPIX, BZERO):
 * - `uint8` → 8; `bool` → 8 (0/1 bytes, read back as `uint8`); `int8` → 8 with BZERO = -128;
 * - `int16` → 16; `uint16` → 16 with BZERO = 32768;
 * - `int32` → 32; `uint32` → 32 with BZERO = 2147483648;
 * - `int64` → 64; `uint64` → 64 with BZERO = 9223372036854775808;
 * - `float32` → -32; `float64` → -64 (NaN is stored as a NaN, FITS's null for floats).
 *
 * Reading: BSCALE = 1 with no BZERO gives the dtype of BITPIX (8 → uint8, 16 → int16, 32 → int32, 64 →
 * int64, -32 → float32, -64 → float64); BSCALE = 1 with exactly the BZERO of a convention above gives the
 * unsigned (or int8) dtype back, exactly. Any other BSCALE/BZERO gives physical values `BZERO + BSCALE *
 * stored` as float32 for BITPIX 8, 16 and -32 and as float64 for BITPIX 32, 64 and -64 (as astropy does);
 * in that scaled case integer pixels equal to BLANK become NaN. Without scaling BLANK is left to the caller
 * (the pixels keep their stored value; the header keeps the BLANK card).
 */

import {
  NDARRAY_CONSTRUCTORS,
  type NdArray,
  type NdArrayData,
  type NdArrayDType,
} from '../../datasets/ndarray.js'
import { CorruptArtifactError, FormatterError } from '../../errors.js'
import { FITS_BLOCK, type FitsHeader, type FitsValue } from './header.js'

/** The BITPIX values of FITS: unsigned bytes, signed 16/32/64-bit integers, IEEE 32/64-bit floats. */
export type FitsBitpix = 8 | 16 | 32 | 64 | -32 | -64

/** Every valid BITPIX. */
export const FITS_BITPIX: readonly FitsBitpix[] = [8, 16, 32, 64, -32, -64]

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** BZERO of the sign-flip convention of each integer BITPIX (int8 for 8, unsigned for the others). */
const FLIP_ZERO: Readonly<Record<number, bigint>> = {
  8: -128n,
  16: 32768n,
  32: 2147483648n,
  64: 9223372036854775808n,
}

/** How a dtype is written: its BITPIX and, for the offset conventions, its BZERO. */
export interface FitsImageLayout {
  readonly bitpix: FitsBitpix
  /** BZERO to write (BSCALE is then 1); undefined when the values are stored as they are. */
  readonly bzero?: number | bigint
}

const LAYOUTS: Readonly<Record<NdArrayDType, FitsImageLayout>> = {
  uint8: { bitpix: 8 },
  bool: { bitpix: 8 },
  int8: { bitpix: 8, bzero: -128 },
  int16: { bitpix: 16 },
  uint16: { bitpix: 16, bzero: 32768 },
  int32: { bitpix: 32 },
  uint32: { bitpix: 32, bzero: 2147483648 },
  int64: { bitpix: 64 },
  uint64: { bitpix: 64, bzero: 9223372036854775808n },
  float32: { bitpix: -32 },
  float64: { bitpix: -64 },
}

/** Returns how an array of this dtype is stored. */
export function imageLayout(dtype: NdArrayDType): FitsImageLayout {
  const layout = LAYOUTS[dtype]
  if (!layout) throw new FormatterError(`FITS images cannot hold dtype ${String(dtype)}`)
  return layout
}

/** Bytes per element of a BITPIX. */
export function bytesPerPixel(bitpix: FitsBitpix): number {
  return Math.abs(bitpix) / 8
}

/** Rounds a byte count up to whole 2880-byte blocks. */
export function paddedSize(bytes: number): number {
  return Math.ceil(bytes / FITS_BLOCK) * FITS_BLOCK
}

/**
 * Reverses the byte order of every `size`-byte element of `bytes` in place (on little-endian hosts; FITS is
 * big-endian), with Node's native swap. `bytes.length` must be a multiple of `size`.
 */
export function swapInPlace(bytes: Uint8Array, size: number): void {
  if (size === 1 || !HOST_LITTLE_ENDIAN || bytes.length === 0) return
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (size === 2) b.swap16()
  else if (size === 4) b.swap32()
  else b.swap64()
}

/** Flips the sign bit of every big-endian `size`-byte element (adds or removes the BZERO offset). */
function flipSignBits(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) bytes[i]! ^= 0x80
}

/** Flips the sign bit of every host-order `size`-byte element. */
function flipNativeSignBits(bytes: Uint8Array, size: number): void {
  for (let i = HOST_LITTLE_ENDIAN ? size - 1 : 0; i < bytes.length; i += size) bytes[i]! ^= 0x80
}

/**
 * Where elements sit in FITS data: `rows` rows of `rowBytes` bytes each, `width` elements in each row from
 * its byte `start` (any alignment: a column of a binary table; the rows under a box of an image).
 */
export interface ByteRows {
  readonly rows: number
  readonly rowBytes: number
  readonly start: number
  readonly width: number
}

/** Runs shorter than this many bytes are copied a word at a time (cheaper than a subarray per run). */
const BYTE_LOOP_LIMIT = 64

/** One side of a copy of runs: its bytes, the distance between runs and where the first run starts. */
interface Runs {
  readonly bytes: Uint8Array
  readonly stride: number
  readonly start: number
}

/** Copies `count` runs of `runBytes` bytes from `from` to `to` (4-byte words, then single bytes). */
function copyRuns(from: Runs, to: Runs, count: number, runBytes: number): void {
  const { bytes: source, stride: sourceStride } = from
  const { bytes: target, stride: targetStride } = to
  if (runBytes === 0) return
  if (runBytes >= BYTE_LOOP_LIMIT) {
    for (let r = 0, s = from.start, t = to.start; r < count; r++, s += sourceStride, t += targetStride)
      target.set(source.subarray(s, s + runBytes), t)
    return
  }
  const sourceView = new DataView(source.buffer, source.byteOffset, source.byteLength)
  const targetView = new DataView(target.buffer, target.byteOffset, target.byteLength)
  const words = runBytes - (runBytes % 4)
  for (let r = 0, s = from.start, t = to.start; r < count; r++, s += sourceStride, t += targetStride) {
    let k = 0
    for (; k < words; k += 4) targetView.setUint32(t + k, sourceView.getUint32(s + k))
    for (; k < runBytes; k++) target[t + k] = source[s + k]!
  }
}

/**
 * Writes the elements of `data` (`size` bytes each, `layout.rows * layout.width` of them) big-endian into
 * `out` at the places `layout` gives, with the sign bits flipped when `flip` (the BZERO/TZERO offset
 * conventions). The inverse of {@link decodeRows}.
 */
export function encodeRows(
  data: NdArrayData,
  size: number,
  flip: boolean,
  out: Uint8Array,
  layout: ByteRows,
): void {
  const { rows, rowBytes, start } = layout
  const keepBytes = layout.width * size
  const contiguous = start === 0 && keepBytes === rowBytes
  const buf = contiguous ? out.subarray(0, rows * keepBytes) : new Uint8Array(rows * keepBytes)
  buf.set(new Uint8Array(data.buffer, data.byteOffset, buf.length))
  swapInPlace(buf, size)
  if (flip) flipSignBits(buf, size)
  if (!contiguous) {
    copyRuns(
      { bytes: buf, stride: keepBytes, start: 0 },
      { bytes: out, stride: rowBytes, start },
      rows,
      keepBytes,
    )
  }
}

/**
 * Encodes an array's elements as FITS data: big-endian, offset for the unsigned conventions, zero-padded
 * to whole blocks. Returns the chunks to write (one copy of the data; `uint8`/`bool` are not copied).
 */
export function encodeImageData(array: NdArray): Uint8Array[] {
  const { bitpix, bzero } = imageLayout(array.dtype)
  const { data } = array
  const size = bytesPerPixel(bitpix)
  const byteLength = data.length * size
  const padded = paddedSize(byteLength)
  const raw = new Uint8Array(data.buffer, data.byteOffset, byteLength)
  if (size === 1 && bzero === undefined) {
    if (array.dtype === 'bool') {
      for (let i = 0; i < raw.length; i++) {
        if (raw[i]! > 1) throw new FormatterError('FITS image of dtype bool holds a byte other than 0 and 1')
      }
    }
    return padded === byteLength ? [raw] : [raw, new Uint8Array(padded - byteLength)]
  }
  const out = new Uint8Array(padded)
  encodeRows(data, size, bzero !== undefined, out, {
    rows: 1,
    rowBytes: byteLength,
    start: 0,
    width: data.length,
  })
  return [out]
}

/** How stored pixels become values. */
export interface PixelDecoding {
  readonly bitpix: FitsBitpix
  /** The dtype of the values returned. */
  readonly dtype: NdArrayDType
  /** `native`: stored as is; `flip`: offset convention (sign bit flip); `scaled`: BZERO + BSCALE * stored. */
  readonly mode: 'native' | 'flip' | 'scaled'
  readonly bzero: number
  readonly bscale: number
  /** For scaled integer data: the stored value that becomes NaN. */
  readonly blank?: bigint
}

const NATIVE_DTYPE: Readonly<Record<FitsBitpix, NdArrayDType>> = {
  8: 'uint8',
  16: 'int16',
  32: 'int32',
  64: 'int64',
  [-32]: 'float32',
  [-64]: 'float64',
}
const FLIP_DTYPE: Readonly<Record<number, NdArrayDType>> = {
  8: 'int8',
  16: 'uint16',
  32: 'uint32',
  64: 'uint64',
}

function numeric(
  value: FitsValue | undefined,
  key: string,
  fallback: number,
  context: string,
): number | bigint {
  if (value === undefined) return fallback
  if (typeof value === 'number' || typeof value === 'bigint') return value
  throw new CorruptArtifactError(`${context}: ${key} must be a number, got ${JSON.stringify(value)}`)
}

function equalsBig(value: number | bigint, target: bigint): boolean {
  if (typeof value === 'bigint') return value === target
  return Number.isInteger(value) && BigInt(value) === target
}

/**
 * The decoding of values stored as they are (`flip` false: the dtype of BITPIX) or in the sign-flip
 * convention (`flip` true, integer BITPIX only: int8 or the unsigned dtype).
 */
export function unscaledDecoding(bitpix: FitsBitpix, flip: boolean): PixelDecoding {
  if (!flip) return { bitpix, dtype: NATIVE_DTYPE[bitpix], mode: 'native', bzero: 0, bscale: 1 }
  const dtype = FLIP_DTYPE[bitpix]
  if (dtype === undefined) throw new FormatterError(`BITPIX ${bitpix} has no sign-flip convention`)
  return { bitpix, dtype, mode: 'flip', bzero: Number(FLIP_ZERO[bitpix]), bscale: 1 }
}

/** Works out how the pixels of an image HDU decode, from BITPIX, BZERO, BSCALE and BLANK. */
export function pixelDecoding(header: FitsHeader, bitpix: FitsBitpix, context: string): PixelDecoding {
  const bzero = numeric(header.get('BZERO'), 'BZERO', 0, context)
  const bscale = numeric(header.get('BSCALE'), 'BSCALE', 1, context)
  if (Number(bscale) === 0) throw new CorruptArtifactError(`${context}: BSCALE is 0`)
  if (equalsBig(bscale, 1n)) {
    if (Number(bzero) === 0) return unscaledDecoding(bitpix, false)
    const flip = FLIP_ZERO[bitpix]
    if (flip !== undefined && equalsBig(bzero, flip)) return unscaledDecoding(bitpix, true)
  }
  const dtype: NdArrayDType = bitpix === 8 || bitpix === 16 || bitpix === -32 ? 'float32' : 'float64'
  const blankValue = header.get('BLANK')
  const decoding = { bitpix, dtype, mode: 'scaled' as const, bzero: Number(bzero), bscale: Number(bscale) }
  if (bitpix > 0 && (typeof blankValue === 'bigint' || Number.isSafeInteger(blankValue))) {
    return { ...decoding, blank: BigInt(blankValue as number | bigint) }
  }
  return decoding
}

/** The part of each row to keep: `width` elements from element `x0` of rows of `rowElements`. */
export interface RowCrop {
  readonly rows: number
  readonly rowElements: number
  readonly x0: number
  readonly width: number
}

/** A fresh host-order buffer seen as the typed array of `dtype`. */
function typedView(dtype: NdArrayDType, bytes: Uint8Array): NdArrayData {
  const Ctor = NDARRAY_CONSTRUCTORS[dtype] as unknown as {
    new (buffer: ArrayBufferLike, byteOffset: number, length: number): NdArrayData
    readonly BYTES_PER_ELEMENT: number
  }
  return new Ctor(bytes.buffer, bytes.byteOffset, bytes.byteLength / Ctor.BYTES_PER_ELEMENT)
}

/**
 * Decodes big-endian pixel bytes (`crop.rows` whole rows) into a new typed array of `decoding.dtype`,
 * keeping `crop.width` elements of each row from `crop.x0`. `raw` is never modified (it may be the
 * caller's buffer); the pixels are copied and byte-swapped once.
 */
export function decodePixels(raw: Uint8Array, decoding: PixelDecoding, crop: RowCrop): NdArrayData {
  const size = bytesPerPixel(decoding.bitpix)
  return decodeRows(raw, decoding, {
    rows: crop.rows,
    rowBytes: crop.rowElements * size,
    start: crop.x0 * size,
    width: crop.width,
  })
}

/**
 * Decodes the big-endian elements that `layout` picks out of `raw` (BITPIX elements, from a byte offset
 * of each row) into a new typed array of `decoding.dtype`, as {@link decodePixels} does for pixels.
 * `raw` is never modified.
 */
export function decodeRows(raw: Uint8Array, decoding: PixelDecoding, layout: ByteRows): NdArrayData {
  const size = bytesPerPixel(decoding.bitpix)
  const { rows, rowBytes, start } = layout
  const keepBytes = layout.width * size
  const buf = new Uint8Array(rows * keepBytes)
  if (start === 0 && keepBytes === rowBytes) {
    buf.set(raw.subarray(0, buf.length))
  } else {
    copyRuns(
      { bytes: raw, stride: rowBytes, start },
      { bytes: buf, stride: keepBytes, start: 0 },
      rows,
      keepBytes,
    )
  }
  swapInPlace(buf, size)
  if (decoding.mode === 'flip') flipNativeSignBits(buf, size)
  if (decoding.mode !== 'scaled') return typedView(decoding.dtype, buf)
  const stored = typedView(NATIVE_DTYPE[decoding.bitpix], buf)
  const out = decoding.dtype === 'float32' ? new Float32Array(stored.length) : new Float64Array(stored.length)
  const { bzero, bscale } = decoding
  if (stored instanceof BigInt64Array) {
    const blank = decoding.blank
    for (let i = 0; i < stored.length; i++) {
      const s = stored[i]!
      out[i] = s === blank ? Number.NaN : bzero + bscale * Number(s)
    }
  } else {
    const values = stored as Exclude<NdArrayData, BigInt64Array | BigUint64Array>
    const blank = decoding.blank === undefined ? undefined : Number(decoding.blank)
    for (let i = 0; i < values.length; i++) {
      const s = values[i]!
      out[i] = s === blank ? Number.NaN : bzero + bscale * s
    }
  }
  return out
}
