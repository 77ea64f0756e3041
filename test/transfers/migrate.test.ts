import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { defaultUniverse, parseTime } from '../../src/index.js'
import type { DatasetTypeEntry, DimensionEntry, ExportFile } from '../../src/transfers/export-file.js'
import { migrateExportFile } from '../../src/transfers/migrate.js'

const universe = defaultUniverse()

function file(
  universeVersion: number,
  data: ExportFile['data'],
  universeNamespace = 'daf_butler',
): ExportFile {
  return { description: '', version: '1.0.0', universeVersion, universeNamespace, data }
}

const records = (f: ExportFile, element: string) =>
  f.data
    .filter((e): e is DimensionEntry => e.type === 'dimension' && e.element === element)
    .flatMap((e) => e.records)

describe('migrations of older universes', () => {
  const v0 = file(0, [
    {
      type: 'dimension',
      element: 'visit',
      records: [
        {
          instrument: 'X',
          id: 7,
          visit_system: 2,
          seeing: null,
          // 2020-03-01 23:59:50 TAI: the day_obs is that TAI date (no instrument offset is known).
          datetime_begin: parseTime('2020-03-01T23:59:50/tai'),
          datetime_end: parseTime('2020-03-02T00:00:20/tai'),
        },
      ],
    },
    {
      type: 'dimension',
      element: 'visit_definition',
      records: [{ instrument: 'X', exposure: 70, visit_system: 2, visit: 7 }],
    },
    {
      type: 'dimension',
      element: 'exposure',
      records: [{ instrument: 'X', id: 70, group_name: 'g1', group_id: 1, day_obs: 20200301 }],
    },
    {
      type: 'dataset_type',
      name: 'calexp',
      dimensions: ['instrument', 'visit', 'visit_system', 'detector'],
      storageClass: 'ExposureF',
      isCalibration: false,
    },
  ])

  it('moves visit_system into visit_system_membership and drops seeing (< 1, < 2)', () => {
    const { file: out } = migrateExportFile(v0, universe)
    assert.deepEqual(records(out, 'visit_system_membership'), [
      { instrument: 'X', visit_system: 2, visit: 7 },
    ])
    const [visit] = records(out, 'visit')
    assert.equal('visit_system' in visit!, false)
    assert.equal('seeing' in visit!, false)
    assert.equal(visit!.day_obs, 20200301)
    assert.deepEqual(records(out, 'visit_definition'), [{ instrument: 'X', exposure: 70, visit: 7 }])
    const type = out.data.find((e): e is DatasetTypeEntry => e.type === 'dataset_type')
    assert.deepEqual(type?.dimensions, ['instrument', 'visit', 'detector'])
  })

  it('makes group and day_obs records and renames group_name (< 6), with a warning', () => {
    const { file: out, warnings } = migrateExportFile(v0, universe)
    assert.deepEqual(records(out, 'exposure'), [{ instrument: 'X', id: 70, group: 'g1', day_obs: 20200301 }])
    assert.deepEqual(records(out, 'group'), [{ instrument: 'X', name: 'g1' }])
    assert.deepEqual(records(out, 'day_obs'), [{ instrument: 'X', id: 20200301 }], 'one record per value')
    assert.match(warnings.join(), /without timespans .*instrument: X/)
    // The file's own entries keep their positions (synthesized ones come last, marked as such).
    assert.deepEqual(
      out.data.slice(0, 4).map((e) => e.type),
      ['dimension', 'dimension', 'dimension', 'dataset_type'],
    )
    assert.match((out.data[4] as DimensionEntry).origin ?? '', /made by the migration from universe 0/)
  })

  it('leaves universe 6 and 7 files, and other namespaces, as they are', () => {
    for (const version of [6, 7, 8]) {
      const f = file(version, v0.data)
      assert.equal(migrateExportFile(f, universe).file, f)
    }
    const other = file(0, v0.data, 'other')
    const { file: out, warnings } = migrateExportFile(other, universe)
    assert.equal(out, other)
    assert.match(warnings.join(), /namespace 'other'/)
  })
})
