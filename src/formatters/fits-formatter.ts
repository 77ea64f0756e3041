/**
 * FITS files for the image model: `Image`, `Mask`, `MaskedImage`, `Exposure`, `Wcs`, `Psf` and
 * `PropertyList`, through our own FITS codec (`./fits/`), laid out as LSST's afw writes them.
 *
 * Layout by storage class type:
 *
 * - `image`: a primary image;
 * - `mask`: a primary int32 image with `MP_<PLANE> = bit` cards (as afw);
 * - `masked-image`: an empty primary (`NEXTEND = 3`), then image extensions `IMAGE`, `MASK`, `VARIANCE`;
 * - `exposure`: a primary without data holding the metadata, `FILTER` and `NEXTEND`; `IMAGE`, `MASK`,
 *   `VARIANCE`; when present a `PSF` image extension (the float64 kernel, `FWHM` card) and one-row binary
 *   tables `VISITINFO`, `SUMMARYSTATS`, `PHOTOCALIB`;
 * - `wcs`: a primary header only: `WCSAXES = 2` and the WCS cards;
 * - `psf`: a primary image, the kernel, with an `FWHM` card;
 * - `property-list`: a primary header only, one card per entry.
 *
 * Pixel frame: every pixel HDU records the parent-frame origin `(x0, y0)` of its first pixel as
 * `LTV1 = -x0`, `LTV2 = -y0` and as afw's alternate WCS "A" (`CTYPE1A = 'LINEAR'`, `CRPIX1A = 1`,
 * `CRVAL1A = x0`, `CUNIT1A = 'pixel'`, and the same for axis 2). On read `LTVn` wins; without it a linear
 * WCS "A" is used; without either the origin is (0, 0).
 *
 * Celestial WCS: the `IMAGE`, `MASK` and `VARIANCE` headers carry the exposure's WCS written for the HDU's
 * own pixel grid (`wcs.shifted(-x0, -y0)`), so any FITS reader (astropy, ds9) finds the same sky position
 * for a pixel as `Wcs.pixelToSky` does at the parent coordinates of that pixel. Reading shifts it back.
 * When that shift is not exact in floating point, the parent-frame `CRPIXn` is kept too as `HIERARCH LSST
 * PARENT CRPIXn` (used only while it still matches the file's `CRPIXn`), so the WCS reads back exactly.
 *
 * Metadata (`exposure`, `property-list`): one card per entry of the `PropertyList`, in order. FITS rules
 * apply: keys of up to 8 characters of `A-Z 0-9 _ -` are case-insensitive and come back upper-case, longer
 * or other keys are written as `HIERARCH` cards and keep their case; trailing spaces of strings and of
 * comments are not kept, comments are cut to what fits in the card; NaN, infinities and non-ASCII text
 * cannot be written (`FormatterError`); bigints within ±2^53 come back as numbers. Entries named like the
 * codec's structural keys (`SIMPLE`, `BITPIX`, `NAXISn`, `EXTEND`, `BZERO`, `CHECKSUM`, ...) and
 * provenance keys (`LSST BUTLER ...`) are not written. `COMMENT` and `HISTORY` entries (strings) become
 * commentary cards, long ones split over several; reading joins the cards of each (directly after a full
 * 72-character card, else with a space). An exposure's `filter` is the primary `FILTER` card (a metadata
 * entry `FILTER` that differs from the filter is a `FormatterError`, and one of an exposure without a
 * filter comes back as its filter); reading removes `FILTER` from the metadata, and `NEXTEND`, which the
 * formatter writes itself. A `null` value is FITS's undefined value (`KEY =`), which fitsverify accepts
 * with a warning.
 *
 * Tables: `visitInfo`, `summaryStats` and `photoCalib` are one-row binary tables with one column per
 * entry: numbers as `D` (NaN kept), bigints as `K`, booleans as `L`, `null` as an undefined `L`, ASCII
 * strings as `A`. Any other value (nested objects and arrays, strings with non-ASCII characters or
 * trailing spaces) is stored as ASCII JSON text in an `A` column whose `TUNITn` is `JSON` and parsed back
 * on read; nested values must be JSON (no bigints, NaN or infinities: `FormatterError`).
 *
 * Provenance: each key of the write context's flat provenance (`id`, `run`, `dataid.<dim>`,
 * `input.<n>.id`, ...) is a primary card `HIERARCH LSST BUTLER <KEY>` (upper case, dots as spaces), as the
 * reference does. Reading the image model drops those cards from the metadata; `readFitsProvenance` gives
 * them back as a flat dictionary.
 *
 * Reading (`readFrom`) walks the headers only as far as needed and reads only the HDUs asked for: a
 * component (`image`, `mask`, `variance`, `wcs` from the IMAGE header, `psf`, `metadata`, `visitInfo`,
 * `summaryStats`, `photoCalib`, `filter`) reads its own HDU or header; `bbox`, `dimensions` and `xy0` come
 * from the IMAGE header alone; the `bbox` read parameter (parent coordinates, clipped to the image exactly
 * like `Image.subimage`) reads only the rows under the box of each pixel HDU. Files of other writers are
 * read when they fit: a plain image in the primary HDU read as an exposure or masked image (zero mask and
 * variance, as `MaskedImage` makes them; the other cards are the metadata), an image, mask or PSF in an
 * extension of that name. Damaged files, and valid FITS files that do not hold the storage class (no
 * `IMAGE` HDU for an exposure, a table where an image should be, fewer extensions than `NEXTEND` says, as
 * when a file is cut at an HDU boundary), give `CorruptArtifactError` naming the location and what is
 * wrong.
 */

import type { NdArray } from '../datasets/ndarray.js'
import { isPlainObject } from '../datasets/storage-class-type.js'
import {
  ButlerUserError,
  CorruptArtifactError,
  FormatterError,
  ReadParameterError,
  StorageClassError,
} from '../errors.js'
import { Box2I } from '../images/box.js'
import {
  EXPOSURE_COMPONENTS,
  Exposure,
  type ExposureSummaryStats,
  isPhotoCalib,
  type VisitInfo,
} from '../images/exposure.js'
import { Image } from '../images/image.js'
import { Mask } from '../images/mask.js'
import { MaskedImage } from '../images/masked-image.js'
import { overlapOf } from '../images/pixel-array.js'
import { PropertyList } from '../images/property-list.js'
import { Psf } from '../images/psf.js'
import { isWcsCardName, Wcs } from '../images/wcs.js'
import { type ByteSource, MemoryByteSource, RelabelledSource } from './byte-source.js'
import {
  type FitsColumn,
  type FitsHdu,
  type FitsHduInfo,
  FitsHduScanner,
  FitsHeader,
  type FitsTable,
  isStructuralKey,
  readImage,
  readTable,
  tableToRecord,
  writeFits,
} from './fits/index.js'
import {
  checkDecoded,
  checkWrite,
  type Formatter,
  type FormatterReadContext,
  type FormatterReadResult,
  type FormatterWriteContext,
} from './formatter.js'

/** Prefix (after `HIERARCH`) of the primary-header cards holding a dataset's provenance. */
export const FITS_PROVENANCE_PREFIX = 'LSST BUTLER'

/** The storage class types `FitsFormatter` reads and writes. */
export const FITS_STORAGE_CLASS_TYPES = [
  'image',
  'mask',
  'masked-image',
  'exposure',
  'wcs',
  'psf',
  'property-list',
] as const

type FitsType = (typeof FITS_STORAGE_CLASS_TYPES)[number]

/** Components of an exposure stored in the primary header or in an HDU of their own. */
const EXPOSURE_PARTS: ReadonlySet<string> = new Set(EXPOSURE_COMPONENTS)
const MASKED_IMAGE_PARTS = new Set(['image', 'mask', 'variance'])
const DERIVED = new Set(['bbox', 'dimensions', 'xy0'])
const TABLES = { visitInfo: 'VISITINFO', summaryStats: 'SUMMARYSTATS', photoCalib: 'PHOTOCALIB' } as const
type TablePart = keyof typeof TABLES

/** Unit marking a table column whose strings are JSON texts. */
const JSON_UNIT = 'JSON'
/** Keys of the alternate WCS "A" written for the pixel origin. */
const ORIGIN_KEYS =
  /^(LTV[12]|LTM[12]_[12]|(CTYPE|CRPIX|CRVAL|CUNIT|CDELT)[12]A|WCSNAMEA|LSST PARENT CRPIX[12])$/
const PROVENANCE_KEY = new RegExp(`^${FITS_PROVENANCE_PREFIX} `, 'i')
const COMMENTARY_WIDTH = 72
const NEXTEND_COMMENT = 'number of extensions'

/** True for a key of the flat provenance cards (`LSST BUTLER ...`, any case). */
function isProvenanceKey(key: string): boolean {
  return PROVENANCE_KEY.test(key.trim().replace(/\s+/g, ' '))
}

/**
 * Writes and reads the image model as FITS (see the module comment for the layout). Read parameter
 * applied natively: `bbox`. Reads components alone (`readsComponents`).
 */
export class FitsFormatter implements Formatter {
  readonly name = 'FitsFormatter'
  readonly extension = '.fits'
  readonly supportedExtensions = ['.fits', '.fit'] as const
  readonly storageClassTypes = FITS_STORAGE_CLASS_TYPES
  readonly readsComponents = true

  async toBytes(obj: unknown, ctx: FormatterWriteContext): Promise<Uint8Array[]> {
    checkWrite(this, obj, ctx, { types: FITS_STORAGE_CLASS_TYPES, writeParameters: [] })
    const type = ctx.storageClass.type as FitsType
    const hdus = buildHdus(obj, type)
    const primary = hdus[0]!.header!
    for (const [key, value] of Object.entries(ctx.provenance ?? {})) {
      const card = `${FITS_PROVENANCE_PREFIX} ${key.toUpperCase().replaceAll('.', ' ')}`
      primary.set(card, value)
    }
    return writeFits(hdus)
  }

  async fromBytes(bytes: Uint8Array, ctx: FormatterReadContext): Promise<FormatterReadResult> {
    return this.readFrom(new MemoryByteSource(bytes, ctx.location ?? ''), ctx)
  }

  /**
   * Reads from random-access storage, fetching the headers up to the HDUs needed and only those HDUs
   * (only the rows under a `bbox`).
   */
  async readFrom(source: ByteSource, ctx: FormatterReadContext): Promise<FormatterReadResult> {
    const type = ctx.storageClass.type
    if (!(FITS_STORAGE_CLASS_TYPES as readonly string[]).includes(type)) {
      throw new StorageClassError(
        `${this.name} cannot read storage class '${ctx.storageClass.name}' (type ${type}); it reads types ${FITS_STORAGE_CLASS_TYPES.join(', ')}`,
      )
    }
    const location = ctx.location || source.location || '(unnamed FITS data)'
    const located = source.location === location ? source : new RelabelledSource(source, location)
    const reader = new FitsReader(new FitsHduScanner(located))
    let result: FormatterReadResult
    try {
      const bboxValue = ctx.readParameters.bbox
      const box = bboxValue === undefined ? undefined : Box2I.from(bboxValue)
      result = await reader.read(type as FitsType, ctx.component, box)
    } catch (error) {
      throw readError(this.name, location, error)
    }
    if (!result.component) checkDecoded(this, result.value, ctx)
    return result
  }
}

/**
 * Reads the provenance cards (`HIERARCH LSST BUTLER <KEY>`) of a FITS file's primary header back into the
 * flat dictionary that was written (`id`, `run`, `dataid.<dim>`, `n_inputs`, `input.<n>.id`, ...: keys
 * lower-cased, spaces as dots). Reads the primary header only.
 */
export async function readFitsProvenance(source: ByteSource): Promise<Record<string, string | number>> {
  const primary = await new FitsHduScanner(source).at(0)
  const out: Record<string, string | number> = {}
  for (const card of primary?.header.cards() ?? []) {
    if (card.value === undefined || card.value === null || !isProvenanceKey(card.key)) continue
    const key = card.key
      .trim()
      .replace(/\s+/g, ' ')
      .slice(FITS_PROVENANCE_PREFIX.length + 1)
      .toLowerCase()
      .replaceAll(' ', '.')
    const v = card.value
    out[key] = typeof v === 'string' || typeof v === 'number' ? v : String(v)
  }
  return out
}

/** Turns a failure while reading into a user error naming the location (bad parameters stay as they are). */
function readError(formatter: string, location: string, error: unknown): unknown {
  if (error instanceof CorruptArtifactError || error instanceof ReadParameterError) return error
  if (error instanceof ButlerUserError) {
    return new CorruptArtifactError(`${formatter} cannot read ${location}: ${error.message}`, {
      cause: error,
    })
  }
  return error
}

// ---------------------------------------------------------------------------------------------------
// Writing

function buildHdus(obj: unknown, type: FitsType): FitsHdu[] {
  switch (type) {
    case 'image': {
      const image = obj as Image
      return [{ kind: 'image', data: image.array, header: pixelHeader(image.x0, image.y0, undefined) }]
    }
    case 'mask': {
      const mask = obj as Mask
      return [{ kind: 'image', data: mask.array, header: maskHeader(mask, undefined) }]
    }
    case 'masked-image': {
      const header = new FitsHeader().set('NEXTEND', 3, NEXTEND_COMMENT)
      return [{ kind: 'image', data: null, header }, ...maskedImageHdus(obj as MaskedImage)]
    }
    case 'exposure':
      return exposureHdus(obj as Exposure)
    case 'wcs': {
      // WCSAXES first: without data (NAXIS = 0) the WCS keywords need it to be valid.
      const header = new FitsHeader().set('WCSAXES', 2, 'number of WCS axes')
      addWcsCards(header, obj as Wcs)
      return [{ kind: 'image', data: null, header }]
    }
    case 'psf':
      return [psfHdu(obj as Psf, undefined)]
    case 'property-list': {
      const header = new FitsHeader()
      addMetadata(header, obj as PropertyList)
      return [{ kind: 'image', data: null, header }]
    }
  }
}

function setNumber(header: FitsHeader, key: string, value: number, comment?: string): void {
  header.set(key, value, comment, { float: true })
}

/** Cards of a celestial WCS (already in the HDU's pixel frame). */
function addWcsCards(header: FitsHeader, wcs: Wcs): void {
  for (const [key, value] of Object.entries(wcs.toFitsCards())) {
    if (typeof value === 'number') setNumber(header, key, value)
    else header.set(key, value)
  }
}

/** Header of a pixel HDU: origin cards and, when given, the WCS on the HDU's own grid. */
function pixelHeader(x0: number, y0: number, wcs: Wcs | undefined, name?: string): FitsHeader {
  const header = new FitsHeader()
  if (name !== undefined) header.set('EXTNAME', name, 'extension name')
  header.set('LTV1', -x0 || 0, 'minus the parent column of the first pixel')
  header.set('LTV2', -y0 || 0, 'minus the parent row of the first pixel')
  header.set('CTYPE1A', 'LINEAR', 'parent pixel frame')
  header.set('CTYPE2A', 'LINEAR', 'parent pixel frame')
  setNumber(header, 'CRPIX1A', 1)
  setNumber(header, 'CRPIX2A', 1)
  setNumber(header, 'CRVAL1A', x0, 'parent column of the first pixel')
  setNumber(header, 'CRVAL2A', y0, 'parent row of the first pixel')
  header.set('CUNIT1A', 'pixel')
  header.set('CUNIT2A', 'pixel')
  if (wcs) {
    const local = wcs.shifted(-x0, -y0)
    addWcsCards(header, local)
    const origin = [x0, y0]
    for (const i of [0, 1]) {
      if (local.crpix[i]! + origin[i]! !== wcs.crpix[i]) {
        setNumber(header, `LSST PARENT CRPIX${i + 1}`, wcs.crpix[i]!, 'exact parent-frame CRPIX')
      }
    }
  }
  return header
}

/** Throws `FormatterError` unless `key` is written and read back as exactly this key. */
function checkExactKey(key: string, what: string): void {
  let back: string | undefined
  try {
    back = FitsHeader.parse(new FitsHeader([{ key, value: 0 }]).toBytes()).cards()[0]?.key
  } catch (cause) {
    throw new FormatterError(`${what} cannot be a FITS header keyword: ${(cause as Error).message}`, {
      cause,
    })
  }
  if (back !== key) {
    throw new FormatterError(
      `${what} cannot be stored exactly as the FITS keyword ${JSON.stringify(key)} (it would read back as ${JSON.stringify(back ?? '')}; FITS keywords of up to 8 characters are upper-case)`,
    )
  }
}

function maskHeader(mask: Mask, wcs: Wcs | undefined, name?: string): FitsHeader {
  const header = pixelHeader(mask.x0, mask.y0, wcs, name)
  for (const [plane, bit] of mask.planes) {
    const key = `MP_${plane}`
    checkExactKey(key, `Mask plane ${JSON.stringify(plane)}`)
    header.set(key, bit, 'mask plane bit')
  }
  return header
}

function maskedImageHdus(mi: MaskedImage, wcs?: Wcs): FitsHdu[] {
  return [
    { kind: 'image', data: mi.image.array, header: pixelHeader(mi.x0, mi.y0, wcs, 'IMAGE') },
    { kind: 'image', data: mi.mask.array, header: maskHeader(mi.mask, wcs, 'MASK') },
    { kind: 'image', data: mi.variance.array, header: pixelHeader(mi.x0, mi.y0, wcs, 'VARIANCE') },
  ]
}

function psfHdu(psf: Psf, name: string | undefined): FitsHdu {
  const header = new FitsHeader()
  if (name !== undefined) header.set('EXTNAME', name, 'extension name')
  if (psf.fwhm !== undefined) setNumber(header, 'FWHM', psf.fwhm, 'PSF full width at half maximum (pixels)')
  return { kind: 'image', data: psf.kernel.array, header }
}

/**
 * Appends the metadata entries as cards (see the module comment for what is skipped); `owned` are keys the
 * formatter writes itself, not taken from the metadata.
 */
function addMetadata(header: FitsHeader, metadata: PropertyList, owned: readonly string[] = []): void {
  for (const { name, value, comment } of metadata.cards()) {
    const key = name.trim().toUpperCase()
    if (key === 'COMMENT' || key === 'HISTORY') {
      if (typeof value !== 'string') {
        throw new FormatterError(`Metadata ${key} must be a string to be a FITS ${key} card`)
      }
      for (let i = 0; i < value.length || i === 0; i += COMMENTARY_WIDTH) {
        header.add({ key, comment: value.slice(i, i + COMMENTARY_WIDTH) })
      }
      continue
    }
    if (isStructuralKey(name) || isProvenanceKey(name) || owned.includes(key)) continue
    try {
      header.add(comment === '' ? { key: name, value } : { key: name, value, comment })
    } catch (cause) {
      if (cause instanceof FormatterError) {
        throw new FormatterError(`Metadata entry ${JSON.stringify(name)}: ${cause.message}`, { cause })
      }
      throw cause
    }
  }
}

function exposureHdus(exposure: Exposure): FitsHdu[] {
  const primary = new FitsHeader()
  const metadataFilter = exposure.metadata.get('FILTER')
  if (exposure.filter !== undefined && metadataFilter !== undefined && metadataFilter !== exposure.filter) {
    throw new FormatterError(
      `The exposure's filter ${JSON.stringify(exposure.filter)} and its metadata FILTER ${JSON.stringify(metadataFilter)} differ; FITS stores one FILTER card`,
    )
  }
  primary.set('NEXTEND', 0, NEXTEND_COMMENT)
  addMetadata(primary, exposure.metadata, ['NEXTEND'])
  if (exposure.filter !== undefined) primary.set('FILTER', exposure.filter, 'filter label')
  const hdus: FitsHdu[] = [
    { kind: 'image', data: null, header: primary },
    ...maskedImageHdus(exposure.maskedImage, exposure.wcs),
  ]
  if (exposure.psf) hdus.push(psfHdu(exposure.psf, 'PSF'))
  for (const [part, name] of Object.entries(TABLES) as [TablePart, string][]) {
    const value = exposure[part] as Readonly<Record<string, unknown>> | undefined
    if (value !== undefined) hdus.push({ kind: 'bintable', name, table: recordTable(value, part) })
  }
  primary.set('NEXTEND', hdus.length - 1)
  return hdus
}

/** ASCII-only JSON: non-ASCII characters as `\uXXXX` escapes. */
function asciiJson(value: unknown, what: string): string {
  const text = JSON.stringify(value, (key, v: unknown) => {
    if (typeof v === 'bigint' || (typeof v === 'number' && !Number.isFinite(v)) || typeof v === 'function') {
      throw new FormatterError(`${what}: ${JSON.stringify(key)} holds ${String(v)}, which JSON cannot store`)
    }
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && !isPlainObject(v)) {
      throw new FormatterError(`${what}: ${JSON.stringify(key)} holds an object that is not plain data`)
    }
    return v
  })
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** A plain string an `A` column keeps exactly: printable ASCII without trailing spaces. */
function isPlainAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text) && !text.endsWith(' ')
}

/** One-row table of a plain object (see the module comment for the column types). */
function recordTable(record: Readonly<Record<string, unknown>>, what: string): FitsTable {
  const columns: FitsColumn[] = []
  const seen = new Set<string>()
  for (const [name, value] of Object.entries(record)) {
    if (value === undefined) continue
    if (!/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(name)) {
      throw new FormatterError(
        `${what} key ${JSON.stringify(name)} cannot be a FITS column name (printable ASCII without leading or trailing spaces)`,
      )
    }
    if (seen.has(name.toUpperCase())) {
      throw new FormatterError(`${what} keys differing only in case (${name}) cannot both be FITS columns`)
    }
    seen.add(name.toUpperCase())
    if (typeof value === 'number') columns.push({ name, values: Float64Array.of(value) })
    else if (typeof value === 'bigint') {
      if (value < -(1n << 63n) || value >= 1n << 64n) {
        throw new FormatterError(`${what} value of ${name} does not fit 64 bits: ${value}`)
      }
      columns.push({
        name,
        values: value < 1n << 63n ? BigInt64Array.of(value) : BigUint64Array.of(value),
      })
    } else if (typeof value === 'boolean' || value === null) columns.push({ name, values: [value] })
    else if (typeof value === 'string' && isPlainAscii(value)) columns.push({ name, values: [value] })
    else columns.push({ name, values: [asciiJson(value, `${what}.${name}`)], unit: JSON_UNIT })
  }
  return { rows: 1, columns }
}

// ---------------------------------------------------------------------------------------------------
// Reading

/** A number card as a number (bigints converted), or undefined when absent or not numeric. */
function numberCard(header: FitsHeader, key: string): number | undefined {
  const v = header.get(key)
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  return undefined
}

/** The parent-frame origin of a pixel HDU: `-LTVn`, else a linear WCS "A", else 0. */
function originOf(hdu: FitsHduInfo, context: string): [number, number] {
  const { header } = hdu
  const axis = (n: 1 | 2): number => {
    const ltv = header.get(`LTV${n}`)
    if (ltv !== undefined && ltv !== null) {
      const v = typeof ltv === 'bigint' ? Number(ltv) : ltv
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
        throw new CorruptArtifactError(
          `${context}: LTV${n} must be an integer pixel offset, got ${String(ltv)}`,
        )
      }
      return -v || 0
    }
    const ctype = header.get(`CTYPE${n}A`)
    const crval = numberCard(header, `CRVAL${n}A`)
    if (typeof ctype === 'string' && ctype.trim().toUpperCase() === 'LINEAR' && crval !== undefined) {
      const v = crval - ((numberCard(header, `CRPIX${n}A`) ?? 1) - 1)
      if (!Number.isSafeInteger(v)) {
        throw new CorruptArtifactError(`${context}: the WCS "A" origin of axis ${n} is not an integer (${v})`)
      }
      return v || 0
    }
    return 0
  }
  return [axis(1), axis(2)]
}

function describeHdu(location: string, hdu: FitsHduInfo): string {
  return `${location} HDU ${hdu.index}${hdu.name ? ` (${hdu.name})` : ''}`
}

/** Joins commentary card texts: directly after a full-width card, else with a space. */
function joinCommentary(texts: readonly string[]): string {
  let out = ''
  texts.forEach((text, i) => {
    if (i > 0 && texts[i - 1]!.length < COMMENTARY_WIDTH) out += ' '
    out += text
  })
  return out
}

/** What to leave out of a header read as metadata. */
interface MetadataFilter {
  /** Drop `FILTER` and `NEXTEND` (an exposure's primary header). */
  readonly exposure: boolean
  /** Drop the pixel-frame and WCS cards (the primary HDU holds the pixels). */
  readonly pixels: boolean
}

/** The metadata of a header: every valued card but the structural, provenance and filtered ones. */
function headerMetadata(header: FitsHeader, filter: MetadataFilter): PropertyList {
  const list = new PropertyList()
  const commentary = new Map<string, string[]>()
  const order: string[] = []
  for (const card of header.cards()) {
    const key = card.key
    if (card.value === undefined) {
      if (key !== 'COMMENT' && key !== 'HISTORY') continue
      if (!commentary.has(key)) {
        commentary.set(key, [])
        order.push(key)
        list.set(key, '') // placeholder keeping the position of the first card
      }
      commentary.get(key)!.push(card.comment ?? '')
      continue
    }
    if (isStructuralKey(key) || isProvenanceKey(key)) continue
    if (filter.exposure && (key === 'FILTER' || key === 'NEXTEND')) continue
    if (filter.pixels && (ORIGIN_KEYS.test(key) || isWcsCardName(key) || key === 'EXTNAME' || key === 'FWHM'))
      continue
    if (filter.pixels && /^MP_/i.test(key)) continue
    list.set(key, card.value, card.comment ?? '')
  }
  for (const key of order) list.set(key, joinCommentary(commentary.get(key)!))
  return list
}

/** The celestial WCS of a pixel HDU's header in the parent frame, or undefined when it has none. */
function headerWcs(header: FitsHeader, origin: readonly [number, number]): Wcs | undefined {
  if (header.get('CTYPE1') === undefined && header.get('CTYPE2') === undefined) return undefined
  const local = Wcs.fromFitsCards(header, CorruptArtifactError)
  const crpix = [0, 1].map((i) => {
    const file = local.crpix[i]!
    const exact = header.get(`LSST PARENT CRPIX${i + 1}`)
    if (typeof exact === 'number' && exact - origin[i]! === file) return exact
    return file + origin[i]!
  }) as [number, number]
  return new Wcs({ ...local.toJSON(), crpix })
}

/** Pixels of an image HDU and where they sit, possibly cut to a box. */
interface Pixels {
  readonly array: NdArray
  readonly x0: number
  readonly y0: number
}

/** Reads one format's parts of the image model from a scanned file. */
class FitsReader {
  readonly #scan: FitsHduScanner

  constructor(scan: FitsHduScanner) {
    this.#scan = scan
  }

  get #location(): string {
    return this.#scan.location
  }

  async #primary(): Promise<FitsHduInfo> {
    const primary = await this.#scan.at(0)
    if (!primary) throw new CorruptArtifactError(`${this.#location} is empty`)
    return primary
  }

  /**
   * The extension of this EXTNAME, or undefined when the file has none. A file whose primary header
   * announces more extensions (`NEXTEND`) than it has is truncated: `CorruptArtifactError`.
   */
  async #extension(name: string): Promise<FitsHduInfo | undefined> {
    const hdu = await this.#scan.findExtension(name)
    if (hdu === undefined) {
      const expected = (await this.#primary()).header.get('NEXTEND')
      const found = (await this.#scan.all()).length - 1
      if (typeof expected === 'number' && found < expected) {
        throw new CorruptArtifactError(
          `${this.#location} is truncated: its primary header announces ${expected} extensions (NEXTEND), it has ${found}`,
        )
      }
    }
    return hdu
  }

  /** True when the HDU is a 2-D image with pixels. */
  #is2d(hdu: FitsHduInfo): boolean {
    return hdu.kind === 'image' && hdu.shape.length === 2
  }

  /**
   * The pixel HDU `name` (`IMAGE`, `MASK`, `VARIANCE`, `PSF`): the extension of that name, or (when
   * `primaryFirst`, or as a fallback for `IMAGE`) a 2-D primary array. Undefined when `optional` and
   * absent; else a `CorruptArtifactError` naming what is missing.
   */
  async #pixelHdu(
    name: string,
    options: { primaryFirst?: boolean; optional?: boolean } = {},
  ): Promise<FitsHduInfo | undefined> {
    const primary = await this.#primary()
    if (options.primaryFirst && this.#is2d(primary)) return primary
    const hdu = await this.#extension(name)
    if (hdu) {
      if (!this.#is2d(hdu)) {
        const what = hdu.kind === 'image' ? `an image with NAXIS = ${hdu.shape.length}` : `a ${hdu.kind}`
        throw new CorruptArtifactError(`${describeHdu(this.#location, hdu)} is ${what}, not a 2-D image`)
      }
      return hdu
    }
    if (name === 'IMAGE' && this.#is2d(primary)) return primary
    if (options.optional) return undefined
    throw new CorruptArtifactError(
      `${this.#location} has no ${name} HDU (an image extension with EXTNAME = '${name}'${options.primaryFirst || name === 'IMAGE' ? ' or a 2-D primary array' : ''})`,
    )
  }

  /** The IMAGE HDU (required), for images stored alone (`primaryFirst`) or in a multi-extension file. */
  #imageHdu(single: boolean): Promise<FitsHduInfo> {
    return this.#pixelHdu('IMAGE', { primaryFirst: single }) as Promise<FitsHduInfo>
  }

  #bboxOf(hdu: FitsHduInfo): Box2I {
    const [x0, y0] = originOf(hdu, describeHdu(this.#location, hdu))
    const [height, width] = hdu.shape as [number, number]
    return Box2I.from({ x0, y0, width, height }, CorruptArtifactError, describeHdu(this.#location, hdu))
  }

  /** Reads the pixels of a 2-D image HDU, only the rows and columns of `box` when given (clipped). */
  async #pixels(hdu: FitsHduInfo, box: Box2I | undefined, what: string): Promise<Pixels> {
    const own = this.#bboxOf(hdu)
    if (box === undefined) {
      const array = await readImage(this.#scan.source, hdu)
      if (!array) throw new CorruptArtifactError(`${describeHdu(this.#location, hdu)} holds no pixels`)
      return { array, x0: own.x0, y0: own.y0 }
    }
    const overlap = overlapOf(own, box, what)
    const array = await readImage(this.#scan.source, hdu, {
      x0: overlap.x0 - own.x0,
      y0: overlap.y0 - own.y0,
      width: overlap.width,
      height: overlap.height,
    })
    return { array: array!, x0: overlap.x0, y0: overlap.y0 }
  }

  async #image(hdu: FitsHduInfo, box: Box2I | undefined): Promise<Image> {
    const { array, x0, y0 } = await this.#pixels(hdu, box, 'an image')
    return new Image(array, x0, y0)
  }

  async #mask(hdu: FitsHduInfo, box: Box2I | undefined): Promise<Mask> {
    const context = describeHdu(this.#location, hdu)
    const planes = new Map<string, number>()
    for (const key of hdu.header.keys()) {
      if (!/^MP_/i.test(key)) continue
      const bit = hdu.header.get(key)
      if (typeof bit !== 'number' || !Number.isInteger(bit) || bit < 0 || bit > 31) {
        throw new CorruptArtifactError(
          `${context}: mask plane card ${key} must be a bit 0..31, got ${String(bit)}`,
        )
      }
      planes.set(key.slice(3), bit)
    }
    const { array, x0, y0 } = await this.#pixels(hdu, box, 'a mask')
    return new Mask(toInt32(array, context), x0, y0, planes)
  }

  /**
   * Whether MASK and VARIANCE may be missing: only for an image in the primary HDU (another writer's
   * plain image); a multi-extension file has all three.
   */
  async #planesOptional(): Promise<boolean> {
    return (await this.#imageHdu(false)).index === 0
  }

  /** The mask of a masked image: its MASK HDU, or zeros with the default planes for a plain image. */
  async #maskOrZeros(box: Box2I | undefined, image: () => Promise<Box2I>): Promise<Mask> {
    const hdu = await this.#pixelHdu('MASK', { optional: await this.#planesOptional() })
    if (hdu) return this.#mask(hdu, box)
    const b = await image()
    return Mask.zeros(b.width, b.height, b.x0, b.y0)
  }

  async #varianceOrZeros(box: Box2I | undefined, image: () => Promise<Box2I>): Promise<Image> {
    const hdu = await this.#pixelHdu('VARIANCE', { optional: await this.#planesOptional() })
    if (hdu) return this.#image(hdu, box)
    const b = await image()
    return Image.zeros('float32', b.width, b.height, b.x0, b.y0)
  }

  async #psf(hdu: FitsHduInfo): Promise<Psf> {
    const context = describeHdu(this.#location, hdu)
    const array = await readImage(this.#scan.source, hdu)
    if (!array) throw new CorruptArtifactError(`${context} holds no PSF kernel`)
    const fwhm = numberCard(hdu.header, 'FWHM')
    return new Psf(new Image(toFloat64(array)), fwhm !== undefined && fwhm > 0 ? fwhm : undefined)
  }

  async #table(part: TablePart): Promise<Record<string, unknown> | undefined> {
    const hdu = await this.#extension(TABLES[part])
    if (!hdu) return undefined
    const context = describeHdu(this.#location, hdu)
    if (hdu.kind !== 'bintable') throw new CorruptArtifactError(`${context} is not a binary table`)
    const table = await readTable(this.#scan.source, hdu)
    if (table.rows !== 1)
      throw new CorruptArtifactError(`${context} has ${table.rows} rows; one was expected`)
    const record = tableToRecord(table) as Record<string, unknown>
    for (const column of table.columns) {
      if (column.unit?.trim().toUpperCase() !== JSON_UNIT) continue
      const text = record[column.name]
      if (typeof text !== 'string') continue
      try {
        record[column.name] = JSON.parse(text)
      } catch (cause) {
        throw new CorruptArtifactError(`${context}: column ${column.name} does not hold JSON`, { cause })
      }
    }
    return record
  }

  async #filter(): Promise<string | undefined> {
    const v = (await this.#primary()).header.get('FILTER')
    return typeof v === 'string' ? v : undefined
  }

  /** The metadata of an exposure: its primary header (less the pixel cards when it holds the image). */
  async #metadata(exposure: boolean): Promise<PropertyList> {
    const primary = await this.#primary()
    const holdsPixels = primary.kind === 'image' && primary.shape.length > 0
    return headerMetadata(primary.header, { exposure, pixels: holdsPixels })
  }

  /** Derived components from a box. */
  #derived(name: string, box: Box2I): unknown {
    if (name === 'bbox') return box
    if (name === 'dimensions') return { width: box.width, height: box.height }
    return { x: box.x0, y: box.y0 }
  }

  /** Reads `type` whole, or its `component`; `box` is the `bbox` read parameter. */
  async read(
    type: FitsType,
    component: string | undefined,
    box: Box2I | undefined,
  ): Promise<FormatterReadResult> {
    const applied = box === undefined ? [] : ['bbox']
    const single = type === 'image' || type === 'mask'
    if (
      component !== undefined &&
      DERIVED.has(component) &&
      type !== 'wcs' &&
      type !== 'psf' &&
      type !== 'property-list'
    ) {
      const hdu =
        type === 'mask' ? await this.#pixelHdu('MASK', { primaryFirst: true }) : await this.#imageHdu(single)
      return { value: this.#derived(component, this.#bboxOf(hdu!)), appliedParameters: [], component: true }
    }
    const parts =
      type === 'exposure' ? EXPOSURE_PARTS : type === 'masked-image' ? MASKED_IMAGE_PARTS : undefined
    if (component !== undefined && parts?.has(component)) {
      const value = await this.#part(component, box, type === 'exposure')
      const pixelPart = component === 'image' || component === 'mask' || component === 'variance'
      return { value, appliedParameters: pixelPart ? applied : [], component: true }
    }
    let value: unknown
    switch (type) {
      case 'image':
        value = await this.#image(await this.#imageHdu(true), box)
        break
      case 'mask':
        value = await this.#mask((await this.#pixelHdu('MASK', { primaryFirst: true }))!, box)
        break
      case 'masked-image':
        value = await this.#maskedImage(box)
        break
      case 'exposure':
        value = await this.#exposure(box)
        break
      case 'wcs': {
        const primary = await this.#primary()
        const hdu =
          primary.header.get('CTYPE1') === undefined
            ? await this.#pixelHdu('IMAGE', { optional: true })
            : primary
        const wcs = hdu ? headerWcs(hdu.header, originOf(hdu, describeHdu(this.#location, hdu))) : undefined
        if (!wcs)
          throw new CorruptArtifactError(`${this.#location} has no celestial WCS (no CTYPE1/CTYPE2 cards)`)
        value = wcs
        break
      }
      case 'psf':
        value = await this.#psf((await this.#pixelHdu('PSF', { primaryFirst: true }))!)
        break
      case 'property-list':
        value = headerMetadata((await this.#primary()).header, { exposure: false, pixels: false })
        break
    }
    return {
      value,
      appliedParameters: single || type === 'masked-image' || type === 'exposure' ? applied : [],
    }
  }

  /** One real component of an exposure or masked image. */
  async #part(name: string, box: Box2I | undefined, exposure: boolean): Promise<unknown> {
    const imageBox = async () => this.#bboxOf(await this.#imageHdu(false))
    switch (name) {
      case 'image':
        return this.#image(await this.#imageHdu(false), box)
      case 'mask':
        return this.#maskOrZeros(box, imageBox)
      case 'variance':
        return this.#varianceOrZeros(box, imageBox)
      case 'wcs': {
        const hdu = await this.#imageHdu(false)
        return headerWcs(hdu.header, originOf(hdu, describeHdu(this.#location, hdu)))
      }
      case 'psf': {
        const hdu = await this.#pixelHdu('PSF', { optional: true })
        return hdu ? this.#psf(hdu) : undefined
      }
      case 'metadata':
        return this.#metadata(exposure)
      case 'filter':
        return this.#filter()
      default:
        return this.#table(name as TablePart)
    }
  }

  async #maskedImage(box: Box2I | undefined): Promise<MaskedImage> {
    const imageHdu = await this.#imageHdu(false)
    const image = await this.#image(imageHdu, box)
    const imageBox = async () => image.bbox
    const mask = await this.#maskOrZeros(box, imageBox)
    const variance = await this.#varianceOrZeros(box, imageBox)
    return new MaskedImage(image, mask, variance)
  }

  async #exposure(box: Box2I | undefined): Promise<Exposure> {
    const maskedImage = await this.#maskedImage(box)
    const imageHdu = await this.#imageHdu(false)
    const wcs = headerWcs(imageHdu.header, originOf(imageHdu, describeHdu(this.#location, imageHdu)))
    const psfHdu = await this.#pixelHdu('PSF', { optional: true })
    const visitInfo = (await this.#table('visitInfo')) as VisitInfo | undefined
    const summaryStats = (await this.#table('summaryStats')) as ExposureSummaryStats | undefined
    const photoCalib = await this.#table('photoCalib')
    if (photoCalib !== undefined && !isPhotoCalib(photoCalib)) {
      throw new CorruptArtifactError(
        `${this.#location}: the PHOTOCALIB table must have exactly the columns calibrationMean and calibrationErr`,
      )
    }
    return new Exposure(maskedImage, {
      wcs,
      psf: psfHdu ? await this.#psf(psfHdu) : undefined,
      metadata: await this.#metadata(true),
      visitInfo,
      summaryStats,
      photoCalib,
      filter: await this.#filter(),
    })
  }
}

/** Mask pixels as int32 (from any integer BITPIX; uint32 reinterpreted bit for bit). */
function toInt32(array: NdArray, context: string): NdArray {
  const { data, shape } = array
  if (data instanceof Int32Array) return array
  if (data instanceof Uint32Array) {
    return {
      dtype: 'int32',
      shape,
      data: new Int32Array(data.buffer, data.byteOffset, data.length),
    } as NdArray
  }
  if (
    data instanceof Uint8Array ||
    data instanceof Int8Array ||
    data instanceof Int16Array ||
    data instanceof Uint16Array
  ) {
    return { dtype: 'int32', shape, data: Int32Array.from(data) } as NdArray
  }
  throw new CorruptArtifactError(
    `${context}: a mask needs integer pixels of up to 32 bits, not ${array.dtype}`,
  )
}

/** PSF kernel pixels as float64. */
function toFloat64(array: NdArray): NdArray {
  const { data, shape } = array
  if (data instanceof Float64Array) return array
  const values =
    data instanceof BigInt64Array || data instanceof BigUint64Array
      ? Float64Array.from(data, (v) => Number(v))
      : Float64Array.from(data as ArrayLike<number>)
  return { dtype: 'float64', shape, data: values } as NdArray
}
