/**
 * Celestial world coordinate systems (a FITS WCS with the gnomonic `TAN` projection, the common case
 * of afw's `SkyWcs`): pixel <-> sky conversion and the FITS header cards that describe them.
 */

import { isPlainObject } from '../datasets/storage-class-type.js'
import { FormatterError, StorageClassError } from '../errors.js'
import { checkFinite, describeNumber, type UserErrorClass } from './validate.js'

/** A 2-vector: `[x, y]` or `[lon, lat]`. */
export type WcsPair = readonly [number, number]

/** A 2x2 matrix by rows: `[[CD1_1, CD1_2], [CD2_1, CD2_2]]`. */
export type WcsMatrix = readonly [WcsPair, WcsPair]

/** The celestial axis pairs a {@link Wcs} supports, as `CTYPE1`/`CTYPE2` values. */
export const WCS_CTYPES: readonly (readonly [string, string])[] = [
  ['RA---TAN', 'DEC--TAN'],
  ['GLON-TAN', 'GLAT-TAN'],
  ['ELON-TAN', 'ELAT-TAN'],
]

/** What a {@link Wcs} is built from (also its JSON form). */
export interface WcsOptions {
  /** Reference pixel `[CRPIX1, CRPIX2]`, 1-based FITS pixel coordinates. */
  readonly crpix: WcsPair
  /** Sky coordinates of the reference pixel `[CRVAL1, CRVAL2]`, degrees (latitude within ±90). */
  readonly crval: WcsPair
  /** Linear transform from pixel offsets to intermediate world coordinates, degrees per pixel. */
  readonly cd: WcsMatrix
  /** Axis types, one of {@link WCS_CTYPES}; default `['RA---TAN', 'DEC--TAN']`. */
  readonly ctype?: readonly [string, string]
}

/** FITS cards describing a {@link Wcs} (`toFitsCards`): keyword -> value. */
export type WcsFitsCards = Record<string, number | string>

const D2R = Math.PI / 180
const R2D = 180 / Math.PI

/**
 * A celestial WCS with the gnomonic (`TAN`) projection and no distortion, as FITS Paper II defines it
 * with the default `LONPOLE` of 180°.
 *
 * Pixel coordinates follow afw: 0-based and in the parent frame (the pixel whose first array element
 * is `[0, 0]` of an image with origin `(x0, y0)` is at `(x0, y0)`), so cutting a subimage needs no change
 * to its WCS. `crpix` keeps the FITS convention instead: 1-based, so the reference pixel is at
 * `(crpix[0] - 1, crpix[1] - 1)` in pixel coordinates. A FITS writer storing an HDU whose first pixel is
 * at `(x0, y0)` writes the cards of `wcs.shifted(-x0, -y0)` so that the file's own 1-based pixel grid
 * maps the same.
 *
 * @example
 * const wcs = new Wcs({ crpix: [1024.5, 2048.5], crval: [150.1, 2.2], cd: [[-5.6e-5, 0], [0, 5.6e-5]] })
 * const [ra, dec] = wcs.pixelToSky(10, 20)
 */
export class Wcs {
  /** Reference pixel `[CRPIX1, CRPIX2]`, 1-based FITS pixel coordinates. */
  readonly crpix: WcsPair
  /** Sky coordinates of the reference pixel `[CRVAL1, CRVAL2]`, degrees. */
  readonly crval: WcsPair
  /** `[[CD1_1, CD1_2], [CD2_1, CD2_2]]`, degrees per pixel. */
  readonly cd: WcsMatrix
  /** `[CTYPE1, CTYPE2]`. */
  readonly ctype: readonly [string, string]
  /** Precomputed: CD (4), its inverse (4), sin and cos of CRVAL2, CRPIX1 - 1, CRPIX2 - 1, CRVAL1. */
  readonly #k: Float64Array

  /**
   * Creates a WCS; non-finite numbers, a latitude beyond ±90°, a singular CD matrix or unsupported
   * axis types throw `StorageClassError`.
   */
  constructor(options: WcsOptions) {
    const checked = checkWcsOptions(options, StorageClassError, 'Wcs')
    this.crpix = checked.crpix
    this.crval = checked.crval
    this.cd = checked.cd
    this.ctype = checked.ctype
    const [[a, b], [c, d]] = this.cd
    const det = a * d - b * c
    const lat0 = this.crval[1] * D2R
    this.#k = Float64Array.of(
      a,
      b,
      c,
      d,
      d / det,
      -b / det,
      -c / det,
      a / det,
      Math.sin(lat0),
      Math.cos(lat0),
      this.crpix[0] - 1,
      this.crpix[1] - 1,
      this.crval[0],
    )
    Object.freeze(this)
  }

  /**
   * Rebuilds a WCS from FITS header cards (a plain record of keyword -> value, or anything with a
   * `get(name)` method such as a `PropertyList`). The linear part may be given as `CDi_j` (missing
   * elements 0), as `CDELTi` with `PCi_j` (missing `PC` elements from the identity), as `CDELTi` with
   * `CROTA2` (degrees), or as `CDELTi` alone. `CUNITi`, when present, must be `deg`; `RADESYS` (or
   * `RADECSYS`), when present for RA/Dec, must be `ICRS` or `FK5` (taken as ICRS; the two differ by
   * less than 0.1") and `EQUINOX` 2000. `LONPOLE` must be 180 unless `CRVAL2` is ±90 (where any value is
   * folded into `CRVAL1`). Anything missing or unsupported throws `errorClass` (default `FormatterError`).
   */
  static fromFitsCards(
    cards: Readonly<Record<string, unknown>> | { get(name: string): unknown },
    errorClass: UserErrorClass = FormatterError,
  ): Wcs {
    const get = (key: string): unknown => {
      const v =
        typeof (cards as { get?: unknown }).get === 'function'
          ? (cards as { get(name: string): unknown }).get(key)
          : Object.hasOwn(cards, key)
            ? (cards as Record<string, unknown>)[key]
            : undefined
      return v === null ? undefined : v
    }
    const num = (key: string, fallback?: number): number => {
      let v = get(key)
      if (v === undefined) {
        if (fallback !== undefined) return fallback
        throw new errorClass(`WCS card ${key} is missing`)
      }
      if (typeof v === 'bigint') v = Number(v)
      return checkFinite(v, `WCS card ${key}`, errorClass)
    }
    const str = (key: string): string | undefined => {
      const v = get(key)
      if (v === undefined) return undefined
      if (typeof v !== 'string')
        throw new errorClass(`WCS card ${key} must be a string, got ${describeNumber(v)}`)
      return v.trim()
    }
    const ctype1 = str('CTYPE1')
    const ctype2 = str('CTYPE2')
    if (ctype1 === undefined || ctype2 === undefined) {
      throw new errorClass('WCS cards CTYPE1 and CTYPE2 are required')
    }
    for (const key of ['CUNIT1', 'CUNIT2']) {
      const unit = str(key)
      if (unit !== undefined && unit.toLowerCase() !== 'deg') {
        throw new errorClass(`WCS card ${key} = '${unit}' is not supported (only 'deg')`)
      }
    }
    const ctype = checkCtype([ctype1.toUpperCase(), ctype2.toUpperCase()], errorClass, 'WCS cards')
    if (ctype[0].startsWith('RA')) {
      const system = str('RADESYS') ?? str('RADECSYS')
      if (system !== undefined && !['ICRS', 'FK5'].includes(system.toUpperCase())) {
        throw new errorClass(`WCS reference system RADESYS = '${system}' is not supported (ICRS or FK5)`)
      }
      const equinox = get('EQUINOX') ?? get('EPOCH')
      if (equinox !== undefined && Number(equinox) !== 2000) {
        throw new errorClass(`WCS EQUINOX ${describeNumber(equinox)} is not supported (only 2000)`)
      }
    }
    const crpix: WcsPair = [num('CRPIX1'), num('CRPIX2')]
    let crval: [number, number] = [num('CRVAL1'), num('CRVAL2')]
    const has = (keys: string[]) => keys.some((k) => get(k) !== undefined)
    const ij = (prefix: string) => ['1_1', '1_2', '2_1', '2_2'].map((s) => `${prefix}${s}`)
    let cd: WcsMatrix
    if (has(ij('CD'))) {
      cd = [
        [num('CD1_1', 0), num('CD1_2', 0)],
        [num('CD2_1', 0), num('CD2_2', 0)],
      ]
    } else if (has(['CDELT1', 'CDELT2'])) {
      const d1 = num('CDELT1', 1)
      const d2 = num('CDELT2', 1)
      if (has(ij('PC'))) {
        cd = [
          [d1 * num('PC1_1', 1), d1 * num('PC1_2', 0)],
          [d2 * num('PC2_1', 0), d2 * num('PC2_2', 1)],
        ]
      } else if (get('CROTA2') === undefined) {
        cd = [
          [d1, 0],
          [0, d2],
        ]
      } else {
        const rho = num('CROTA2') * D2R
        const cos = Math.cos(rho)
        const sin = Math.sin(rho)
        cd = [
          [d1 * cos, -d2 * sin],
          [d1 * sin, d2 * cos],
        ]
      }
    } else {
      throw new errorClass('WCS cards have no CDi_j or CDELTi cards')
    }
    const pole = Math.abs(crval[1]) === 90
    const lonpole = num('LONPOLE', crval[1] === 90 ? 0 : 180)
    if (lonpole !== 180) {
      if (!pole) throw new errorClass(`WCS LONPOLE = ${lonpole} is not supported (only 180)`)
      // At a pole the native longitude of the celestial pole only rotates longitudes.
      const turn = crval[1] === 90 ? 180 - lonpole : lonpole - 180
      crval = [(((crval[0] + turn) % 360) + 360) % 360, crval[1]]
    }
    return new Wcs(checkWcsOptions({ crpix, crval, cd, ctype }, errorClass, 'WCS cards'))
  }

  /** Rebuilds a WCS from its {@link toJSON} form; bad input throws `errorClass` (default `StorageClassError`). */
  static fromJSON(json: unknown, errorClass: UserErrorClass = StorageClassError): Wcs {
    if (!isPlainObject(json)) throw new errorClass(`Wcs JSON must be an object, got ${describeNumber(json)}`)
    return new Wcs(checkWcsOptions(json, errorClass, 'Wcs JSON'))
  }

  /**
   * Sky coordinates `[lon, lat]` in degrees (longitude in [0, 360)) of the pixel at 0-based parent
   * coordinates `(x, y)`. Non-finite input gives NaN.
   */
  pixelToSky(x: number, y: number): [lon: number, lat: number] {
    const k = this.#k
    const dx = x - (k[10] as number)
    const dy = y - (k[11] as number)
    const xi = ((k[0] as number) * dx + (k[1] as number) * dy) * D2R
    const eta = ((k[2] as number) * dx + (k[3] as number) * dy) * D2R
    const sin0 = k[8] as number
    const cos0 = k[9] as number
    const denom = cos0 - eta * sin0
    const lon = (k[12] as number) + Math.atan2(xi, denom) * R2D
    const lat = Math.atan2(sin0 + eta * cos0, Math.hypot(xi, denom)) * R2D
    return [normalizeLongitude(lon), lat]
  }

  /**
   * Pixel coordinates `[x, y]` (0-based, parent frame) of sky position `(lon, lat)` in degrees. Points
   * 90° or more from the reference point have no gnomonic projection and give `[NaN, NaN]`.
   */
  skyToPixel(lon: number, lat: number): [x: number, y: number] {
    const k = this.#k
    const dLon = (lon - (k[12] as number)) * D2R
    const sin0 = k[8] as number
    const cos0 = k[9] as number
    const phi = lat * D2R
    const sinPhi = Math.sin(phi)
    const cosPhi = Math.cos(phi)
    const cosDLon = Math.cos(dLon)
    const cosC = sinPhi * sin0 + cosPhi * cos0 * cosDLon
    if (!(cosC > 0)) return [Number.NaN, Number.NaN]
    const xi = ((cosPhi * Math.sin(dLon)) / cosC) * R2D
    const eta = ((cos0 * sinPhi - sin0 * cosPhi * cosDLon) / cosC) * R2D
    return [
      (k[4] as number) * xi + (k[5] as number) * eta + (k[10] as number),
      (k[6] as number) * xi + (k[7] as number) * eta + (k[11] as number),
    ]
  }

  /**
   * The same sky mapping for pixel coordinates moved by `(dx, dy)`: the result maps `(x + dx, y + dy)`
   * where this maps `(x, y)` (`crpix` moves by `(dx, dy)`).
   */
  shifted(dx: number, dy: number): Wcs {
    return new Wcs({ ...this.toJSON(), crpix: [this.crpix[0] + dx, this.crpix[1] + dy] })
  }

  /** Mean pixel size in degrees: the square root of the CD matrix's absolute determinant. */
  pixelScale(): number {
    const [[a, b], [c, d]] = this.cd
    return Math.sqrt(Math.abs(a * d - b * c))
  }

  /**
   * FITS cards describing this WCS: `CTYPE1/2`, `CRPIX1/2`, `CRVAL1/2`, `CUNIT1/2` (`deg`), `CD1_1`,
   * `CD1_2`, `CD2_1`, `CD2_2` and, for RA/Dec, `RADESYS` (`ICRS`) and `EQUINOX` (2000.0); `LONPOLE`
   * (180.0) too when `CRVAL2` is 90, where the FITS default would differ.
   */
  toFitsCards(): WcsFitsCards {
    const [[a, b], [c, d]] = this.cd
    const cards: WcsFitsCards = {
      CTYPE1: this.ctype[0],
      CTYPE2: this.ctype[1],
      CRPIX1: this.crpix[0],
      CRPIX2: this.crpix[1],
      CRVAL1: this.crval[0],
      CRVAL2: this.crval[1],
      CUNIT1: 'deg',
      CUNIT2: 'deg',
      CD1_1: a,
      CD1_2: b,
      CD2_1: c,
      CD2_2: d,
    }
    if (this.ctype[0].startsWith('RA')) {
      cards.RADESYS = 'ICRS'
      cards.EQUINOX = 2000.0
    }
    if (this.crval[1] === 90) cards.LONPOLE = 180.0
    return cards
  }

  /** The plain `{ crpix, crval, cd, ctype }` object (arrays copied). */
  toJSON(): Required<WcsOptions> {
    return {
      crpix: [...this.crpix],
      crval: [...this.crval],
      cd: [[...this.cd[0]], [...this.cd[1]]],
      ctype: [...this.ctype],
    }
  }

  /** True when every number and axis type is exactly the same. */
  equals(other: Wcs): boolean {
    const same = (x: readonly unknown[], y: readonly unknown[]) => x.every((v, i) => v === y[i])
    return (
      same(this.crpix, other.crpix) &&
      same(this.crval, other.crval) &&
      same(this.cd[0], other.cd[0]) &&
      same(this.cd[1], other.cd[1]) &&
      same(this.ctype, other.ctype)
    )
  }
}

/** True for header keywords that describe a celestial WCS (removed from metadata when a `Wcs` is read). */
export function isWcsCardName(name: string): boolean {
  return /^(WCSAXES|CTYPE[12]|CRPIX[12]|CRVAL[12]|CDELT[12]|CUNIT[12]|CROTA[12]|CD[12]_[12]|PC[12]_[12]|RADESYS|RADECSYS|EQUINOX|EPOCH|LONPOLE|LATPOLE)$/.test(
    name,
  )
}

function normalizeLongitude(lon: number): number {
  const r = lon % 360
  const n = r < 0 ? r + 360 : r
  return n === 360 ? 0 : n
}

function checkPair(value: unknown, what: string, errorClass: UserErrorClass): WcsPair {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new errorClass(`${what} must be a pair of numbers, got ${describeNumber(value)}`)
  }
  return Object.freeze([
    checkFinite(value[0], `${what}[0]`, errorClass),
    checkFinite(value[1], `${what}[1]`, errorClass),
  ]) as WcsPair
}

function checkCtype(value: unknown, errorClass: UserErrorClass, what: string): readonly [string, string] {
  const ok = Array.isArray(value) && WCS_CTYPES.some(([a, b]) => value[0] === a && value[1] === b)
  if (!ok || value.length !== 2) {
    throw new errorClass(
      `${what}: axis types ${JSON.stringify(value)} are not supported (one of ${WCS_CTYPES.map((p) => p.join('/')).join(', ')})`,
    )
  }
  return Object.freeze([value[0], value[1]]) as readonly [string, string]
}

/** Checks and normalises the fields of a WCS, throwing `errorClass` naming `what` and the bad field. */
function checkWcsOptions(
  options: Readonly<Record<string, unknown>> | WcsOptions,
  errorClass: UserErrorClass,
  what: string,
): Required<WcsOptions> {
  if (!isPlainObject(options)) throw new errorClass(`${what} must be an object of crpix, crval, cd`)
  const extra = Object.keys(options).filter((k) => !['crpix', 'crval', 'cd', 'ctype'].includes(k))
  if (extra.length > 0) throw new errorClass(`${what} has unexpected key(s) ${extra.join(', ')}`)
  const crpix = checkPair(options.crpix, `${what} crpix`, errorClass)
  const crval = checkPair(options.crval, `${what} crval`, errorClass)
  if (Math.abs(crval[1]) > 90) throw new errorClass(`${what} crval latitude ${crval[1]} is beyond ±90`)
  const cdRaw = options.cd
  if (!Array.isArray(cdRaw) || cdRaw.length !== 2) {
    throw new errorClass(`${what} cd must be a 2x2 matrix [[CD1_1, CD1_2], [CD2_1, CD2_2]]`)
  }
  const cd = Object.freeze([
    checkPair(cdRaw[0], `${what} cd[0]`, errorClass),
    checkPair(cdRaw[1], `${what} cd[1]`, errorClass),
  ]) as WcsMatrix
  const det = cd[0][0] * cd[1][1] - cd[0][1] * cd[1][0]
  if (!Number.isFinite(det) || det === 0 || !Number.isFinite(1 / det)) {
    throw new errorClass(`${what} cd matrix is singular`)
  }
  const ctype = checkCtype(options.ctype ?? WCS_CTYPES[0], errorClass, what)
  return { crpix, crval, cd, ctype }
}
