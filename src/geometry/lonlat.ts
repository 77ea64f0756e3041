/**
 * Longitude/latitude pairs in degrees, converting to and from unit vectors.
 */
import { DEG_PER_RAD, normalizeLonDegrees, RAD_PER_DEG } from './angle.js'
import { UnitVector3d } from './vector.js'

/** A sky position: longitude in [0, 360) and latitude in [-90, 90], both in degrees. */
export class LonLat {
  /** Longitude in degrees, in [0, 360). */
  readonly lon: number
  /** Latitude in degrees, in [-90, 90]. */
  readonly lat: number

  /** Normalises `lon` into [0, 360); throws a RangeError for a latitude outside [-90, 90] or NaN input. */
  constructor(lon: number, lat: number) {
    if (!Number.isFinite(lon) || !(lat >= -90 && lat <= 90)) {
      throw new RangeError(`invalid longitude/latitude (${lon}, ${lat})`)
    }
    this.lon = normalizeLonDegrees(lon)
    this.lat = lat
  }

  /** The position of a point given in radians. */
  static fromRadians(lon: number, lat: number): LonLat {
    return new LonLat(lon * DEG_PER_RAD, lat * DEG_PER_RAD)
  }

  /** The position of a vector (need not be unit length); the poles get longitude 0. */
  static fromVector(v: { x: number; y: number; z: number }): LonLat {
    const lon = v.x === 0 && v.y === 0 ? 0 : Math.atan2(v.y, v.x) * DEG_PER_RAD
    const lat = Math.atan2(v.z, Math.hypot(v.x, v.y)) * DEG_PER_RAD
    return new LonLat(lon, lat)
  }

  /** Longitude in radians, in [0, 2π). */
  get lonRadians(): number {
    return this.lon * RAD_PER_DEG
  }

  /** Latitude in radians. */
  get latRadians(): number {
    return this.lat * RAD_PER_DEG
  }

  /** The unit vector of this position. */
  toVector(): UnitVector3d {
    return UnitVector3d.fromLonLatDegrees(this.lon, this.lat)
  }

  toString(): string {
    return `(${this.lon}, ${this.lat})`
  }
}
