/**
 * Reading a Parquet footer (the Thrift `FileMetaData` at the end of the file) from a `ByteSource`, and
 * building a small Parquet file in memory that holds only some columns of the original.
 *
 * A Parquet file is `PAR1`, the column chunks of each row group, the footer, the footer's length
 * (4 bytes, little-endian) and `PAR1` again. The footer lists, per row group and per leaf column,
 * where that column's chunk starts and how many bytes it has. To read a few columns we fetch just
 * their chunks, lay them out one after another behind a fresh `PAR1`, and write a footer that keeps
 * only those columns (offsets moved to the new places, page-index and bloom-filter references
 * dropped, since those structures are not copied). Any Parquet reader then decodes that small file.
 *
 * Everything read from the file is checked (lengths against the file size, chunk ranges inside the
 * data area, row counts adding up, the schema tree consistent), so damaged files give a
 * `CorruptArtifactError` naming the file rather than a RangeError, a hang or a huge allocation.
 */

import { CorruptArtifactError } from '../errors.js'
import type { ByteSource } from './byte-source.js'
import {
  decodeThriftStruct,
  encodeThriftStruct,
  ThriftDecodeError,
  type ThriftField,
  type ThriftList,
  type ThriftStruct,
  ThriftType,
  type ThriftTypeId,
  type ThriftValue,
} from './parquet-thrift.js'

/** The key-value metadata entry holding the writer's Arrow schema (base64 of an IPC schema message). */
export const ARROW_SCHEMA_KEY = 'ARROW:schema'

const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]) // PAR1
const ENCRYPTED_MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x45]) // PARE
/** Bytes read from the end of the file at once, so most footers need a single read. */
const TAIL_READ = 64 * 1024
/** Reads of column chunks in flight at once. */
const READ_CONCURRENCY = 4

// Field ids of parquet.thrift.
const FMD = { schema: 2, numRows: 3, rowGroups: 4, keyValue: 5, columnOrders: 7 } as const
const SE = { type: 1, name: 4, numChildren: 5 } as const
const RG = { columns: 1, totalByteSize: 2, numRows: 3, sortingColumns: 4, fileOffset: 5, totalCompressed: 6 }
const CC = {
  filePath: 1,
  fileOffset: 2,
  metaData: 3,
  offsetIndexOffset: 4,
  offsetIndexLength: 5,
  columnIndexOffset: 6,
  columnIndexLength: 7,
} as const
const CMD = {
  totalUncompressed: 6,
  totalCompressed: 7,
  dataPageOffset: 9,
  indexPageOffset: 10,
  dictionaryPageOffset: 11,
  bloomFilterOffset: 14,
  bloomFilterLength: 15,
} as const

/** Where one column chunk lies in the file. */
export interface ParquetChunkRange {
  /** Offset of its first page (the dictionary page when there is one). */
  readonly start: number
  /** Its size in bytes as stored (`total_compressed_size`). */
  readonly length: number
  /** Its size uncompressed (`total_uncompressed_size`). */
  readonly uncompressedLength: number
}

/** One row group: its row count and the range of each leaf column's chunk, in schema order. */
export interface ParquetRowGroup {
  readonly numRows: number
  readonly chunks: readonly ParquetChunkRange[]
}

/** A decoded and checked Parquet footer. */
export interface ParquetFooter {
  /** Where the file comes from, for messages. */
  readonly location: string
  readonly fileSize: number
  /** Length of the Thrift-encoded footer. */
  readonly footerLength: number
  /** The footer as decoded, every field kept (see `parquet-thrift.ts`). */
  readonly metadata: ThriftStruct
  /** Total number of rows. */
  readonly numRows: number
  /** Names of the top-level columns, in file order. */
  readonly columns: readonly string[]
  /** True when every top-level column is a single leaf (no structs, lists or maps). */
  readonly flat: boolean
  /** Number of leaf columns (equal to `columns.length` when `flat`). */
  readonly leafCount: number
  readonly rowGroups: readonly ParquetRowGroup[]
  /** The footer's key-value metadata (a key without value maps to ''). */
  readonly keyValueMetadata: ReadonlyMap<string, string>
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })
const UTF8_ENCODER = new TextEncoder()

/** How errors name the file: `<prefix> <location>: <reason>`. */
export interface ParquetFooterOptions {
  /** What messages call the file (default `source.location`). */
  readonly location?: string
  /** Start of messages (default `Cannot read Parquet file`). */
  readonly messagePrefix?: string
}

interface Where {
  readonly location: string
  readonly messagePrefix: string
}

function corrupt(where: Where, reason: string, cause?: unknown): CorruptArtifactError {
  return new CorruptArtifactError(
    `${where.messagePrefix} ${where.location || '(unnamed)'}: ${reason}`,
    cause === undefined ? undefined : { cause },
  )
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/**
 * Reads and checks the footer of the Parquet file in `source`: magic bytes at both ends, footer
 * length, Thrift encoding, schema tree, row groups and the byte range of every column chunk. Throws
 * `CorruptArtifactError` naming the file when any of that is wrong.
 */
export async function readParquetFooter(
  source: ByteSource,
  options: ParquetFooterOptions = {},
): Promise<ParquetFooter> {
  const where: Where = {
    location: options.location ?? source.location,
    messagePrefix: options.messagePrefix ?? 'Cannot read Parquet file',
  }
  const size = source.size
  if (size < 12) throw corrupt(where, `${size} bytes is too small for a Parquet file`)
  const tailLength = Math.min(size, TAIL_READ)
  const tail = await source.read(size - tailLength, tailLength)
  const magic = tail.subarray(tailLength - 4)
  if (sameBytes(magic, ENCRYPTED_MAGIC)) throw corrupt(where, 'encrypted Parquet files are not supported')
  if (!sameBytes(magic, MAGIC)) throw corrupt(where, 'it does not end with the Parquet magic bytes PAR1')
  const footerLength = new DataView(tail.buffer, tail.byteOffset + tailLength - 8, 4).getUint32(0, true)
  if (footerLength > size - 12) {
    throw corrupt(where, `its footer length ${footerLength} does not fit in a ${size}-byte file`)
  }
  const head = tailLength === size ? tail.subarray(0, 4) : await source.read(0, 4)
  if (!sameBytes(head, MAGIC)) throw corrupt(where, 'it does not start with the Parquet magic bytes PAR1')
  const footerBytes =
    footerLength + 8 <= tailLength
      ? tail.subarray(tailLength - 8 - footerLength, tailLength - 8)
      : await source.read(size - 8 - footerLength, footerLength)
  let metadata: ThriftStruct
  try {
    const { value, end } = decodeThriftStruct(footerBytes)
    if (end !== footerBytes.length) {
      throw new ThriftDecodeError(`${footerBytes.length - end} unexpected bytes after the footer`, end)
    }
    metadata = value
  } catch (cause) {
    if (!(cause instanceof ThriftDecodeError)) throw cause
    throw corrupt(where, `its footer is not valid Thrift: ${cause.message}`, cause)
  }
  return interpretFooter(metadata, where, { fileSize: size, footerLength })
}

/**
 * Returns the key-value metadata of the Parquet file in `source` (all entries, `ARROW:schema`
 * included), reading only its footer; `CorruptArtifactError` when the file is not valid Parquet.
 */
export async function readParquetKeyValueMetadata(
  source: ByteSource,
  options: ParquetFooterOptions = {},
): Promise<Map<string, string>> {
  return new Map((await readParquetFooter(source, options)).keyValueMetadata)
}

class Fields {
  readonly #struct: ThriftStruct
  readonly #what: string
  readonly #fail: (reason: string) => never

  constructor(value: ThriftValue | undefined, what: string, fail: (reason: string) => never) {
    if (!isStruct(value)) fail(`${what} is not a struct`)
    this.#struct = value as ThriftStruct
    this.#what = what
    this.#fail = fail
  }

  #get(id: number, type: ThriftTypeId, name: string, required: boolean): ThriftValue | undefined {
    const field = this.#struct.fields.find((f) => f.id === id)
    if (field === undefined) {
      if (required) this.#fail(`${this.#what} has no ${name}`)
      return undefined
    }
    if (field.type !== type) this.#fail(`${this.#what} field ${name} has the wrong type`)
    return field.value
  }

  int(id: number, name: string, required: true): number
  int(id: number, name: string, required: false): number | undefined
  int(id: number, name: string, required: boolean): number | undefined {
    const v = this.#get(id, ThriftType.I32, name, required)
    return v as number | undefined
  }

  /** An i64 that must be a non-negative safe integer. */
  count(id: number, name: string, required: true): number
  count(id: number, name: string, required: false): number | undefined
  count(id: number, name: string, required: boolean): number | undefined {
    const v = this.#get(id, ThriftType.I64, name, required) as bigint | undefined
    if (v === undefined) return undefined
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) this.#fail(`${this.#what} has ${name} ${v}`)
    return Number(v)
  }

  string(id: number, name: string, required: true): string
  string(id: number, name: string, required: false): string | undefined
  string(id: number, name: string, required: boolean): string | undefined {
    const v = this.#get(id, ThriftType.BINARY, name, required) as Uint8Array | undefined
    if (v === undefined) return undefined
    try {
      return UTF8.decode(v)
    } catch {
      return this.#fail(`${this.#what} field ${name} is not UTF-8`)
    }
  }

  list(id: number, name: string, required: true): ThriftList
  list(id: number, name: string, required: false): ThriftList | undefined
  list(id: number, name: string, required: boolean): ThriftList | undefined {
    return this.#get(id, ThriftType.LIST, name, required) as ThriftList | undefined
  }

  has(id: number): boolean {
    return this.#struct.fields.some((f) => f.id === id)
  }

  struct(id: number, name: string): ThriftValue | undefined {
    return this.#get(id, ThriftType.STRUCT, name, false)
  }
}

function isStruct(value: ThriftValue | undefined): value is ThriftStruct {
  return typeof value === 'object' && value !== null && 'fields' in value
}

/** Checks a decoded FileMetaData and extracts what readers need. */
function interpretFooter(
  metadata: ThriftStruct,
  where: Where,
  file: { fileSize: number; footerLength: number },
): ParquetFooter {
  const fail = (reason: string): never => {
    throw corrupt(where, `its footer is inconsistent: ${reason}`)
  }
  const fmd = new Fields(metadata, 'the footer', fail)
  const numRows = fmd.count(FMD.numRows, 'num_rows', true)

  // Schema: a depth-first list of elements; the root's children are the top-level columns.
  const elements = fmd.list(FMD.schema, 'schema', true).items
  if (elements.length === 0) fail('the schema is empty')
  const root = new Fields(elements[0], 'the schema root', fail)
  const topCount = root.int(SE.numChildren, 'num_children', false) ?? 0
  if (topCount < 0 || topCount >= elements.length) fail(`the schema root has ${topCount} children`)
  const columns: string[] = []
  let flat = true
  let leafCount = 0
  let next = 1
  // Iterative walk: a stack of "children still to visit" counts.
  const pending: number[] = [topCount]
  while (pending.length > 0) {
    if (pending[pending.length - 1] === 0) {
      pending.pop()
      continue
    }
    pending[pending.length - 1]!--
    if (next >= elements.length) fail('the schema tree has fewer elements than its num_children promise')
    const el = new Fields(elements[next], `schema element ${next}`, fail)
    const name = el.string(SE.name, 'name', true)
    const children = el.int(SE.numChildren, 'num_children', false) ?? 0
    if (children < 0 || children > elements.length) fail(`schema element '${name}' has ${children} children`)
    if (pending.length === 1) columns.push(name)
    if (children > 0) {
      if (pending.length === 1) flat = false
      pending.push(children)
    } else {
      if (!el.has(SE.type)) fail(`leaf column '${name}' has no physical type`)
      leafCount++
    }
    next++
  }
  if (next !== elements.length) fail(`the schema has ${elements.length - next} elements outside the tree`)

  const dataEnd = file.fileSize - 8 - file.footerLength
  const rowGroups: ParquetRowGroup[] = []
  let rowSum = 0
  for (const [g, rgValue] of fmd.list(FMD.rowGroups, 'row_groups', true).items.entries()) {
    const rg = new Fields(rgValue, `row group ${g}`, fail)
    const rgRows = rg.count(RG.numRows, 'num_rows', true)
    rowSum += rgRows
    const chunkList = rg.list(RG.columns, 'columns', true).items
    if (chunkList.length !== leafCount) {
      fail(`row group ${g} has ${chunkList.length} column chunks for ${leafCount} leaf columns`)
    }
    const chunks: ParquetChunkRange[] = []
    for (const [c, ccValue] of chunkList.entries()) {
      const what = `column chunk ${c} of row group ${g}`
      const cc = new Fields(ccValue, what, fail)
      if (cc.has(CC.filePath)) fail(`${what} is stored in another file, which is not supported`)
      const mdValue = cc.struct(CC.metaData, 'meta_data')
      if (mdValue === undefined) fail(`${what} has no metadata (encrypted columns are not supported)`)
      const md = new Fields(mdValue, `the metadata of ${what}`, fail)
      // Offsets we move must be well-formed too.
      cc.count(CC.fileOffset, 'file_offset', false)
      md.count(CMD.indexPageOffset, 'index_page_offset', false)
      const dataOffset = md.count(CMD.dataPageOffset, 'data_page_offset', true)
      const dictOffset = md.count(CMD.dictionaryPageOffset, 'dictionary_page_offset', false)
      const length = md.count(CMD.totalCompressed, 'total_compressed_size', true)
      const uncompressedLength = md.count(CMD.totalUncompressed, 'total_uncompressed_size', true)
      const start = dictOffset ?? dataOffset
      if (dictOffset !== undefined && dictOffset > dataOffset) {
        fail(`${what} has its dictionary page after its data pages`)
      }
      if (start < 4 || length <= 0 || start + length > dataEnd || dataOffset >= start + length) {
        fail(`${what} claims bytes ${start}..${start + length}, outside the data area 4..${dataEnd}`)
      }
      chunks.push({ start, length, uncompressedLength })
    }
    rowGroups.push({ numRows: rgRows, chunks })
  }
  if (rowSum !== numRows) fail(`the row groups hold ${rowSum} rows, the footer says ${numRows}`)
  // Chunks never share bytes; checking it also bounds what a projection copies by the file size.
  const all = rowGroups.flatMap((rg) => rg.chunks).sort((a, b) => a.start - b.start)
  for (let i = 1; i < all.length; i++) {
    if (all[i]!.start < all[i - 1]!.start + all[i - 1]!.length) {
      fail(`column chunks overlap at byte ${all[i]!.start}`)
    }
  }
  const orders = fmd.list(FMD.columnOrders, 'column_orders', false)
  if (orders !== undefined && orders.items.length !== leafCount) {
    fail(`it has ${orders.items.length} column orders for ${leafCount} leaf columns`)
  }

  const keyValueMetadata = new Map<string, string>()
  for (const [i, kvValue] of (fmd.list(FMD.keyValue, 'key_value_metadata', false)?.items ?? []).entries()) {
    const kv = new Fields(kvValue, `key-value entry ${i}`, fail)
    keyValueMetadata.set(kv.string(1, 'key', true), kv.string(2, 'value', false) ?? '')
  }
  return {
    location: where.location,
    fileSize: file.fileSize,
    footerLength: file.footerLength,
    metadata,
    numRows,
    columns,
    flat,
    leafCount,
    rowGroups,
    keyValueMetadata,
  }
}

/** Options of {@link buildProjectedParquet} and {@link buildEmptyParquet}. */
export interface ProjectionOptions {
  /**
   * New value of the `ARROW:schema` key-value entry (base64 of the projected Arrow IPC schema);
   * `null` removes the entry, `undefined` keeps it unchanged.
   */
  readonly arrowSchema?: string | null
}

/** What {@link buildProjectedParquet} returns. */
export interface ProjectedParquet {
  /** A complete Parquet file holding only the wanted columns. */
  readonly bytes: Uint8Array
  /** Bytes fetched from the source for the column chunks (the footer's own reads not included). */
  readonly bytesRead: number
}

/**
 * Builds a Parquet file holding only the leaf columns `leaves` (indices in schema order, in the order
 * they should appear), reading just their column chunks from `source`. The footer must be flat
 * (`footer.flat`): leaf indices are then top-level column indices.
 */
export async function buildProjectedParquet(
  source: ByteSource,
  footer: ParquetFooter,
  leaves: readonly number[],
  options: ProjectionOptions = {},
): Promise<ProjectedParquet> {
  checkLeaves(footer, leaves)
  // The chunks to fetch, merged where they touch so neighbouring columns cost one read.
  const wanted = footer.rowGroups.flatMap((rg) => leaves.map((leaf) => rg.chunks[leaf]!))
  const sorted = [...wanted].sort((a, b) => a.start - b.start)
  const ranges: { start: number; end: number; bytes?: Uint8Array }[] = []
  for (const chunk of sorted) {
    const last = ranges[ranges.length - 1]
    if (last !== undefined && chunk.start <= last.end)
      last.end = Math.max(last.end, chunk.start + chunk.length)
    else ranges.push({ start: chunk.start, end: chunk.start + chunk.length })
  }
  let nextRange = 0
  const worker = async () => {
    while (nextRange < ranges.length) {
      const range = ranges[nextRange++]!
      range.bytes = await source.read(range.start, range.end - range.start)
    }
  }
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, ranges.length) }, worker))
  const bytesRead = ranges.reduce((sum, r) => sum + (r.end - r.start), 0)

  // New layout: PAR1, then each row group's wanted chunks in order.
  const newStarts: number[][] = []
  let position = MAGIC.length
  for (const rg of footer.rowGroups) {
    newStarts.push(
      leaves.map((leaf) => {
        const start = position
        position += rg.chunks[leaf]!.length
        return start
      }),
    )
  }
  const footerBytes = encodeThriftStruct(rewriteFooter(footer, leaves, newStarts, options))
  const out = new Uint8Array(position + footerBytes.length + 8)
  out.set(MAGIC, 0)
  for (const [g, rg] of footer.rowGroups.entries()) {
    for (const [i, leaf] of leaves.entries()) {
      const chunk = rg.chunks[leaf]!
      const range = findRange(ranges, chunk.start)
      const from = chunk.start - range.start
      out.set(range.bytes!.subarray(from, from + chunk.length), newStarts[g]![i]!)
    }
  }
  writeTail(out, position, footerBytes)
  return { bytes: out, bytesRead }
}

/**
 * Builds a Parquet file with the schema (restricted to `leaves` when given) and key-value metadata of
 * `footer` but no row groups: decoding it gives the file's Arrow schema without reading any data.
 */
export function buildEmptyParquet(
  footer: ParquetFooter,
  leaves?: readonly number[],
  options: ProjectionOptions = {},
): Uint8Array {
  if (leaves !== undefined) checkLeaves(footer, leaves)
  const footerBytes = encodeThriftStruct(rewriteFooter(footer, leaves, undefined, options))
  const out = new Uint8Array(MAGIC.length + footerBytes.length + 8)
  out.set(MAGIC, 0)
  writeTail(out, MAGIC.length, footerBytes)
  return out
}

function checkLeaves(footer: ParquetFooter, leaves: readonly number[]): void {
  if (!footer.flat) throw new TypeError('Column projection of a nested Parquet schema is not supported')
  if (new Set(leaves).size !== leaves.length || leaves.some((l) => !(l >= 0 && l < footer.leafCount))) {
    throw new TypeError(`Invalid leaf column indices ${leaves.join(', ')}`)
  }
}

function writeTail(out: Uint8Array, position: number, footerBytes: Uint8Array): void {
  out.set(footerBytes, position)
  new DataView(out.buffer, out.byteOffset).setUint32(position + footerBytes.length, footerBytes.length, true)
  out.set(MAGIC, position + footerBytes.length + 4)
}

function findRange<T extends { start: number }>(ranges: readonly T[], offset: number): T {
  let lo = 0
  let hi = ranges.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (ranges[mid]!.start <= offset) lo = mid
    else hi = mid - 1
  }
  return ranges[lo]!
}

function field(struct: ThriftStruct, id: number): ThriftField | undefined {
  return struct.fields.find((f) => f.id === id)
}

/** A copy of `struct` with field `id` set (kept in place, or added in id order) or removed (`undefined`). */
function withField(
  struct: ThriftStruct,
  id: number,
  type: ThriftTypeId,
  value: ThriftValue | undefined,
): ThriftStruct {
  const fields = struct.fields.filter((f) => f.id !== id)
  if (value === undefined) return { fields }
  const index = struct.fields.findIndex((f) => f.id === id)
  const at = index >= 0 ? index : fields.findIndex((f) => f.id > id)
  fields.splice(at >= 0 ? at : fields.length, 0, { id, type, value })
  return { fields }
}

function without(struct: ThriftStruct, ids: readonly number[]): ThriftStruct {
  return { fields: struct.fields.filter((f) => !ids.includes(f.id)) }
}

/** Adds `delta` to an i64 offset field when present and non-zero (writers put 0 in unused ones). */
function shifted(struct: ThriftStruct, id: number, delta: bigint): ThriftStruct {
  const f = field(struct, id)
  if (f === undefined || f.value === 0n) return struct
  const moved = (f.value as bigint) + delta
  return withField(struct, id, ThriftType.I64, moved < 0n ? 0n : moved)
}

function list(elementType: ThriftTypeId, items: readonly ThriftValue[]): ThriftList {
  return { elementType, items }
}

/**
 * The footer of the projected file: schema, row groups' chunks and column orders restricted to
 * `leaves` (all when undefined); chunk offsets moved to `newStarts` (no row groups when undefined).
 */
function rewriteFooter(
  footer: ParquetFooter,
  leaves: readonly number[] | undefined,
  newStarts: readonly (readonly number[])[] | undefined,
  options: ProjectionOptions,
): ThriftStruct {
  let md = footer.metadata
  const get = (id: number) => field(md, id)?.value as ThriftList
  if (leaves !== undefined) {
    const elements = get(FMD.schema).items
    const root = withField(elements[0] as ThriftStruct, SE.numChildren, ThriftType.I32, leaves.length)
    md = withField(
      md,
      FMD.schema,
      ThriftType.LIST,
      list(ThriftType.STRUCT, [root, ...leaves.map((leaf) => elements[leaf + 1]!)]),
    )
    const orders = field(md, FMD.columnOrders)?.value as ThriftList | undefined
    if (orders !== undefined) {
      const kept = list(
        orders.elementType,
        leaves.map((leaf) => orders.items[leaf]!),
      )
      md = withField(md, FMD.columnOrders, ThriftType.LIST, kept)
    }
  }
  if (newStarts === undefined) {
    md = withField(md, FMD.numRows, ThriftType.I64, 0n)
    md = withField(md, FMD.rowGroups, ThriftType.LIST, list(ThriftType.STRUCT, []))
  } else {
    const groups = get(FMD.rowGroups).items
    const newGroups = groups.map((g, i) =>
      rewriteRowGroup(g as ThriftStruct, footer.rowGroups[i]!, leaves!, newStarts[i]!),
    )
    md = withField(md, FMD.rowGroups, ThriftType.LIST, list(ThriftType.STRUCT, newGroups))
  }
  if (options.arrowSchema !== undefined) {
    const entries = (field(md, FMD.keyValue)?.value as ThriftList | undefined)?.items ?? []
    const key = UTF8_ENCODER.encode(ARROW_SCHEMA_KEY)
    const kept = entries.filter((kv) => {
      const k = field(kv as ThriftStruct, 1)?.value
      return !(k instanceof Uint8Array && sameBytes(k, key))
    })
    if (options.arrowSchema !== null) {
      kept.push({
        fields: [
          { id: 1, type: ThriftType.BINARY, value: key },
          { id: 2, type: ThriftType.BINARY, value: UTF8_ENCODER.encode(options.arrowSchema) },
        ],
      })
    }
    md = withField(
      md,
      FMD.keyValue,
      ThriftType.LIST,
      kept.length > 0 ? list(ThriftType.STRUCT, kept) : undefined,
    )
  }
  return md
}

function rewriteRowGroup(
  group: ThriftStruct,
  ranges: ParquetRowGroup,
  leaves: readonly number[],
  newStarts: readonly number[],
): ThriftStruct {
  const chunks = (field(group, RG.columns)!.value as ThriftList).items
  const newChunks = leaves.map((leaf, i) => {
    const delta = BigInt(newStarts[i]! - ranges.chunks[leaf]!.start)
    let cc = without(chunks[leaf] as ThriftStruct, [
      CC.offsetIndexOffset,
      CC.offsetIndexLength,
      CC.columnIndexOffset,
      CC.columnIndexLength,
    ])
    cc = shifted(cc, CC.fileOffset, delta)
    let md = field(cc, CC.metaData)!.value as ThriftStruct
    md = without(md, [CMD.bloomFilterOffset, CMD.bloomFilterLength])
    for (const id of [CMD.dataPageOffset, CMD.indexPageOffset, CMD.dictionaryPageOffset])
      md = shifted(md, id, delta)
    return withField(cc, CC.metaData, ThriftType.STRUCT, md)
  })
  let rg = withField(group, RG.columns, ThriftType.LIST, list(ThriftType.STRUCT, newChunks))
  const kept = leaves.map((leaf) => ranges.chunks[leaf]!)
  const total = (pick: (c: ParquetChunkRange) => number) => BigInt(kept.reduce((s, c) => s + pick(c), 0))
  rg = withField(
    rg,
    RG.totalByteSize,
    ThriftType.I64,
    total((c) => c.uncompressedLength),
  )
  if (field(rg, RG.totalCompressed) !== undefined) {
    rg = withField(
      rg,
      RG.totalCompressed,
      ThriftType.I64,
      total((c) => c.length),
    )
  }
  if (field(rg, RG.fileOffset) !== undefined) {
    rg = withField(rg, RG.fileOffset, ThriftType.I64, BigInt(newStarts[0] ?? MAGIC.length))
  }
  // Sorting columns refer to leaf indices; keep the leading ones that survive, renumbered.
  const sorting = field(rg, RG.sortingColumns)?.value as ThriftList | undefined
  if (sorting !== undefined) {
    const kept: ThriftValue[] = []
    for (const item of sorting.items) {
      const idx = isStruct(item) ? field(item, 1)?.value : undefined
      const at = typeof idx === 'number' ? leaves.indexOf(idx) : -1
      if (at < 0) break
      kept.push(withField(item as ThriftStruct, 1, ThriftType.I32, at))
    }
    rg = withField(
      rg,
      RG.sortingColumns,
      ThriftType.LIST,
      kept.length > 0 ? list(sorting.elementType, kept) : undefined,
    )
  }
  return rg
}
