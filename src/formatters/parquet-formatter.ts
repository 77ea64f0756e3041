/**
 * Parquet files for the `ArrowTable` storage class, through `parquet-wasm` and Arrow IPC.
 *
 * `parquet-wasm` and `apache-arrow` are imported on first use, so loading the formatters costs nothing
 * for code that never touches Parquet.
 *
 * Reading columns: parquet-wasm 0.7.2 ignores its `columns` reader option, so `readFrom` does the
 * projection itself. It reads the footer (`parquet-footer.ts`), fetches only the chunks of the wanted
 * columns, assembles them into a small Parquet file in memory and decodes that; bytes of the other
 * columns are never read. Nested schemas (structs, lists, maps) are read whole and projected in memory.
 * The derived components `columns`, `rowcount` and `schema` come from the footer alone.
 *
 * Provenance: when the write context carries `provenance`, each entry is stored as the string
 * key-value metadata `lsst.butler.<key>` of the Parquet file (what `readParquetKeyValueMetadata` and
 * other Parquet tools see) and of the Arrow schema, replacing any `lsst.butler.*` entries the table
 * already had. Reading the file back gives them in `table.schema.metadata`, next to the table's own.
 *
 * Damaged, truncated or non-Parquet files give `CorruptArtifactError` naming the file.
 */

import type { Table } from 'apache-arrow'
import { checkColumnsExist, normalizeColumnsParameter } from '../datasets/arrow-table.js'
import { CorruptArtifactError, FormatterError } from '../errors.js'
import { type ByteSource, MemoryByteSource } from './byte-source.js'
import {
  checkDecoded,
  checkWrite,
  type Formatter,
  type FormatterReadContext,
  type FormatterReadResult,
  type FormatterWriteContext,
} from './formatter.js'
import {
  ARROW_SCHEMA_KEY,
  buildEmptyParquet,
  buildProjectedParquet,
  type ParquetFooter,
  readParquetFooter,
} from './parquet-footer.js'

export { readParquetKeyValueMetadata } from './parquet-footer.js'

type ParquetWasm = typeof import('parquet-wasm')
type Arrow = typeof import('apache-arrow')

let libraries: Promise<{ pw: ParquetWasm; arrow: Arrow }> | undefined

/** Loads parquet-wasm and apache-arrow once, explaining what to install when they are missing. */
function loadLibraries(): Promise<{ pw: ParquetWasm; arrow: Arrow }> {
  libraries ??= Promise.all([import('parquet-wasm'), import('apache-arrow')]).then(
    ([pw, arrow]) => ({ pw, arrow }),
    (cause: unknown) => {
      libraries = undefined
      throw new FormatterError(
        `ParquetFormatter needs the packages 'parquet-wasm' and 'apache-arrow': ${(cause as Error).message}`,
        { cause },
      )
    },
  )
  return libraries
}

/** Compression codecs accepted by the `compression` write parameter. */
export const PARQUET_COMPRESSIONS = ['uncompressed', 'snappy', 'gzip', 'brotli', 'zstd', 'lz4_raw'] as const

/** Prefix of the key-value metadata keys that hold a dataset's provenance. */
export const PARQUET_PROVENANCE_PREFIX = 'lsst.butler.'

/** Derived components of `ArrowTable` that `readFrom` answers from the footer alone. */
const FOOTER_COMPONENTS = new Set(['columns', 'rowcount', 'schema'])

/**
 * Writes apache-arrow Tables as Parquet and reads them back. Write parameters: `compression` (one of
 * {@link PARQUET_COMPRESSIONS}, default `snappy` like pyarrow) and `rowGroupSize` (rows per row group).
 * Read parameter applied natively: `columns`.
 */
export class ParquetFormatter implements Formatter {
  readonly name = 'ParquetFormatter'
  readonly storageClassTypes = ['arrow-table'] as const
  readonly defaultStorageClass = 'ArrowTable'
  readonly extension = '.parq'
  readonly supportedExtensions = ['.parq', '.parquet'] as const

  async toBytes(obj: unknown, ctx: FormatterWriteContext): Promise<Uint8Array[]> {
    checkWrite(this, obj, ctx, { types: ['arrow-table'], writeParameters: ['compression', 'rowGroupSize'] })
    const { compression = 'snappy', rowGroupSize } = ctx.writeParameters
    if (!PARQUET_COMPRESSIONS.includes(compression as (typeof PARQUET_COMPRESSIONS)[number])) {
      throw new FormatterError(
        `ParquetFormatter compression must be one of ${PARQUET_COMPRESSIONS.join(', ')}, got ${JSON.stringify(compression)}`,
      )
    }
    if (rowGroupSize !== undefined && !(Number.isSafeInteger(rowGroupSize) && (rowGroupSize as number) > 0)) {
      throw new FormatterError(`ParquetFormatter rowGroupSize must be a positive integer`)
    }
    const { pw, arrow } = await loadLibraries()
    try {
      let table = obj as Table
      const provenance = provenanceMetadata(ctx.provenance)
      if (provenance !== undefined) {
        const metadata = new Map(
          [...table.schema.metadata].filter(([key]) => !key.startsWith(PARQUET_PROVENANCE_PREFIX)),
        )
        for (const [key, value] of provenance) metadata.set(key, value)
        table = new arrow.Table(new arrow.Schema(table.schema.fields, metadata), table.batches)
      }
      const wasmTable = pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'))
      const codec = pw.Compression[(compression as string).toUpperCase() as keyof typeof pw.Compression]
      let builder = new pw.WriterPropertiesBuilder().setCompression(codec)
      if (rowGroupSize !== undefined) builder = builder.setMaxRowGroupSize(rowGroupSize as number)
      // Dictionary encoding pays for strings and binaries; for numbers it costs writing time (5x on wide
      // numeric tables) and rarely saves space, so it is kept for the former only.
      const T = arrow.Type
      const worthIt = new Set<number>([T.Utf8, T.LargeUtf8, T.Binary, T.LargeBinary, T.Dictionary])
      for (const field of table.schema.fields) {
        if (!worthIt.has(field.typeId)) builder = builder.setColumnDictionaryEnabled(field.name, false)
      }
      // The Arrow schema travels inside ARROW:schema; its metadata is not copied to the file's own
      // key-value list, so provenance is put there explicitly.
      if (provenance !== undefined) builder = builder.setKeyValueMetadata(provenance)
      return [pw.writeParquet(wasmTable, builder.build())]
    } catch (cause) {
      throw new FormatterError(`ParquetFormatter cannot write the table: ${describeError(cause)}`, { cause })
    }
  }

  async fromBytes(bytes: Uint8Array, ctx: FormatterReadContext): Promise<FormatterReadResult> {
    return this.readFrom(new MemoryByteSource(bytes, ctx.location ?? ''), ctx)
  }

  /**
   * Reads from random-access storage. With the `columns` read parameter only those columns' chunks
   * are read; for the components `columns`, `rowcount` and `schema` only the footer.
   */
  async readFrom(source: ByteSource, ctx: FormatterReadContext): Promise<FormatterReadResult> {
    const location = ctx.location || source.location
    const footerOptions = { location, messagePrefix: `${this.name} cannot read` }
    const { pw, arrow } = await loadLibraries()
    // One record batch per row group: parquet-wasm's default of 1,024 rows makes a table of a million
    // rows out of a thousand batches, and apache-arrow takes several times longer to load those.
    const decode = (bytes: Uint8Array, footer?: ParquetFooter): Table => {
      const batchSize = footer?.rowGroups.reduce((max, rg) => Math.max(max, rg.numRows), 1024) ?? 1024
      try {
        return arrow.tableFromIPC(pw.readParquet(bytes, { batchSize }).intoIPCStream())
      } catch (cause) {
        throw new CorruptArtifactError(
          `${this.name} cannot read ${location || '(unnamed)'}: ${describeError(cause)}`,
          { cause },
        )
      }
    }
    const columnsParameter = ctx.readParameters.columns
    const names = columnsParameter === undefined ? undefined : normalizeColumnsParameter(columnsParameter)
    const applied = names === undefined ? [] : ['columns']

    if (ctx.component !== undefined && FOOTER_COMPONENTS.has(ctx.component)) {
      const footer = await readParquetFooter(source, footerOptions)
      if (names !== undefined) checkColumnsExist(names, footer.columns)
      let value: unknown
      if (ctx.component === 'rowcount') value = footer.numRows
      else if (ctx.component === 'columns') value = names ?? [...footer.columns]
      else {
        const table = decode(buildEmptyParquet(footer))
        value = (names === undefined ? table : table.select(names)).schema
      }
      return { value, appliedParameters: applied, component: true }
    }

    let table: Table
    if (names === undefined) {
      const bytes = await source.readAll()
      // Check the footer first: a damaged one is reported plainly instead of reaching the decoder.
      table = decode(bytes, await readParquetFooter(new MemoryByteSource(bytes), footerOptions))
    } else {
      const footer = await readParquetFooter(source, footerOptions)
      checkColumnsExist(names, footer.columns)
      const unique = [...new Set(names)]
      const projectable = footer.flat && new Set(footer.columns).size === footer.columns.length
      const arrowSchema = projectable ? projectArrowSchema(arrow, decode, footer, unique) : false
      if (arrowSchema === false) {
        // Nested columns, duplicate names or an Arrow schema that does not match the Parquet one:
        // read everything and project in memory.
        table = decode(await source.readAll(), footer)
      } else {
        const leaves = unique.map((name) => footer.columns.indexOf(name))
        table = decode((await buildProjectedParquet(source, footer, leaves, { arrowSchema })).bytes, footer)
      }
      if (table.numCols !== names.length || names.some((name, i) => table.schema.fields[i]?.name !== name)) {
        table = table.select(names)
      }
    }
    checkDecoded(this, table, ctx)
    return { value: table, appliedParameters: applied }
  }
}

/** Provenance as Parquet key-value metadata (`lsst.butler.<key>` → string), or undefined when absent. */
function provenanceMetadata(
  provenance: Readonly<Record<string, string | number>> | undefined,
): Map<string, string> | undefined {
  if (provenance === undefined) return undefined
  return new Map(
    Object.entries(provenance).map(([key, value]) => [PARQUET_PROVENANCE_PREFIX + key, String(value)]),
  )
}

/**
 * The `ARROW:schema` value for a file holding only the top-level columns `names` (in that order): the
 * file's Arrow schema restricted to them, as base64 of an IPC schema message. `null` when the file
 * has no Arrow schema; `false` when its Arrow schema does not line up with the Parquet one (the caller
 * then reads the whole file, which is always right).
 *
 * The schema is obtained by decoding the file without its row groups: parquet-wasm checks the stored
 * flatbuffer, and apache-arrow only ever parses the IPC stream parquet-wasm produces from it.
 */
function projectArrowSchema(
  arrow: Arrow,
  decode: (bytes: Uint8Array) => Table,
  footer: ParquetFooter,
  names: readonly string[],
): string | null | false {
  if (!footer.keyValueMetadata.has(ARROW_SCHEMA_KEY)) return null
  const schema = decode(buildEmptyParquet(footer)).schema
  if (
    schema.fields.length !== footer.columns.length ||
    schema.fields.some((f, i) => f.name !== footer.columns[i])
  ) {
    return false
  }
  const fields = names.map((name) => schema.fields[footer.columns.indexOf(name)]!)
  const stream = arrow.tableToIPC(new arrow.Table(new arrow.Schema(fields, schema.metadata)), 'stream')
  // The stream starts with the schema message: continuation marker, length, flatbuffer.
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength)
  const length =
    view.getUint32(0, true) === 0xffffffff ? 8 + view.getInt32(4, true) : 4 + view.getInt32(0, true)
  return Buffer.from(stream.buffer, stream.byteOffset, length).toString('base64')
}

function describeError(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}
