import assert from 'node:assert/strict'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  assertUsageError,
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
  readonly id: string
  readonly run: string
  readonly datasetType: { readonly name: string }
}

const V1 = 'instrument=HSC,visit=903334'
const V2 = 'instrument=HSC,visit=903336'

describe('butler transfer-datasets, retrieve-artifacts and ingest-zip', () => {
  const { dir, cleanup } = tempDir()
  let source = ''
  const ids: string[] = []

  before(() => {
    source = makeRepo(dir, 'source')
    writeText(dir, 'summary.json', JSON.stringify({ target: 'M31' }))
    writeText(dir, 'notes.txt', 'Some notes.\n')
    for (const v of [V1, V2]) {
      ids.push(
        okJson<RefJson>(dir, ['put', source, 'summary', 'summary.json', '--run', 'run1', '-d', v, '--json'])
          .id,
      )
    }
    ids.push(
      okJson<RefJson>(dir, ['put', source, 'notes', 'notes.txt', '--run', 'run2', '-d', V1, '--json']).id,
    )
  })
  after(cleanup)

  const idsIn = (repo: string, ...args: string[]) =>
    okJson<RefJson[]>(dir, ['query-datasets', repo, ...args, '--json'])
      .map((r) => r.id)
      .sort()

  describe('transfer-datasets', () => {
    it('transfers the queried datasets with their UUIDs and prints the count', () => {
      ok(dir, ['create', 'dest1'])
      const out = ok(dir, [
        'transfer-datasets',
        source,
        'dest1',
        'summary',
        '-c',
        'run1',
        '--register-dataset-types',
        '--transfer-dimensions',
      ])
      assert.equal(out, 'Transferred 2 datasets.\n')
      assert.deepEqual(idsIn('dest1'), ids.slice(0, 2).sort())
      assert.deepEqual(JSON.parse(ok(dir, ['get', 'dest1', 'summary', '-c', 'run1', '-d', V2])), {
        target: 'M31',
      })
      // A second run transfers what is still missing only.
      assert.equal(
        ok(dir, ['transfer-datasets', source, 'dest1', '--register-dataset-types', '--transfer-dimensions']),
        'Transferred 1 dataset.\n',
      )
      assert.deepEqual(idsIn('dest1'), [...ids].sort())
    })

    it('reports without writing on --dry-run', () => {
      ok(dir, ['create', 'dest2'])
      const before = snapshot(dir, 'dest2')
      const out = ok(dir, [
        'transfer-datasets',
        source,
        'dest2',
        '--register-dataset-types',
        '--transfer-dimensions',
        '--dry-run',
      ])
      assert.equal(out, 'Dry run: would transfer 3 datasets.\n')
      assert.deepEqual(snapshot(dir, 'dest2'), before)
    })

    it('rejects bad input as user errors, leaving the target unchanged', () => {
      ok(dir, ['create', 'dest3'])
      const before = snapshot(dir, 'dest3')
      assertUserError(butler(dir, ['transfer-datasets', source, 'dest3', '-c', 'nope']), 'missing_collection')
      assertUserError(butler(dir, ['transfer-datasets', 'no-such-repo', 'dest3']), 'repository')
      assertUserError(butler(dir, ['transfer-datasets', source, 'dest3']), 'missing_dataset_type')
      assertUserError(
        butler(dir, ['transfer-datasets', source, 'dest3', '--register-dataset-types']),
        'data_id_value',
      )
      assert.deepEqual(snapshot(dir, 'dest3'), before)
      assertUsageError(butler(dir, ['transfer-datasets', source, 'dest3', '-t', 'move']), /move/)
    })
  })

  describe('retrieve-artifacts', () => {
    it('copies files with their paths, or flat', () => {
      const out = ok(dir, ['retrieve-artifacts', source, 'out1', '-c', 'run1'])
      assert.equal(out, 'Retrieved 2 files into out1\n')
      const files = Object.keys(fileListing(join(dir, 'out1')))
      assert.equal(files.length, 2)
      assert.ok(
        files.every((f) => f.startsWith('run1/summary/')),
        files.join(', '),
      )
      for (const f of files)
        assert.deepEqual(JSON.parse(readFileSync(join(dir, 'out1', f), 'utf8')), { target: 'M31' })
      ok(dir, ['retrieve-artifacts', source, 'out2', '--no-preserve-path'])
      assert.equal(readdirSync(join(dir, 'out2')).length, 3)
    })

    it('refuses to overwrite without --clobber', () => {
      const before = fileListing(join(dir, 'out1'))
      const first = Object.keys(before)[0]!
      writeFileSync(join(dir, 'out1', first), 'mine')
      const changed = fileListing(join(dir, 'out1'))
      assertUserError(
        butler(dir, ['retrieve-artifacts', source, 'out1', '-c', 'run1']),
        'conflicting_definition',
      )
      assert.deepEqual(fileListing(join(dir, 'out1')), changed)
      ok(dir, ['retrieve-artifacts', source, 'out1', '-c', 'run1', '--clobber'])
      assert.deepEqual(fileListing(join(dir, 'out1')), before)
    })
  })

  describe('retrieve-artifacts --zip and ingest-zip', () => {
    let zip = ''
    it('writes one zip that ingest-zip reads into an empty repository', () => {
      const out = ok(dir, ['retrieve-artifacts', source, 'zips', '--zip'])
      const match = /^Wrote 3 datasets into (.*\.zip)\n$/.exec(out)
      assert.ok(match, out)
      zip = match[1]!
      ok(dir, ['create', 'dest4'])
      const before = snapshot(dir, 'dest4')
      assert.equal(
        ok(dir, ['ingest-zip', 'dest4', zip, '--transfer-dimensions', '--dry-run']),
        'Dry run: would ingest 3 datasets.\n',
      )
      assert.deepEqual(snapshot(dir, 'dest4'), before)
      assert.equal(ok(dir, ['ingest-zip', 'dest4', zip, '--transfer-dimensions']), 'Ingested 3 datasets.\n')
      assert.deepEqual(idsIn('dest4'), [...ids].sort())
      assert.equal(ok(dir, ['get', 'dest4', 'notes', '-c', 'run2', '-d', V1]), 'Some notes.\n')
      const stored = Object.keys(fileListing(join(dir, 'dest4'))).filter((f) => f.startsWith('zips/'))
      assert.equal(stored.length, 1)
      assert.equal(ok(dir, ['verify', 'dest4']).includes('orphan'), false)
    })

    it('rejects existing datasets and corrupt zips, leaving the repository unchanged', () => {
      const before = snapshot(dir, 'dest4')
      assertUserError(butler(dir, ['ingest-zip', 'dest4', zip]), 'conflicting_definition')
      writeText(dir, 'bad.zip', 'PK\u0003\u0004 definitely not a zip')
      assertUserError(butler(dir, ['ingest-zip', 'dest4', 'bad.zip']), 'input')
      assertUserError(butler(dir, ['ingest-zip', 'dest4', 'missing.zip']), 'input')
      assert.deepEqual(snapshot(dir, 'dest4'), before)
      ok(dir, ['create', 'dest5'])
      const empty = snapshot(dir, 'dest5')
      assertUserError(butler(dir, ['ingest-zip', 'dest5', zip]), 'data_id_value')
      assert.deepEqual(snapshot(dir, 'dest5'), empty)
    })
  })

  it('documents every command with an example', () => {
    for (const command of ['transfer-datasets', 'retrieve-artifacts', 'ingest-zip']) {
      const help = ok(dir, [command, '--help'])
      assert.match(help, /Examples:\n {2}butler /)
    }
  })
})
