/**
 * Whole FITS files: writing a list of HDUs, finding the HDUs of a file by reading only its headers, and
 * reading one image (optionally just a box of it) or one table through a `ByteSource`.
 *
 * Reading is bounded by the file size everywhere: each HDU advances by at least one 2880-byte block and every
 * size is checked against the file before anything is read, so a corrupt file gives `CorruptArtifactError`
 * (naming the location and the HDU index) rather than a hang or a crash. Lenient where real files are: data
 * padding missing at the very end of the file and trailing zero blocks are accepted.
 */

import { NDARRAY_CONSTRUCTORS, type NdArray, type NdArrayDType, shapeSize } from '../../datasets/ndarray.js'
import { FormatterError, ReadParameterError } from '../../errors.js'
import type { ByteSource } from '../byte-source.js'
import { decodeBinTable, encodeBinTable, type FitsTable } from './bintable.js'
import type { FitsBinTableHdu, FitsHdu, FitsHduInfo, FitsImageHdu } from './hdu.js'
import { isStructuralKey } from './hdu.js'
import { FitsHduScanner, fitsLocation } from './hdu-scanner.js'
import { FitsHeader } from './header.js'
import { bytesPerPixel, decodePixels, encodeImageData, imageLayout, pixelDecoding } from './image.js'

/** A rectangle of pixels: 0-based column `x0` and row `y0` of its first pixel, and its size. */
export interface FitsBox {
  readonly x0: number
  readonly y0: number
  readonly width: number
  readonly height: number
}

function checkArray(array: NdArray, what: string): void {
  const { dtype, shape, data } = array as { dtype: unknown; shape: unknown; data: unknown }
  if (typeof dtype !== 'string' || !Object.hasOwn(NDARRAY_CONSTRUCTORS, dtype)) {
    throw new FormatterError(`${what}: unknown dtype ${String(dtype)}`)
  }
  if (!(data instanceof NDARRAY_CONSTRUCTORS[dtype as NdArrayDType])) {
    throw new FormatterError(`${what}: data is not the typed array of dtype ${dtype}`)
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new FormatterError(`${what}: invalid shape`)
  }
  if (shape.length === 0 || shape.length > 999) {
    throw new FormatterError(`${what}: FITS images have 1 to 999 axes, this array has ${shape.length}`)
  }
  if (shapeSize(shape) !== (data as ArrayLike<unknown>).length) {
    throw new FormatterError(
      `${what}: shape [${shape.join(', ')}] does not match ${(data as ArrayLike<unknown>).length} elements`,
    )
  }
}

/** Appends the caller's cards to `header`, skipping structural keys (and EXTNAME when `name` overrides it). */
function copyUserCards(
  header: FitsHeader,
  user: FitsHeader | undefined,
  options: { keepBlank: boolean; name: boolean },
) {
  if (!user) return
  for (const card of user.cards()) {
    const key = card.key.toUpperCase()
    if (card.value !== undefined && isStructuralKey(key) && !(key === 'BLANK' && options.keepBlank)) continue
    if (card.value === undefined && key === 'END') continue
    if (options.name && key === 'EXTNAME' && card.value !== undefined) continue
    header.add(card)
  }
}

function imageHeader(hdu: FitsImageHdu, primary: boolean, extend: boolean, index: number): FitsHeader {
  const header = new FitsHeader()
  const data = hdu.data
  if (data) checkArray(data, `FITS HDU ${index}`)
  const layout = data ? imageLayout(data.dtype) : { bitpix: 8 as const }
  if (primary) header.set('SIMPLE', true, 'conforms to FITS standard')
  else header.set('XTENSION', 'IMAGE', 'image extension')
  header.set('BITPIX', layout.bitpix, 'array data type')
  const axes = data ? [...data.shape].reverse() : []
  header.set('NAXIS', axes.length, 'number of array dimensions')
  for (const [i, n] of axes.entries()) header.set(`NAXIS${i + 1}`, n)
  if (primary && extend) header.set('EXTEND', true, 'FITS extensions may follow')
  if (!primary) {
    header.set('PCOUNT', 0, 'number of parameters')
    header.set('GCOUNT', 1, 'number of groups')
  }
  if (layout.bzero !== undefined) {
    header.set('BZERO', layout.bzero, 'offset of the stored integers')
    header.set('BSCALE', 1)
  }
  if (hdu.name !== undefined) header.set('EXTNAME', hdu.name, 'extension name')
  copyUserCards(header, hdu.header, {
    keepBlank: layout.bitpix > 0 && layout.bzero === undefined,
    name: hdu.name !== undefined,
  })
  return header
}

function tableHeader(
  hdu: FitsBinTableHdu,
  rowBytes: number,
  cards: ReturnType<typeof encodeBinTable>['cards'],
) {
  const header = new FitsHeader()
  header.set('XTENSION', 'BINTABLE', 'binary table extension')
  header.set('BITPIX', 8, 'array data type')
  header.set('NAXIS', 2, 'number of array dimensions')
  header.set('NAXIS1', rowBytes, 'length of a row in bytes')
  header.set('NAXIS2', hdu.table.rows, 'number of rows')
  header.set('PCOUNT', 0, 'size of the heap')
  header.set('GCOUNT', 1, 'number of groups')
  for (const card of cards) header.add(card)
  if (hdu.name !== undefined) header.set('EXTNAME', hdu.name, 'extension name')
  copyUserCards(header, hdu.header, { keepBlank: false, name: hdu.name !== undefined })
  return header
}

/**
 * Serialises HDUs as a FITS file: the first is the primary HDU (an empty primary is added first when it is a
 * table; none given writes an empty primary), the others IMAGE or BINTABLE extensions. Returns the chunks to
 * write in order (headers, then each data block: pixel data is copied once to swap it big-endian; `uint8`
 * images are not copied). Throws `FormatterError` for values FITS cannot hold.
 */
export function writeFits(hdus: readonly FitsHdu[]): Uint8Array[] {
  const list: FitsHdu[] = [...hdus]
  if (list.length === 0 || list[0]!.kind !== 'image') list.unshift({ kind: 'image', data: null })
  const chunks: Uint8Array[] = []
  list.forEach((hdu, index) => {
    if (hdu.kind === 'image') {
      chunks.push(imageHeader(hdu, index === 0, list.length > 1, index).toBytes())
      if (hdu.data && hdu.data.data.length > 0) chunks.push(...encodeImageData(hdu.data))
    } else if (hdu.kind === 'bintable') {
      const encoded = encodeBinTable(hdu.table)
      chunks.push(tableHeader(hdu, encoded.rowBytes, encoded.cards).toBytes())
      if (encoded.data.length > 0) chunks.push(encoded.data)
    } else {
      throw new FormatterError(
        `FITS HDU ${index} has unknown kind ${String((hdu as { kind: unknown }).kind)}`,
      )
    }
  })
  return chunks
}

/**
 * Lists the HDUs of a FITS file, reading only the headers (it seeks from header to header using the data
 * sizes): `FitsHduScanner` run to the end of the file. Throws `CorruptArtifactError` for anything that is
 * not a well-formed FITS file (no SIMPLE card, bad XTENSION, invalid BITPIX/NAXISn, data running past the
 * end of the file, garbage between HDUs).
 */
export function readFitsStructure(source: ByteSource): Promise<FitsHduInfo[]> {
  return new FitsHduScanner(source).all()
}

/** The first HDU with this EXTNAME (case-insensitive) and, when given, EXTVER. */
export function findHdu(
  hdus: readonly FitsHduInfo[],
  name: string,
  version?: number,
): FitsHduInfo | undefined {
  const wanted = name.trim().toUpperCase()
  return hdus.find(
    (h) => h.name?.trim().toUpperCase() === wanted && (version === undefined || (h.version ?? 1) === version),
  )
}

function hduContext(source: ByteSource, hdu: FitsHduInfo): string {
  return `${fitsLocation(source)} HDU ${hdu.index}${hdu.name ? ` (${hdu.name})` : ''}`
}

function describeKind(hdu: FitsHduInfo): string {
  return hdu.index === 0 ? 'primary array' : `${hdu.xtension ?? hdu.kind} extension`
}

function checkBox(box: FitsBox, height: number, width: number, context: string): void {
  const { x0, y0, width: w, height: h } = box
  const ok = [x0, y0, w, h].every((v) => Number.isSafeInteger(v) && v >= 0)
  if (!ok || x0 + w > width || y0 + h > height) {
    throw new ReadParameterError(
      `${context}: box x0=${x0} y0=${y0} width=${w} height=${h} is not inside the ${width}×${height} image`,
    )
  }
}

/**
 * Reads an image HDU as an NdArray (shape in C order: `[NAXIS2, NAXIS1]` for a 2-D image; dtype as described
 * in `image.ts`); returns null for NAXIS = 0. With `box` (2-D images only) it reads just the rows
 * `y0 .. y0 + height - 1` (one contiguous read) and crops the columns, returning shape `[height, width]`.
 * Throws `FormatterError` when the HDU is not an image, `ReadParameterError` for a box outside the image.
 */
export async function readImage(
  source: ByteSource,
  hdu: FitsHduInfo,
  box?: FitsBox,
): Promise<NdArray | null> {
  const context = hduContext(source, hdu)
  if (hdu.kind !== 'image') throw new FormatterError(`${context} is a ${describeKind(hdu)}, not an image`)
  const decoding = pixelDecoding(hdu.header, hdu.bitpix, context)
  const size = bytesPerPixel(hdu.bitpix)
  const { shape } = hdu
  if (!box) {
    if (shape.length === 0) return null
    const count = shapeSize(shape)
    const raw = await source.read(hdu.dataOffset, count * size)
    const data = decodePixels(raw, decoding, { rows: 1, rowElements: count, x0: 0, width: count })
    return { dtype: decoding.dtype, shape: [...shape], data } as NdArray
  }
  if (shape.length !== 2) {
    throw new ReadParameterError(`${context}: a box needs a 2-D image; this one has NAXIS = ${shape.length}`)
  }
  const [height, width] = shape as [number, number]
  checkBox(box, height, width, context)
  const rowBytes = width * size
  const raw = await source.read(hdu.dataOffset + box.y0 * rowBytes, box.height * rowBytes)
  const data = decodePixels(raw, decoding, {
    rows: box.height,
    rowElements: width,
    x0: box.x0,
    width: box.width,
  })
  return { dtype: decoding.dtype, shape: [box.height, box.width], data } as NdArray
}

/** Reads a BINTABLE HDU. Throws `FormatterError` when the HDU is not one or has unsupported columns. */
export async function readTable(source: ByteSource, hdu: FitsHduInfo): Promise<FitsTable> {
  const context = hduContext(source, hdu)
  if (hdu.kind !== 'bintable')
    throw new FormatterError(`${context} is a ${describeKind(hdu)}, not a binary table`)
  const [rows, rowBytes] = hdu.shape as [number, number]
  const data = await source.read(hdu.dataOffset, rows * rowBytes)
  return decodeBinTable(hdu.header, data, context)
}

/** Reads one HDU (image or binary table) with its header, in the form `writeFits` takes. */
export async function readHdu(source: ByteSource, hdu: FitsHduInfo): Promise<FitsHdu> {
  const name = hdu.name !== undefined ? { name: hdu.name } : {}
  if (hdu.kind === 'bintable')
    return { kind: 'bintable', header: hdu.header, table: await readTable(source, hdu), ...name }
  if (hdu.kind === 'image')
    return { kind: 'image', header: hdu.header, data: await readImage(source, hdu), ...name }
  throw new FormatterError(`${hduContext(source, hdu)} is a ${describeKind(hdu)}, which is not supported`)
}

/** Reads every HDU of a file (see {@link readHdu}); unsupported HDU kinds throw `FormatterError`. */
export async function readFits(source: ByteSource): Promise<FitsHdu[]> {
  const out: FitsHdu[] = []
  for (const hdu of await readFitsStructure(source)) out.push(await readHdu(source, hdu))
  return out
}
