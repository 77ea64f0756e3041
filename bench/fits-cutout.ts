/**
 * FITS cutout benchmark: a 4096×4096 float32 image (64 MiB) in a FITS file, read whole with `readImage` and
 * as a 100×100 box through a `FileByteSource` (which reads only the 100 rows under the box), against the
 * physical baseline of reading the whole file with `fs.readFile`. Medians of RUNS warm-cache runs; each run
 * opens the file, lists its HDUs (headers only) and reads the pixels, as a formatter would.
 *
 * Then the same at the butler level: a 4096×4096 `ExposureF` (image, mask and variance: a 192 MiB
 * multi-extension file written by `FitsFormatter`) put into a repository, read with `butler.get` whole and
 * with a 100×100 `bbox` (`cache: false`), medians of BUTLER_RUNS warm-cache runs.
 *
 * Target: the cutout takes at most 1/20 of the full read. Run alone with `node dist/bench/fits-cutout.js`
 * (BENCH_RUNS=<n> changes the number of runs, BENCH_BUTLER_RUNS=<n> those of the butler figures, BENCH_DIR
 * the disk).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { FileByteSource } from '../src/datastore/file/file-byte-source.js'
import { type FitsBox, readFitsStructure, readImage, writeFits } from '../src/formatters/fits/index.js'
import { Box2I, Exposure, Image, Mask, MaskedImage } from '../src/images/index.js'
import { createRepository, DatasetType, openButler } from '../src/index.js'
import { CountingSource, cleanup, insertBenchRecords, median, scratch } from './setup.js'

const SIZE = 4096
const BOX: FitsBox = { x0: 2000, y0: 3000, width: 100, height: 100 }
const RUNS = Number(process.env.BENCH_RUNS ?? 20)
const BUTLER_RUNS = Number(process.env.BENCH_BUTLER_RUNS ?? 5)

/** A full garbage collection (exposed at run time, so the bench needs no `--expose-gc`). */
function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc
  if (existing) return existing
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}
const gc = exposeGc()

/** Figures of one benchmark run (milliseconds and bytes). */
export interface FitsCutoutFigures {
  readonly writeMs: number
  readonly baselineMs: number
  readonly fullMs: number
  readonly cutoutMs: number
  readonly fileBytes: number
  readonly fullBytesRead: number
  readonly cutoutBytesRead: number
  readonly cutoutReads: number
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now()
  await fn()
  return performance.now() - t
}

async function readWith(
  path: string,
  box?: FitsBox,
): Promise<{ bytes: number; reads: number; pixels: number }> {
  const file = await FileByteSource.open(path, 'bench.fits')
  try {
    const source = new CountingSource(file)
    const [hdu] = await readFitsStructure(source)
    const image = await readImage(source, hdu!, box)
    return { bytes: source.bytesRead, reads: source.reads, pixels: image?.data.length ?? 0 }
  } finally {
    await file.close()
  }
}

/** Writes the image and measures the three reads. */
export async function runFitsCutout(): Promise<FitsCutoutFigures> {
  const dir = await scratch('fits')
  try {
    const data = new Float32Array(SIZE * SIZE)
    for (let i = 0; i < data.length; i++) data[i] = (i % 9973) * 0.25 - 1000
    const path = join(dir, 'image.fits')
    const writeMs = await timed(async () => {
      await writeFile(
        path,
        writeFits([{ kind: 'image', data: { dtype: 'float32', shape: [SIZE, SIZE], data } }]),
      )
    })
    // Check once that the cutout is right, and warm the page cache.
    const check = await FileByteSource.open(path, 'bench.fits')
    try {
      const [hdu] = await readFitsStructure(check)
      const cut = (await readImage(check, hdu!, BOX))!
      const full = (await readImage(check, hdu!))!
      for (let y = 0; y < BOX.height; y++) {
        for (let x = 0; x < BOX.width; x++) {
          if (cut.data[y * BOX.width + x] !== full.data[(BOX.y0 + y) * SIZE + BOX.x0 + x]) {
            throw new Error(`cutout differs from the full image at (${x}, ${y})`)
          }
        }
      }
    } finally {
      await check.close()
    }
    // Each method is timed in its own phase, with a full garbage collection before every run (outside the
    // timing), so the 64 MiB buffers of one run do not bill their collection to the next.
    const baseline: number[] = []
    const fullTimes: number[] = []
    const cutTimes: number[] = []
    let fullInfo = { bytes: 0, reads: 0, pixels: 0 }
    let cutInfo = { bytes: 0, reads: 0, pixels: 0 }
    let fileBytes = 0
    for (let i = 0; i < RUNS; i++) {
      gc()
      baseline.push(
        await timed(async () => {
          fileBytes = (await readFile(path)).length
        }),
      )
    }
    for (let i = 0; i < RUNS; i++) {
      gc()
      fullTimes.push(
        await timed(async () => {
          fullInfo = await readWith(path)
        }),
      )
    }
    for (let i = 0; i < RUNS; i++) {
      gc()
      cutTimes.push(
        await timed(async () => {
          cutInfo = await readWith(path, BOX)
        }),
      )
    }
    if (fullInfo.pixels !== SIZE * SIZE || cutInfo.pixels !== BOX.width * BOX.height) {
      throw new Error('wrong number of pixels read')
    }
    return {
      writeMs,
      baselineMs: median(baseline),
      fullMs: median(fullTimes),
      cutoutMs: median(cutTimes),
      fileBytes,
      fullBytesRead: fullInfo.bytes,
      cutoutBytesRead: cutInfo.bytes,
      cutoutReads: cutInfo.reads,
    }
  } finally {
    await cleanup(dir)
  }
}

/** Figures of the butler-level benchmark (milliseconds and bytes). */
export interface ButlerCutoutFigures {
  readonly putMs: number
  readonly fileBytes: number
  readonly fullGetMs: number
  readonly cutoutGetMs: number
}

/** Puts a 4096×4096 ExposureF into a fresh repository and times whole and `bbox` gets. */
export async function runButlerCutout(): Promise<ButlerCutoutFigures> {
  const dir = await scratch('fits-butler')
  try {
    const repo = join(dir, 'repo')
    await createRepository(repo)
    const butler = await openButler(repo, { run: 'bench/fits' })
    try {
      await insertBenchRecords(butler, 1, 1)
      const dims = butler.universe.group(['instrument', 'visit', 'detector'])
      await butler.registerDatasetType(new DatasetType('calexp', dims, 'ExposureF'))
      const dataId = { instrument: 'BenchCam', visit: 1, detector: 0 }
      const image = Image.zeros('float32', SIZE, SIZE)
      const variance = Image.zeros('float32', SIZE, SIZE)
      const mask = Mask.zeros(SIZE, SIZE)
      for (let i = 0; i < SIZE * SIZE; i++) {
        image.data[i] = (i % 9973) * 0.25 - 1000
        variance.data[i] = (i % 101) + 1
        mask.data[i] = i % 4093 === 0 ? 1 : 0
      }
      const exposure = new Exposure(new MaskedImage(image, mask, variance), { filter: 'r' })
      const putMs = await timed(() => butler.put(exposure, 'calexp', dataId))
      const ref = (await butler.findDataset('calexp', dataId))!
      const [artifact] = await butler.datastore.artifacts([ref])
      const box = new Box2I(BOX.x0, BOX.y0, BOX.width, BOX.height)
      // Check once that the cutout is right (and warm the page cache).
      const cut = (await butler.get('calexp', dataId, {
        parameters: { bbox: box },
        cache: false,
      })) as Exposure
      if (!cut.equals(exposure.subimage(box))) throw new Error('butler cutout differs from subimage')
      const full: number[] = []
      const cutout: number[] = []
      for (let i = 0; i < BUTLER_RUNS; i++) {
        gc()
        full.push(await timed(() => butler.get('calexp', dataId, { cache: false })))
      }
      for (let i = 0; i < BUTLER_RUNS; i++) {
        gc()
        cutout.push(
          await timed(() => butler.get('calexp', dataId, { parameters: { bbox: box }, cache: false })),
        )
      }
      return { putMs, fileBytes: artifact!.fileSize, fullGetMs: median(full), cutoutGetMs: median(cutout) }
    } finally {
      await butler.close()
    }
  } finally {
    await cleanup(dir)
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(2)} MiB`
}

async function main(): Promise<void> {
  const f = await runFitsCutout()
  const ratio = f.fullMs / f.cutoutMs
  process.stdout.write(
    [
      `FITS cutout benchmark (${SIZE}×${SIZE} float32, ${mib(f.fileBytes)} file; median of ${RUNS} warm-cache runs)`,
      `  write (writeFits + writeFile):     ${f.writeMs.toFixed(1)} ms`,
      `  baseline fs.readFile (whole file): ${f.baselineMs.toFixed(2)} ms, ${mib(f.fileBytes)}`,
      `  full readImage:                    ${f.fullMs.toFixed(2)} ms, ${mib(f.fullBytesRead)} read (${(f.fullMs / f.baselineMs).toFixed(2)}× baseline)`,
      `  ${BOX.width}×${BOX.height} box readImage:             ${f.cutoutMs.toFixed(3)} ms, ${(f.cutoutBytesRead / 1024).toFixed(1)} KiB read in ${f.cutoutReads} reads`,
      `  cutout / full: 1/${ratio.toFixed(0)} (target ≤ 1/20: ${ratio >= 20 ? 'met' : 'NOT met'})`,
    ].join('\n') + '\n',
  )
  const b = await runButlerCutout()
  const butlerRatio = b.fullGetMs / b.cutoutGetMs
  process.stdout.write(
    [
      `Butler-level (${SIZE}×${SIZE} ExposureF, ${mib(b.fileBytes)} FITS file; median of ${BUTLER_RUNS} warm-cache runs, cache: false)`,
      `  put:                                ${b.putMs.toFixed(0)} ms`,
      `  get whole:                          ${b.fullGetMs.toFixed(1)} ms`,
      `  get with a ${BOX.width}×${BOX.height} bbox:            ${b.cutoutGetMs.toFixed(2)} ms`,
      `  cutout / full: 1/${butlerRatio.toFixed(0)} (target ≤ 1/20: ${butlerRatio >= 20 ? 'met' : 'NOT met'})`,
    ].join('\n') + '\n',
  )
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
