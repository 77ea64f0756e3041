/**
 * Angle helpers of the geometry module: degree/radian conversion, longitude normalisation and the
 * tolerances shared by the region code.
 */

/** Radians per degree (the same constant sphgeom multiplies by, so conversions match bit for bit). */
export const RAD_PER_DEG = Math.PI / 180

/** Degrees per radian. */
export const DEG_PER_RAD = 180 / Math.PI

/** Two pi. */
export const TWO_PI = 2 * Math.PI

/** Half pi (a quarter turn). */
export const HALF_PI = 0.5 * Math.PI

/**
 * Padding (radians) added to bounding circles and boxes so that rounding never lets them cut into the
 * region they bound.
 */
export const BOUNDS_MARGIN = 1e-9

/** Converts degrees to radians. */
export function degToRad(degrees: number): number {
  return degrees * RAD_PER_DEG
}

/** Converts radians to degrees. */
export function radToDeg(radians: number): number {
  return radians * DEG_PER_RAD
}

/**
 * Normalises an angle in radians to [0, 2π] the way sphgeom's `NormalizedAngle` does: values already in
 * [0, 2π] are kept (so 2π stays 2π), others are reduced modulo 2π. NaN stays NaN.
 */
export function normalizeRadians(radians: number): number {
  if (radians < 0) return (radians % TWO_PI) + TWO_PI
  if (radians > TWO_PI) return radians % TWO_PI
  return radians
}

/** Normalises a longitude in degrees to [0, 360). */
export function normalizeLonDegrees(degrees: number): number {
  const r = degrees % 360
  // Adding 0 turns -0 into 0; -1e-20 % 360 + 360 rounds to 360.
  const n = r < 0 ? r + 360 : r + 0
  return n >= 360 ? 0 : n
}

/** The angle (radians) from `a` to `b` going counter-clockwise, in [0, 2π). */
export function angleTo(a: number, b: number): number {
  const d = b - a
  return d < 0 ? d + TWO_PI : d
}
