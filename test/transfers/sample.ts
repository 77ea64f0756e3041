/**
 * A small hand-written export file using every entry type and tag, for the reader and import tests.
 */

export const ID1 = '11111111-1111-4111-8111-111111111111'
export const ID2 = '22222222-2222-4222-8222-222222222222'

/** The header of a current export file. */
export const HEADER = `description: Butler Data Repository Export
version: 1.0.2
universe_version: 8
universe_namespace: daf_butler
data:
`

/** Dimension records: an instrument, two detectors, an exposure with a timespan. */
export const RECORDS = `- type: dimension
  element: instrument
  records:
  - {name: Cam9, visit_max: 10, exposure_max: 10, detector_max: 4, class_name: X}
- type: dimension
  element: detector
  records:
  - {instrument: Cam9, id: 1, full_name: d1}
  - {instrument: Cam9, id: 2, full_name: d2}
- type: dimension
  element: physical_filter
  records:
  - {instrument: Cam9, name: Cam9-y, band: y}
- type: dimension
  element: day_obs
  records:
  - instrument: Cam9
    id: 20200101
    datetime_begin: !butler_time/tai/iso '2020-01-01 00:00:00.000000000'
    datetime_end: !butler_time/tai/iso '2020-01-02 00:00:00.000000000'
- type: dimension
  element: group
  records:
  - {instrument: Cam9, name: '08'}
- type: dimension
  element: exposure
  records:
  - instrument: Cam9
    id: 5
    physical_filter: Cam9-y
    obs_id: e5
    day_obs: 20200101
    group: '08'
    has_simulated: no
    datetime_begin: !butler_time/tai/iso '2020-01-01 03:00:00.000000001'
    datetime_end: !butler_time/tai/iso '2020-01-01 03:00:30.000000000'
`

/** Collections of every type. */
export const COLLECTIONS = `- type: collection
  collection_type: RUN
  name: run9
  host: null
  timespan_begin: null
  timespan_end: null
- type: run
  name: run9b
- type: collection
  collection_type: TAGGED
  name: tag9
  doc: tagged things
- type: collection
  collection_type: CALIBRATION
  name: calib9
- type: collection
  collection_type: CHAINED
  name: chain9
  children: [tag9, run9]
`

/** A calibration dataset type and two datasets (list and single-value forms). */
export const DATASETS = `- type: dataset_type
  name: bias9
  dimensions: [instrument, detector]
  storage_class: StructuredDataDict
  is_calibration: true
- type: dataset
  dataset_type: bias9
  run: run9
  records:
  - dataset_id: [!uuid '${ID1}']
    data_id: [{instrument: Cam9, detector: 1}]
  - dataset_id: !uuid '${ID2}'
    data_id: {instrument: Cam9, detector: 2}
`

/** TAGGED and CALIBRATION memberships (the calibration one in both the current and legacy forms). */
export const ASSOCIATIONS = `- type: associations
  collection: tag9
  collection_type: TAGGED
  dataset_ids: [!uuid '${ID1}']
- type: associations
  collection: calib9
  collection_type: CALIBRATION
  validity_ranges:
  - timespan: !lsst.daf.butler.Timespan
      begin: !butler_time/tai/iso '2020-01-01 00:00:00.000000000'
      end: null
    dataset_ids: [!uuid '${ID1}', !uuid '${ID2}']
  - begin: null
    end: !butler_time/tai/iso '2019-01-01 00:00:00.000000000'
    dataset_ids: [!uuid '${ID2}']
`

/** The whole sample file. */
export const SAMPLE = HEADER + RECORDS + COLLECTIONS + DATASETS + ASSOCIATIONS
