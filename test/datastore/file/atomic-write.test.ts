import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  isTemporaryFileName,
  readFileChecked,
  removeFiles,
  TEMPORARY_FILE_PATTERN,
  temporaryPathFor,
  writeFileAtomic,
  writeFilesAtomic,
} from '../../../src/datastore/file/atomic-write.js'
import { ButlerError, ChecksumError } from '../../../src/errors.js'

/** Every file below `dir`, relative, sorted. */
function listFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort()
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const digest = (algorithm: string, data: Uint8Array): string =>
  createHash(algorithm).update(data).digest('hex')

describe('atomic writes', () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'butler-atomic-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('names temporary files recognisably', () => {
    const temp = temporaryPathFor('/x/y/data.json')
    assert.equal(path.dirname(temp), '/x/y')
    assert.ok(isTemporaryFileName(path.basename(temp)), temp)
    assert.match(path.basename(temp), /^\.data\.json\.butler-tmp-[0-9a-f]{16}$/)
    assert.equal(isTemporaryFileName('data.json'), false)
    assert.equal(isTemporaryFileName('.data.json.butler-tmp-xyz'), false)
    assert.equal(TEMPORARY_FILE_PATTERN.test('calexp_HSC_r_1.fits'), false)
  })

  for (const fsync of [false, true]) {
    it(`writes chunks, creates parents and leaves no temp file (fsync ${fsync})`, async () => {
      const target = path.join(dir, `w-${fsync}`, 'deep', 'er', 'f.bin')
      const chunks = [enc('hello '), new Uint8Array(0), enc('world'), randomBytes(70_000)]
      const result = await writeFileAtomic(target, chunks, { fsync, checksum: 'blake2b' })
      const expected = Buffer.concat(chunks)
      assert.deepEqual(readFileSync(target), expected)
      assert.equal(result.size, expected.length)
      assert.equal(result.checksum, digest('blake2b512', expected))
      assert.deepEqual(listFiles(path.join(dir, `w-${fsync}`)), [path.join('deep', 'er', 'f.bin')])
    })
  }

  it('computes sha256, omits the checksum when not asked, and replaces existing files', async () => {
    const target = path.join(dir, 'replace.txt')
    writeFileSync(target, 'old contents that are longer')
    const r1 = await writeFileAtomic(target, [enc('new')], { fsync: false, checksum: 'sha256' })
    assert.equal(r1.checksum, digest('sha256', enc('new')))
    assert.equal(readFileSync(target, 'utf8'), 'new')
    const r2 = await writeFileAtomic(target, [], { fsync: false })
    assert.equal(r2.size, 0)
    assert.equal('checksum' in r2, false)
    assert.equal(readFileSync(target, 'utf8'), '')
  })

  it('removes the temp file when the rename fails', async () => {
    const target = path.join(dir, 'is-a-dir')
    mkdirSync(path.join(target, 'occupied'), { recursive: true })
    await assert.rejects(
      writeFileAtomic(target, [enc('x')], { fsync: true }),
      (e) => e instanceof ButlerError,
    )
    assert.deepEqual(
      readdirSync(dir).filter((n) => isTemporaryFileName(n)),
      [],
    )
  })

  it('removes the temp file when writing fails', async () => {
    const sub = path.join(dir, 'write-fails')
    const bogus = [enc('ok'), 'not bytes' as unknown as Uint8Array]
    await assert.rejects(writeFileAtomic(path.join(sub, 'f'), bogus, { fsync: false }), ButlerError)
    // This one fails after the temporary file was opened and while its bytes are being written.
    const options = { fsync: false, checksum: 'md5' as 'sha256' }
    await assert.rejects(writeFileAtomic(path.join(sub, 'g'), [randomBytes(1 << 20)], options), /md5/)
    assert.deepEqual(readdirSync(sub), [])
  })

  it('fails cleanly when a parent is a file', async () => {
    writeFileSync(path.join(dir, 'plainfile'), 'x')
    await assert.rejects(
      writeFileAtomic(path.join(dir, 'plainfile', 'child.json'), [enc('{}')], { fsync: false }),
      // mkdir reports EEXIST for a file in the way.
      (e) =>
        e instanceof ButlerError &&
        ['EEXIST', 'ENOTDIR'].includes((e.cause as NodeJS.ErrnoException).code ?? ''),
    )
  })

  it('batched writes return per-item results and leave no temp files', async () => {
    const base = path.join(dir, 'batch-ok')
    const items = Array.from({ length: 50 }, (_, i) => ({
      path: path.join(base, `d${i % 5}`, `f${i}.json`),
      chunks: [enc(JSON.stringify({ i }))],
    }))
    const results = await writeFilesAtomic(items, { fsync: true, checksum: 'sha256', concurrency: 4 })
    assert.equal(results.length, 50)
    for (const [i, r] of results.entries()) {
      assert.equal(r.path, items[i]!.path)
      assert.equal(r.size, items[i]!.chunks[0]!.byteLength)
      assert.equal(r.checksum, digest('sha256', items[i]!.chunks[0]!))
      assert.equal(readFileSync(r.path, 'utf8'), JSON.stringify({ i }))
    }
    assert.equal(listFiles(base).length, 50)
    assert.equal(listFiles(base).filter((f) => isTemporaryFileName(path.basename(f))).length, 0)
  })

  it('batched writes are all-or-nothing when staging fails', async () => {
    const base = path.join(dir, 'batch-stage-fail')
    mkdirSync(base)
    writeFileSync(path.join(base, 'blocker'), 'a file where a directory should be')
    const items = Array.from({ length: 30 }, (_, i) => ({
      path: i === 17 ? path.join(base, 'blocker', 'x.json') : path.join(base, 'ok', `f${i}.json`),
      chunks: [enc(`{"i":${i}}`)],
    }))
    await assert.rejects(writeFilesAtomic(items, { fsync: false, concurrency: 3 }), (e) => {
      assert.ok(e instanceof ButlerError)
      assert.match(e.message, /blocker/)
      return true
    })
    assert.deepEqual(listFiles(base), ['blocker'])
  })

  it('batched writes are all-or-nothing when a rename fails', async () => {
    const base = path.join(dir, 'batch-rename-fail')
    // The last target is a non-empty directory, so only its rename fails, after the others succeeded.
    mkdirSync(path.join(base, 'taken', 'inside'), { recursive: true })
    const items = [
      ...Array.from({ length: 10 }, (_, i) => ({ path: path.join(base, `f${i}.json`), chunks: [enc('{}')] })),
      { path: path.join(base, 'taken'), chunks: [enc('{}')] },
    ]
    await assert.rejects(writeFilesAtomic(items, { fsync: true, concurrency: 1 }), ButlerError)
    assert.deepEqual(readdirSync(base), ['taken'])
  })

  it('refuses a batch naming one file twice', async () => {
    const p = path.join(dir, 'dup.json')
    await assert.rejects(
      writeFilesAtomic(
        [
          { path: p, chunks: [] },
          { path: p, chunks: [] },
        ],
        { fsync: false },
      ),
      /twice/,
    )
    assert.equal(existsSync(p), false)
  })

  it('removeFiles ignores missing files', async () => {
    const a = path.join(dir, 'rm-a')
    writeFileSync(a, 'x')
    await removeFiles([a, path.join(dir, 'rm-missing')])
    assert.equal(existsSync(a), false)
  })
})

describe('checked reads', () => {
  let dir: string
  let file: string
  const data = randomBytes(20 * 1024 * 1024 + 123)
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'butler-read-'))
    file = path.join(dir, 'big.bin')
    writeFileSync(file, data)
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('reads the whole file and verifies size and checksum', async () => {
    const buf = await readFileChecked(file, {
      expectedSize: data.length,
      expectedChecksum: digest('blake2b512', data),
    })
    assert.ok(buf.equals(data))
    const sha = await readFileChecked(file, {
      expectedChecksum: digest('sha256', data).toUpperCase(),
      algorithm: 'sha256',
    })
    assert.ok(sha.equals(data))
    assert.ok((await readFileChecked(file)).equals(data))
  })

  it('throws ChecksumError on a size or checksum mismatch', async () => {
    await assert.rejects(readFileChecked(file, { expectedSize: data.length + 1 }), (e) => {
      return e instanceof ChecksumError && e.code === 'checksum' && /bytes/.test(e.message)
    })
    const wrong = digest('blake2b512', Buffer.from('other'))
    await assert.rejects(readFileChecked(file, { expectedChecksum: wrong }), ChecksumError)
    // A size of -1 means "not recorded" in the reference's records.
    assert.equal((await readFileChecked(file, { expectedSize: -1 })).length, data.length)
  })

  it('reads empty files', async () => {
    const empty = path.join(dir, 'empty')
    writeFileSync(empty, '')
    const buf = await readFileChecked(empty, {
      expectedSize: 0,
      expectedChecksum: digest('blake2b512', Buffer.alloc(0)),
    })
    assert.equal(buf.length, 0)
  })
})
