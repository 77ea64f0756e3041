/**
 * Parquet files for the `ArrowTable` storage class, through `parquet-wasm` and Arrow IPC.
 *
 * `parquet-wasm` and `apache-arrow` are imported on first use, so loading the formatters costs nothing
 * for code that never touches Parquet. parquet-wasm 0.7.2 ignores the `columns` reader option (and its
 * async reader produces an inconsistent IPC stream with it), so the `columns` read parameter is applied
 * right after decoding; it is still reported as applied, since the result is already projected.
 */

import type { Table } from 'apache-arrow'
import { selectArrowColumns } from '../datasets/arrow-table.js'
import { FormatterError } from '../errors.js'
import {
  checkDecoded,
  checkWrite,
  decodeError,
  type Formatter,
  type FormatterReadContext,
  type FormatterWriteContext,
} from './formatter.js'

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

/**
 * Writes apache-arrow Tables as Parquet and reads them back. Write parameters: `compression` (one of
 * {@link PARQUET_COMPRESSIONS}, default `snappy` like pyarrow) and `rowGroupSize` (rows per row group).
 */
export class ParquetFormatter implements Formatter {
  readonly name = 'ParquetFormatter'
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
      const wasmTable = pw.Table.fromIPCStream(arrow.tableToIPC(obj as Table, 'stream'))
      const codec = pw.Compression[(compression as string).toUpperCase() as keyof typeof pw.Compression]
      let builder = new pw.WriterPropertiesBuilder().setCompression(codec)
      if (rowGroupSize !== undefined) builder = builder.setMaxRowGroupSize(rowGroupSize as number)
      return [pw.writeParquet(wasmTable, builder.build())]
    } catch (cause) {
      throw new FormatterError(`ParquetFormatter cannot write the table: ${describeError(cause)}`, { cause })
    }
  }

  async fromBytes(
    bytes: Uint8Array,
    ctx: FormatterReadContext,
  ): Promise<{ value: unknown; appliedParameters: readonly string[] }> {
    const { pw, arrow } = await loadLibraries()
    let table: Table
    try {
      table = arrow.tableFromIPC(pw.readParquet(bytes).intoIPCStream())
    } catch (cause) {
      throw decodeError(this, ctx, describeError(cause), cause)
    }
    checkDecoded(this, table, ctx)
    const columns = ctx.readParameters.columns
    if (columns === undefined) return { value: table, appliedParameters: [] }
    return { value: selectArrowColumns(table, columns), appliedParameters: ['columns'] }
  }
}

function describeError(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}
