/**
 * `butler import` and `butler export`: fixture files, export -> import of datasets with their files,
 * and malformed export files that must leave the repository unchanged.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fixture, fixturesSkip } from '../fixtures.js'
import {
  assertUsageError,
  assertUserError,
  butler,
  makeRepo,
  ok,
  okJson,
  snapshot,
  tempDir,
  writeText,
} from './helpers.js'

type Row = Record<string, unknown>

describe('butler import / export', () => {
  const { dir, cleanup } = tempDir()
  let repo = ''
  before(() => {
    repo = makeRepo(dir)
    writeText(dir, 'note.json', JSON.stringify({ a: 1 }))
    ok(dir, [
      'put',
      repo,
      'summary',
      'note.json',
      '-d',
      'instrument=HSC',
      '-d',
      'visit=903334',
      '--run',
      'u/me/run',
    ])
    ok(dir, [
      'put',
      repo,
      'summary',
      'note.json',
      '-d',
      'instrument=HSC',
      '-d',
      'visit=903336',
      '--run',
      'u/me/run',
    ])
  })
  after(cleanup)

  it('imports a fixture file without a datastore and prints a summary', { skip: fixturesSkip() }, () => {
    ok(dir, ['create', 'rc2'])
    const out = ok(dir, [
      'import',
      'rc2',
      '.',
      '--export-file',
      fixture('registry_data', 'hsc-rc2-subset.yaml'),
      '--without-datastore',
      '--skip-dimensions',
      'visit_system_membership',
    ])
    assert.match(
      out,
      /^Imported 1\d{3} new of 1\d{3} dimension records, 0 dataset types, 0 collections, 0 datasets/,
    )
    const visits = okJson<Row[]>(dir, ['query-dimension-records', 'rc2', 'visit', '--json'])
    assert.ok(visits.length > 10)
    assert.deepEqual(okJson(dir, ['query-dimension-records', 'rc2', 'visit_system_membership', '--json']), [])
  })

  it('exports datasets with their files and imports them into another repository', () => {
    const out = ok(dir, [
      'export',
      repo,
      'exported/export.yaml',
      '--collections',
      'u/me/run',
      '--datasets',
      'summ*',
      '--directory',
      'exported',
      '--transfer',
      'copy',
    ])
    assert.match(
      out,
      /^Exported 2 datasets \(2 files\), \d+ dimension records and 1 collections to exported\/export\.yaml/,
    )
    const text = readFileSync(join(dir, 'exported', 'export.yaml'), 'utf8')
    assert.match(text, /^description: Butler Data Repository Export\nversion: 1\.0\.2\n/)
    ok(dir, ['create', 'copy'])
    const summary = okJson<Row>(dir, ['import', 'copy', 'exported', '--transfer', 'copy', '--json'])
    assert.equal(summary.datasets, 2)
    assert.equal(summary.files, 2)
    const datasets = (repoName: string) =>
      okJson<Row[]>(dir, ['query-datasets', repoName, '--json']).map((d) =>
        JSON.stringify([d.id, d.run, d.dataId]),
      )
    assert.deepEqual(datasets('copy').sort(), datasets(repo).sort())
    ok(dir, [
      'get',
      'copy',
      'summary',
      '-d',
      'instrument=HSC',
      '-d',
      'visit=903334',
      '--collections',
      'u/me/run',
      '-o',
      'back.json',
    ])
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'back.json'), 'utf8')), { a: 1 })
  })

  it('leaves the repository unchanged after a malformed export file', () => {
    ok(dir, ['create', 'target'])
    const good = readFileSync(join(dir, 'exported', 'export.yaml'), 'utf8')
    // A valid start (records, the RUN) and a dataset whose data ID has no record at the end.
    writeText(dir, 'bad.yaml', good.replace(/visit: 903336/, 'visit: 777'))
    const before = snapshot(dir, 'target')
    const r = butler(dir, ['import', 'target', 'exported', '--export-file', 'bad.yaml'])
    assertUserError(r, 'data_id_value')
    assert.match(
      r.stderr,
      /Export file data\[\d+\] \(dataset 'summary' in run 'u\/me\/run'\): No 'visit' record/,
    )
    assert.deepEqual(snapshot(dir, 'target'), before)
    assert.deepEqual(okJson(dir, ['query-dimension-records', 'target', 'instrument', '--json']), [])

    writeText(dir, 'bad-version.yaml', good.replace('version: 1.0.2', 'version: 2.0.0'))
    assertUserError(
      butler(dir, ['import', 'target', 'exported', '--export-file', 'bad-version.yaml']),
      'export_file',
    )
    writeText(dir, 'bad-tag.yaml', good.replace(/!uuid '[^']+'/, "!uuid 'not-a-uuid'"))
    const tag = butler(dir, ['import', 'target', 'exported', '--export-file', 'bad-tag.yaml'])
    assertUserError(tag, 'export_file')
    assert.match(
      tag.stderr,
      /\(dataset 'summary' in run 'u\/me\/run'\), records\[0\] dataset_id\[0\]: 'not-a-uuid' is not a UUID/,
    )
    assertUserError(butler(dir, ['import', 'target', 'exported', '--export-file', 'missing.yaml']), 'input')
    assert.deepEqual(snapshot(dir, 'target'), before)
  })

  it('rejects a missing file of a dataset before touching the repository', () => {
    ok(dir, ['create', 'target2'])
    const before = snapshot(dir, 'target2')
    mkdirSync(join(dir, 'nofile'))
    writeText(dir, 'nofile/export.yaml', readFileSync(join(dir, 'exported', 'export.yaml'), 'utf8'))
    const r = butler(dir, ['import', 'target2', 'nofile'])
    assertUserError(r, 'export_file')
    assert.match(r.stderr, /records\[0\]: file '.+' not found in the import directory/)
    assert.deepEqual(snapshot(dir, 'target2'), before)
  })

  it('checks its options', () => {
    assertUsageError(butler(dir, ['import', repo, '.', '--transfer', 'teleport']), /--transfer/)
    assertUserError(butler(dir, ['export', repo, 'x.yaml', '--directory', 'd']), 'input')
    assertUserError(butler(dir, ['export', repo, 'x.yaml', '--collections', 'nope']), 'missing_collection')
    assert.equal(existsSync(join(dir, 'x.yaml')), false)
    assert.match(ok(dir, ['import', '--help']), /Examples:\n {2}butler import/)
    assert.match(ok(dir, ['export', '--help']), /Examples:\n {2}butler export/)
  })
})
