import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { DEFAULT_FILE_TEMPLATES, FileTemplate } from '../../../src/datastore/file/file-template.js'
import { isStrictlyInside, joinInside, resolveInside } from '../../../src/datastore/file/safe-path.js'
import { PathEscapeError } from '../../../src/errors.js'

const isEscape = (e: unknown): boolean => e instanceof PathEscapeError && e.code === 'path_escape'

describe('resolveInside', () => {
  let base: string
  let root: string
  let outside: string
  before(() => {
    base = mkdtempSync(path.join(os.tmpdir(), 'butler-safe-path-'))
    root = path.join(base, 'root')
    outside = path.join(base, 'outside')
    mkdirSync(path.join(root, 'a', 'b'), { recursive: true })
    mkdirSync(outside)
    symlinkSync(outside, path.join(root, 'evil'))
    symlinkSync(path.join(root, 'a'), path.join(root, 'alias'))
    symlinkSync(path.join(outside, 'target.txt'), path.join(root, 'a', 'link.txt'))
    writeFileSync(path.join(root, 'a', 'file'), 'x')
  })
  after(() => rmSync(base, { recursive: true, force: true }))

  it('joins and normalises paths inside the root', () => {
    assert.equal(resolveInside(root, 'a/b/c.json'), path.join(root, 'a', 'b', 'c.json'))
    assert.equal(resolveInside(root, 'a//b/./c'), path.join(root, 'a', 'b', 'c'))
    assert.equal(resolveInside(root, 'a/../x/y'), path.join(root, 'x', 'y'))
    assert.equal(
      resolveInside(root, 'new/dirs/that/do/not/exist'),
      path.join(root, 'new/dirs/that/do/not/exist'),
    )
    assert.equal(resolveInside(`${root}/`, 'a'), path.join(root, 'a'))
  })

  it('rejects .., absolute paths, NUL bytes, empty paths and the root itself', () => {
    for (const bad of ['..', '../x', 'a/../../x', '/etc/passwd', 'a\0b', '', '.', 'a/..', './', '\\x']) {
      assert.throws(() => resolveInside(root, bad), isEscape, JSON.stringify(bad))
    }
    // A sibling whose name starts with the root's name is not inside it.
    assert.throws(() => resolveInside(root, '../root2/x'), isEscape)
  })

  it('rejects paths through a symlinked directory that leaves the root', () => {
    assert.throws(() => resolveInside(root, 'evil/x.json'), isEscape)
    assert.throws(() => resolveInside(root, 'evil/deeper/still/x.json'), isEscape)
    // Lexically fine, so joinInside alone does not see it.
    assert.equal(joinInside(root, 'evil/x.json'), path.join(root, 'evil', 'x.json'))
  })

  it('allows symlinks that stay inside, and a symlinked final component', () => {
    assert.equal(resolveInside(root, 'alias/b/x'), path.join(root, 'alias', 'b', 'x'))
    assert.equal(resolveInside(root, 'a/link.txt'), path.join(root, 'a', 'link.txt'))
  })

  it('works when a parent is a file or the root does not exist yet', () => {
    assert.equal(resolveInside(root, 'a/file/x'), path.join(root, 'a', 'file', 'x'))
    const missing = path.join(base, 'not-yet')
    assert.equal(resolveInside(missing, 'x/y'), path.join(missing, 'x', 'y'))
    assert.throws(() => resolveInside(missing, '../x'), isEscape)
  })

  it('isStrictlyInside compares whole segments', () => {
    assert.equal(isStrictlyInside('/r', '/r/a'), true)
    assert.equal(isStrictlyInside('/r', '/r'), false)
    assert.equal(isStrictlyInside('/r', '/r2/a'), false)
    assert.equal(isStrictlyInside('/r', '/r/..a'), true)
  })

  it('property: any relative string either stays strictly inside or is refused', () => {
    const segment = fc.constantFrom('..', '.', '', 'a', '/', '\0', 'é', '..a', 'evil')
    const relative = fc.oneof(
      fc.string(),
      fc.array(segment, { maxLength: 8 }).map((s) => s.join('/')),
    )
    fc.assert(
      fc.property(relative, (rel) => {
        try {
          const p = resolveInside(root, rel)
          assert.ok(isStrictlyInside(root, p), p)
          assert.ok(!p.includes('\0'))
        } catch (error) {
          assert.ok(isEscape(error), String(error))
        }
      }),
      { numRuns: 2000 },
    )
  })
})

describe('templates and confinement together', () => {
  const root = path.join(os.tmpdir(), 'butler-template-root-never-created')
  const nasty = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.constantFrom('..', '.', '../../etc', '/', '/abs', '\0', 'a/../..', '...', '#.#', 'é/ü', '', ' '),
    fc.array(fc.constantFrom('..', '/', '.', 'x', '\0', '\\'), { maxLength: 6 }).map((a) => a.join('')),
  )
  const templates = [
    DEFAULT_FILE_TEMPLATES.default!,
    DEFAULT_FILE_TEMPLATES['physical_filter+detector+exposure']!,
    '{run:/}/{datasetType}/{visit}/{detector:/}/{band}',
    '{run}/{visit:?}/{band:?}/{detector}',
  ].map((t) => new FileTemplate(t))

  it('property: data ID values and runs never yield .. segments or a path outside the root', () => {
    fc.assert(
      fc.property(
        nasty,
        nasty,
        nasty,
        nasty,
        nasty,
        fc.nat(3),
        (run, visit, band, detector, obsId, which) => {
          const ctx = {
            run: `r${run}`,
            datasetType: 'calexp',
            id: '8d3f2c1e-0000-4000-8000-000000000001',
            dataId: {
              instrument: 'X',
              visit,
              band,
              detector,
              exposure: 1,
              physical_filter: band,
              day_obs: 20240101,
            },
            records: {
              exposure: { obs_id: obsId },
              detector: { full_name: detector },
              visit: { day_obs: visit },
            },
          }
          const rel = templates[which]!.format(ctx)
          assert.ok(!rel.startsWith('/'), rel)
          assert.ok(!rel.includes('\0'), rel)
          for (const seg of rel.split('/')) assert.ok(seg !== '..' && seg !== '.' && seg !== '', rel)
          const abs = resolveInside(root, rel)
          assert.ok(isStrictlyInside(root, abs))
        },
      ),
      { numRuns: 3000 },
    )
  })
})
