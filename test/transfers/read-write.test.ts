import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LEGACY_INTEGER_ID_NAMESPACE, parseTime, Timespan, uuid3 } from '../../src/index.js'
import type { DatasetEntry, DimensionEntry } from '../../src/transfers/export-file.js'
import { parseExportFile } from '../../src/transfers/read-export-file.js'
import { formatExportFile } from '../../src/transfers/write-export-file.js'
import { HEADER, ID1, ID2, SAMPLE } from './sample.js'

function rejects(text: string, pattern: RegExp): void {
  assert.throws(
    () => parseExportFile(text),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'export_file', error.message)
      assert.match(error.message, pattern)
      return true
    },
  )
}

describe('reading export files', () => {
  it('reads every entry type and tag of the sample', () => {
    const file = parseExportFile(SAMPLE)
    assert.equal(file.version, '1.0.2')
    assert.equal(file.universeVersion, 8)
    const types = file.data.map((e) => e.type)
    assert.deepEqual(types.slice(0, 6), Array(6).fill('dimension'))
    const exposure = (file.data[5] as DimensionEntry).records[0]!
    assert.equal(exposure.datetime_begin, parseTime('2020-01-01 03:00:00.000000001/tai'))
    assert.equal(exposure.group, '08', 'PyYAML reads 08 as a string')
    assert.equal(exposure.has_simulated, false, 'YAML 1.1 booleans')
    const filter = (file.data[2] as DimensionEntry).records[0]!
    assert.equal(filter.band, 'y', 'PyYAML does not read y as a boolean')
    const run9b = file.data.find((e) => e.type === 'collection' && e.name === 'run9b')
    assert.deepEqual(run9b, {
      type: 'collection',
      collectionType: 'RUN',
      name: 'run9b',
      host: null,
      timespanBegin: null,
      timespanEnd: null,
    })
    const dataset = file.data.find((e) => e.type === 'dataset') as DatasetEntry
    assert.deepEqual(dataset.files, [
      { datasetIds: [ID1], dataIds: [{ instrument: 'Cam9', detector: 1 }] },
      { datasetIds: [ID2], dataIds: [{ instrument: 'Cam9', detector: 2 }] },
    ])
    const calib = file.data.at(-1)!
    assert.ok(calib.type === 'associations' && calib.collectionType === 'CALIBRATION')
    assert.ok(
      calib.validityRanges[0]!.timespan.equals(new Timespan(parseTime('2020-01-01T00:00:00/tai'), null)),
    )
    assert.ok(
      calib.validityRanges[1]!.timespan.equals(new Timespan(null, parseTime('2019-01-01T00:00:00/tai'))),
    )
  })

  it('reads version 0 as 1.0.0, legacy integer dataset IDs as uuid3, EMPTY timespans and old timestamps', () => {
    const file = parseExportFile(`version: 0
data:
- type: dimension
  element: visit
  records:
  - {instrument: X, id: 1, datetime_begin: 2014-11-18 12:56:47.112000, datetime_end: null}
- type: dataset
  dataset_type: raw
  run: r
  records:
  - {dataset_id: [42, 43], data_id: [{instrument: X}, {instrument: Y}], path: a.fits}
- type: associations
  collection: c
  collection_type: CALIBRATION
  validity_ranges:
  - {timespan: !lsst.daf.butler.Timespan EMPTY, dataset_ids: [42]}
`)
    assert.equal(file.version, '1.0.0')
    assert.equal(file.universeVersion, 0)
    assert.equal(file.universeNamespace, 'daf_butler')
    assert.equal(
      (file.data[0] as DimensionEntry).records[0]!.datetime_begin,
      parseTime('2014-11-18T12:56:47.112'),
    )
    const ids = (file.data[1] as DatasetEntry).files[0]!.datasetIds
    assert.deepEqual(ids, [
      uuid3(LEGACY_INTEGER_ID_NAMESPACE, '42'),
      uuid3(LEGACY_INTEGER_ID_NAMESPACE, '43'),
    ])
    const calib = file.data[2]!
    assert.ok(calib.type === 'associations' && calib.collectionType === 'CALIBRATION')
    assert.ok(calib.validityRanges[0]!.timespan.isEmpty)
    assert.deepEqual(calib.validityRanges[0]!.datasetIds, [ids[0]])
  })

  it('rejects incompatible versions', () => {
    rejects(
      HEADER.replace('1.0.2', '2.0.0').replace('data:\n', 'data: []\n'),
      /header: cannot read format version 2\.0\.0 \(1\.x\.x required\)/,
    )
    rejects(
      HEADER.replace('1.0.2', '1.1.0').replace('data:\n', 'data: []\n'),
      /cannot read format version 1\.1\.0/,
    )
    rejects(
      HEADER.replace('1.0.2', 'one').replace('data:\n', 'data: []\n'),
      /version 'one' is not MAJOR\.MINOR\.PATCH/,
    )
    rejects('data: []\n', /missing 'version'/)
    // Patch versions are ignored.
    assert.equal(
      parseExportFile(HEADER.replace('1.0.2', '1.0.9').replace('data:\n', 'data: []\n')).version,
      '1.0.9',
    )
  })

  it('names the entry and the problem of a malformed entry', () => {
    const entry = (text: string) => `${HEADER}- {type: run, name: ok}\n${text}`
    rejects(
      entry('- {type: dimension, element: visit}\n'),
      /data\[1\] \(dimension 'visit'\): missing 'records'/,
    )
    rejects(entry('- {type: bogus}\n'), /data\[1\]: unknown entry type 'bogus'/)
    rejects(
      entry(
        "- {type: dimension, element: day_obs, records: [{datetime_begin: !butler_time/tai/iso 'noon'}]}\n",
      ),
      /data\[1\] \(dimension 'day_obs'\), records\[0\] field 'datetime_begin': !butler_time\/tai\/iso: .*noon/,
    )
    rejects(
      entry(
        "- {type: dataset, dataset_type: t, run: r, records: [{dataset_id: !uuid 'xyz', data_id: {}}]}\n",
      ),
      /data\[1\] \(dataset 't' in run 'r'\), records\[0\] dataset_id\[0\]: 'xyz' is not a UUID/,
    )
    rejects(
      entry(
        `- {type: dataset, dataset_type: t, run: r, records: [{dataset_id: [!uuid '${ID1}'], data_id: []}]}\n`,
      ),
      /records\[0\]: 1 dataset_id values but 0 data_id values/,
    )
    rejects(
      entry('- {type: collection, collection_type: NEW, name: c}\n'),
      /\(collection 'c'\): collection_type must be/,
    )
    rejects(
      entry(
        '- {type: dimension, element: tract, records: [{region: !<lsst.sphgeom.ConvexPolygon> {encoded: zz}}]}\n',
      ),
      /\(dimension 'tract'\), records\[0\] field 'region': !<lsst\.sphgeom\.ConvexPolygon>: needs 'encoded'/,
    )
    rejects(entry('- {type: run, name: x, extra: 1}\n'), /data\[1\] \(run 'x'\): unknown key 'extra'/)
    rejects(entry('- {type: run, name: x}\n  - broken'), /not valid at line \d+/)
    rejects(
      entry('- !weird {type: run, name: x}\n'),
      /not valid at line 7, column 3 in data\[1\]: Unresolved tag: !weird/,
    )
  })

  it('writes what it reads: format then parse gives the same file', () => {
    const file = parseExportFile(SAMPLE)
    const text = formatExportFile(file)
    assert.match(text, /^description: Butler Data Repository Export\nversion: 1\.0\.2\n/)
    assert.match(text, /- dataset_id:\n {4}- !uuid '11111111-1111-4111-8111-111111111111'/)
    assert.match(text, /datetime_begin: !butler_time\/tai\/iso '2020-01-01 03:00:00\.000000001'/)
    assert.match(
      text,
      /timespan: !lsst\.daf\.butler\.Timespan\n\s+begin: !butler_time\/tai\/iso '2020-01-01 00:00:00\.000000000'\n\s+end: null/,
    )
    assert.match(text, /name: '08'/)
    assert.match(text, /band: y\n/)
    const again = parseExportFile(text)
    assert.deepEqual(
      JSON.stringify(again, (_k, v) =>
        typeof v === 'bigint' ? `${v}n` : v instanceof Timespan ? v.toString() : v,
      ),
      JSON.stringify(file, (_k, v) =>
        typeof v === 'bigint' ? `${v}n` : v instanceof Timespan ? v.toString() : v,
      ),
    )
  })

  it('writes regions as sphgeom tags and hashes as !!binary', () => {
    const region = Uint8Array.from([0x70, 1, 2, 3])
    const text = formatExportFile({
      description: 'd',
      version: '1.0.2',
      universeVersion: 8,
      universeNamespace: 'daf_butler',
      data: [
        { type: 'dimension', element: 'tract', records: [{ skymap: 's', id: 1, region }] },
        { type: 'dimension', element: 'skymap', records: [{ name: 's', hash: Uint8Array.from([1, 2]) }] },
      ],
    })
    assert.match(text, /region: !<lsst\.sphgeom\.ConvexPolygon>\n\s+encoded: '70010203'\n/)
    assert.match(text, /hash: !!binary \|-?\n\s+AQI=/)
    const back = parseExportFile(text)
    assert.deepEqual((back.data[0] as DimensionEntry).records[0]!.region, region)
    assert.deepEqual((back.data[1] as DimensionEntry).records[0]!.hash, Uint8Array.from([1, 2]))
  })
})
