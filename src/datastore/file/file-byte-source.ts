/**
 * `ByteSource` over a local file: positioned reads on one open handle, so formatters fetch only the
 * byte ranges they need (see `src/formatters/byte-source.ts`).
 */

import { type FileHandle, open } from 'node:fs/promises'
import { CorruptArtifactError } from '../../errors.js'
import { type ByteSource, checkRange } from '../../formatters/byte-source.js'

/**
 * A source over a local file, read with positioned reads on one open handle. Close it when done;
 * `withFileSource` does that for you.
 */
export class FileByteSource implements ByteSource {
  readonly size: number
  readonly location: string
  readonly #handle: FileHandle

  private constructor(handle: FileHandle, size: number, location: string) {
    this.#handle = handle
    this.size = size
    this.location = location
  }

  /** Opens `path`; `location` is what error messages call it. */
  static async open(path: string, location = path): Promise<FileByteSource> {
    const handle = await open(path, 'r')
    try {
      const { size } = await handle.stat()
      return new FileByteSource(handle, size, location)
    } catch (error) {
      await handle.close()
      throw error
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length)
    const out = new Uint8Array(length)
    let done = 0
    while (done < length) {
      const { bytesRead } = await this.#handle.read(out, done, length - done, offset + done)
      if (bytesRead === 0) {
        throw new CorruptArtifactError(`${this.location} shrank while being read (at byte ${offset + done})`)
      }
      done += bytesRead
    }
    return out
  }

  async readAll(): Promise<Uint8Array> {
    return this.read(0, this.size)
  }

  async close(): Promise<void> {
    await this.#handle.close()
  }
}

/** Opens a file source, runs `fn` with it and closes it, whatever happens. */
export async function withFileSource<T>(
  path: string,
  location: string,
  fn: (source: FileByteSource) => Promise<T>,
): Promise<T> {
  const source = await FileByteSource.open(path, location)
  try {
    return await fn(source)
  } finally {
    await source.close()
  }
}
