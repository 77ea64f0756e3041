/**
 * `butler create --datastore-root s3://bucket/prefix --s3-endpoint URL` against a real S3-protocol
 * server (s3rver in a child process): the repository is made with its artifacts in the bucket, and a
 * missing bucket or a server that is down is one error line, quickly, with nothing made.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { openButler } from '../../src/create-butler.js'
import { DatasetType } from '../../src/datasets/dataset-type.js'
import { insertCameraRecords } from '../support/records.js'
import { type S3TestServer, startS3Server } from '../support/s3-server.js'
import { assertUserError, BIN, type RunResult, tempDir } from './helpers.js'

/** Runs the CLI with the S3 test credentials but without the SDK's warning switch (butler sets it itself). */
function butlerS3(cwd: string, args: readonly string[]): RunResult {
  const env: NodeJS.ProcessEnv = { ...process.env, BUTLER_DEBUG: '' }
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  })
  if (result.error) throw result.error
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('butler create with an object-store datastore', () => {
  let server: S3TestServer
  let tmp: ReturnType<typeof tempDir>

  before(async () => {
    server = await startS3Server({ buckets: ['cli-bucket'] })
    tmp = tempDir()
  })

  after(async () => {
    await server.stop()
    tmp.cleanup()
  })

  it('makes a repository whose artifacts go to the bucket', async () => {
    const r = butlerS3(tmp.dir, [
      'create',
      'repo',
      '--datastore-root',
      's3://cli-bucket/repo',
      '--s3-endpoint',
      server.endpoint,
    ])
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stderr, '', 'no warnings (the SDK deprecation warning is off)')
    const text = readFileSync(join(tmp.dir, 'repo', 'butler.yaml'), 'utf8')
    assert.match(text, /cls: ObjectStoreDatastore/)
    assert.match(text, /root: s3:\/\/cli-bucket\/repo/)
    const dump = butlerS3(tmp.dir, ['config-dump', 'repo'])
    assert.equal(dump.status, 0, dump.stderr)
    assert.match(dump.stdout, /endpoint: http:\/\/127\.0\.0\.1/)
    const butler = await openButler(join(tmp.dir, 'repo'), { run: 'run1' })
    try {
      await insertCameraRecords(butler)
      await butler.registerDatasetType(
        new DatasetType('notes', butler.universe.group(['instrument', 'detector']), 'Text'),
      )
      await butler.put('hello', 'notes', { instrument: 'HSC', detector: 16 })
      assert.equal(await butler.get('notes', { instrument: 'HSC', detector: 16 }), 'hello')
      assert.equal((await server.listKeys('cli-bucket', 'repo/')).length, 1)
    } finally {
      await butler.close()
    }
    const get = butlerS3(tmp.dir, ['get', 'repo', 'notes', '-d', 'instrument=HSC,detector=16', '-c', 'run1'])
    assert.equal(get.status, 0, get.stderr)
    assert.match(get.stdout, /hello/)
  })

  it('reports a missing bucket or an unreachable server in one line, quickly, making nothing', () => {
    const missing = butlerS3(tmp.dir, [
      'create',
      'repo2',
      '--datastore-root',
      's3://no-such-bucket/x',
      '--s3-endpoint',
      server.endpoint,
    ])
    assertUserError(missing, 'repository')
    assert.match(missing.stderr, /no-such-bucket/)
    assert.match(missing.stderr, new RegExp(`127\\.0\\.0\\.1:${server.port}`))
    assert.equal(existsSync(join(tmp.dir, 'repo2')), false)
    const started = Date.now()
    const down = butlerS3(tmp.dir, [
      'create',
      'repo3',
      '--datastore-root',
      's3://cli-bucket/y',
      '--s3-endpoint',
      'http://127.0.0.1:9',
    ])
    assertUserError(down, 'repository')
    assert.match(down.stderr, /Cannot reach/)
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`)
    assert.equal(existsSync(join(tmp.dir, 'repo3')), false)
  })
})
