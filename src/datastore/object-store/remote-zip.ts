/**
 * Zips that are not local files, read through a `ByteSource` (ranged GETs of an object): the central
 * directory is read from the end of the zip and cached, and a member is read by fetching only its
 * local header and compressed bytes, so one dataset of a big zip costs about its own size.
 */
import { Readable } from 'node:stream'
import yauzl from 'yauzl'
import { ButlerError, ChecksumError } from '../../errors.js'
import type { ByteSource } from '../../formatters/byte-source.js'

/** yauzl's random-access reader over a `ByteSource`. */
class ByteSourceReader extends yauzl.RandomAccessReader {
  readonly #source: ByteSource

  constructor(source: ByteSource) {
    super()
    this.#source = source
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const source = this.#source
    return Readable.from(
      (async function* () {
        yield Buffer.from(await source.read(start, end - start))
      })(),
    )
  }
}

interface Directory {
  /** Identity of the object the directory was read from (a replaced object is read again). */
  readonly stamp: string
  readonly entries: ReadonlyMap<string, yauzl.Entry>
}

const MAX_CACHED = 64

/** Central directories of remote zips, by an identity the caller chooses (bucket + key + size). */
export class RemoteZipDirectory {
  readonly #cache = new Map<string, Directory>()

  /** Every entry of the zip by name; `id` + the source's size identify it for the cache. */
  async entries(id: string, source: ByteSource): Promise<ReadonlyMap<string, yauzl.Entry>> {
    const stamp = String(source.size)
    const cached = this.#cache.get(id)
    if (cached?.stamp === stamp) return cached.entries
    const zip = await open(source)
    const entries = new Map<string, yauzl.Entry>()
    try {
      for await (const entry of zip.eachEntry()) entries.set(entry.fileName, entry)
    } catch (cause) {
      throw new ButlerError(`The zip directory of ${source.location} is corrupt`, { cause })
    } finally {
      zip.close()
    }
    if (this.#cache.size >= MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value!)
    this.#cache.set(id, { stamp, entries })
    return entries
  }

  /** Reads one member whole; a missing member is a `ButlerError` naming it. */
  async readMember(id: string, source: ByteSource, member: string, displayName: string): Promise<Buffer> {
    const entry = (await this.entries(id, source)).get(member)
    if (!entry) throw new ButlerError(`${displayName} has no member '${member}'`)
    const zip = await open(source)
    try {
      const stream = await zip.openReadStreamPromise(entry)
      const chunks: Buffer[] = []
      let total = 0
      for await (const chunk of stream) {
        chunks.push(chunk as Buffer)
        total += (chunk as Buffer).length
      }
      if (total !== entry.uncompressedSize) {
        throw new ButlerError(`Zip member has ${total} bytes; its directory says ${entry.uncompressedSize}`)
      }
      return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)
    } catch (cause) {
      throw new ChecksumError(`Member '${member}' of ${displayName} cannot be read`, { cause })
    } finally {
      zip.close()
    }
  }

  /** Forgets a zip's directory (it was deleted or replaced). */
  forget(id: string): void {
    this.#cache.delete(id)
  }
}

async function open(source: ByteSource): Promise<yauzl.ZipFile> {
  try {
    return await yauzl.fromRandomAccessReaderPromise(new ByteSourceReader(source), source.size, {
      autoClose: false,
      strictFileNames: true,
    })
  } catch (cause) {
    if (cause instanceof ButlerError) throw cause
    throw new ButlerError(`${source.location} is not a readable zip file`, { cause })
  }
}
