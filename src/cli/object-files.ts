/**
 * Reading the object to `put` from a file, and writing what `get` returns to a file or stdout. The
 * format comes from the file's extension; NPY, Parquet and FITS go through the library's formatters.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import { isArrowSchema, isArrowTable } from '../datasets/arrow-table.js'
import { isNdArray } from '../datasets/ndarray.js'
import type { StorageClass, StorageClassFactory } from '../datasets/storage-class.js'
import { InputError } from '../errors.js'
import { FITS_STORAGE_CLASS_TYPES, FitsFormatter } from '../formatters/fits-formatter.js'
import type { Formatter } from '../formatters/formatter.js'
import { NpyFormatter } from '../formatters/npy-formatter.js'
import { ParquetFormatter } from '../formatters/parquet-formatter.js'
import { Exposure, Image, Mask, MaskedImage } from '../images/index.js'
import { stringifyJson } from './output.js'

const NPY = ['.npy']
const PARQUET = ['.parquet', '.parq']
const FITS = ['.fits', '.fit']
const FORMATS = 'a .json, .yaml, .npy, .parquet or .fits file'
const FITS_TYPES: ReadonlySet<string> = new Set(FITS_STORAGE_CLASS_TYPES)
const JSON_EXT = ['.json']
const YAML_EXT = ['.yaml', '.yml']

/** Reads a file into memory, turning a missing or unreadable file into an `InputError`. */
export async function readInputFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (cause) {
    throw new InputError(`Cannot read '${path}': ${describeFsError(cause)}`, { cause })
  }
}

/**
 * Reads the object stored in `path` for a dataset of storage class `sc`: text for string classes,
 * bytes for byte classes, otherwise by extension (`.json`, `.yaml`/`.yml`, `.npy`, `.parquet`,
 * `.fits`). The result must be of the storage class or of one it converts from (rows read from JSON
 * for an `ArrowTable`), and is returned converted, before anything is written.
 */
export async function readObjectFile(
  path: string,
  sc: StorageClass,
  factory: StorageClassFactory,
): Promise<unknown> {
  const bytes = await readInputFile(path)
  const ext = extname(path).toLowerCase()
  let obj: unknown
  if (sc.type === 'string') obj = bytes.toString('utf8')
  else if (sc.type === 'bytes') obj = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  else if (JSON_EXT.includes(ext)) obj = parseText(path, bytes, 'JSON', JSON.parse)
  else if (YAML_EXT.includes(ext)) obj = parseText(path, bytes, 'YAML', (t) => parseYaml(t))
  else if (NPY.includes(ext)) obj = await decode(new NpyFormatter(), bytes, factory.get('NumpyArray'), path)
  else if (PARQUET.includes(ext))
    obj = await decode(new ParquetFormatter(), bytes, factory.get('ArrowTable'), path)
  else if (FITS.includes(ext) && FITS_TYPES.has(sc.type))
    obj = await decode(new FitsFormatter(), bytes, sc, path)
  else {
    throw new InputError(
      `Cannot tell how to read '${basename(path)}' as storage class '${sc.name}': use ${FORMATS}`,
    )
  }
  return factory.coerceForWrite(obj, sc, `The object read from '${basename(path)}'`)
}

/**
 * Writes a dataset to `path` in the format its extension names. `sc` is the storage class of the
 * value (NPY and Parquet need it for their formatters).
 */
export async function writeObjectFile(path: string, value: unknown, sc: StorageClass): Promise<void> {
  const ext = extname(path).toLowerCase()
  let chunks: Uint8Array[]
  if (NPY.includes(ext))
    chunks = await new NpyFormatter().toBytes(value, { storageClass: sc, writeParameters: {} })
  else if (PARQUET.includes(ext))
    chunks = await new ParquetFormatter().toBytes(value, { storageClass: sc, writeParameters: {} })
  else if (FITS.includes(ext) && FITS_TYPES.has(sc.type))
    chunks = await new FitsFormatter().toBytes(value, { storageClass: sc, writeParameters: {} })
  else if (JSON_EXT.includes(ext)) chunks = [Buffer.from(`${stringifyJson(toPlain(value))}\n`)]
  else if (YAML_EXT.includes(ext))
    chunks = [Buffer.from(stringifyYaml(JSON.parse(stringifyJson(toPlain(value)))))]
  else if (typeof value === 'string') chunks = [Buffer.from(value)]
  else if (value instanceof Uint8Array) chunks = [value]
  else {
    throw new InputError(`Cannot write storage class '${sc.name}' to '${basename(path)}': use ${FORMATS}`)
  }
  try {
    await writeFile(path, chunks)
  } catch (cause) {
    throw new InputError(`Cannot write '${path}': ${describeFsError(cause)}`, { cause })
  }
}

/**
 * Writes a dataset to stdout: text as it is, bytes raw (never to a terminal), everything else as
 * JSON (tables as a list of rows, arrays as `{dtype, shape, data}`).
 */
export function writeObjectToStdout(value: unknown): void {
  if (typeof value === 'string') {
    process.stdout.write(value)
    return
  }
  if (value instanceof Uint8Array) {
    if (process.stdout.isTTY) {
      throw new InputError('Refusing to write binary data to a terminal: use -o FILE or redirect stdout')
    }
    process.stdout.write(value)
    return
  }
  process.stdout.write(`${stringifyJson(toPlain(value))}\n`)
}

/**
 * A JSON-friendly view of a dataset: arrow tables as rows, schemas as fields, arrays with their shape;
 * images as a description without their pixels (written to a .fits file with -o).
 */
export function toPlain(value: unknown): unknown {
  if (
    value instanceof Exposure ||
    value instanceof MaskedImage ||
    value instanceof Image ||
    value instanceof Mask
  ) {
    const image = value instanceof Exposure || value instanceof MaskedImage ? value.image : value
    return {
      // Not `constructor.name`: the bundler renames classes.
      type:
        value instanceof Exposure
          ? 'Exposure'
          : value instanceof MaskedImage
            ? 'MaskedImage'
            : value instanceof Image
              ? 'Image'
              : 'Mask',
      bbox: value.bbox.toJSON(),
      dtype: image.array.dtype,
      ...(value instanceof Exposure
        ? { filter: value.filter, wcs: value.wcs?.toJSON(), hasPsf: value.psf !== undefined }
        : {}),
      pixels: 'not shown: write them to a file with -o FILE.fits',
    }
  }
  if (isArrowTable(value)) {
    const rows = (value as unknown as { toArray(): { toJSON(): unknown }[] }).toArray()
    return rows.map((row) => row.toJSON())
  }
  if (isArrowSchema(value)) {
    return value.fields.map((f) => ({ name: f.name, type: String((f as { type?: unknown }).type) }))
  }
  if (isNdArray(value))
    return { dtype: value.dtype, shape: value.shape, data: Array.from(value.data as ArrayLike<unknown>) }
  return value
}

function parseText(path: string, bytes: Buffer, format: string, parse: (text: string) => unknown): unknown {
  try {
    return parse(bytes.toString('utf8'))
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause)
    throw new InputError(`'${basename(path)}' is not valid ${format}: ${reason}`, { cause })
  }
}

async function decode(
  formatter: Formatter,
  bytes: Uint8Array,
  sc: StorageClass,
  path: string,
): Promise<unknown> {
  const ctx = { storageClass: sc, readParameters: {}, location: basename(path) }
  return (await formatter.fromBytes(bytes, ctx)).value
}

/** A short reason for a filesystem failure, without the absolute path node puts in its messages. */
export function describeFsError(cause: unknown): string {
  const code = (cause as { code?: unknown })?.code
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'it is a directory'
  return typeof code === 'string' ? code : cause instanceof Error ? cause.message : String(cause)
}
