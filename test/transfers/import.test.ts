import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type DirectButler, parseTime, type Timespan } from '../../src/index.js'
import { importFile } from '../../src/transfers/import-file.js'
import { freshRepo, snapshot, tempDir } from './helpers.js'
import { ASSOCIATIONS, COLLECTIONS, DATASETS, HEADER, ID1, ID2, RECORDS, SAMPLE } from './sample.js'

describe('importFile', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let n = 0
  before(async () => {
    ;({ dir, cleanup } = await tempDir())
  })
  after(() => cleanup())
  const repo = () => freshRepo(dir, `repo${n++}`)

  it('imports every entry type: records, collections, chains, datasets, TAGGED and CALIBRATION memberships', async () => {
    const butler = await repo()
    try {
      const summary = await importFile(butler, { text: SAMPLE, withoutDatastore: true })
      assert.equal(summary.datasets, 2)
      assert.equal(summary.associations, 4)
      const collections = await butler.registry.queryCollections()
      assert.deepEqual(
        collections.map((c) => `${c.name}:${c.type}:${c.doc}:${c.children.join('+')}`),
        [
          'calib9:CALIBRATION::',
          'chain9:CHAINED::tag9+run9',
          'run9:RUN::',
          'run9b:RUN::',
          'tag9:TAGGED:tagged things:',
        ],
      )
      const tagged = await butler.registry.queryDatasetAssociations('bias9', { collections: ['tag9'] })
      assert.deepEqual(
        tagged.map((a) => a.ref.id),
        [ID1],
      )
      const calib = await butler.registry.queryDatasetAssociations('bias9', { collections: ['calib9'] })
      const ranges = calib.map((a) => `${a.ref.id}:${a.timespan?.begin}:${a.timespan?.isUnboundedEnd}`).sort()
      const t2020 = parseTime('2020-01-01T00:00:00/tai')
      assert.equal(ranges.length, 3)
      assert.ok(ranges.includes(`${ID1}:${t2020}:true`))
      assert.ok(ranges.includes(`${ID2}:${t2020}:true`))
      const [exposure] = await butler.registry.fetchDimensionRecords('exposure')
      assert.equal(exposure?.get('group'), '08')
      assert.equal(exposure?.get('has_simulated'), false)
      const ts = exposure?.get('timespan') as Timespan
      // To the nanosecond, though TAI nanoseconds since 1970 exceed 2^53.
      assert.equal(ts.begin, parseTime('2020-01-01 03:00:00.000000001/tai'))
      // Found through the chain, in the TAGGED collection.
      const ref = await butler.registry.findDataset(
        await butler.registry.getDatasetType('bias9'),
        await butler.registry.expandDataId({ instrument: 'Cam9', detector: 1 }),
        ['chain9'],
      )
      assert.equal(ref?.id, ID1)
    } finally {
      await butler.close()
    }
  })

  it('imports the same file twice without change the second time', async () => {
    const butler = await repo()
    try {
      await importFile(butler, { text: SAMPLE, withoutDatastore: true })
      const before = await snapshot(butler)
      await importFile(butler, { text: HEADER + RECORDS + COLLECTIONS + DATASETS, withoutDatastore: true })
      assert.deepEqual(await snapshot(butler), before)
    } finally {
      await butler.close()
    }
  })

  describe('a malformed file imports nothing and names the entry', () => {
    let butler: DirectButler
    let initial: Record<string, unknown>
    before(async () => {
      butler = await repo()
      // Something already there, which must stay as it is.
      await butler.registry.insertDimensionRecords('instrument', [{ name: 'Old', detector_max: 2 }])
      await butler.registry.registerRun('old_run')
      initial = await snapshot(butler)
    })
    after(() => butler.close())

    const cases: [string, string, string, RegExp][] = [
      ['bad version', HEADER.replace('1.0.2', '3.0.0') + RECORDS, 'export_file', /format version 3\.0\.0/],
      [
        'unknown element',
        `${HEADER + RECORDS}- {type: dimension, element: telescope, records: [{name: x}]}\n`,
        'export_file',
        /data\[6\] \(dimension 'telescope'\): unknown dimension element 'telescope'/,
      ],
      [
        'bad tag value',
        HEADER + RECORDS.replace("'2020-01-01 03:00:30.000000000'", "'2020-13-45 99:00:00'"),
        'export_file',
        /data\[5\] \(dimension 'exposure'\), records\[0\] field 'datetime_end': !butler_time\/tai\/iso/,
      ],
      [
        'dataset of an unknown run',
        HEADER + RECORDS + DATASETS,
        'export_file',
        /data\[7\] \(dataset 'bias9' in run 'run9'\): RUN 'run9' is neither in the file nor in the repository/,
      ],
      [
        'dataset of an unknown dataset type',
        HEADER + RECORDS + COLLECTIONS + DATASETS.replace('name: bias9', 'name: dark9'),
        'export_file',
        /data\[12\] \(dataset 'bias9' in run 'run9'\): dataset type 'bias9' is neither in the file nor in the repository/,
      ],
      [
        'dataset of a run that is not a RUN',
        HEADER + RECORDS + COLLECTIONS + DATASETS.replace('run: run9', 'run: tag9'),
        'export_file',
        /'tag9' is a TAGGED collection, not a RUN/,
      ],
      [
        'missing field',
        HEADER + RECORDS.replace('    obs_id: e5\n', ''),
        'export_file',
        /data\[5\] \(dimension 'exposure'\), records\[0\]: Missing value for field 'obs_id'/,
      ],
      [
        'missing dataset_id',
        HEADER +
          RECORDS +
          COLLECTIONS +
          DATASETS.replace(`  - dataset_id: !uuid '${ID2}'\n    data_id:`, '  - data_id:'),
        'export_file',
        /data\[12\] \(dataset 'bias9' in run 'run9'\), records\[1\]: missing 'dataset_id'/,
      ],
      [
        'duplicate dataset id',
        HEADER + RECORDS + COLLECTIONS + DATASETS.replace(`!uuid '${ID2}'`, `!uuid '${ID1}'`),
        'export_file',
        new RegExp(
          `records\\[1\\]: dataset ${ID1} is also bias9@\\{instrument: 'Cam9', detector: 1\\}.* in data\\[12\\]`,
        ),
      ],
      [
        'data ID without a record',
        HEADER + RECORDS + COLLECTIONS + DATASETS.replace('detector: 2}', 'detector: 3}'),
        'data_id_value',
        /data\[12\] \(dataset 'bias9' in run 'run9'\): No 'detector' record for instrument=Cam9, detector=3/,
      ],
      [
        'associations with an unknown dataset',
        HEADER +
          RECORDS +
          COLLECTIONS +
          DATASETS +
          ASSOCIATIONS.replace(`[!uuid '${ID1}']`, "[!uuid '33333333-3333-4333-8333-333333333333']"),
        'export_file',
        /data\[13\] \(associations of 'tag9'\): dataset 33333333-3333-4333-8333-333333333333 is neither/,
      ],
      [
        // Checked only by the registry, inside the transaction: everything before it is rolled back.
        'overlapping validity ranges',
        HEADER +
          RECORDS +
          COLLECTIONS +
          DATASETS +
          ASSOCIATIONS.replace(
            "end: !butler_time/tai/iso '2019-01-01",
            "end: !butler_time/tai/iso '2021-01-01",
          ),
        'conflicting_definition',
        /data\[14\] \(associations of 'calib9'\): /,
      ],
    ]
    for (const [name, text, code, pattern] of cases) {
      it(name, async () => {
        await assert.rejects(
          importFile(butler, { text, withoutDatastore: true }),
          (error: Error & { code?: string }) => {
            assert.equal(error.code, code, error.message)
            assert.match(error.message, pattern)
            return true
          },
        )
        assert.deepEqual(await snapshot(butler), initial)
      })
    }

    it('a dataset ID the repository holds as another dataset', async () => {
      const other = await repo()
      try {
        await importFile(other, { text: SAMPLE, withoutDatastore: true })
        const swapped = SAMPLE.replace(`!uuid '${ID1}'`, '@@')
          .replace(`!uuid '${ID2}'`, `!uuid '${ID1}'`)
          .replace('@@', `!uuid '${ID2}'`)
        const before = await snapshot(other)
        await assert.rejects(
          importFile(other, { text: swapped, withoutDatastore: true }),
          /exists in the repository as bias9/,
        )
        assert.deepEqual(await snapshot(other), before)
      } finally {
        await other.close()
      }
    })
  })

  it('needs paths unless importing without a datastore; a missing file is a user error', async () => {
    const butler = await repo()
    try {
      await assert.rejects(
        importFile(butler, { text: SAMPLE }),
        /data\[12\] \(dataset 'bias9' in run 'run9'\), records\[0\]: no path to the file/,
      )
      await assert.rejects(importFile(butler, { filename: `${dir}/missing.yaml` }), { code: 'input' })
      assert.deepEqual((await snapshot(butler)).collections, [])
    } finally {
      await butler.close()
    }
  })
})
