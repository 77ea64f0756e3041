/**
 * The generated data of the scale benchmarks (bench/query.ts on SQLite, bench/pg-scale.ts on
 * PostgreSQL): one instrument with 1,000 visits (an hour apart, 0.75° circles tiling a 10° field)
 * and 100 detectors, and a skymap of one tract with 10 × 10 patches over the same field.
 */
import { DataCoordinate } from '../src/dimensions/data-coordinate.js'
import type { DimensionGroup } from '../src/dimensions/dimension-group.js'
import { createBox, createCircle } from '../src/geometry/index.js'
import { parseTime } from '../src/time/parse-time.js'
import { Timespan } from '../src/time/timespan.js'

export const SCALE_VISITS = 1000
export const SCALE_DETECTORS = 100
/** Begin of the first visit; visit k begins k hours later. */
export const SCALE_T0 = parseTime('2024-01-01T00:00:00/tai')
export const HOUR_NS = 3_600_000_000_000n

/** Anything records can be inserted into (a butler or a registry). */
export interface RecordSink {
  insertDimensionRecords(element: string, records: readonly Record<string, unknown>[]): Promise<unknown>
}

/** Inserts the instrument, filter, day, detectors, visits, skymap, tract and patches. */
export async function insertScaleDimensions(sink: RecordSink): Promise<void> {
  await sink.insertDimensionRecords('instrument', [
    { name: 'Cam', detector_max: SCALE_DETECTORS + 1, visit_max: SCALE_VISITS + 1 },
  ])
  await sink.insertDimensionRecords('physical_filter', [{ instrument: 'Cam', name: 'r', band: 'r' }])
  await sink.insertDimensionRecords('day_obs', [{ instrument: 'Cam', id: 20240101 }])
  await sink.insertDimensionRecords(
    'detector',
    Array.from({ length: SCALE_DETECTORS }, (_, i) => ({
      instrument: 'Cam',
      id: i + 1,
      full_name: `D${i + 1}`,
    })),
  )
  await sink.insertDimensionRecords(
    'visit',
    Array.from({ length: SCALE_VISITS }, (_, i) => ({
      instrument: 'Cam',
      id: i + 1,
      name: `v${i + 1}`,
      physical_filter: 'r',
      day_obs: 20240101,
      timespan: new Timespan(
        SCALE_T0 + BigInt(i) * HOUR_NS,
        SCALE_T0 + BigInt(i) * HOUR_NS + 30_000_000_000n,
      ),
      region: createCircle(
        150 + ((i * 7) % 100) * 0.1,
        2 + (Math.floor((i * 7) / 100) % 100) * 0.1,
        0.75,
      ).encode(),
    })),
  )
  await sink.insertDimensionRecords('skymap', [
    { name: 'sky', hash: new Uint8Array(40), tract_max: 1, patch_nx_max: 10, patch_ny_max: 10 },
  ])
  await sink.insertDimensionRecords('tract', [
    { skymap: 'sky', id: 0, region: createBox(155, 7, 10, 10).encode() },
  ])
  await sink.insertDimensionRecords(
    'patch',
    Array.from({ length: 100 }, (_, p) => ({
      skymap: 'sky',
      tract: 0,
      id: p,
      cell_x: p % 10,
      cell_y: Math.floor(p / 10),
      region: createBox(150.5 + (p % 10), 2.5 + Math.floor(p / 10), 1, 1).encode(),
    })),
  )
}

/** Data IDs of {instrument, visit, detector} for visits `from`..`to` and every detector. */
export function scaleDataIds(group: DimensionGroup, from = 1, to = SCALE_VISITS): DataCoordinate[] {
  const ids: DataCoordinate[] = []
  for (let visit = from; visit <= to; visit++) {
    for (let detector = 1; detector <= SCALE_DETECTORS; detector++) {
      const values: Record<string, string | number> = { instrument: 'Cam', visit, detector }
      ids.push(
        DataCoordinate.fromRequiredValues(
          group,
          group.required.map((n) => values[n]!),
        ),
      )
    }
  }
  return ids
}
