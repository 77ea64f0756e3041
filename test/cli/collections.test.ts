/**
 * The collection commands: `query-collections`, `collection-chain`, `associate`,
 * `certify-calibrations`, `remove-collections` and `remove-dataset-type`.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  assertUsageError,
  assertUserError,
  butler,
  contents,
  fileListing,
  makeRepo,
  ok,
  okJson,
  type RunResult,
  tempDir,
  writeText,
} from './helpers.js'

interface CollectionJson {
  name: string
  type: string
  doc: string
  children?: string[]
  parents?: string[]
}

interface RefJson {
  id: string
  run: string
  datasetType: string
  dataId: Record<string, unknown>
}

/** Puts a `notes` dataset for each visit into `run`, with `text` as content. */
function putNotes(dir: string, repo: string, run: string, visits: readonly string[], text = run): void {
  writeText(dir, 'notes.txt', `${text}\n`)
  for (const visit of visits) {
    ok(dir, ['put', repo, 'notes', 'notes.txt', '--run', run, '-d', `instrument=HSC,visit=${visit}`])
  }
}

/** Puts a `bias` calibration for each detector into `run`. */
function putBias(dir: string, repo: string, run: string, detectors: readonly string[]): void {
  writeText(dir, 'bias.txt', `bias from ${run}\n`)
  for (const detector of detectors) {
    ok(dir, ['put', repo, 'bias', 'bias.txt', '--run', run, '-d', `instrument=HSC,detector=${detector}`])
  }
}

const collections = (dir: string, repo: string, ...args: string[]) =>
  okJson<CollectionJson[]>(dir, ['query-collections', repo, '--json', ...args])

const datasets = (dir: string, repo: string, ...args: string[]) =>
  okJson<RefJson[]>(dir, ['query-datasets', repo, '--json', ...args])

/** What a failed command must leave alone: every file of the repository and what the CLI lists. */
function state(dir: string, repo: string): unknown {
  return { files: fileListing(join(dir, repo)), contents: contents(dir, repo) }
}

/** Asserts that `run` is a one-line user error with `code` and that the repository did not change. */
function assertRefused(dir: string, repo: string, args: readonly string[], code: string): RunResult {
  const before = state(dir, repo)
  const r = butler(dir, args)
  assertUserError(r, code)
  assert.equal(r.stdout, '', 'nothing printed on stdout')
  assert.deepEqual(state(dir, repo), before, 'the repository is unchanged')
  return r
}

/** The data rows of a text table (header and rule dropped), trailing blanks removed. */
function tableRows(out: string): string[] {
  return out
    .split('\n')
    .slice(2)
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
}

describe('collection commands: help', () => {
  const { dir, cleanup } = tempDir()
  after(cleanup)
  const commands = [
    'query-collections',
    'collection-chain',
    'associate',
    'certify-calibrations',
    'remove-collections',
    'remove-dataset-type',
  ]
  for (const command of commands) {
    it(`documents '${command}' with an example`, () => {
      const out = ok(dir, [command, '--help'])
      assert.match(out, new RegExp(`^Usage: butler ${command} `))
      assert.match(out, /Examples:\n {2}butler /)
    })
  }
  it('lists them in the program help', () => {
    const out = ok(dir, ['--help'])
    for (const command of commands) assert.match(out, new RegExp(`\\n  ${command} .*\\S`), command)
  })
})

describe('butler query-collections', () => {
  const { dir, cleanup } = tempDir()
  let repo = ''
  before(() => {
    repo = makeRepo(dir)
    putNotes(dir, repo, 'run1', ['903334'])
    putNotes(dir, repo, 'run2', ['903334'])
    ok(dir, ['collection-chain', repo, 'inner', 'run1'])
    ok(dir, ['collection-chain', repo, 'chain', 'run2,inner', '--doc', 'the search path'])
    ok(dir, ['associate', repo, 'tagged', '-c', 'run1'])
  })
  after(cleanup)

  it('shows chains as a tree of their children by default', () => {
    const out = ok(dir, ['query-collections', repo])
    assert.deepEqual(tableRows(out), [
      'chain     CHAINED',
      '  run2    RUN',
      '  inner   CHAINED',
      '    run1  RUN',
      'inner     CHAINED',
      '  run1    RUN',
      'run1      RUN',
      'run2      RUN',
      'tagged    TAGGED',
    ])
    assert.match(out, /^name\s+type\n/)
    assert.equal(ok(dir, ['query-collections', repo, '--chains', 'tree']), out, 'modes are case-insensitive')
  })

  it('shows parents recursively with INVERSE-TREE', () => {
    const out = ok(dir, ['query-collections', repo, 'run1', '--chains', 'INVERSE-TREE'])
    assert.deepEqual(tableRows(out), ['run1       RUN', '  inner    CHAINED', '    chain  CHAINED'])
  })

  it('shows one level of children, or parents, in a column with TABLE and INVERSE-TABLE', () => {
    assert.deepEqual(tableRows(ok(dir, ['query-collections', repo, 'chain', 'run*', '--chains', 'TABLE'])), [
      'chain  CHAINED  run2',
      '                inner',
      'run1   RUN',
      'run2   RUN',
    ])
    const inverse = ok(dir, ['query-collections', repo, '--chains', 'INVERSE-TABLE'])
    assert.match(inverse, /^name\s+type\s+parents\n/)
    assert.deepEqual(tableRows(inverse), [
      'chain   CHAINED',
      'inner   CHAINED  chain',
      'run1    RUN      inner',
      'run2    RUN      chain',
      'tagged  TAGGED',
    ])
    // Without any chain in the result the children column is left out.
    assert.match(ok(dir, ['query-collections', repo, 'run*', '--chains', 'TABLE']), /^name\s+type\n/)
  })

  it('lists the flattened search order with FLATTEN and bare names with NO-CHILDREN', () => {
    assert.deepEqual(tableRows(ok(dir, ['query-collections', repo, 'chain', '--chains', 'FLATTEN'])), [
      'run2  RUN',
      'run1  RUN',
    ])
    assert.deepEqual(
      collections(dir, repo, 'chain', '--chains', 'FLATTEN').map((c) => c.name),
      ['run2', 'run1'],
    )
    assert.deepEqual(tableRows(ok(dir, ['query-collections', repo, '--chains', 'NO-CHILDREN'])), [
      'chain   CHAINED',
      'inner   CHAINED',
      'run1    RUN',
      'run2    RUN',
      'tagged  TAGGED',
    ])
  })

  it('filters by --collection-type and glob, and prints JSON with children', () => {
    assert.deepEqual(
      collections(dir, repo, '--collection-type', 'run', '--collection-type', 'TAGGED').map((c) => c.name),
      ['run1', 'run2', 'tagged'],
    )
    assert.deepEqual(
      tableRows(ok(dir, ['query-collections', repo, '--collection-type', 'CHAINED,TAGGED', 'inner', 't*'])),
      ['inner   CHAINED', '  run1  RUN', 'tagged  TAGGED'],
    )
    assert.deepEqual(collections(dir, repo, 'chain', 'run1'), [
      { name: 'chain', type: 'CHAINED', doc: 'the search path', children: ['run2', 'inner'] },
      { name: 'run1', type: 'RUN', doc: '' },
    ])
    assert.deepEqual(collections(dir, repo, 'run1', '--chains', 'INVERSE-TABLE'), [
      { name: 'run1', type: 'RUN', doc: '', parents: ['inner'] },
    ])
    assert.equal(ok(dir, ['query-collections', repo, 'nothing*']), '', 'a glob may match nothing')
  })

  it('refuses a missing collection name and bad option values', () => {
    assertUserError(butler(dir, ['query-collections', repo, 'no_such']), 'missing_collection')
    assertUsageError(butler(dir, ['query-collections', repo, '--chains', 'SIDEWAYS']), /--chains/)
    assertUsageError(butler(dir, ['query-collections', repo, '--collection-type', 'BAG']), /'BAG'/)
  })
})

describe('butler collection-chain', () => {
  const { dir, cleanup } = tempDir()
  let repo = ''
  before(() => {
    repo = makeRepo(dir)
    for (const run of ['a', 'b', 'c', 'd']) putNotes(dir, repo, run, ['903334'])
  })
  after(cleanup)

  it('creates a chain with redefine and prints its children', () => {
    assert.equal(ok(dir, ['collection-chain', repo, 'ch', 'a', 'b', '--doc', 'my chain']), '[a, b]\n')
    assert.deepEqual(collections(dir, repo, 'ch'), [
      { name: 'ch', type: 'CHAINED', doc: 'my chain', children: ['a', 'b'] },
    ])
  })

  it('extends, prepends, removes and pops; children may be comma-separated', () => {
    assert.equal(ok(dir, ['collection-chain', repo, 'ch', 'c,d', '--mode', 'extend']), '[a, b, c, d]\n')
    assert.equal(ok(dir, ['collection-chain', repo, 'ch', 'd', '--mode', 'prepend']), '[d, a, b, c]\n')
    assert.equal(ok(dir, ['collection-chain', repo, 'ch', 'a', '--mode', 'remove']), '[d, b, c]\n')
    assert.equal(ok(dir, ['collection-chain', repo, 'ch', '--mode', 'pop']), '[b, c]\n')
    assert.equal(ok(dir, ['collection-chain', repo, 'ch', '--mode', 'pop', '--', '-1']), '[b]\n')
    assert.deepEqual(okJson(dir, ['collection-chain', repo, 'ch', 'a,c,d', '--mode', 'redefine', '--json']), [
      'a',
      'c',
      'd',
    ])
    assert.equal(ok(dir, ['collection-chain', repo, 'ch', '--mode', 'pop', '0', '2']), '[c]\n')
  })

  it('extend and prepend create a missing chain; --flatten stores the flattened members', () => {
    assert.equal(ok(dir, ['collection-chain', repo, 'inner', 'b,c', '--mode', 'prepend']), '[b, c]\n')
    assert.equal(
      ok(dir, ['collection-chain', repo, 'outer', 'inner', 'a', '--mode', 'extend']),
      '[inner, a]\n',
    )
    assert.equal(ok(dir, ['collection-chain', repo, 'flat', 'outer', 'd', '--flatten']), '[b, c, a, d]\n')
    assert.deepEqual(collections(dir, repo, 'flat')[0]?.children, ['b', 'c', 'a', 'd'])
    assert.deepEqual(collections(dir, repo, 'outer')[0]?.children, ['inner', 'a'], 'outer is unchanged')
  })

  it('refuses a cycle and changes nothing', () => {
    const r = assertRefused(
      dir,
      repo,
      ['collection-chain', repo, 'inner', 'outer', '--mode', 'extend'],
      'collection_cycle',
    )
    assert.match(r.stderr, /inner/)
    assertRefused(dir, repo, ['collection-chain', repo, 'outer', 'outer'], 'collection_cycle')
  })

  it('refuses missing collections, a non-chain parent and bad positions', () => {
    assertRefused(dir, repo, ['collection-chain', repo, 'ch', 'a', 'no_such'], 'missing_collection')
    assertRefused(dir, repo, ['collection-chain', repo, 'new_chain', 'a', 'no_such'], 'missing_collection')
    assertRefused(
      dir,
      repo,
      ['collection-chain', repo, 'no_chain', 'a', '--mode', 'remove'],
      'missing_collection',
    )
    assertRefused(dir, repo, ['collection-chain', repo, 'no_chain', '--mode', 'pop'], 'missing_collection')
    assertRefused(dir, repo, ['collection-chain', repo, 'a', 'b'], 'collection_type')
    assertRefused(dir, repo, ['collection-chain', repo, 'ch', '--mode', 'pop', '5'], 'input')
    assertRefused(dir, repo, ['collection-chain', repo, 'ch', '--mode', 'pop', 'first'], 'input')
    assertRefused(dir, repo, ['collection-chain', repo, 'ch', '--mode', 'extend'], 'input')
    assertRefused(dir, repo, ['collection-chain', repo, 'ch', 'a', '--mode', 'remove', '--flatten'], 'input')
    assertUsageError(butler(dir, ['collection-chain', repo, 'ch', 'a', '--mode', 'append']), /--mode/)
  })
})

describe('butler associate', () => {
  const { dir, cleanup } = tempDir()
  let repo = ''
  before(() => {
    repo = makeRepo(dir)
    putNotes(dir, repo, 'run1', ['903334', '903336'])
    putNotes(dir, repo, 'run2', ['903334'])
    writeText(dir, 'summary.json', '{"x": 1}')
    ok(dir, ['put', repo, 'summary', 'summary.json', '--run', 'run1', '-d', 'instrument=HSC,visit=903334'])
    ok(dir, ['collection-chain', repo, 'chain', 'run2'])
  })
  after(cleanup)

  it('tags the datasets found into a new TAGGED collection and prints the count', () => {
    const out = ok(dir, ['associate', repo, 'tagged', '-c', 'run1', '--datasets', 'notes'])
    assert.equal(out, "Associated 2 dataset(s) with 'tagged'.\n")
    assert.deepEqual(collections(dir, repo, 'tagged'), [{ name: 'tagged', type: 'TAGGED', doc: '' }])
    const tagged = datasets(dir, repo, '-c', 'tagged')
    assert.deepEqual(
      tagged.map((r) => [r.datasetType, r.run, r.dataId.visit]),
      [
        ['notes', 'run1', 903334],
        ['notes', 'run1', 903336],
      ],
    )
    // Tagging the same datasets again changes nothing.
    ok(dir, ['associate', repo, 'tagged', '-c', 'run1', '--datasets', 'notes'])
    assert.equal(datasets(dir, repo, '-c', 'tagged').length, 2)
  })

  it('narrows with --data-id and picks the first match per data ID with --find-first', () => {
    const summary = okJson<{ associated: number; ids: string[] }>(dir, [
      'associate',
      repo,
      'one',
      '-c',
      'run1',
      '-d',
      'visit=903336',
      '--json',
    ])
    assert.equal(summary.associated, 1)
    assert.deepEqual(
      datasets(dir, repo, '-c', 'one').map((r) => r.id),
      summary.ids,
    )
    ok(dir, ['associate', repo, 'best', '-c', 'run2,run1', '--datasets', 'notes', '--find-first'])
    assert.deepEqual(
      datasets(dir, repo, '-c', 'best').map((r) => [r.run, r.dataId.visit]),
      [
        ['run1', 903336],
        ['run2', 903334],
      ],
    )
  })

  it('prints a note and creates nothing when no dataset matches', () => {
    const out = ok(dir, ['associate', repo, 'empty', '-c', 'run2', '--datasets', 'summ*'])
    assert.equal(out, 'No datasets found; nothing associated.\n')
    assertUserError(butler(dir, ['query-collections', repo, 'empty']), 'missing_collection')
  })

  it('refuses a RUN or CHAINED target, missing collections and a second dataset per data ID', () => {
    const r = assertRefused(dir, repo, ['associate', repo, 'run2', '-c', 'run1'], 'collection_type')
    assert.match(r.stderr, /'run2' is a RUN/)
    assertRefused(dir, repo, ['associate', repo, 'chain', '-c', 'run1'], 'collection_type')
    assertRefused(dir, repo, ['associate', repo, 'tagged', '-c', 'no_such'], 'missing_collection')
    assertRefused(dir, repo, ['associate', repo, 'tagged', '--datasets', 'no_such'], 'missing_dataset_type')
    // run2's notes for visit 903334 has the same data ID as run1's, already in 'tagged'.
    assertRefused(dir, repo, ['associate', repo, 'tagged', '-c', 'run2'], 'conflicting_definition')
    // Two datasets of one data ID found together: the whole batch is refused.
    assertRefused(
      dir,
      repo,
      ['associate', repo, 'fresh', '-c', 'run1,run2', '--datasets', 'notes'],
      'conflicting_definition',
    )
  })
})

describe('butler certify-calibrations', () => {
  const { dir, cleanup } = tempDir()
  let repo = ''
  before(() => {
    repo = makeRepo(dir)
    ok(dir, ['register-dataset-type', repo, 'bias', 'Text', 'instrument', 'detector', '--is-calibration'])
    putBias(dir, repo, 'calib/run1', ['10', '11'])
    putBias(dir, repo, 'calib/run2', ['10'])
    putBias(dir, repo, 'calib/run3', ['12'])
    ok(dir, ['collection-chain', repo, 'calib/new', 'calib/run3,calib/run2'])
    ok(dir, ['associate', repo, 'tagged', '-c', 'calib/run1'])
  })
  after(cleanup)

  it('certifies the datasets of a RUN into a new CALIBRATION collection for a validity range', () => {
    const out = ok(dir, [
      'certify-calibrations',
      repo,
      'calib/run1',
      'calib',
      'bias',
      '--begin-date',
      '2024-01-01T00:00:00',
      '--end-date',
      '2024-06-01',
    ])
    assert.match(
      out,
      /^Certified 2 'bias' dataset\(s\) from 'calib\/run1' into 'calib' for \[2024-01-01T00:00:00, 2024-06-01T00:00:00\) TAI\.\n$/,
    )
    assert.deepEqual(collections(dir, repo, 'calib'), [{ name: 'calib', type: 'CALIBRATION', doc: '' }])
    assert.deepEqual(
      datasets(dir, repo, '-c', 'calib').map((r) => [r.run, r.dataId.detector]),
      [
        ['calib/run1', 10],
        ['calib/run1', 11],
      ],
    )
  })

  it('accepts an adjacent range without an end, and prints JSON', () => {
    const summary = okJson<{ certified: number; timespan: { text: string } }>(dir, [
      'certify-calibrations',
      repo,
      'calib/run2',
      'calib',
      'bias',
      '--begin-date',
      '2024-06-01T00:00:00',
      '--json',
    ])
    assert.equal(summary.certified, 1)
    assert.equal(summary.timespan.text, '[2024-06-01T00:00:00, +∞) TAI')
    assert.equal(datasets(dir, repo, '-c', 'calib').length, 3)
  })

  it('refuses an overlapping range and changes nothing', () => {
    const args = ['certify-calibrations', repo, 'calib/run2', 'calib', 'bias']
    const r = assertRefused(
      dir,
      repo,
      [...args, '--begin-date', '2024-05-31T23:59:59'],
      'conflicting_definition',
    )
    assert.match(r.stderr, /detector=10|detector: 10|10/)
    assertRefused(dir, repo, args, 'conflicting_definition')
    assertRefused(dir, repo, [...args, '--end-date', '2024-01-01T00:00:01'], 'conflicting_definition')
  })

  it('searches only the first child of a chain unless --search-all-inputs', () => {
    const out = ok(dir, ['certify-calibrations', repo, 'calib/new', 'calibA', 'bias'])
    assert.match(
      out,
      /^Certified 1 'bias' dataset\(s\) from 'calib\/run3' into 'calibA' for \(-∞, \+∞\) TAI\.\n$/,
    )
    ok(dir, ['certify-calibrations', repo, 'calib/new', 'calibB', 'bias', '--search-all-inputs'])
    assert.deepEqual(
      datasets(dir, repo, '-c', 'calibB').map((r) => r.run),
      ['calib/run2', 'calib/run3'],
    )
  })

  it('certifies from a TAGGED collection', () => {
    ok(dir, ['certify-calibrations', repo, 'tagged', 'calibC', 'bias', '--end-date', '2020-01-01'])
    assert.equal(datasets(dir, repo, '-c', 'calibC').length, 2)
  })

  it('refuses wrong collection types, missing inputs and bad dates, changing nothing', () => {
    assertRefused(
      dir,
      repo,
      ['certify-calibrations', repo, 'calib/run1', 'tagged', 'bias'],
      'collection_type',
    )
    assertRefused(
      dir,
      repo,
      ['certify-calibrations', repo, 'calib/run1', 'calib/run2', 'bias'],
      'collection_type',
    )
    assertRefused(dir, repo, ['certify-calibrations', repo, 'calib', 'calibD', 'bias'], 'collection_type')
    assertRefused(
      dir,
      repo,
      ['certify-calibrations', repo, 'no_such', 'calibD', 'bias'],
      'missing_collection',
    )
    assertRefused(
      dir,
      repo,
      ['certify-calibrations', repo, 'calib/run1', 'calibD', 'dark'],
      'missing_dataset_type',
    )
    const none = assertRefused(
      dir,
      repo,
      ['certify-calibrations', repo, 'calib/run1', 'calibD', 'notes'],
      'input',
    )
    assert.match(none.stderr, /No datasets of type 'notes'/)
    assertRefused(
      dir,
      repo,
      ['certify-calibrations', repo, 'calib/run1', 'calibD', 'bias', '--begin-date', 'yesterday'],
      'time_parse',
    )
    assertRefused(
      dir,
      repo,
      [
        'certify-calibrations',
        repo,
        'calib/run1',
        'calibD',
        'bias',
        '--begin-date',
        '2024-02-01',
        '--end-date',
        '2024-01-01',
      ],
      'input',
    )
  })

  it('refuses a dataset type that is not a calibration', () => {
    ok(dir, ['put', repo, 'notes', 'bias.txt', '--run', 'plain', '-d', 'instrument=HSC,visit=903334'])
    assertRefused(dir, repo, ['certify-calibrations', repo, 'plain', 'calibD', 'notes'], 'dataset_type')
  })
})

describe('butler remove-collections', () => {
  const { dir, cleanup } = tempDir()
  let repo = ''
  before(() => {
    repo = makeRepo(dir)
    putNotes(dir, repo, 'run1', ['903334', '903336'])
    ok(dir, ['associate', repo, 'tag1', '-c', 'run1'])
    ok(dir, ['associate', repo, 'tag2', '-c', 'run1', '-d', 'visit=903334'])
    ok(dir, ['collection-chain', repo, 'chain', 'tag1,run1'])
    ok(dir, ['collection-chain', repo, 'outer', 'chain'])
  })
  after(cleanup)

  it('refuses without --no-confirm when stdin is not a terminal', () => {
    const r = assertRefused(dir, repo, ['remove-collections', repo, 'tag2'], 'input')
    assert.match(r.stderr, /--no-confirm/)
  })

  it('refuses a collection still in a chain without --remove-from-parents', () => {
    const r = assertRefused(
      dir,
      repo,
      ['remove-collections', repo, 'tag1', '--no-confirm'],
      'orphaned_record',
    )
    assert.match(r.stderr, /'tag1' \(in 'chain'\)/)
    assertRefused(dir, repo, ['remove-collections', repo, 'chain', '--no-confirm'], 'orphaned_record')
  })

  it('refuses a missing collection name', () => {
    assertRefused(
      dir,
      repo,
      ['remove-collections', repo, 'tag2', 'no_such', '--no-confirm'],
      'missing_collection',
    )
  })

  it('removes a TAGGED collection, leaving its datasets in their RUN', () => {
    const out = ok(dir, ['remove-collections', repo, 'tag2', '--no-confirm'])
    assert.match(out, /^collection\s+type\n-+\s+-+\ntag2\s+TAGGED\n/)
    assert.match(out, /Removed 1 collection\(s\)\.\n$/)
    assertUserError(butler(dir, ['query-collections', repo, 'tag2']), 'missing_collection')
    assert.equal(datasets(dir, repo, '-c', 'run1').length, 2)
  })

  it('unlinks from parent chains with --remove-from-parents', () => {
    const out = ok(dir, ['remove-collections', repo, 'tag1', '--remove-from-parents', '--no-confirm'])
    assert.match(out, /tag1\s+TAGGED\s+chain/)
    assert.deepEqual(collections(dir, repo, 'chain')[0]?.children, ['run1'])
  })

  it('removes a chain together with its parent, and skips RUNs matched by a glob', () => {
    const summary = okJson<{ removed: { name: string }[]; skippedRuns: string[] }>(dir, [
      'remove-collections',
      repo,
      '*',
      '--no-confirm',
      '--json',
    ])
    assert.deepEqual(
      summary.removed.map((c) => c.name),
      ['chain', 'outer'],
    )
    assert.deepEqual(summary.skippedRuns, ['run1'])
    assert.deepEqual(
      collections(dir, repo).map((c) => c.name),
      ['run1'],
    )
    const out = ok(dir, ['remove-collections', repo, 'run*', '--no-confirm'])
    assert.match(out, /No collections to remove\./)
    assert.match(out, /Skipped RUN collection\(s\) \(use remove-runs to delete them\): run1/)
    assert.equal(datasets(dir, repo).length, 2)
  })
})

describe('butler remove-dataset-type', () => {
  const { dir, cleanup } = tempDir()
  let repo = ''
  before(() => {
    repo = makeRepo(dir)
    putNotes(dir, repo, 'run1', ['903334'])
    ok(dir, ['register-dataset-type', repo, 'scratch_a', 'Text', 'instrument'])
    ok(dir, ['register-dataset-type', repo, 'scratch_b', 'Text', 'instrument'])
  })
  after(cleanup)

  const typeNames = () =>
    okJson<{ name: string }[]>(dir, ['query-dataset-types', repo, '--json']).map((t) => t.name)

  it('refuses a dataset type with datasets and changes nothing, also when other names match', () => {
    const r = assertRefused(dir, repo, ['remove-dataset-type', repo, 'notes'], 'orphaned_record')
    assert.match(r.stderr, /'notes' \(1 datasets\)/)
    assertRefused(dir, repo, ['remove-dataset-type', repo, 'scratch_a', 'n*'], 'orphaned_record')
  })

  it('removes dataset types by name and glob', () => {
    assert.equal(
      ok(dir, ['remove-dataset-type', repo, 'scratch_*']),
      'Removed dataset type(s): scratch_a, scratch_b\n',
    )
    assert.deepEqual(
      typeNames().filter((n) => n.startsWith('scratch')),
      [],
    )
    assert.ok(typeNames().includes('notes'))
  })

  it('reports when nothing matched', () => {
    assert.equal(
      ok(dir, ['remove-dataset-type', repo, 'no_such*']),
      'No dataset types matched; nothing removed.\n',
    )
    assert.deepEqual(okJson(dir, ['remove-dataset-type', repo, 'no_such', '--json']), [])
  })
})
