/**
 * Shared set-up of the benchmarks: a fresh repository with an instrument, visits and detectors.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ByteSource } from '../src/formatters/byte-source.js'
import { createRepository, DatasetType, type DirectButler, openButler } from '../src/index.js'

/** Number of visits and detectors; their product is the number of data IDs. */
export const VISITS = 1000
export const DETECTORS = 10

/** A scratch folder on the same disk as the repositories (removed by `cleanup`). */
export async function scratch(prefix: string): Promise<string> {
  return mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), `butler-bench-${prefix}-`))
}

/**
 * Flushes pending writeback (from earlier phases and deleted scratch folders) before a timed phase,
 * so each phase starts from a quiet disk instead of paying for the previous one.
 */
export function settle(): void {
  spawnSync('sync', { stdio: 'ignore' })
}

/** Removes a scratch folder. */
export async function cleanup(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}

/** Creates a repository with dimension records for VISITS × DETECTORS data IDs and the bench dataset types. */
export async function makeRepo(dir: string, run: string): Promise<DirectButler> {
  const repo = join(dir, 'repo')
  // BENCH_NO_FSYNC=1 measures without fsync (datastore.fsync: false), to show what durability costs.
  await createRepository(repo, process.env.BENCH_NO_FSYNC ? { config: { datastore: { fsync: false } } } : {})
  const butler = await openButler(repo, { run })
  await insertBenchRecords(butler)
  const dims = butler.universe.group(['instrument', 'visit', 'detector'])
  await butler.registerDatasetType(new DatasetType('bench_dict', dims, 'StructuredDataDict'))
  await butler.registerDatasetType(new DatasetType('bench_array', dims, 'NumpyArray'))
  return butler
}

/**
 * Inserts the dimension records of the bench data IDs: instrument `BenchCam` with filter `BC-r` (band
 * `r`), day 20260101, detectors 0 .. `detectors` - 1 and visits 1 .. `visits` of that day and filter.
 */
export async function insertBenchRecords(
  butler: DirectButler,
  visits: number = VISITS,
  detectors: number = DETECTORS,
): Promise<void> {
  await butler.insertDimensionRecords('instrument', [
    { name: 'BenchCam', detector_max: detectors, visit_max: visits + 1 },
  ])
  await butler.insertDimensionRecords('physical_filter', [
    { instrument: 'BenchCam', name: 'BC-r', band: 'r' },
  ])
  await butler.insertDimensionRecords('day_obs', [{ instrument: 'BenchCam', id: 20260101 }])
  await butler.insertDimensionRecords(
    'detector',
    Array.from({ length: detectors }, (_, id) => ({ instrument: 'BenchCam', id, full_name: `D${id}` })),
  )
  await butler.insertDimensionRecords(
    'visit',
    Array.from({ length: visits }, (_, k) => ({
      instrument: 'BenchCam',
      id: k + 1,
      name: `v${k + 1}`,
      physical_filter: 'BC-r',
      day_obs: 20260101,
    })),
  )
}

/** The data IDs used by W1 and W2. */
export function dataIds(): { instrument: string; visit: number; detector: number }[] {
  const out = []
  for (let visit = 1; visit <= VISITS; visit++) {
    for (let detector = 0; detector < DETECTORS; detector++)
      out.push({ instrument: 'BenchCam', visit, detector })
  }
  return out
}

/** A ~10-key dict, different per data ID. */
export function payload(dataId: { visit: number; detector: number }): Record<string, unknown> {
  return {
    visit: dataId.visit,
    detector: dataId.detector,
    exposure_time: 30.0,
    airmass: 1.0 + dataId.visit / 10000,
    seeing: 0.7 + dataId.detector / 100,
    filter: 'r',
    zero_point: 27.1,
    n_sources: dataId.visit * 7 + dataId.detector,
    quality: 'good',
    comment: `visit ${dataId.visit} detector ${dataId.detector}`,
  }
}

/** Median of numbers. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** A byte source around another that counts what it is asked for: bytes and reads (`readAll` is one read). */
export class CountingSource implements ByteSource {
  /** Bytes asked for so far. */
  bytesRead = 0
  /** Reads so far. */
  reads = 0

  /** Counts the reads of `inner`. */
  constructor(readonly inner: ByteSource) {}

  /** Size of the inner source. */
  get size(): number {
    return this.inner.size
  }

  /** Location of the inner source. */
  get location(): string {
    return this.inner.location
  }

  /** Reads from the inner source, counting. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    this.bytesRead += length
    this.reads++
    return this.inner.read(offset, length)
  }

  /** Reads all of the inner source, counting. */
  async readAll(): Promise<Uint8Array> {
    this.bytesRead += this.inner.size
    this.reads++
    return this.inner.readAll()
  }
}
