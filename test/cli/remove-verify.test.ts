/**
 * The commands that delete (`prune-datasets`, `remove-runs`) and `verify`.
 */
import assert from 'node:assert/strict'
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  assertUserError,
  butler,
  fileListing,
  makeRepo,
  ok,
  okJson,
  snapshot,
  tempDir,
  writeText,
} from './helpers.js'

interface RefJson {
  id: string
  run: string
  datasetType: string
  uri?: string
}

interface VerifyJson {
  problems: { kind: string; path: string; repairable: boolean; repaired: boolean }[]
  remaining: number
}

/** Puts one `summary` and one `notes` dataset per visit into `run`. */
function fill(dir: string, repo: string, run: string): void {
  writeText(dir, 'summary.json', '{"x": 1}')
  writeText(dir, 'notes.txt', 'hello\n')
  for (const visit of ['903334', '903336']) {
    ok(dir, ['put', repo, 'summary', 'summary.json', '--run', run, '-d', `instrument=HSC,visit=${visit}`])
    ok(dir, ['put', repo, 'notes', 'notes.txt', '--run', run, '-d', `instrument=HSC,visit=${visit}`])
  }
}

const datasets = (dir: string, repo: string, ...args: string[]) =>
  okJson<RefJson[]>(dir, ['query-datasets', repo, '--json', ...args])

describe('butler prune-datasets', () => {
  const { dir, cleanup } = tempDir()
  let repo = ''
  before(() => {
    repo = makeRepo(dir)
    fill(dir, repo, 'run1')
  })
  after(cleanup)

  it('shows what it would delete with --dry-run and changes nothing', () => {
    const before = snapshot(dir, repo)
    const out = ok(dir, ['prune-datasets', repo, '-c', 'run1', '--datasets', 'summary', '--dry-run'])
    assert.match(out, /summary\s+run1\s+instrument=HSC, visit=903334/)
    assert.match(out, /Dry run: would unstore 2 dataset\(s\)/)
    assert.deepEqual(snapshot(dir, repo), before)
  })

  it('refuses without --no-confirm when stdin is not a terminal', () => {
    const before = snapshot(dir, repo)
    const r = butler(dir, ['prune-datasets', repo, '-c', 'run1', '--datasets', 'summary'])
    assertUserError(r, 'input')
    assert.match(r.stderr, /--no-confirm/)
    assert.deepEqual(snapshot(dir, repo), before)
  })

  it('refuses unknown dataset types and collections', () => {
    const before = snapshot(dir, repo)
    assertUserError(
      butler(dir, ['prune-datasets', repo, '-c', 'run1', '--datasets', 'nope', '--no-confirm']),
      'missing_dataset_type',
    )
    assertUserError(
      butler(dir, ['prune-datasets', repo, '-c', 'nope', '--datasets', 'summary', '--no-confirm']),
      'missing_collection',
    )
    assert.deepEqual(snapshot(dir, repo), before)
  })

  it('unstores: files go, registry entries stay', () => {
    const [ref] = datasets(dir, repo, 'summary', '-d', 'visit=903334', '--show-uri')
    const out = ok(dir, [
      'prune-datasets',
      repo,
      '-c',
      'run1',
      '--datasets',
      'summary',
      '-d',
      'visit=903334',
      '--no-confirm',
    ])
    assert.match(out, /Unstored 1 dataset\(s\)/)
    assert.equal(existsSync(fileURLToPath(ref!.uri!)), false, 'the file is deleted')
    assert.equal(datasets(dir, repo, 'summary').length, 2, 'registry entries are kept')
    const r = butler(dir, ['get', repo, 'summary', '-c', 'run1', '-d', 'instrument=HSC,visit=903334'])
    assert.equal(r.status, 1)
    assert.match(r.stderr, /^butler: error \[\w+\]: /)
    assert.equal(butler(dir, ['verify', repo]).status, 0)
  })

  it('purges: registry entries go too, with a JSON summary', () => {
    const summary = okJson<{ action: string; datasets: unknown[] }>(dir, [
      'prune-datasets',
      repo,
      '-c',
      'run1',
      '--datasets',
      'sum*',
      '--purge',
      '--no-confirm',
      '--json',
    ])
    assert.equal(summary.action, 'purge')
    assert.equal(summary.datasets.length, 2)
    assert.deepEqual(datasets(dir, repo, 'summary'), [])
    assert.equal(datasets(dir, repo, 'notes').length, 2, 'other dataset types are untouched')
    assert.equal(butler(dir, ['verify', repo]).status, 0)
  })
})

describe('butler remove-runs', () => {
  const { dir, cleanup } = tempDir()
  let repo = ''
  before(() => {
    repo = makeRepo(dir)
    fill(dir, repo, 'keep')
    fill(dir, repo, 'u/me/drop')
  })
  after(cleanup)

  it('refuses without --no-confirm when stdin is not a terminal', () => {
    const before = snapshot(dir, repo)
    assertUserError(butler(dir, ['remove-runs', repo, 'u/me/drop']), 'input')
    assert.deepEqual(snapshot(dir, repo), before)
  })

  it('refuses unknown runs and changes nothing', () => {
    const before = snapshot(dir, repo)
    assertUserError(
      butler(dir, ['remove-runs', repo, 'u/me/drop', 'no_such_run', '--no-confirm']),
      'missing_collection',
    )
    assert.deepEqual(snapshot(dir, repo), before)
  })

  it('deletes a run with its datasets and files, leaving other runs alone', () => {
    const out = ok(dir, ['remove-runs', repo, 'u/me/drop', '--no-confirm'])
    assert.match(out, /notes\s+2/)
    assert.match(out, /Deleted 1 run\(s\) and 4 dataset\(s\)/)
    assert.deepEqual(
      okJson<{ name: string }[]>(dir, ['query-collections', repo, '--json']).map((c) => c.name),
      ['keep'],
    )
    assert.equal(datasets(dir, repo).length, 4)
    assert.deepEqual(
      Object.keys(fileListing(join(dir, repo))).filter((f) => f.startsWith('u/')),
      [],
      'no file of the removed run is left',
    )
    assert.equal(butler(dir, ['verify', repo]).status, 0)
  })
})

describe('butler verify', () => {
  const { dir, cleanup } = tempDir()
  let repo = ''
  before(() => {
    repo = makeRepo(dir)
    fill(dir, repo, 'run1')
  })
  after(cleanup)

  it('reports a healthy repository and exits 0', () => {
    const out = ok(dir, ['verify', repo, '--checksums'])
    assert.match(out, /^OK: no problems found\.\n$/)
    assert.deepEqual(okJson(dir, ['verify', repo, '--json']), { problems: [], remaining: 0 })
  })

  it('repairs a leftover temporary file', () => {
    const [ref] = datasets(dir, repo, 'summary', '--show-uri')
    const folder = dirname(fileURLToPath(ref!.uri!))
    writeFileSync(join(folder, '.x.json.butler-tmp-0123456789abcdef'), 'partial')
    const r = butler(dir, ['verify', repo])
    assert.equal(r.status, 1)
    assert.match(r.stdout, /temporary-file\s+\S+butler-tmp-0123456789abcdef\s+repairable/)
    assert.match(r.stdout, /1 problem\(s\) found: 0 repaired, 1 remaining\./)
    const repaired = butler(dir, ['verify', repo, '--repair'])
    assert.equal(repaired.status, 0, repaired.stdout)
    assert.match(repaired.stdout, /repaired/)
    assert.equal(butler(dir, ['verify', repo]).status, 0)
  })

  it('reports a file the registry does not know and a missing artifact, exiting 1', () => {
    const [ref] = datasets(dir, repo, 'notes', '-d', 'visit=903336', '--show-uri')
    const path = fileURLToPath(ref!.uri!)
    writeFileSync(join(dir, repo, 'stray.txt'), 'who put this here?')
    rmSync(path)
    const r = butler(dir, ['verify', repo, '--json'])
    assert.equal(r.status, 1)
    const report = JSON.parse(r.stdout) as VerifyJson
    const kinds = report.problems.map((p) => `${p.kind} ${p.path}`).sort()
    assert.ok(kinds.includes('orphan-file stray.txt'), kinds.join('; '))
    assert.ok(
      kinds.some((k) => k.startsWith('missing-file ')),
      kinds.join('; '),
    )
    assert.ok(report.remaining >= 1)
  })
})
