/**
 * `butler query-datasets`, `query-data-ids` and `query-dimension-records` over base.yaml +
 * datasets.yaml (two runs of bias and flat, imported in-process without a datastore) plus `notes`
 * datasets with files: every option and format, find-first, limits, and bad input. Each spawn of the
 * CLI costs most of a second, so each one checks several things.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { InvalidArgumentError } from 'commander'
import { parseBindValue } from '../../src/cli/query-options.js'
import { csvLine } from '../../src/cli/query-output.js'
import { createRepository, DatasetType, openButler, Timespan } from '../../src/index.js'
import { parseTime } from '../../src/time/parse-time.js'
import { importFile } from '../../src/transfers/import-file.js'
import { fixture, fixturesSkip } from '../fixtures.js'
import { assertUsageError, assertUserError, butler, ok, okJson, tempDir, writeText } from './helpers.js'

interface DatasetJson {
  id: string
  datasetType: string
  run: string
  dataId: Record<string, unknown>
  uri?: string
}

const REPO = 'repo'
const BIAS_G1 = 'e15ab039-bc8b-4135-87c5-90902a7c0b22'

/** Non-empty lines of a text output. */
const lines = (text: string) => text.split('\n').filter((l) => l !== '')

describe('bind values and CSV cells', () => {
  it('parses numbers, lists, JSON and plain strings', () => {
    assert.equal(parseBindValue('12'), 12)
    assert.equal(parseBindValue('-1.5e3'), -1500)
    assert.equal(parseBindValue('12345678901234567890'), 12345678901234567890n)
    assert.equal(parseBindValue('HSC-R'), 'HSC-R')
    assert.equal(parseBindValue(''), '')
    assert.deepEqual(parseBindValue('1, 2,x'), [1, 2, 'x'])
    assert.deepEqual(parseBindValue('[1, "a"]'), [1, 'a'])
    assert.equal(parseBindValue('"12"'), '12')
    assert.equal(parseBindValue('"a,b"'), 'a,b')
    assert.throws(() => parseBindValue('[1,'), InvalidArgumentError)
    assert.throws(() => parseBindValue('[{"a": 1}]'), InvalidArgumentError)
  })

  it('quotes CSV cells only when they need it', () => {
    assert.equal(
      csvLine(['a', 'b c', 'x,y', 'say "hi"', 'two\nlines', ' pad']),
      'a,b c,"x,y","say ""hi""","two\nlines"," pad"',
    )
  })
})

describe('butler query commands', { skip: fixturesSkip() }, () => {
  const { dir, cleanup } = tempDir()
  before(async () => {
    await createRepository(join(dir, REPO))
    const repo = await openButler(join(dir, REPO))
    try {
      for (const f of ['base.yaml', 'datasets.yaml']) {
        await importFile(repo, { filename: fixture('registry_data', f), withoutDatastore: true })
      }
      await repo.registerDatasetType(
        new DatasetType('notes', repo.universe.group(['instrument', 'detector']), 'Text'),
      )
      for (const detector of [1, 2]) {
        await repo.put(`note ${detector}`, 'notes', { instrument: 'Cam1', detector }, { run: 'notes/run' })
      }
      const t = (s: string) => parseTime(`${s}/tai`)
      const timespan = new Timespan(t('2024-01-01T12:00:00'), t('2024-01-02T12:00:00.5'))
      await repo.insertDimensionRecords('day_obs', [{ instrument: 'Cam1', id: 20240101, timespan }])
    } finally {
      await repo.close()
    }
  })
  after(cleanup)

  describe('query-datasets', () => {
    it('lists every type in every RUN as one table per type, sorted by run and data ID', () => {
      const tables = ok(dir, ['query-datasets', REPO]).split('\n\n')
      assert.equal(tables.length, 3)
      const [bias, flat, notes] = tables.map(lines)
      assert.match(bias![0]!, /^type\s+run\s+id\s+instrument\s+detector$/)
      assert.match(flat![0]!, /^type\s+run\s+id\s+instrument\s+detector\s+physical_filter$/)
      assert.deepEqual(
        bias!.slice(2).map((l) => l.split(/\s+/).filter((_, i) => i !== 2)),
        [
          ['bias', 'imported_g', 'Cam1', '1'],
          ['bias', 'imported_g', 'Cam1', '2'],
          ['bias', 'imported_g', 'Cam1', '3'],
          ['bias', 'imported_r', 'Cam1', '2'],
          ['bias', 'imported_r', 'Cam1', '3'],
          ['bias', 'imported_r', 'Cam1', '4'],
        ],
      )
      assert.equal(flat!.length, 2 + 7)
      assert.equal(notes!.length, 2 + 2)
    })

    it('finds every match by default, and the first per data ID in -c order with --find-first', () => {
      const all = okJson<DatasetJson[]>(dir, [
        'query-datasets',
        REPO,
        'bias',
        '-c',
        'imported_r,imported_g',
        '--json',
      ])
      assert.equal(all.length, 6, 'no find-first unless asked for, -c or not')
      const first = okJson<DatasetJson[]>(dir, [
        'query-datasets',
        REPO,
        'bias',
        '-c',
        'imported_r',
        '-c',
        'imported_g',
        '--find-first',
        '--format',
        'json',
      ])
      assert.deepEqual(first[0], {
        id: BIAS_G1,
        datasetType: 'bias',
        run: 'imported_g',
        dataId: { instrument: 'Cam1', detector: 1 },
      })
      assert.deepEqual(
        first.map((r) => `${r.dataId.detector}@${r.run}`),
        ['1@imported_g', '2@imported_r', '3@imported_r', '4@imported_r'],
      )
    })

    it('filters with --where and --bind, sorts with --order-by and writes CSV with required dimensions', () => {
      const csv = lines(
        ok(dir, [
          'query-datasets',
          REPO,
          'fl*',
          '--where',
          'band = :b AND instrument = :i',
          '--bind',
          'b=r',
          '--bind',
          'i=Cam1',
          '--order-by',
          '-detector',
          '--format',
          'csv',
        ]),
      )
      assert.equal(csv[0], 'type,run,id,instrument,detector,physical_filter')
      assert.deepEqual(
        csv.slice(1).map((l) => l.split(',').filter((_, i) => i !== 2)),
        [
          ['flat', 'imported_r', 'Cam1', '4', 'Cam1-R2'],
          ['flat', 'imported_r', 'Cam1', '3', 'Cam1-R2'],
          ['flat', 'imported_r', 'Cam1', '2', 'Cam1-R1'],
          ['flat', 'imported_r', 'Cam1', '1', 'Cam1-R1'],
        ],
      )
    })

    it('binds lists for IN and caps all types together with a negative --limit, in one CSV', () => {
      const r = butler(dir, [
        'query-datasets',
        REPO,
        '--where',
        "detector IN (:ids) AND instrument = 'Cam1'",
        '--bind',
        'ids=1,4',
        '--limit',
        '-4',
        '--format',
        'csv',
      ])
      assert.equal(r.status, 0, r.stderr)
      const csv = lines(r.stdout)
      assert.equal(csv[0], 'type,run,id,instrument,detector,physical_filter')
      // bias: 1@g, 4@r; flat: 4@g, 1@r, 4@r; notes: 1 -> the first four in type order.
      assert.deepEqual(
        csv.slice(1).map((l) => l.split(',').filter((_, i) => i !== 2)),
        [
          ['bias', 'imported_g', 'Cam1', '1', ''],
          ['bias', 'imported_r', 'Cam1', '4', ''],
          ['flat', 'imported_g', 'Cam1', '4', 'Cam1-G'],
          ['flat', 'imported_r', 'Cam1', '1', 'Cam1-R1'],
        ],
      )
      assert.equal(r.stderr, 'butler WARNING: More than 4 datasets matched; only the first 4 are shown\n')
    })

    it('shows artifact URIs, and -d picks only the types that have its dimensions', () => {
      const [note] = okJson<DatasetJson[]>(dir, [
        'query-datasets',
        REPO,
        'notes',
        '-d',
        'instrument=Cam1,detector=2',
        '--show-uri',
        '--json',
      ])
      assert.deepEqual(note?.dataId, { instrument: 'Cam1', detector: 2 })
      assert.ok(fileURLToPath(note!.uri!).startsWith(join(dir, REPO)), note?.uri)
      // Only flat has physical_filter; its table is printed up to the limit.
      const r = butler(dir, ['query-datasets', REPO, '-d', 'physical_filter=Cam1-G', '--limit', '-2'])
      assert.equal(r.status, 0, r.stderr)
      const table = lines(r.stdout)
      assert.match(table[0]!, /^type\s+run\s+id\s+instrument\s+detector\s+physical_filter$/)
      assert.deepEqual(
        table.slice(2).map((l) => l.split(/\s+/).filter((_, i) => i !== 2)),
        [
          ['flat', 'imported_g', 'Cam1', '2', 'Cam1-G'],
          ['flat', 'imported_g', 'Cam1', '3', 'Cam1-G'],
        ],
      )
      assert.match(r.stderr, /More than 2 datasets matched/)
    })
  })

  describe('query-data-ids', () => {
    it('lists full data IDs constrained by datasets in collections, as JSON', () => {
      const ids = okJson<Record<string, unknown>[]>(dir, [
        'query-data-ids',
        REPO,
        'detector',
        'physical_filter',
        '--datasets',
        'flat',
        '-c',
        'imported_g',
        '--where',
        'detector > 2',
        '-d',
        'instrument=Cam1',
        '--json',
      ])
      assert.deepEqual(ids, [
        { instrument: 'Cam1', detector: 3, physical_filter: 'Cam1-G', band: 'g' },
        { instrument: 'Cam1', detector: 4, physical_filter: 'Cam1-G', band: 'g' },
      ])
    })

    it('sorts, limits and prints CSV and tables', () => {
      const csv = ok(dir, [
        'query-data-ids',
        REPO,
        'detector',
        '--order-by=-detector',
        '--limit',
        '2',
        '--format',
        'csv',
      ])
      assert.equal(csv, 'instrument,detector\nCam1,4\nCam1,3\n')
      const table = lines(
        ok(dir, ['query-data-ids', REPO, 'physical_filter', '--bind', 'b=g', '--where', 'band != :b']),
      )
      assert.match(table[0]!, /^instrument\s+physical_filter\s+band$/)
      assert.deepEqual(
        table.slice(2).map((l) => l.split(/\s+/)),
        [
          ['Cam1', 'Cam1-R1', 'r'],
          ['Cam1', 'Cam1-R2', 'r'],
        ],
      )
    })
  })

  describe('query-dimension-records', () => {
    it('lists records as JSON with --where, --bind, -d and --order-by', () => {
      const records = okJson<Record<string, unknown>[]>(dir, [
        'query-dimension-records',
        REPO,
        'detector',
        '--where',
        'purpose = :p',
        '--bind',
        'p=SCIENCE',
        '-d',
        'instrument=Cam1',
        '--order-by',
        '-full_name',
        '--json',
      ])
      assert.deepEqual(
        records.map((r) => r.full_name),
        ['Ba', 'Ab', 'Aa'],
      )
      assert.deepEqual(records[0], {
        instrument: 'Cam1',
        id: 3,
        full_name: 'Ba',
        name_in_raft: 'a',
        raft: 'B',
        purpose: 'SCIENCE',
      })
    })

    it('keeps only records with datasets, as a table', () => {
      const table = lines(ok(dir, ['query-dimension-records', REPO, 'detector', '--datasets', 'notes']))
      assert.deepEqual(
        table.slice(2).map((l) => l.split(/\s+/).slice(0, 3)),
        [
          ['Cam1', '1', 'Aa'],
          ['Cam1', '2', 'Ab'],
        ],
      )
    })

    it('writes timespans to CSV as UTC times that insert-dimension-records reads back unchanged', async () => {
      const csv = ok(dir, ['query-dimension-records', REPO, 'day_obs', '--format', 'csv'])
      assert.match(
        csv,
        /^instrument,id,datetime_begin,datetime_end\nCam1,20240101,2024-01-01T11:59:23\.0+,2024-01-02T11:59:23\.50*\n$/,
      )
      writeText(dir, 'day_obs.csv', csv)
      ok(dir, ['insert-dimension-records', REPO, 'day_obs', 'day_obs.csv', '--replace'])
      const repo = await openButler(join(dir, REPO))
      try {
        const [record] = await repo
          .queryDimensionRecords('day_obs', { dataId: { instrument: 'Cam1' } })
          .toArray()
        const timespan = record?.get('timespan') as Timespan
        assert.equal(timespan.begin, parseTime('2024-01-01T12:00:00/tai'))
        assert.equal(timespan.end, parseTime('2024-01-02T12:00:00.5/tai'))
      } finally {
        await repo.close()
      }
    })
  })

  describe('bad input', () => {
    it('prints a syntax error with the expression and a caret under the problem', () => {
      const r = butler(dir, ['query-datasets', REPO, '--where', 'detector = = 1'])
      assert.equal(r.status, 1)
      assert.equal(r.stdout, '')
      assert.equal(
        r.stderr,
        "butler: error [expression_syntax]: Syntax error at or near '=' (line 1, column 12):\n" +
          '  detector = = 1\n' +
          '             ^\n',
      )
    })

    const cases: [string, string[], string, RegExp][] = [
      [
        'a missing governor',
        ['query-data-ids', REPO, 'detector', '--where', 'detector = 1'],
        'invalid_query',
        /governor 'instrument'/,
      ],
      [
        'an unknown identifier',
        ['query-dimension-records', REPO, 'detector', '--where', 'nosuch = 1', '-d', 'instrument=Cam1'],
        'invalid_query',
        /Unknown identifier 'nosuch'/,
      ],
      [
        'a list bound outside IN',
        [
          'query-datasets',
          REPO,
          'bias',
          '--where',
          "detector = :x AND instrument = 'Cam1'",
          '--bind',
          'x=1,2',
        ],
        'invalid_query',
        /lists go inside IN/,
      ],
      [
        'an unknown collection',
        ['query-datasets', REPO, '-c', 'imported_g,nosuch'],
        'missing_collection',
        /nosuch/,
      ],
      [
        'an unknown dataset type',
        ['query-data-ids', REPO, 'detector', '--datasets', 'nosuch'],
        'missing_dataset_type',
        /nosuch/,
      ],
      ['--find-first without -c', ['query-datasets', REPO, '--find-first'], 'input', /-c/],
    ]
    for (const [what, args, code, message] of cases) {
      it(`refuses ${what} in one line`, () => {
        const r = butler(dir, args)
        assertUserError(r, code)
        assert.match(r.stderr, message)
        assert.equal(r.stdout, '', 'nothing printed before the error')
      })
    }

    it('refuses malformed --bind, --format and --limit values as usage errors', () => {
      assertUsageError(butler(dir, ['query-datasets', REPO, '--bind', 'ids=[1,']), /not valid JSON/)
      assertUsageError(
        butler(dir, ['query-data-ids', REPO, 'detector', '--format', 'xml']),
        /Allowed choices are table, json, csv/,
      )
      assertUsageError(
        butler(dir, ['query-dimension-records', REPO, 'detector', '--limit', 'ten']),
        /'ten' is not an integer/,
      )
    })
  })
})
