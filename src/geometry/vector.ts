/**
 * Three-vectors: `Vector3d` for general arithmetic and `UnitVector3d` for points and directions on the unit
 * sphere, with construction from longitude/latitude.
 */
import { RAD_PER_DEG } from './angle.js'

/** A vector in three-dimensional Cartesian space. */
export class Vector3d {
  constructor(
    readonly x: number,
    readonly y: number,
    readonly z: number,
  ) {}

  /** Dot product. */
  dot(o: Vector3d): number {
    return this.x * o.x + this.y * o.y + this.z * o.z
  }

  /** Cross product (not normalised). */
  cross(o: Vector3d): Vector3d {
    return new Vector3d(this.y * o.z - this.z * o.y, this.z * o.x - this.x * o.z, this.x * o.y - this.y * o.x)
  }

  /** Component-wise sum. */
  add(o: Vector3d): Vector3d {
    return new Vector3d(this.x + o.x, this.y + o.y, this.z + o.z)
  }

  /** Component-wise difference. */
  sub(o: Vector3d): Vector3d {
    return new Vector3d(this.x - o.x, this.y - o.y, this.z - o.z)
  }

  /** This vector multiplied by `s`. */
  scale(s: number): Vector3d {
    return new Vector3d(this.x * s, this.y * s, this.z * s)
  }

  /** Euclidean length. */
  norm(): number {
    return Math.hypot(this.x, this.y, this.z)
  }

  /** The unit vector in this direction; throws a RangeError for the zero vector or non-finite input. */
  normalize(): UnitVector3d {
    return UnitVector3d.normalized(this.x, this.y, this.z)
  }

  toString(): string {
    return `[${this.x}, ${this.y}, ${this.z}]`
  }
}

/** A point on (or direction to) the unit sphere. Construct through the static factories. */
export class UnitVector3d extends Vector3d {
  private constructor(x: number, y: number, z: number) {
    super(x, y, z)
  }

  /** The vector (x, y, z) scaled to unit length. */
  static normalized(x: number, y: number, z: number): UnitVector3d {
    const n = Math.hypot(x, y, z)
    if (!(n > 0) || !Number.isFinite(n)) throw new RangeError(`cannot normalise [${x}, ${y}, ${z}]`)
    return new UnitVector3d(x / n, y / n, z / n)
  }

  /** Wraps components already known to form a unit vector (e.g. decoded from sphgeom bytes), unchanged. */
  static fromNormalized(x: number, y: number, z: number): UnitVector3d {
    return new UnitVector3d(x, y, z)
  }

  /** The point at longitude `lon` and latitude `lat`, in radians. */
  static fromLonLatRadians(lon: number, lat: number): UnitVector3d {
    const c = Math.cos(lat)
    return new UnitVector3d(Math.cos(lon) * c, Math.sin(lon) * c, Math.sin(lat))
  }

  /** The point at longitude `lon` and latitude `lat`, in degrees. */
  static fromLonLatDegrees(lon: number, lat: number): UnitVector3d {
    return UnitVector3d.fromLonLatRadians(lon * RAD_PER_DEG, lat * RAD_PER_DEG)
  }

  /** The +X axis. */
  static readonly X = new UnitVector3d(1, 0, 0)
  /** The +Y axis. */
  static readonly Y = new UnitVector3d(0, 1, 0)
  /** The +Z axis (north pole). */
  static readonly Z = new UnitVector3d(0, 0, 1)

  /**
   * The orientation of (this, b, c): positive when counter-clockwise seen from outside the sphere, zero
   * when on one great circle. Computed as ((b - this) × (c - this))·this, which keeps full relative
   * precision for nearby points, so HTM indexing and polygon containment agree even for level-24 trixels.
   */
  orientation(b: UnitVector3d, c: UnitVector3d): number {
    const bx = b.x - this.x
    const by = b.y - this.y
    const bz = b.z - this.z
    const cx = c.x - this.x
    const cy = c.y - this.y
    const cz = c.z - this.z
    return (by * cz - bz * cy) * this.x + (bz * cx - bx * cz) * this.y + (bx * cy - by * cx) * this.z
  }

  /** The antipodal point. */
  negate(): UnitVector3d {
    return new UnitVector3d(-this.x, -this.y, -this.z)
  }

  /** The angle (radians, in [0, π]) between this point and `o`, accurate for tiny and near-π angles. */
  angleTo(o: UnitVector3d): number {
    return Math.atan2(this.cross(o).norm(), this.dot(o))
  }

  /** Some unit vector perpendicular to this one. */
  orthogonal(): UnitVector3d {
    const ax = Math.abs(this.x)
    const ay = Math.abs(this.y)
    const az = Math.abs(this.z)
    // Cross with the axis this vector is least aligned with, for accuracy.
    if (ax <= ay && ax <= az) return this.cross(UnitVector3d.X).normalize()
    if (ay <= az) return this.cross(UnitVector3d.Y).normalize()
    return this.cross(UnitVector3d.Z).normalize()
  }
}
