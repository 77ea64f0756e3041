/**
 * FITS header-data units: what `writeFits` takes, what `readFitsStructure` reports, and which header keys
 * describe the data layout (written by the codec, never copied from a caller's header).
 */

import type { NdArray } from '../../datasets/ndarray.js'
import type { FitsTable } from './bintable.js'
import type { FitsHeader } from './header.js'
import type { FitsBitpix } from './image.js'

/** An image HDU to write: the primary array or an IMAGE extension; `data: null` writes NAXIS = 0. */
export interface FitsImageHdu {
  readonly kind: 'image'
  /** Extra cards; structural keys in it (see {@link isStructuralKey}) are ignored. */
  readonly header?: FitsHeader
  readonly data: NdArray | null
  /** EXTNAME to write (overrides one in `header`). */
  readonly name?: string
}

/** A BINTABLE extension to write. */
export interface FitsBinTableHdu {
  readonly kind: 'bintable'
  /** Extra cards; structural keys in it (see {@link isStructuralKey}) are ignored. */
  readonly header?: FitsHeader
  readonly table: FitsTable
  /** EXTNAME to write (overrides one in `header`). */
  readonly name?: string
}

/** Any HDU `writeFits` can write. */
export type FitsHdu = FitsImageHdu | FitsBinTableHdu

/**
 * Kind of an HDU as found in a file: `image` (primary array or IMAGE extension), `bintable`, `table` (ASCII
 * table, not readable here) or `other` (random groups, unknown extension types; skipped, not readable).
 */
export type FitsHduKind = 'image' | 'bintable' | 'table' | 'other'

/** One HDU of a file as `readFitsStructure` found it (headers only; no data read). */
export interface FitsHduInfo {
  /** 0 for the primary HDU, then 1, 2, ... for the extensions. */
  readonly index: number
  readonly kind: FitsHduKind
  /** The XTENSION value (`IMAGE`, `BINTABLE`, ...); undefined for the primary HDU. */
  readonly xtension?: string
  /** EXTNAME, when present. */
  readonly name?: string
  /** EXTVER, when present. */
  readonly version?: number
  readonly header: FitsHeader
  readonly bitpix: FitsBitpix
  /** The NAXISn values in C order (`[NAXIS2, NAXIS1]` for an image: rows, columns); `[]` when NAXIS = 0. */
  readonly shape: readonly number[]
  /** Byte offset of the first header card. */
  readonly headerOffset: number
  /** Byte offset of the first data byte. */
  readonly dataOffset: number
  /** Data bytes (without the padding to 2880), including any heap. */
  readonly dataSize: number
}

const STRUCTURAL =
  /^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|EXTEND|PCOUNT|GCOUNT|GROUPS|BZERO|BSCALE|BLANK|TFIELDS|THEAP|T(TYPE|FORM|UNIT|NULL|ZERO|SCAL|DIM|DISP)\d+|LONGSTRN|CHECKSUM|DATASUM|END)$/

/**
 * True for keys the codec writes itself from the data (BITPIX, NAXISn, BZERO, TFORMn, ...; also LONGSTRN and
 * CHECKSUM/DATASUM, which would be stale): they are dropped from a header passed to `writeFits`, and a
 * reader wanting only user metadata can filter them out. EXTNAME/EXTVER are not structural. BLANK is, but
 * `writeFits` keeps a caller's BLANK for integer images stored without scaling.
 */
export function isStructuralKey(key: string): boolean {
  return STRUCTURAL.test(key.trim().toUpperCase())
}
