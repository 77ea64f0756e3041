/**
 * The `butler` program as a whole: help, version, usage errors, error reporting, `create` and
 * `config-dump`.
 */
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parse as parseYaml } from 'yaml'
import {
  assertUsageError,
  assertUserError,
  butler,
  contents,
  fileListing,
  ok,
  okJson,
  tempDir,
  writeText,
} from './helpers.js'

const COMMANDS = [
  'create',
  'config-dump',
  'demo',
  'register-dataset-type',
  'query-dataset-types',
  'query-collections',
  'query-datasets',
  'query-data-ids',
  'query-dimension-records',
  'insert-dimension-records',
  'put',
  'get',
  'remove-runs',
  'prune-datasets',
  'verify',
]

describe('butler program', () => {
  const { dir, cleanup } = tempDir()
  after(cleanup)

  it('lists every command with a one-line summary in --help', () => {
    const out = ok(dir, ['--help'])
    for (const command of COMMANDS) assert.match(out, new RegExp(`\\n  ${command} .*\\S`), command)
    assert.match(out, /--log-level/)
    assert.match(out, /--version/)
  })

  for (const command of COMMANDS) {
    it(`documents '${command}' in its --help`, () => {
      const out = ok(dir, [command, '--help'])
      assert.match(out, new RegExp(`^Usage: butler ${command} `))
      assert.match(out, /Options:/)
      assert.match(out, /Examples:\n {2}butler /)
    })
  }

  it('prints the package version', () => {
    const pkg = JSON.parse(
      readFileSync(join(import.meta.dirname ?? '.', '..', '..', '..', 'package.json'), 'utf8'),
    )
    assert.equal(ok(dir, ['--version']).trim(), pkg.version)
  })

  it('exits 2 on usage errors', () => {
    assertUsageError(butler(dir, []), /Usage: butler/)
    assertUsageError(butler(dir, ['frobnicate']), /unknown command 'frobnicate'/)
    assertUsageError(butler(dir, ['create']), /missing required argument 'REPO'/)
    assertUsageError(butler(dir, ['verify', 'repo', '--no-such-option']), /unknown option '--no-such-option'/)
    assertUsageError(butler(dir, ['--log-level', 'LOUD', 'verify', 'repo']), /Unknown log level 'LOUD'/)
    assertUsageError(
      butler(dir, ['get', 'repo', 'x', '-c', 'run', '-d', 'visit']),
      /'visit' is not KEY=VALUE/,
    )
    assertUsageError(butler(dir, ['put', 'repo', 'x', 'file.json']), /required option '--run <RUN>'/)
  })

  it('reports a missing repository as one user-error line', () => {
    assertUserError(butler(dir, ['query-dataset-types', 'no-such-repo']), 'repository')
    assertUserError(butler(dir, ['verify', 'no-such-repo']), 'repository')
  })

  it('prints the stack of a user error only with BUTLER_DEBUG=1', () => {
    const r = butler(dir, ['verify', 'no-such-repo'], { BUTLER_DEBUG: '1' })
    assert.equal(r.status, 1)
    assert.match(r.stderr, /^butler: error \[repository\]: /)
    assert.match(r.stderr, /\n\s+at /)
  })

  it('accepts --log-level before or after the command', () => {
    ok(dir, ['create', 'logged'])
    const r = butler(dir, ['--log-level', 'DEBUG', 'query-dataset-types', 'logged'])
    assert.equal(r.status, 0)
    assert.match(r.stderr, /butler DEBUG: opened repository logged/)
    assert.equal(butler(dir, ['query-dataset-types', 'logged', '--log-level', 'butler=debug']).status, 0)
    assert.equal(butler(dir, ['query-dataset-types', 'logged']).stderr, '')
  })
})

describe('butler create and config-dump', () => {
  const { dir, cleanup } = tempDir()
  before(() => ok(dir, ['create', 'repo']))
  after(cleanup)

  it('creates a repository that is empty', () => {
    assert.deepEqual(Object.keys(fileListing(join(dir, 'repo'))).sort(), ['butler.yaml', 'gen3.sqlite3'])
    assert.deepEqual(contents(dir, 'repo'), { collections: [], datasetTypes: [], datasets: [] })
  })

  it('refuses to create over an existing repository', () => {
    const before = fileListing(join(dir, 'repo'))
    assertUserError(butler(dir, ['create', 'repo']), 'repository')
    assert.deepEqual(fileListing(join(dir, 'repo')), before)
  })

  it('dumps the config as YAML and JSON, whole or a subset', () => {
    const yaml = parseYaml(ok(dir, ['config-dump', 'repo'])) as Record<string, unknown>
    assert.ok('datastore' in yaml && 'registry' in yaml)
    assert.equal(
      ok(dir, ['config-dump', 'repo', '--subset', '.registry.db']).trim(),
      'sqlite:///<butlerRoot>/gen3.sqlite3',
    )
    assert.deepEqual(okJson(dir, ['config-dump', 'repo', '--subset', 'registry', '--json']), {
      db: 'sqlite:///<butlerRoot>/gen3.sqlite3',
    })
    assertUserError(butler(dir, ['config-dump', 'repo', '--subset', 'registry.nope']), 'input')
  })

  it('writes a seed config into butler.yaml', () => {
    writeText(dir, 'seed.yaml', 'datastore:\n  checksum: true\n')
    ok(dir, ['create', 'seeded', '--seed-config', 'seed.yaml'])
    assert.equal(ok(dir, ['config-dump', 'seeded', '--subset', 'datastore.checksum']).trim(), 'true')
  })

  it('rejects a bad seed config without creating anything', () => {
    writeText(dir, 'bad-seed.yaml', 'datastore:\n  no_such_key: 1\n')
    assertUserError(butler(dir, ['create', 'never', '--seed-config', 'bad-seed.yaml']), 'config')
    assertUserError(butler(dir, ['create', 'never2', '--seed-config', 'missing.yaml']), 'input')
    assert.throws(() => readFileSync(join(dir, 'never', 'butler.yaml')))
  })

  it('reports a corrupt butler.yaml as a config error and leaves it alone', () => {
    ok(dir, ['create', 'corrupt'])
    const corrupt = 'datastore: [unclosed\n  : :\n'
    writeFileSync(join(dir, 'corrupt', 'butler.yaml'), corrupt)
    const before = fileListing(join(dir, 'corrupt'))
    assertUserError(butler(dir, ['query-dataset-types', 'corrupt']), 'config')
    assertUserError(butler(dir, ['config-dump', 'corrupt']), 'config')
    assertUserError(butler(dir, ['register-dataset-type', 'corrupt', 'x', 'Text']), 'config')
    assert.deepEqual(fileListing(join(dir, 'corrupt')), before)
    writeFileSync(join(dir, 'corrupt', 'butler.yaml'), 'registry:\n  nonsense: 3\n')
    assertUserError(butler(dir, ['verify', 'corrupt']), 'config')
  })
})
