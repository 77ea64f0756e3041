/**
 * Regions from user input: IVOA SIAv2 `POS` strings and the spatial functions of the query expression
 * language (`POINT`, `CIRCLE`, `BOX`, `POLYGON`, `REGION`). All angles are in degrees; bad input raises
 * an `InputError`.
 */
import { InputError } from '../errors.js'
import { Box } from './box.js'
import { Circle } from './circle.js'
import { ConvexPolygon } from './convex-polygon.js'
import type { Region, SpatialValue } from './region.js'
import { UnitVector3d } from './vector.js'

function checkLonLat(lon: number, lat: number, what: string): void {
  if (!Number.isFinite(lon)) throw new InputError(`${what}: longitude ${lon} is not a finite number`)
  if (!(lat >= -90 && lat <= 90)) throw new InputError(`${what}: latitude ${lat} is not in [-90, 90]`)
}

/** The point at (ra, dec) degrees. */
export function createPoint(ra: number, dec: number): UnitVector3d {
  checkLonLat(ra, dec, 'POINT')
  return UnitVector3d.fromLonLatDegrees(ra, dec)
}

/** The circle of radius `r` degrees about (ra, dec) degrees. */
export function createCircle(ra: number, dec: number, r: number): Circle {
  checkLonLat(ra, dec, 'CIRCLE')
  if (!(r >= 0) || !Number.isFinite(r)) throw new InputError(`CIRCLE: radius ${r} is not a number >= 0`)
  return Circle.fromDegrees(ra, dec, r)
}

/** The box centred on (ra, dec) with full `width` (in right ascension) and `height`, in degrees. */
export function createBox(ra: number, dec: number, width: number, height: number): Box {
  checkLonLat(ra, dec, 'BOX')
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!(value >= 0) || !Number.isFinite(value))
      throw new InputError(`BOX: ${name} ${value} is not a number >= 0`)
  }
  return Box.fromCenterDegrees(ra, dec, width, height)
}

/** The convex hull of (ra, dec) pairs in degrees, given flat: ra1, dec1, ra2, dec2, ... */
export function createPolygon(coordinates: readonly number[]): ConvexPolygon {
  if (coordinates.length % 2 !== 0) {
    throw new InputError(`POLYGON needs (ra, dec) pairs but got ${coordinates.length} numbers`)
  }
  if (coordinates.length < 6) {
    throw new InputError(`POLYGON needs at least 3 vertices but got ${coordinates.length / 2}`)
  }
  for (let i = 0; i < coordinates.length; i += 2) checkLonLat(coordinates[i]!, coordinates[i + 1]!, 'POLYGON')
  try {
    return ConvexPolygon.fromLonLatDegrees(coordinates)
  } catch (error) {
    throw new InputError(`POLYGON: ${(error as Error).message}`)
  }
}

function parseNumber(token: string, pos: string): number {
  const t = token.toLowerCase()
  if (t === '+inf' || t === 'inf') return Number.POSITIVE_INFINITY
  if (t === '-inf') return Number.NEGATIVE_INFINITY
  const value = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(token) ? Number(token) : Number.NaN
  if (Number.isNaN(value)) throw new InputError(`'${token}' is not a number in POS string '${pos}'`)
  return value
}

function finite(values: readonly number[], shape: string, pos: string): void {
  if (values.some((v) => !Number.isFinite(v))) {
    throw new InputError(`${shape} does not accept infinite values in POS string '${pos}'`)
  }
}

/**
 * Parses an IVOA SIAv2 `POS` string: `CIRCLE lon lat radius`, `RANGE lon1 lon2 lat1 lat2` (where `-Inf`
 * and `+Inf` mean no bound; lon1 > lon2 wraps through 0) or `POLYGON lon1 lat1 lon2 lat2 ...` (at least
 * three vertices, taken as their convex hull).
 *
 * @example
 * parseSiaPos('CIRCLE 150.1 2.2 0.5').contains(UnitVector3d.fromLonLatDegrees(150, 2)) // true
 */
export function parseSiaPos(pos: string): Region {
  const [shape = '', ...tokens] = pos.trim().split(/\s+/)
  const values = tokens.map((t) => parseNumber(t, pos))
  const arity = (n: number) => {
    if (values.length !== n)
      throw new InputError(`${shape} needs ${n} numbers but got ${values.length} in '${pos}'`)
  }
  switch (shape.toUpperCase()) {
    case 'CIRCLE': {
      arity(3)
      finite(values, 'CIRCLE', pos)
      return createCircle(values[0]!, values[1]!, values[2]!)
    }
    case 'RANGE': {
      arity(4)
      const [lon1, lon2, lat1, lat2] = values as [number, number, number, number]
      const latA = lat1 === Number.NEGATIVE_INFINITY ? -90 : lat1
      const latB = lat2 === Number.POSITIVE_INFINITY ? 90 : lat2
      if (!(latA >= -90 && latB <= 90 && latA <= latB)) {
        throw new InputError(`RANGE latitudes must satisfy -90 <= lat1 <= lat2 <= 90 in '${pos}'`)
      }
      const lonA = lon1 === Number.NEGATIVE_INFINITY ? 0 : lon1
      const lonB = lon2 === Number.POSITIVE_INFINITY ? 360 : lon2
      if (!(lonA >= 0 && lonA <= 360 && lonB >= 0 && lonB <= 360)) {
        throw new InputError(`RANGE longitudes must be in [0, 360] (or -Inf/+Inf) in '${pos}'`)
      }
      return Box.fromDegrees(lonA, latA, lonB, latB)
    }
    case 'POLYGON': {
      finite(values, 'POLYGON', pos)
      return createPolygon(values)
    }
    default:
      throw new InputError(
        `unknown shape '${shape}' in POS string '${pos}' (expected CIRCLE, RANGE or POLYGON)`,
      )
  }
}

/** Names of the spatial functions of the query expression language. */
export const REGION_FUNCTIONS = ['POINT', 'CIRCLE', 'BOX', 'POLYGON', 'REGION'] as const

/**
 * Evaluates a spatial function of the query language by (case-insensitive) name: `POINT(ra, dec)`,
 * `CIRCLE(ra, dec, r)`, `BOX(ra, dec, width, height)`, `POLYGON(ra1, dec1, ...)` or `REGION('POS string')`.
 */
export function callRegionFunction(name: string, args: readonly (number | string)[]): SpatialValue {
  const upper = name.toUpperCase()
  if (upper === 'REGION') {
    if (args.length !== 1 || typeof args[0] !== 'string') {
      throw new InputError('REGION takes one string argument (an IVOA SIAv2 POS string)')
    }
    return parseSiaPos(args[0])
  }
  const numbers = args.map((a) => {
    if (typeof a !== 'number') throw new InputError(`${upper} takes numeric arguments, not '${a}'`)
    return a
  })
  const arity = (n: number) => {
    if (numbers.length !== n) throw new InputError(`${upper} takes ${n} arguments, not ${numbers.length}`)
  }
  switch (upper) {
    case 'POINT':
      arity(2)
      return createPoint(numbers[0]!, numbers[1]!)
    case 'CIRCLE':
      arity(3)
      return createCircle(numbers[0]!, numbers[1]!, numbers[2]!)
    case 'BOX':
      arity(4)
      return createBox(numbers[0]!, numbers[1]!, numbers[2]!, numbers[3]!)
    case 'POLYGON':
      return createPolygon(numbers)
    default:
      throw new InputError(
        `unknown spatial function '${name}' (expected one of ${REGION_FUNCTIONS.join(', ')})`,
      )
  }
}
