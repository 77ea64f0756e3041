/**
 * Decoding of sphgeom's binary region encoding (and its hex form, as found in YAML export files).
 *
 * Layouts (all floats little-endian IEEE float64, all lengths little-endian uint64):
 * - Circle `c`: centre x, y, z, squared chord length, opening angle (radians): 41 bytes.
 * - Box `b`: longitude a, b, latitude a, b (radians): 33 bytes.
 * - ConvexPolygon `p`: x, y, z of each vertex, counter-clockwise: 1 + 24n bytes, n >= 3.
 * - Ellipse `e`: 3x3 matrix row-major, a, b, gamma, tan a, tan b: 113 bytes.
 * - UnionRegion `u` / IntersectionRegion `i`: per operand its byte length then its encoding.
 */
import { InputError } from '../errors.js'
import { Box } from './box.js'
import { Circle } from './circle.js'
import { IntersectionRegion, UnionRegion } from './compound-region.js'
import { ConvexPolygon } from './convex-polygon.js'
import { Ellipse } from './ellipse.js'
import type { Region } from './region.js'
import { decodeDoubles, TYPE_CODES } from './region-bytes.js'
import { UnitVector3d } from './vector.js'

/** Nesting depth past which compound encodings are rejected (guards against hostile input). */
const MAX_DEPTH = 32

function fail(problem: string): never {
  throw new InputError(`invalid sphgeom region encoding: ${problem}`)
}

function unitVector(x: number, y: number, z: number, what: string): UnitVector3d {
  const n = Math.hypot(x, y, z)
  if (!Number.isFinite(n) || Math.abs(n - 1) > 1e-6) fail(`${what} [${x}, ${y}, ${z}] is not a unit vector`)
  return UnitVector3d.fromNormalized(x, y, z)
}

function expectSize(bytes: Uint8Array, size: number, name: string): void {
  if (bytes.length !== size) fail(`a ${name} takes ${size} bytes, not ${bytes.length}`)
}

function decodeCompound(bytes: Uint8Array, depth: number): Region[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const operands: Region[] = []
  let offset = 1
  while (offset < bytes.length) {
    if (offset + 8 > bytes.length) fail('compound region is truncated (operand length)')
    const size = view.getBigUint64(offset, true)
    offset += 8
    if (size > BigInt(bytes.length - offset)) fail('compound region is truncated (operand bytes)')
    const n = Number(size)
    operands.push(decodeAt(bytes.subarray(offset, offset + n), depth + 1))
    offset += n
  }
  return operands
}

function decodeAt(bytes: Uint8Array, depth: number): Region {
  if (bytes.length === 0) fail('no bytes')
  if (depth > MAX_DEPTH) fail(`compound regions nested deeper than ${MAX_DEPTH}`)
  const code = bytes[0]!
  switch (code) {
    case TYPE_CODES.circle: {
      expectSize(bytes, 41, 'Circle')
      const [x, y, z, scl, angle] = decodeDoubles(bytes, 5) as [number, number, number, number, number]
      if (Number.isNaN(scl) || Number.isNaN(angle)) fail('circle radius is NaN')
      return new Circle(unitVector(x, y, z, 'circle centre'), scl, angle)
    }
    case TYPE_CODES.box: {
      expectSize(bytes, 33, 'Box')
      const [lonA, lonB, latA, latB] = decodeDoubles(bytes, 4) as [number, number, number, number]
      try {
        return Box.fromRadians(lonA, latA, lonB, latB)
      } catch (error) {
        return fail(`box ${(error as Error).message}`)
      }
    }
    case TYPE_CODES.convexPolygon: {
      if (bytes.length < 73 || (bytes.length - 1) % 24 !== 0) {
        fail(`a ConvexPolygon takes 1 + 24n bytes with n >= 3, not ${bytes.length}`)
      }
      const values = decodeDoubles(bytes, (bytes.length - 1) / 8)
      const vertices: UnitVector3d[] = []
      for (let i = 0; i < values.length; i += 3) {
        vertices.push(unitVector(values[i]!, values[i + 1]!, values[i + 2]!, `polygon vertex ${i / 3}`))
      }
      return new ConvexPolygon(vertices)
    }
    case TYPE_CODES.ellipse: {
      expectSize(bytes, 113, 'Ellipse')
      const v = decodeDoubles(bytes, 14)
      if (v.some((x) => Number.isNaN(x))) fail('ellipse has NaN values')
      const [a, b, gamma, tana, tanb] = v.slice(9) as [number, number, number, number, number]
      return new Ellipse({ matrix: v.slice(0, 9), a, b, gamma, tana, tanb })
    }
    case TYPE_CODES.union:
      return new UnionRegion(decodeCompound(bytes, depth))
    case TYPE_CODES.intersection:
      return new IntersectionRegion(decodeCompound(bytes, depth))
    default:
      return fail(`unknown type code 0x${code.toString(16).padStart(2, '0')}`)
  }
}

/** Decodes a region from sphgeom bytes; malformed bytes raise an `InputError` naming the problem. */
export function decodeRegion(bytes: Uint8Array): Region {
  return decodeAt(bytes, 0)
}

/** Decodes a region from the hex form of its sphgeom encoding. */
export function decodeRegionHex(hex: string): Region {
  const text = hex.trim()
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) fail('not an even-length hexadecimal string')
  const bytes = new Uint8Array(text.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16)
  return decodeRegion(bytes)
}

/** The lower-case hex form of a region's sphgeom encoding. */
export function encodeRegionHex(region: Region): string {
  return Array.from(region.encode(), (b) => b.toString(16).padStart(2, '0')).join('')
}
