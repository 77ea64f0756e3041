/**
 * Writing a zip of dataset artifacts with its index (yazl), atomically: a temporary file beside the
 * target is renamed into place once complete.
 */
import { createWriteStream } from 'node:fs'
import { rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import yazl from 'yazl'
import { ButlerError } from '../errors.js'
import { ZIP_INDEX_NAME, type ZipIndex } from './zip-index.js'

/** One file to store in the zip under a member name. */
export interface ZipSource {
  readonly member: string
  /** Absolute path of the file, or its bytes (for artifacts read out of another zip). */
  readonly file: string | Buffer
}

/** Writes `target` holding the sources and the index; on failure nothing is left behind. */
export async function writeArtifactZip(
  target: string,
  sources: readonly ZipSource[],
  index: ZipIndex,
): Promise<void> {
  const zip = new yazl.ZipFile()
  // A fixed time keeps the zip's bytes a function of its content.
  const mtime = new Date(Date.UTC(2000, 0, 1))
  for (const s of sources) {
    if (typeof s.file === 'string') zip.addFile(s.file, s.member, { mtime })
    else zip.addBuffer(s.file, s.member, { mtime })
  }
  zip.addBuffer(Buffer.from(`${JSON.stringify(index, null, 2)}\n`), ZIP_INDEX_NAME, { mtime })
  zip.end()
  const temp = join(dirname(target), `.${basename(target)}.butler-tmp-${process.pid}-${Date.now()}`)
  try {
    await pipeline(zip.outputStream, createWriteStream(temp, { flags: 'wx' }))
    await rename(temp, target)
  } catch (cause) {
    await unlink(temp).catch(() => undefined)
    throw new ButlerError(`Could not write zip '${basename(target)}'`, { cause })
  }
}
