/**
 * What `butler demo` puts in its repository: a small made-up camera, its observations and a few
 * datasets of every common storage class.
 */
import { tableFromArrays } from 'apache-arrow'
import { createNdArray, type NdArray } from '../../datasets/ndarray.js'
import { Timespan } from '../../time/timespan.js'

/** Name of the demo instrument. */
export const DEMO_INSTRUMENT = 'DemoCam'
/** RUN collection the demo writes to. */
export const DEMO_RUN = 'demo/run1'
/** Detector IDs of the demo camera. */
export const DEMO_DETECTORS = [0, 1, 2, 3] as const
/** The observing night. */
export const DEMO_DAY_OBS = 20240315

/** One demo visit. */
export interface DemoVisit {
  readonly id: number
  readonly band: string
  readonly start: string
  readonly exposureTime: number
  readonly target: string
}

/** The visits of the demo night (times are UTC). */
export const DEMO_VISITS: readonly DemoVisit[] = [
  { id: 1001, band: 'g', start: '2024-03-16T02:10:00', exposureTime: 30, target: 'M81' },
  { id: 1002, band: 'r', start: '2024-03-16T02:12:00', exposureTime: 30, target: 'M81' },
  { id: 1003, band: 'r', start: '2024-03-16T03:40:00', exposureTime: 60, target: 'NGC 4565' },
]

/** Dimension records to insert, element by element, in dependency order. */
export function demoRecords(): { element: string; records: Record<string, unknown>[] }[] {
  const bands = [...new Set(DEMO_VISITS.map((v) => v.band))]
  return [
    {
      element: 'instrument',
      records: [
        {
          name: DEMO_INSTRUMENT,
          detector_max: DEMO_DETECTORS.length,
          visit_max: 999_999,
          class_name: 'demo.DemoCam',
        },
      ],
    },
    { element: 'band', records: bands.map((name) => ({ name })) },
    {
      element: 'physical_filter',
      records: bands.map((band) => ({ instrument: DEMO_INSTRUMENT, name: `${band}_demo`, band })),
    },
    {
      element: 'detector',
      records: DEMO_DETECTORS.map((id) => ({
        instrument: DEMO_INSTRUMENT,
        id,
        full_name: `R0${Math.floor(id / 2)}_S0${id % 2}`,
        purpose: 'SCIENCE',
      })),
    },
    {
      element: 'day_obs',
      records: [
        {
          instrument: DEMO_INSTRUMENT,
          id: DEMO_DAY_OBS,
          timespan: Timespan.fromDayObs(DEMO_DAY_OBS, 12 * 3600),
        },
      ],
    },
    {
      element: 'visit',
      records: DEMO_VISITS.map((v) => ({
        instrument: DEMO_INSTRUMENT,
        id: v.id,
        day_obs: DEMO_DAY_OBS,
        physical_filter: `${v.band}_demo`,
        name: `visit_${v.id}`,
        exposure_time: v.exposureTime,
        target_name: v.target,
        timespan: Timespan.parse(v.start, addSeconds(v.start, v.exposureTime)),
      })),
    },
  ]
}

/** The dataset types of the demo: name, storage class, dimensions, what it holds. */
export const DEMO_DATASET_TYPES = [
  {
    name: 'visit_summary',
    storageClass: 'StructuredDataDict',
    dimensions: ['instrument', 'visit'],
    doc: 'a dict of numbers and strings',
  },
  {
    name: 'detector_list',
    storageClass: 'StructuredDataList',
    dimensions: ['instrument', 'visit'],
    doc: 'a list',
  },
  { name: 'observing_log', storageClass: 'Text', dimensions: ['instrument', 'visit'], doc: 'text' },
  {
    name: 'image',
    storageClass: 'NumpyArray',
    dimensions: ['instrument', 'visit', 'detector'],
    doc: 'an 8x8 float32 array',
  },
  {
    name: 'catalog',
    storageClass: 'ArrowTable',
    dimensions: ['instrument', 'visit'],
    doc: 'an Arrow table of sources',
  },
] as const

/** One object to store. */
export interface DemoDataset {
  readonly datasetType: string
  readonly dataId: Readonly<Record<string, string | number>>
  readonly obj: unknown
}

/** Every dataset the demo stores. */
export function demoDatasets(): DemoDataset[] {
  const out: DemoDataset[] = []
  for (const visit of DEMO_VISITS) {
    const dataId = { instrument: DEMO_INSTRUMENT, visit: visit.id }
    out.push({
      datasetType: 'visit_summary',
      dataId,
      obj: {
        target: visit.target,
        band: visit.band,
        exposureTime: visit.exposureTime,
        seeingArcsec: 0.6 + (visit.id % 7) / 10,
      },
    })
    out.push({
      datasetType: 'detector_list',
      dataId,
      obj: DEMO_DETECTORS.map((d) => `R0${Math.floor(d / 2)}_S0${d % 2}`),
    })
    out.push({
      datasetType: 'observing_log',
      dataId,
      obj: `Visit ${visit.id}: ${visit.exposureTime}s on ${visit.target} in ${visit.band}, started ${visit.start} UTC.\n`,
    })
    out.push({ datasetType: 'catalog', dataId, obj: makeCatalog(visit.id) })
    for (const detector of DEMO_DETECTORS) {
      out.push({ datasetType: 'image', dataId: { ...dataId, detector }, obj: makeImage(visit.id, detector) })
    }
  }
  return out
}

function makeImage(visit: number, detector: number): NdArray {
  const data = new Float32Array(64)
  for (let i = 0; i < data.length; i++) data[i] = ((visit * 31 + detector * 7 + i * 13) % 100) / 10
  return createNdArray(data, [8, 8])
}

function makeCatalog(visit: number) {
  const n = 5
  const id = Int32Array.from({ length: n }, (_, i) => visit * 100 + i)
  const ra = Float64Array.from({ length: n }, (_, i) => 148.9 + i * 0.01)
  const dec = Float64Array.from({ length: n }, (_, i) => 69.06 - i * 0.01)
  const flux = Float64Array.from({ length: n }, (_, i) => 1000 + ((visit + i * 37) % 90) * 10)
  return tableFromArrays({ id, ra, dec, flux })
}

function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(`${iso}Z`) + seconds * 1000).toISOString().replace(/\.000Z$/, '')
}
