/**
 * Byte-level helpers of the sphgeom region encoding: one type-code byte, then little-endian IEEE
 * float64 values (compound regions: per operand a little-endian uint64 length and the operand's bytes).
 */

/** The type-code byte of each region kind. */
export const TYPE_CODES = {
  convexPolygon: 0x70, // 'p'
  box: 0x62, // 'b'
  circle: 0x63, // 'c'
  ellipse: 0x65, // 'e'
  union: 0x75, // 'u'
  intersection: 0x69, // 'i'
} as const

/** A type-code byte followed by `values` as little-endian float64s. */
export function encodeDoubles(typeCode: number, values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(1 + 8 * values.length)
  const view = new DataView(bytes.buffer)
  bytes[0] = typeCode
  values.forEach((v, i) => {
    view.setFloat64(1 + 8 * i, v, true)
  })
  return bytes
}

/** The `count` little-endian float64s following the type-code byte. */
export function decodeDoubles(bytes: Uint8Array, count: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return Array.from({ length: count }, (_, i) => view.getFloat64(1 + 8 * i, true))
}

/** A compound encoding: the type code, then for each operand its length (uint64 LE) and its bytes. */
export function encodeCompound(typeCode: number, operands: readonly Uint8Array[]): Uint8Array {
  const total = operands.reduce((n, op) => n + 8 + op.length, 1)
  const bytes = new Uint8Array(total)
  const view = new DataView(bytes.buffer)
  bytes[0] = typeCode
  let offset = 1
  for (const op of operands) {
    view.setBigUint64(offset, BigInt(op.length), true)
    bytes.set(op, offset + 8)
    offset += 8 + op.length
  }
  return bytes
}
