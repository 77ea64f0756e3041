/**
 * `butler insert-dimension-records` and `query-dimension-records`: YAML, JSON and CSV input,
 * timespans, conflicts, and bad records that must leave the repository unchanged.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { parseTime } from '../../src/time/index.js'
import { assertUserError, butler, makeRepo, ok, okJson, snapshot, tempDir, writeText } from './helpers.js'

type Row = Record<string, unknown>

describe('butler insert-dimension-records', () => {
  const { dir, cleanup } = tempDir()
  let repo = ''
  before(() => {
    repo = makeRepo(dir)
  })
  after(cleanup)

  const records = (element: string, ...filter: string[]) =>
    okJson<Row[]>(dir, [
      'query-dimension-records',
      repo,
      element,
      '--json',
      ...filter.flatMap((f) => ['-d', f]),
    ])

  it('reads YAML with a records list, JSON lists and CSV with typed cells', () => {
    assert.deepEqual(
      records('instrument').map((r) => [r.name, r.detector_max]),
      [['HSC', 200]],
    )
    assert.deepEqual(
      records('physical_filter').map((r) => [r.name, r.band]),
      [
        ['HSC-G', 'g'],
        ['HSC-R', 'r'],
      ],
    )
    const detectors = records('detector')
    assert.deepEqual(
      detectors.map((r) => [r.id, r.full_name, r.purpose]),
      [
        [10, '1_10', 'SCIENCE'],
        [11, '1_11', 'SCIENCE'],
        [12, '1_12', 'FOCUS'],
      ],
    )
    const [visit] = records('visit', 'visit=903334')
    assert.equal(visit?.exposure_time, 30.5)
    assert.equal(visit?.physical_filter, 'HSC-R')
  })

  it('parses datetime_begin/datetime_end as UTC times into a timespan', () => {
    const [visit] = records('visit', 'instrument=HSC,visit=903336')
    assert.deepEqual(visit?.timespan, [
      String(parseTime('2024-01-02T02:00:00')),
      String(parseTime('2024-01-02T02:00:30')),
    ])
    const [day] = records('day_obs')
    assert.deepEqual(day?.timespan, [
      String(parseTime('2024-01-01T12:00:00')),
      String(parseTime('2024-01-02T12:00:00')),
    ])
    assert.match(
      ok(dir, ['query-dimension-records', repo, 'visit']),
      /\[2024-01-02T02:00:00\.0+, 2024-01-02T02:00:30\.0+\)/,
    )
  })

  it('refuses existing keys unless --skip-existing or --replace', () => {
    const file = writeText(
      dir,
      'more-detectors.csv',
      'instrument,id,full_name,purpose\nHSC,12,1_12,SCIENCE\nHSC,13,1_13,SCIENCE\n',
    )
    const before = snapshot(dir, repo)
    const beforeRecords = records('detector')
    assertUserError(
      butler(dir, ['insert-dimension-records', repo, 'detector', file]),
      'conflicting_definition',
    )
    assert.deepEqual(records('detector'), beforeRecords, 'detector 13 must not be inserted either')
    assert.deepEqual(snapshot(dir, repo), before)
    assertUserError(
      butler(dir, ['insert-dimension-records', repo, 'detector', file, '--skip-existing', '--replace']),
      'input',
    )
    assert.match(
      ok(dir, ['insert-dimension-records', repo, 'detector', file, '--skip-existing']),
      /Inserted 1 of 2/,
    )
    assert.equal(records('detector', 'detector=12')[0]?.purpose, 'FOCUS')
    ok(dir, ['insert-dimension-records', repo, 'detector', file, '--replace'])
    assert.equal(records('detector', 'detector=12')[0]?.purpose, 'SCIENCE')
  })

  describe('bad records leave the repository unchanged', () => {
    const cases: [string, string, string, string, string][] = [
      ['unknown element', 'no_such_element', 'x.yaml', '- name: x\n', 'dimension_name'],
      [
        'wrong value type',
        'detector',
        'x.json',
        '[{"instrument": "HSC", "id": "abc", "full_name": "z"}]',
        'dimension_value',
      ],
      [
        'wrong value type in CSV',
        'detector',
        'x.csv',
        'instrument,id,full_name\nHSC,1.5,z\n',
        'dimension_value',
      ],
      ['missing required key', 'detector', 'x.yaml', '- id: 50\n  full_name: z\n', 'dimension_value'],
      [
        'unknown field',
        'detector',
        'x.yaml',
        '- {instrument: HSC, id: 51, full_name: z, colour: red}\n',
        'dimension_value',
      ],
      ['unknown instrument', 'detector', 'x.csv', 'instrument,id,full_name\nNOPE,52,z\n', 'data_id_value'],
      [
        'a bad record after good ones',
        'detector',
        'x.yaml',
        '- {instrument: HSC, id: 60, full_name: a}\n- {instrument: HSC, id: 61, full_name: b}\n- {instrument: HSC, id: x}\n',
        'dimension_value',
      ],
      [
        'a bad time',
        'day_obs',
        'x.yaml',
        '- {instrument: HSC, id: 20240102, datetime_begin: "yesterday"}\n',
        'time_parse',
      ],
      ['not a list', 'detector', 'x.json', '{"instrument": "HSC"}', 'input'],
      ['invalid JSON', 'detector', 'x.json', '[{"instrument": ', 'input'],
      ['a CSV row of the wrong width', 'detector', 'x.csv', 'instrument,id,full_name\nHSC,70\n', 'input'],
      ['an unknown file format', 'detector', 'x.txt', 'instrument=HSC', 'input'],
    ]
    for (const [what, element, name, text, code] of cases) {
      it(what, () => {
        const file = writeText(dir, name, text)
        const before = snapshot(dir, repo)
        assertUserError(butler(dir, ['insert-dimension-records', repo, element, file]), code)
        assert.deepEqual(snapshot(dir, repo), before)
      })
    }

    it('a record without its alternate key (full_name) is accepted or refused as a user error', () => {
      const file = writeText(dir, 'no-full-name.csv', 'instrument,id\nHSC,80\n')
      const before = snapshot(dir, repo)
      const r = butler(dir, ['insert-dimension-records', repo, 'detector', file])
      if (r.status === 0) assert.equal(records('detector', 'detector=80').length, 1)
      else {
        assertUserError(r, 'dimension_value')
        assert.deepEqual(snapshot(dir, repo), before)
      }
    })

    it('a missing file', () => {
      assertUserError(butler(dir, ['insert-dimension-records', repo, 'detector', 'no-such.csv']), 'input')
    })
  })
})
