/**
 * The dimension records most butler tests start from: one instrument with one physical filter, one
 * day, some detectors and some visits of that day and filter.
 */

/** Anything records can be inserted into (a butler or a registry). */
export interface RecordSink {
  insertDimensionRecords(element: string, records: readonly Record<string, unknown>[]): Promise<unknown>
}

/** What `insertCameraRecords` inserts; every field has a default. */
export interface CameraRecords {
  readonly instrument?: string
  readonly filter?: string
  readonly band?: string
  readonly dayObs?: number
  /** Detector IDs, or records with their full names (default name `D<id>`). */
  readonly detectors?: readonly (number | { readonly id: number; readonly full_name: string })[]
  /** Visit IDs (named `v<id>`). */
  readonly visits?: readonly number[]
  readonly detectorMax?: number
  readonly visitMax?: number
}

/** Inserts the instrument, its filter, the day, the detectors and the visits. */
export async function insertCameraRecords(sink: RecordSink, spec: CameraRecords = {}): Promise<void> {
  const instrument = spec.instrument ?? 'HSC'
  const filter = spec.filter ?? 'HSC-R'
  const dayObs = spec.dayObs ?? 20130617
  await sink.insertDimensionRecords('instrument', [
    { name: instrument, detector_max: spec.detectorMax ?? 200, visit_max: spec.visitMax ?? 30_000_000 },
  ])
  await sink.insertDimensionRecords('physical_filter', [{ instrument, name: filter, band: spec.band ?? 'r' }])
  await sink.insertDimensionRecords('day_obs', [{ instrument, id: dayObs }])
  await sink.insertDimensionRecords(
    'detector',
    (spec.detectors ?? [16, 17]).map((d) =>
      typeof d === 'number' ? { instrument, id: d, full_name: `D${d}` } : { instrument, ...d },
    ),
  )
  await sink.insertDimensionRecords(
    'visit',
    (spec.visits ?? [903334]).map((id) => ({
      instrument,
      id,
      name: `v${id}`,
      physical_filter: filter,
      day_obs: dayObs,
    })),
  )
}

/** `[from, from + 1, ..., from + n - 1]`. */
export function ids(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + i)
}
