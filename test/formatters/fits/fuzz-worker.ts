/**
 * Worker of the FITS corrupt-input fuzz test (run in a worker thread so a hang can be cut off by the
 * test): damages a sample file in many ways, reads each result completely and reports anything other than
 * a valid result or a user error (`ButlerUserError`).
 */
import { isDeepStrictEqual } from 'node:util'
import { parentPort, workerData } from 'node:worker_threads'
import type { NdArray } from '../../../src/datasets/ndarray.js'
import { CorruptArtifactError, isUserError } from '../../../src/errors.js'
import { MemoryByteSource } from '../../../src/formatters/byte-source.js'
import {
  type FitsHduInfo,
  FitsHeader,
  type FitsTable,
  readFitsStructure,
  readImage,
  readTable,
  writeFits,
} from '../../../src/formatters/fits/index.js'
import { concat, rng, sampleArray } from './fits-test-utils.js'

/** What the worker reports. */
export interface FuzzReport {
  cases: number
  ok: number
  userErrors: number
  /** Unexpected exceptions and broken invariants, with the case that caused them. */
  failures: string[]
}

/** The sample file: every HDU kind, long and HIERARCH header cards. */
export function sampleFile(): Uint8Array {
  const header = new FitsHeader()
  header.set('LSST BUTLER ID', 'f0e1d2c3-0000-4000-8000-000000000000', 'dataset id')
  header.set('LONGSTR', 'long '.repeat(40), 'a long string')
  header.set('EXPTIME', 30, 'seconds', { float: true })
  header.set('BIGINT', 2n ** 60n)
  header.addHistory('fuzz sample')
  const image = sampleArray('float32', [20, 30])
  const table: FitsTable = {
    rows: 5,
    columns: [
      { name: 'id', values: BigInt64Array.of(1n, 2n, 3n, 4n, 5n) },
      { name: 'flux', values: Float64Array.of(1, 2, Number.NaN, 4, 5), unit: 'nJy' },
      { name: 'band', values: ['g', 'r', 'i', 'z', 'y'] },
      { name: 'flag', values: [true, false, null, true, false] },
      { name: 'pix', values: Uint16Array.from({ length: 15 }, (_, i) => i * 4000), repeat: 3 },
    ],
  }
  return concat(
    writeFits([
      { kind: 'image', data: sampleArray('int16', [4, 6]), header },
      { kind: 'image', data: image, name: 'IMAGE' },
      { kind: 'bintable', table, name: 'CATALOG' },
      { kind: 'image', data: sampleArray('uint16', [3, 3]), name: 'MASK' },
    ]),
  )
}

type HduContent = NdArray | FitsTable | null

/** Reads everything in a file the way a formatter would (structure, every HDU, a box of each 2-D image). */
async function readEverything(bytes: Uint8Array): Promise<{ hdus: FitsHduInfo[]; contents: HduContent[] }> {
  const src = new MemoryByteSource(bytes, 'fuzz.fits')
  const hdus = await readFitsStructure(src)
  const contents: HduContent[] = []
  for (const hdu of hdus) {
    if (hdu.kind === 'image') {
      contents.push(await readImage(src, hdu))
      if (hdu.shape.length === 2) {
        const [h, w] = hdu.shape as [number, number]
        await readImage(src, hdu, {
          x0: Math.floor(w / 2),
          y0: Math.floor(h / 2),
          width: Math.ceil(w / 2),
          height: Math.ceil(h / 2),
        })
      }
    } else if (hdu.kind === 'bintable') contents.push(await readTable(src, hdu))
    else contents.push(null)
    // What was read must be writable again or refused with a user error.
    hdu.header.toBytes()
  }
  return { hdus, contents }
}

async function run(seed: number): Promise<FuzzReport> {
  const report: FuzzReport = { cases: 0, ok: 0, userErrors: 0, failures: [] }
  const original = sampleFile()
  const reference = await readEverything(original)
  const random = rng(seed)

  /** Runs one case; `check` may add invariant failures for a successful read. */
  async function attempt(
    label: string,
    bytes: Uint8Array,
    check?: (result: Awaited<ReturnType<typeof readEverything>>) => string | undefined,
    mustFail?: (error: unknown) => string | undefined,
  ): Promise<void> {
    report.cases++
    let result: Awaited<ReturnType<typeof readEverything>>
    try {
      result = await readEverything(bytes)
    } catch (error) {
      if (!isUserError(error)) {
        report.failures.push(`${label}: ${error instanceof Error ? error.stack : String(error)}`)
        return
      }
      report.userErrors++
      const problem = mustFail?.(error)
      if (problem) report.failures.push(`${label}: ${problem}`)
      return
    }
    report.ok++
    const problem = check?.(result)
    if (problem) report.failures.push(`${label}: ${problem}`)
  }

  // 1. Truncation at every card boundary and at random offsets.
  const cuts = new Set<number>()
  for (let c = 0; c < original.length; c += 80) cuts.add(c)
  for (let i = 0; i < 200; i++) cuts.add(Math.floor(random() * original.length))
  const lastHdu = reference.hdus[reference.hdus.length - 1]!
  const lastDataEnd = lastHdu.dataOffset + lastHdu.dataSize
  for (const cut of cuts) {
    const insideHdu = reference.hdus.find((h) => cut > h.headerOffset && cut < h.dataOffset + h.dataSize)
    await attempt(
      `truncated at ${cut}`,
      original.subarray(0, cut),
      (result) => {
        if (cut < lastDataEnd && insideHdu) return `read successfully although HDU ${insideHdu.index} is cut`
        if (result.hdus.length > reference.hdus.length) return 'more HDUs than the original'
        for (const [i, content] of result.contents.entries()) {
          if (!isDeepStrictEqual(content, reference.contents[i])) return `HDU ${i} differs from the original`
        }
        return undefined
      },
      (error) =>
        error instanceof CorruptArtifactError
          ? undefined
          : `expected CorruptArtifactError, got ${String(error)}`,
    )
  }

  // 2. Random byte changes in the headers (1-3 bytes, values biased to FITS syntax).
  const headerRanges = reference.hdus.map((h) => [h.headerOffset, h.dataOffset] as const)
  const alphabet = [..." ='/&-+.0123456789ETFDXNAIJKLPQ()HIERARCHCONTINUE"].map((c) => c.charCodeAt(0))
  for (let i = 0; i < 3000; i++) {
    const bytes = original.slice()
    const flips = 1 + Math.floor(random() * 3)
    const changes: string[] = []
    for (let f = 0; f < flips; f++) {
      const [start, end] = headerRanges[Math.floor(random() * headerRanges.length)]!
      // Mostly within the cards actually used (the first few hundred bytes of each header).
      const span = random() < 0.8 ? Math.min(end - start, 1600) : end - start
      const at = start + Math.floor(random() * span)
      const value =
        random() < 0.6 ? alphabet[Math.floor(random() * alphabet.length)]! : Math.floor(random() * 256)
      bytes[at] = value
      changes.push(`${at}=${value}`)
    }
    await attempt(`header bytes ${changes.join(',')}`, bytes)
  }

  // 3. Random byte changes anywhere (data included).
  for (let i = 0; i < 500; i++) {
    const bytes = original.slice()
    const at = Math.floor(random() * bytes.length)
    bytes[at] = Math.floor(random() * 256)
    await attempt(`byte ${at}=${bytes[at]}`, bytes)
  }

  // 4. Garbage: random bytes, a valid header block before random bytes, repeated cards.
  for (let i = 0; i < 100; i++) {
    const n = Math.floor(random() * 3 * 2880)
    const bytes = Uint8Array.from({ length: n }, () => Math.floor(random() * 256))
    if (i % 2 === 0 && n >= 2880) bytes.set(original.subarray(0, 2880))
    await attempt(`garbage ${i} (${n} bytes)`, bytes)
  }
  return report
}

if (parentPort) {
  const report = await run((workerData as { seed: number }).seed)
  parentPort.postMessage(report)
}
