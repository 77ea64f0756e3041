/**
 * A generic Thrift compact-protocol decoder and encoder, enough to read and rewrite a Parquet footer.
 *
 * Values are decoded without a schema: a struct is its list of fields (id, wire type, value) in wire
 * order, so encoding a decoded struct gives the same struct back, unknown fields included. Integers
 * of type i8/i16/i32 and doubles are numbers, i64 are bigints, binary and strings are bytes.
 *
 * The decoder never trusts the input: lengths and element counts are checked against the bytes left,
 * varints are bounded, nesting is limited, and every problem is a `ThriftDecodeError` carrying the
 * byte offset, never a RangeError or a huge allocation.
 */

/** Wire type codes of the compact protocol (bool fields carry their value in the type; we use 1). */
export const ThriftType = {
  BOOL: 1,
  I8: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  SET: 10,
  MAP: 11,
  STRUCT: 12,
  UUID: 13,
} as const

/** One of the values of {@link ThriftType}. */
export type ThriftTypeId = (typeof ThriftType)[keyof typeof ThriftType]

/** A decoded value; its meaning depends on the wire type it was read with. */
export type ThriftValue = boolean | number | bigint | Uint8Array | ThriftStruct | ThriftList | ThriftMap

/** One field of a struct. */
export interface ThriftField {
  readonly id: number
  readonly type: ThriftTypeId
  readonly value: ThriftValue
}

/** A struct: its fields in wire order. */
export interface ThriftStruct {
  readonly fields: readonly ThriftField[]
}

/** A list or set: the element type and the elements. */
export interface ThriftList {
  readonly elementType: ThriftTypeId
  readonly items: readonly ThriftValue[]
}

/** A map: key and value types (0 for an empty map as read from the wire) and the entries. */
export interface ThriftMap {
  readonly keyType: ThriftTypeId | 0
  readonly valueType: ThriftTypeId | 0
  readonly entries: readonly (readonly [ThriftValue, ThriftValue])[]
}

/** Malformed compact-protocol bytes; `offset` is where decoding stopped. */
export class ThriftDecodeError extends Error {
  override name = 'ThriftDecodeError'
  readonly offset: number
  constructor(message: string, offset: number) {
    super(`${message} (at byte ${offset})`)
    this.offset = offset
  }
}

const MAX_DEPTH = 64

class Reader {
  readonly #bytes: Uint8Array
  readonly #view: DataView
  pos: number

  constructor(bytes: Uint8Array, pos: number) {
    this.#bytes = bytes
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.pos = pos
  }

  get remaining(): number {
    return this.#bytes.length - this.pos
  }

  fail(message: string): never {
    throw new ThriftDecodeError(message, this.pos)
  }

  byte(): number {
    if (this.pos >= this.#bytes.length) this.fail('unexpected end of data')
    return this.#bytes[this.pos++]!
  }

  /** An unsigned varint of at most 32 bits, as a number. */
  varint32(): number {
    let result = 0
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte()
      result += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) this.fail('varint does not fit in 32 bits')
        return result
      }
    }
    return this.fail('varint longer than 5 bytes')
  }

  /** An unsigned varint of at most 64 bits, as a bigint. */
  varint64(): bigint {
    let result = 0n
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.byte()
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) {
        if (result > 0xffffffffffffffffn) this.fail('varint does not fit in 64 bits')
        return result
      }
    }
    return this.fail('varint longer than 10 bytes')
  }

  zigzag32(): number {
    const n = this.varint32()
    return (n >>> 1) ^ -(n & 1)
  }

  zigzag64(): bigint {
    const n = this.varint64()
    return BigInt.asIntN(64, (n >> 1n) ^ -(n & 1n))
  }

  take(length: number): Uint8Array {
    if (length > this.remaining) this.fail(`length ${length} runs past the end of the data`)
    const out = this.#bytes.subarray(this.pos, this.pos + length)
    this.pos += length
    return out
  }

  double(): number {
    if (this.remaining < 8) this.fail('unexpected end of data')
    const v = this.#view.getFloat64(this.pos, true)
    this.pos += 8
    return v
  }
}

function checkType(r: Reader, type: number): ThriftTypeId {
  if (type === 2) return ThriftType.BOOL
  if (type < 1 || type > 13) r.fail(`unknown wire type ${type}`)
  return type as ThriftTypeId
}

function readValue(r: Reader, type: ThriftTypeId, depth: number): ThriftValue {
  switch (type) {
    case ThriftType.BOOL: {
      // Only reached for container elements: 1 is true; 0 and 2 are both written for false.
      const b = r.byte()
      if (b > 2) r.fail(`invalid boolean element ${b}`)
      return b === 1
    }
    case ThriftType.I8: {
      const b = r.byte()
      return b > 127 ? b - 256 : b
    }
    case ThriftType.I16: {
      const v = r.zigzag32()
      if (v < -32768 || v > 32767) r.fail(`i16 value ${v} out of range`)
      return v
    }
    case ThriftType.I32:
      return r.zigzag32()
    case ThriftType.I64:
      return r.zigzag64()
    case ThriftType.DOUBLE:
      return r.double()
    case ThriftType.BINARY:
      return r.take(r.varint32())
    case ThriftType.UUID:
      return r.take(16)
    case ThriftType.LIST:
    case ThriftType.SET:
      return readList(r, depth + 1)
    case ThriftType.MAP:
      return readMap(r, depth + 1)
    case ThriftType.STRUCT:
      return readStruct(r, depth + 1)
  }
}

function readList(r: Reader, depth: number): ThriftList {
  if (depth > MAX_DEPTH) r.fail('nesting too deep')
  const header = r.byte()
  const elementType = checkType(r, header & 0x0f)
  let size = header >> 4
  if (size === 15) size = r.varint32()
  // Every element takes at least one byte, so a count beyond the bytes left is garbage.
  if (size > r.remaining) r.fail(`list of ${size} elements cannot fit in ${r.remaining} bytes`)
  const items: ThriftValue[] = []
  for (let i = 0; i < size; i++) items.push(readValue(r, elementType, depth))
  return { elementType, items }
}

function readMap(r: Reader, depth: number): ThriftMap {
  if (depth > MAX_DEPTH) r.fail('nesting too deep')
  const size = r.varint32()
  if (size === 0) return { keyType: 0, valueType: 0, entries: [] }
  if (size * 2 > r.remaining) r.fail(`map of ${size} entries cannot fit in ${r.remaining} bytes`)
  const types = r.byte()
  const keyType = checkType(r, types >> 4)
  const valueType = checkType(r, types & 0x0f)
  const entries: (readonly [ThriftValue, ThriftValue])[] = []
  for (let i = 0; i < size; i++) {
    const key = readValue(r, keyType, depth)
    entries.push([key, readValue(r, valueType, depth)])
  }
  return { keyType, valueType, entries }
}

function readStruct(r: Reader, depth: number): ThriftStruct {
  if (depth > MAX_DEPTH) r.fail('nesting too deep')
  const fields: ThriftField[] = []
  let lastId = 0
  for (;;) {
    const header = r.byte()
    if (header === 0) return { fields }
    const rawType = header & 0x0f
    const delta = header >> 4
    const type = checkType(r, rawType)
    const id = delta === 0 ? r.zigzag32() : lastId + delta
    if (delta === 0 && (id < -32768 || id > 32767)) r.fail(`field id ${id} out of range`)
    lastId = id
    const value = type === ThriftType.BOOL ? rawType === 1 : readValue(r, type, depth)
    fields.push({ id, type, value })
  }
}

/**
 * Decodes one struct starting at `offset`; returns it and the offset just after it. Throws
 * `ThriftDecodeError` on malformed input.
 */
export function decodeThriftStruct(bytes: Uint8Array, offset = 0): { value: ThriftStruct; end: number } {
  const r = new Reader(bytes, offset)
  const value = readStruct(r, 0)
  return { value, end: r.pos }
}

class Writer {
  #buf = new Uint8Array(1024)
  #view = new DataView(this.#buf.buffer)
  length = 0

  #reserve(n: number): void {
    if (this.length + n <= this.#buf.length) return
    let size = this.#buf.length * 2
    while (size < this.length + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.#buf.subarray(0, this.length))
    this.#buf = next
    this.#view = new DataView(next.buffer)
  }

  byte(b: number): void {
    this.#reserve(1)
    this.#buf[this.length++] = b & 0xff
  }

  varint32(n: number): void {
    let v = n >>> 0
    while (v >= 0x80) {
      this.byte((v & 0x7f) | 0x80)
      v >>>= 7
    }
    this.byte(v)
  }

  varint64(n: bigint): void {
    let v = BigInt.asUintN(64, n)
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80)
      v >>= 7n
    }
    this.byte(Number(v))
  }

  zigzag32(n: number): void {
    this.varint32((n << 1) ^ (n >> 31))
  }

  zigzag64(n: bigint): void {
    this.varint64((n << 1n) ^ (n >> 63n))
  }

  bytes(b: Uint8Array): void {
    this.#reserve(b.length)
    this.#buf.set(b, this.length)
    this.length += b.length
  }

  double(v: number): void {
    this.#reserve(8)
    this.#view.setFloat64(this.length, v, true)
    this.length += 8
  }

  result(): Uint8Array {
    return this.#buf.slice(0, this.length)
  }
}

function fail(message: string): never {
  throw new TypeError(`Cannot encode Thrift value: ${message}`)
}

function writeValue(w: Writer, type: ThriftTypeId, value: ThriftValue): void {
  switch (type) {
    case ThriftType.BOOL:
      if (typeof value !== 'boolean') fail('bool expected')
      w.byte(value ? 1 : 2)
      return
    case ThriftType.I8:
      if (typeof value !== 'number') fail('i8 expected')
      w.byte(value)
      return
    case ThriftType.I16:
    case ThriftType.I32:
      if (typeof value !== 'number') fail('integer expected')
      w.zigzag32(value)
      return
    case ThriftType.I64:
      if (typeof value !== 'bigint') fail('bigint expected for i64')
      w.zigzag64(value)
      return
    case ThriftType.DOUBLE:
      if (typeof value !== 'number') fail('double expected')
      w.double(value)
      return
    case ThriftType.BINARY:
      if (!(value instanceof Uint8Array)) fail('bytes expected')
      w.varint32(value.length)
      w.bytes(value)
      return
    case ThriftType.UUID:
      if (!(value instanceof Uint8Array) || value.length !== 16) fail('16 bytes expected for uuid')
      w.bytes(value)
      return
    case ThriftType.LIST:
    case ThriftType.SET:
      writeList(w, value as ThriftList)
      return
    case ThriftType.MAP:
      writeMap(w, value as ThriftMap)
      return
    case ThriftType.STRUCT:
      writeStruct(w, value as ThriftStruct)
      return
  }
}

function writeList(w: Writer, list: ThriftList): void {
  const size = list.items.length
  if (size < 15) w.byte((size << 4) | list.elementType)
  else {
    w.byte(0xf0 | list.elementType)
    w.varint32(size)
  }
  for (const item of list.items) writeValue(w, list.elementType, item)
}

function writeMap(w: Writer, map: ThriftMap): void {
  w.varint32(map.entries.length)
  if (map.entries.length === 0) return
  if (map.keyType === 0 || map.valueType === 0) fail('map entries need key and value types')
  w.byte((map.keyType << 4) | map.valueType)
  for (const [key, value] of map.entries) {
    writeValue(w, map.keyType, key)
    writeValue(w, map.valueType, value)
  }
}

function writeStruct(w: Writer, struct: ThriftStruct): void {
  let lastId = 0
  for (const field of struct.fields) {
    const wireType = field.type === ThriftType.BOOL ? (field.value ? 1 : 2) : field.type
    const delta = field.id - lastId
    if (delta > 0 && delta <= 15) w.byte((delta << 4) | wireType)
    else {
      w.byte(wireType)
      w.zigzag32(field.id)
    }
    lastId = field.id
    if (field.type !== ThriftType.BOOL) writeValue(w, field.type, field.value)
    else if (typeof field.value !== 'boolean') fail(`bool expected in field ${field.id}`)
  }
  w.byte(0)
}

/** Encodes a struct in the compact protocol. */
export function encodeThriftStruct(struct: ThriftStruct): Uint8Array {
  const w = new Writer()
  writeStruct(w, struct)
  return w.result()
}
