/**
 * `butler ingest-files`: tables in CSV, TSV and ECSV, transfer modes, ID generation modes, and every
 * kind of bad input leaving the repository unchanged.
 */
import assert from 'node:assert/strict'
import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import { makeDatasetId, openButler } from '../../src/index.js'
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

interface RefJson {
  readonly id: string
  readonly run: string
  readonly dataId: { readonly dataId: Record<string, unknown> }
}

describe('butler ingest-files', () => {
  let dir: string
  let cleanup: () => void
  let repo: string

  before(() => {
    ;({ dir, cleanup } = tempDir())
    repo = makeRepo(dir)
    mkdirSync(join(dir, 'data'))
    for (const visit of [903334, 903336]) {
      writeText(join(dir, 'data'), `s${visit}.json`, JSON.stringify({ visit }))
      writeText(join(dir, 'data'), `n${visit}.txt`, `note for ${visit}`)
    }
  })

  after(() => cleanup())

  it('ingests a CSV table (copy) and reads every dataset back', () => {
    writeText(dir, 'summary.csv', 'file,visit\ndata/s903334.json,903334\ndata/s903336.json,903336\n')
    const refs = okJson<RefJson[]>(dir, [
      'ingest-files',
      repo,
      'summary',
      'ingest/csv',
      'summary.csv',
      '-d',
      'instrument=HSC',
      '--transfer',
      'copy',
      '--json',
    ])
    assert.equal(refs.length, 2)
    assert.deepEqual(
      refs.map((r) => r.dataId.dataId.visit),
      [903334, 903336],
    )
    const got = okJson(dir, ['get', repo, 'summary', '-c', 'ingest/csv', '-d', 'instrument=HSC,visit=903336'])
    assert.deepEqual(got, { visit: 903336 })
    assert.equal(existsSync(join(dir, 'data', 's903334.json')), true, 'copy leaves the source')
  })

  it('ingests TSV with --prefix and symlinks, and ECSV with file URIs and DATAID_TYPE IDs', async () => {
    writeText(dir, 'notes.tsv', 'path\tinstrument\tvisit\nn903334.txt\tHSC\t903334\n')
    ok(dir, ['ingest-files', repo, 'notes', 'ingest/tsv', 'notes.tsv', '--prefix', 'data', '-t', 'symlink'])
    const uri = ok(dir, ['get', repo, 'notes', '-c', 'ingest/tsv', '-d', 'instrument=HSC,visit=903334'])
    assert.match(uri, /note for 903334/)
    const fileUri = pathToFileURL(join(dir, 'data', 'n903336.txt')).href
    writeText(
      dir,
      'notes.ecsv',
      '# %ECSV 1.0\n# ---\n# datatype:\n# - {name: uri, datatype: string}\n# - {name: visit, datatype: int64}\n' +
        `uri visit\n"${fileUri}" 903336\n`,
    )
    const [ref] = okJson<RefJson[]>(dir, [
      'ingest-files',
      repo,
      'notes',
      'ingest/ecsv',
      'notes.ecsv',
      '-d',
      'instrument=HSC',
      '--id-generation-mode',
      'DATAID_TYPE',
      '--transfer',
      'direct',
      '--no-track-file-attrs',
      '--json',
    ])
    assert.equal(ref!.id, makeDatasetId('DATAID_TYPE', 'notes', { instrument: 'HSC', visit: 903336 }, ''))
    const b = await openButler(join(dir, repo))
    try {
      const [symlinked] = await b.datastore.artifacts(
        await b.registry.getDatasets([
          okJson<RefJson[]>(dir, ['query-datasets', repo, 'notes', '-c', 'ingest/tsv', '--json'])[0]!.id,
        ]),
      )
      assert.equal(lstatSync(symlinked!.absolutePath).isSymbolicLink(), true)
      const [direct] = await b.datastore.artifacts(await b.registry.getDatasets([ref!.id]))
      assert.equal(direct!.path, fileUri)
      assert.equal(direct!.fileSize, -1)
    } finally {
      await b.close()
    }
  })

  it('a file on several rows backs several datasets', () => {
    writeText(
      dir,
      'shared.csv',
      'file,instrument,visit\ndata/s903334.json,HSC,903334\ndata/s903334.json,HSC,903336\n',
    )
    const out = ok(dir, ['ingest-files', repo, 'summary', 'ingest/shared', 'shared.csv', '-t', 'hardlink'])
    assert.match(out, /Ingested 2 datasets of summary from 1 file into ingest\/shared/)
    assert.equal(lstatSync(join(dir, 'data', 's903334.json')).nlink, 2)
  })

  it('bad input is a user error and leaves the repository unchanged', () => {
    writeText(dir, 'missing.csv', 'file,visit\ndata/s903334.json,903334\ndata/nope.json,903336\n')
    writeText(dir, 'badcol.csv', 'file,visit,colour\ndata/s903334.json,903334,red\n')
    writeText(dir, 'baddataid.csv', 'file,visit\ndata/s903334.json,12345\n')
    writeText(dir, 'cells.csv', 'file,visit\ndata/s903334.json\n')
    writeText(dir, 'good.csv', 'file,visit\ndata/s903336.json,903336\n')
    const base = ['-d', 'instrument=HSC']
    const cases: [string[], string, RegExp][] = [
      [
        ['ingest-files', repo, 'summary', 'ingest/bad', 'missing.csv', ...base, '-t', 'move'],
        'input',
        /nope\.json/,
      ],
      [['ingest-files', repo, 'summary', 'ingest/bad', 'badcol.csv', ...base], 'dimension_name', /colour/],
      [['ingest-files', repo, 'summary', 'ingest/bad', 'baddataid.csv', ...base], 'data_id_value', /12345/],
      [['ingest-files', repo, 'summary', 'ingest/bad', 'cells.csv', ...base], 'input', /Row 1/],
      [
        ['ingest-files', repo, 'no_such_type', 'ingest/bad', 'good.csv', ...base],
        'missing_dataset_type',
        /no_such_type/,
      ],
      [['ingest-files', repo, 'summary', 'ingest/bad', 'nothere.csv', ...base], 'input', /nothere\.csv/],
      [
        ['ingest-files', repo, 'summary', 'ingest/csv', 'good.csv', ...base],
        'conflicting_definition',
        /summary/,
      ],
      [
        ['ingest-files', repo, 'summary', 'ingest/bad', 'good.csv', ...base, '--formatter', 'TextFormatter'],
        'formatter',
        /TextFormatter/,
      ],
    ]
    for (const [args, code, pattern] of cases) {
      const before = snapshot(dir, repo)
      const r = butler(dir, args)
      assertUserError(r, code)
      assert.match(r.stderr, pattern)
      assert.deepEqual(snapshot(dir, repo), before, `repository changed by: ${args.join(' ')}`)
    }
    assert.equal(existsSync(join(dir, 'data', 's903334.json')), true, 'a failed move keeps the source')
    assert.equal(readFileSync(join(dir, 'data', 's903334.json'), 'utf8'), JSON.stringify({ visit: 903334 }))
    assertUsageError(
      butler(dir, ['ingest-files', repo, 'summary', 'ingest/bad', 'good.csv', '-t', 'teleport']),
      /teleport/,
    )
  })

  it('has help with an example', () => {
    const help = ok(dir, ['ingest-files', '--help'])
    assert.match(help, /Examples:\n {2}butler ingest-files /)
    writeFileSync(join(dir, 'unused'), '')
  })
})
