/**
 * `butler demo`: the walkthrough end to end, its JSON summary, and the folder rules.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { assertUserError, butler, fileListing, ok, okJson, tempDir } from './helpers.js'

interface DemoSummary {
  ok: boolean
  repository: string
  run: string
  records: Record<string, number>
  datasetTypes: { name: string; storageClass: string }[]
  datasets: { id: string; datasetType: string }[]
  readBack: { checked: number; identical: number }
  uris: Record<string, string>
  parameters: {
    catalogColumns: string[]
    imageSliceShape: number[]
    imageShape: number[]
    catalogRowcount: number
  }
  verify: { problems: unknown[] }
}

describe('butler demo', () => {
  const { dir, cleanup } = tempDir()
  after(cleanup)

  it('walks through every step into ./butler-demo and leaves a working repository', () => {
    const out = ok(dir, ['demo'])
    for (let step = 1; step <= 9; step++) assert.match(out, new RegExp(`\\[${step}/9\\] \\S`))
    assert.match(out, /All 24 datasets read back identical\./)
    assert.match(out, /catalog with columns=\["id","flux"\]: 5 rows x 2 columns \(id, flux\)/)
    assert.match(out, /image with slice=\[2,5\]: rows 2\.\.4 only, shape \[3, 8\]/)
    assert.match(out, /OK: no problems found\./)
    assert.match(out, /Try it yourself:\n {2}butler /)
    assert.ok(existsSync(join(dir, 'butler-demo', 'butler.yaml')))
    // The repository it leaves behind works with the other commands.
    const summary = JSON.parse(
      ok(dir, [
        'get',
        'butler-demo',
        'visit_summary',
        '-c',
        'demo/run1',
        '-d',
        'instrument=DemoCam,visit=1001',
      ]),
    ) as Record<string, unknown>
    assert.equal(summary.target, 'M81')
    assert.equal(okJson<unknown[]>(dir, ['query-datasets', 'butler-demo', '--json']).length, 24)
    assert.equal(butler(dir, ['verify', 'butler-demo', '--checksums']).status, 0)
  })

  it('refuses to reuse a non-empty folder without --force, and changes nothing', () => {
    const before = fileListing(join(dir, 'butler-demo'))
    const r = butler(dir, ['demo'])
    assertUserError(r, 'input')
    assert.match(r.stderr, /--force/)
    assert.deepEqual(fileListing(join(dir, 'butler-demo')), before)
  })

  it('replaces a previous demo with --force and prints a JSON summary', () => {
    const summary = okJson<DemoSummary>(dir, ['demo', '--force', '--json'])
    assert.equal(summary.ok, true)
    assert.equal(summary.repository, join(dir, 'butler-demo'))
    assert.equal(summary.run, 'demo/run1')
    assert.deepEqual(summary.datasetTypes.map((t) => t.storageClass).sort(), [
      'ArrowTable',
      'NumpyArray',
      'StructuredDataDict',
      'StructuredDataList',
      'Text',
    ])
    assert.equal(summary.datasets.length, 24)
    assert.deepEqual(summary.readBack, { checked: 24, identical: 24, different: [] })
    assert.equal(summary.records.visit, 3)
    assert.equal(summary.records.detector, 4)
    assert.ok(Object.values(summary.uris).every((u) => u.startsWith('file:')))
    assert.deepEqual(summary.parameters.catalogColumns, ['id', 'flux'])
    assert.deepEqual(summary.parameters.imageSliceShape, [3, 8])
    assert.deepEqual(summary.parameters.imageShape, [8, 8])
    assert.equal(summary.parameters.catalogRowcount, 5)
    assert.deepEqual(summary.verify.problems, [])
    assert.equal(
      okJson<unknown[]>(dir, ['query-datasets', 'butler-demo', '--json']).length,
      24,
      'old datasets are gone',
    )
  })

  it('accepts an empty folder, and --force never deletes a folder that is not a demo', () => {
    mkdirSync(join(dir, 'empty'))
    assert.equal(okJson<DemoSummary>(dir, ['demo', 'empty', '--json']).ok, true)
    mkdirSync(join(dir, 'precious'))
    writeFileSync(join(dir, 'precious', 'thesis.tex'), 'do not delete')
    assertUserError(butler(dir, ['demo', 'precious', '--force']), 'input')
    assert.deepEqual(Object.keys(fileListing(join(dir, 'precious'))), ['thesis.tex'])
  })
})
