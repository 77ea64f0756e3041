/**
 * Keys and contents shared by the file cache tests and their child processes: every process writes the
 * same bytes for one key, so any reader can verify what it reads.
 */
import { createHash } from 'node:crypto'

/** Dataset IDs used by the stress test (shared with the parent). */
export const STRESS_DATASETS = Array.from(
  { length: 6 },
  (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
)
/** Components used by the stress test. */
export const STRESS_COMPONENTS: readonly (string | null)[] = [null, 'image', 'mask']

const contents = new Map<string, Buffer>()

/** The bytes every process writes for one key: 1 byte to 96 KiB, derived from the key. */
export function contentFor(datasetId: string, component: string | null): Buffer {
  const key = `${datasetId}/${component ?? ''}`
  let bytes = contents.get(key)
  if (!bytes) {
    const seed = createHash('sha256').update(key).digest()
    const size = 1 + (seed.readUInt32BE(0) % (96 * 1024))
    const blocks: Buffer[] = []
    for (let i = 0, n = 0; n < size; i++, n += 32)
      blocks.push(createHash('sha256').update(seed).update(String(i)).digest())
    bytes = Buffer.concat(blocks).subarray(0, size)
    contents.set(key, bytes)
  }
  return bytes
}
