/**
 * The formatter contract: turn one storage class into bytes of one file format and back.
 *
 * Formatters never touch storage. The datastore reads a file (or a byte range, or an object-store
 * body) into memory, calls `fromBytes`, and writes whatever chunks `toBytes` returns. The formatter's
 * `name` is recorded per file in the registry and used to read that file forever after, so a name,
 * once released, never changes meaning.
 */

import { describeValue } from '../datasets/describe-value.js'
import type { StorageClass, StorageClassType } from '../datasets/storage-class.js'
import { FormatterError, StorageClassError } from '../errors.js'
import type { ByteSource } from './byte-source.js'

/** What a formatter is told when writing. */
export interface FormatterWriteContext {
  /** Storage class of the dataset being written; `toBytes` checks the object against it. */
  readonly storageClass: StorageClass
  /** Write parameters from the formatters config (e.g. `{ compression: 'zstd' }`). */
  readonly writeParameters: Readonly<Record<string, unknown>>
  /**
   * Provenance of the dataset as a flat dictionary (`id`, `run`, `datasettype`, `dataid.<dim>`,
   * `input.<n>.id`, ...; see `flattenProvenance`). Formats with a place for it (a FITS header, Parquet
   * key-value metadata) embed it; the others ignore it.
   */
  readonly provenance?: Readonly<Record<string, string | number>>
}

/** What a formatter is told when reading. */
export interface FormatterReadContext {
  /** Storage class the caller wants back. */
  readonly storageClass: StorageClass
  /** Read parameters (already validated against the storage class); the formatter may apply some. */
  readonly readParameters: Readonly<Record<string, unknown>>
  /** Where the bytes came from, for error messages only (a repository-relative path, never secret). */
  readonly location?: string
  /**
   * When set, only this component of the stored composite is wanted (given only to formatters with
   * `readsComponents`). The formatter returns just the component with `component: true`, the read
   * parameters then applying to the component; or the whole object with `component` false and no
   * parameter applied, and the caller extracts the component.
   */
  readonly component?: string
}

/** What a formatter's read returns. */
export interface FormatterReadResult {
  readonly value: unknown
  /** Read parameters already applied to `value`; the caller applies the others in memory. */
  readonly appliedParameters: readonly string[]
  /** True when `value` is the requested `component` alone rather than the whole composite. */
  readonly component?: boolean
}

/** Reads and writes one file format for one or more storage classes. */
export interface Formatter {
  /** Stable name recorded in the registry per file, forever (`JsonFormatter`). */
  readonly name: string
  /** Extension of files this formatter writes, with the dot (`.json`). */
  readonly extension: string
  /** Extensions this formatter can read (ingest checks against these). */
  readonly supportedExtensions: readonly string[]
  /**
   * Runtime types of the storage classes it writes natively. With `defaultStorageClass`, objects of
   * other storage classes that convert to that one are converted before writing (a list of rows is
   * written as Parquet through `ArrowTable`), and the artifact is recorded under `defaultStorageClass`.
   */
  readonly storageClassTypes?: readonly string[]
  /** Storage class objects are converted to before writing when their own type is not written natively. */
  readonly defaultStorageClass?: string
  /**
   * True when `fromBytes`/`readFrom` honour `FormatterReadContext.component` (reading one component
   * alone, with the read parameters applied to it). Others are given the whole object's context.
   */
  readonly readsComponents?: boolean
  /** Serialises; several chunks are written with writev without concatenation. */
  toBytes(obj: unknown, ctx: FormatterWriteContext): Promise<Uint8Array[]>
  /** Deserialises, applying read parameters it can handle natively; returns which it applied. */
  fromBytes(bytes: Uint8Array, ctx: FormatterReadContext): Promise<FormatterReadResult>
  /**
   * Optional: reads from random-access storage, fetching only the byte ranges needed (the columns of a
   * Parquet file, the image rows under a `bbox`, one HDU). Datastores prefer it over `fromBytes`.
   */
  readFrom?(source: ByteSource, ctx: FormatterReadContext): Promise<FormatterReadResult>
}

/**
 * Reads with a formatter, then applies in memory the read parameters it did not apply natively.
 *
 * @example
 * const table = await readWithParameters(parquet, bytes, { storageClass, readParameters: { columns: ['ra'] } })
 */
export async function readWithParameters(
  formatter: Formatter,
  bytes: Uint8Array,
  ctx: FormatterReadContext,
): Promise<unknown> {
  ctx.storageClass.validateParameters(ctx.readParameters)
  const { value, appliedParameters } = await formatter.fromBytes(bytes, ctx)
  const remaining: Record<string, unknown> = {}
  let hasRemaining = false
  for (const [key, param] of Object.entries(ctx.readParameters)) {
    if (!appliedParameters.includes(key)) {
      remaining[key] = param
      hasRemaining = true
    }
  }
  return hasRemaining ? ctx.storageClass.handleParameters(value, remaining) : value
}

/** Throws `FormatterError` unless the decoded value is an instance of the requested storage class. */
export function checkDecoded(formatter: Formatter, value: unknown, ctx: FormatterReadContext): void {
  if (!ctx.storageClass.isInstance(value)) {
    throw decodeError(
      formatter,
      ctx,
      `it holds ${describeValue(value)}, not ${ctx.storageClass.typeDescription} (storage class '${ctx.storageClass.name}')`,
    )
  }
}

/** Wraps a decoding failure in a `FormatterError` carrying the formatter, location and reason. */
export function decodeError(
  formatter: Formatter,
  ctx: FormatterReadContext,
  reason: string,
  cause?: unknown,
): Error {
  const where = ctx.location ? ` ${ctx.location}` : ''
  return new FormatterError(
    `${formatter.name} cannot read${where}: ${reason}`,
    cause === undefined ? undefined : { cause },
  )
}

/**
 * Checks before writing: the storage class is one this formatter handles (`StorageClassError`), the
 * object is an instance of it (`StorageClassError` naming expected and actual type) and every write
 * parameter is supported (`FormatterError`).
 */
export function checkWrite(
  formatter: Formatter,
  obj: unknown,
  ctx: FormatterWriteContext,
  supports: { readonly types: readonly StorageClassType[]; readonly writeParameters: readonly string[] },
): void {
  const sc = ctx.storageClass
  if (!supports.types.includes(sc.type)) {
    throw new StorageClassError(
      `${formatter.name} cannot write storage class '${sc.name}' (type ${sc.type}); it writes types ${supports.types.join(', ')}`,
    )
  }
  sc.assertInstance(obj, `${formatter.name}: object`)
  const unknown = Object.keys(ctx.writeParameters).filter((p) => !supports.writeParameters.includes(p))
  if (unknown.length > 0) {
    const known = supports.writeParameters.length > 0 ? supports.writeParameters.join(', ') : 'none'
    throw new FormatterError(
      `${formatter.name} does not support write parameter(s) ${unknown.join(', ')} (supported: ${known})`,
    )
  }
}

const UTF8_DECODER = new TextDecoder('utf-8', { fatal: true })
const UTF8_ENCODER = new TextEncoder()

/** Encodes text as UTF-8 bytes. */
export function encodeUtf8(text: string): Uint8Array {
  return UTF8_ENCODER.encode(text)
}

/** Decodes UTF-8 bytes, or throws the formatter's `FormatterError` saying the file is not UTF-8. */
export function decodeUtf8(formatter: Formatter, bytes: Uint8Array, ctx: FormatterReadContext): string {
  try {
    return UTF8_DECODER.decode(bytes)
  } catch (cause) {
    throw decodeError(formatter, ctx, 'it is not valid UTF-8', cause)
  }
}
