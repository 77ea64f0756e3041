/**
 * Zip members as datastore artifacts. A zip ingested whole (see `ingestZip`) is recorded once per
 * dataset as `<zip path>#zip-path=<member>`; reads open the zip and inflate only that member, found
 * through the zip's central directory (cached per zip file), never unpacking the rest.
 */
import { stat } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import yauzl from 'yauzl'
import { ButlerError, ChecksumError } from '../../errors.js'
import {
  type ChecksumAlgorithm,
  createChecksum,
  type ReadCheckOptions,
  readFileChecked,
} from './atomic-write.js'

/** What separates the zip's path from the member's name in a record path. */
export const ZIP_PATH_FRAGMENT = '#zip-path='

/** The zip and member of a record path, or undefined for a plain file. */
export function splitZipPath(path: string): { readonly zip: string; readonly member: string } | undefined {
  const i = path.indexOf(ZIP_PATH_FRAGMENT)
  if (i < 0) return undefined
  return { zip: path.slice(0, i), member: path.slice(i + ZIP_PATH_FRAGMENT.length) }
}

/** The record path of one member of a zip. */
export function zipMemberPath(zip: string, member: string): string {
  return `${zip}${ZIP_PATH_FRAGMENT}${member}`
}

/** The file holding an artifact: the zip for a zip member, else the path itself. */
export function zipFileOf(path: string): string {
  const i = path.indexOf(ZIP_PATH_FRAGMENT)
  return i < 0 ? path : path.slice(0, i)
}

/** The `#zip-path=<member>` fragment of a zip member's record path, or '' for a plain file. */
export function zipFragmentOf(path: string): string {
  const i = path.indexOf(ZIP_PATH_FRAGMENT)
  return i < 0 ? '' : path.slice(i)
}

/** Whether a record path names a member of a zip. */
export function isZipMemberPath(path: string): boolean {
  return path.includes(ZIP_PATH_FRAGMENT)
}

interface CentralDirectory {
  /** Identity of the file the directory was read from (a replaced file is read again). */
  readonly stamp: string
  readonly entries: ReadonlyMap<string, yauzl.Entry>
}

const MAX_CACHED = 64
const directories = new Map<string, CentralDirectory>()

/** Opens a zip without reading its entries (only the end-of-central-directory record). */
function openZip(file: string): Promise<yauzl.ZipFile> {
  return yauzl.openPromise(file, { autoClose: false, strictFileNames: true })
}

/** The central directory of a zip: every entry by name (cached while the file is unchanged). */
export async function zipEntries(file: string): Promise<ReadonlyMap<string, yauzl.Entry>> {
  const info = await stat(file)
  const stamp = `${info.ino}:${info.size}:${info.mtimeMs}`
  const cached = directories.get(file)
  if (cached?.stamp === stamp) return cached.entries
  const zip = await openZip(file).catch((cause) => {
    throw new ButlerError(`${displayOf(file)} is not a readable zip file`, { cause })
  })
  const entries = new Map<string, yauzl.Entry>()
  try {
    for await (const entry of zip.eachEntry()) entries.set(entry.fileName, entry)
  } catch (cause) {
    throw new ButlerError(`The zip directory of ${displayOf(file)} is corrupt`, { cause })
  } finally {
    zip.close()
  }
  if (directories.size >= MAX_CACHED) directories.delete(directories.keys().next().value!)
  directories.set(file, { stamp, entries })
  return entries
}

/** Reads one member of a zip whole; a missing member is a `ButlerError` naming it. */
export async function readZipMember(file: string, member: string, displayName?: string): Promise<Buffer> {
  const entry = (await zipEntries(file)).get(member)
  if (!entry) throw new ButlerError(`${displayName ?? displayOf(file)} has no member '${member}'`)
  const zip = await openZip(file)
  try {
    const stream = await zip.openReadStreamPromise(entry)
    return await collect(stream, entry.uncompressedSize)
  } catch (cause) {
    throw new ChecksumError(`Member '${member}' of ${displayName ?? displayOf(file)} cannot be read`, {
      cause,
    })
  } finally {
    zip.close()
  }
}

/** Size of an artifact: the member's uncompressed size for zip members, else the file's size. */
export async function artifactSize(absolute: string, recordPath: string): Promise<number> {
  const zip = splitZipPath(recordPath)
  if (!zip) return (await stat(absolute)).size
  const entry = (await zipEntries(absolute)).get(zip.member)
  if (!entry) throw new ButlerError(`Zip ${zip.zip} has no member '${zip.member}'`)
  return entry.uncompressedSize
}

/**
 * Reads an artifact with the size and checksum checks of `readFileChecked`: the member for a zip
 * member record (`absolute` is then the zip file), the file otherwise.
 */
export async function readArtifactChecked(
  absolute: string,
  recordPath: string,
  options: ReadCheckOptions = {},
): Promise<Buffer> {
  const zip = splitZipPath(recordPath)
  if (!zip) return readFileChecked(absolute, options)
  const name = options.displayName ?? recordPath
  const bytes = await readZipMember(absolute, zip.member, name)
  if (
    options.expectedSize !== undefined &&
    options.expectedSize >= 0 &&
    bytes.length !== options.expectedSize
  ) {
    throw new ChecksumError(`File ${name} has ${bytes.length} bytes; ${options.expectedSize} were recorded`)
  }
  if (options.expectedChecksum) {
    const algorithm: ChecksumAlgorithm = options.algorithm ?? 'blake2b'
    const actual = createChecksum(algorithm).update(bytes).digest('hex')
    if (actual !== options.expectedChecksum.toLowerCase()) {
      throw new ChecksumError(`File ${name} has checksum ${actual}; ${options.expectedChecksum} was recorded`)
    }
  }
  return bytes
}

/** Reads a stream whole into one buffer of the announced size. */
async function collect(stream: Readable, size: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer)
    total += (chunk as Buffer).length
  }
  if (total !== size) throw new ButlerError(`Zip member has ${total} bytes; its directory says ${size}`)
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)
}

function displayOf(file: string): string {
  // Only the file name: absolute server paths stay out of messages.
  return `'${file.slice(file.lastIndexOf('/') + 1)}'`
}
