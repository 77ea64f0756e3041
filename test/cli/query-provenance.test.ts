/**
 * `butler query-provenance`: a repository with raw → postISRCCD → calexp provenance written through
 * the library, then the command by type and data ID or by UUID, as a table and as JSON, limited in
 * depth, `--derived`, and its user and usage errors.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ProvenanceGraph } from '../../src/datasets/provenance.js'
import { DatasetProvenance } from '../../src/datasets/provenance.js'
import { createRepository, type DatasetRef, DatasetType, openButler } from '../../src/index.js'
import { insertCameraRecords } from '../support/records.js'
import { assertUsageError, assertUserError, butler, ok, okJson, tempDir } from './helpers.js'

const REPO = 'repo'
const lines = (text: string) => text.split('\n').filter((l) => l !== '')

describe('butler query-provenance', () => {
  const { dir, cleanup } = tempDir()
  let raw: DatasetRef
  let post: DatasetRef
  let calexp: DatasetRef
  const dataId = ['-d', 'instrument=HSC,visit=903334,detector=16']

  before(async () => {
    await createRepository(join(dir, REPO))
    const b = await openButler(join(dir, REPO), { run: 'u/me/proc' })
    try {
      await insertCameraRecords(b, { detectors: [16], visits: [903334] })
      const group = b.universe.group(['instrument', 'visit', 'detector'])
      for (const name of ['raw', 'postISRCCD', 'calexp']) {
        await b.registerDatasetType(new DatasetType(name, group, 'StructuredDataDict'))
      }
      const d = { instrument: 'HSC', visit: 903334, detector: 16 }
      raw = await b.put({ v: 1 }, 'raw', d, { run: 'HSC/raw/all' })
      post = await b.put({ v: 2 }, 'postISRCCD', d, {
        provenance: new DatasetProvenance({ task: 'isr' }).addInput(raw),
      })
      calexp = await b.put({ v: 3 }, 'calexp', d, {
        provenance: new DatasetProvenance({ task: 'calibrate' })
          .addInput(post)
          .addInput(raw)
          .addInput({ id: '0190c5a2-7d4e-7b7a-9f3e-2b1c4d5e6f70', run: 'refcats', datasetType: 'refcat' }),
      })
    } finally {
      await b.close()
    }
  })
  after(cleanup)

  it('prints the ancestors as a tree, and as JSON', () => {
    const table = lines(ok(dir, ['query-provenance', REPO, 'calexp', '-c', 'u/me/proc', ...dataId]))
    assert.match(table[0]!, /^dataset type\s+run\s+id\s+data ID\s+task$/)
    const rows = table.slice(2)
    assert.equal(rows.length, 5)
    assert.match(
      rows[0]!,
      new RegExp(
        `^calexp\\s+u/me/proc\\s+${calexp.id}\\s+instrument=HSC, detector=16, visit=903334\\s+calibrate$`,
      ),
    )
    assert.match(rows[1]!, new RegExp(`^  postISRCCD\\s+u/me/proc\\s+${post.id}\\s.*isr$`))
    assert.match(rows[2]!, new RegExp(`^    raw\\s+HSC/raw/all\\s+${raw.id}\\s.*\\s-$`))
    // Reached a second time: shown once more, without its inputs.
    assert.match(rows[3]!, new RegExp(`^  raw\\s+HSC/raw/all\\s+${raw.id}\\s.*\\(shown above\\)$`))
    assert.match(rows[4]!, /^ {2}refcat\s+refcats\s+\S+\s+\(not in this repository\)\s+-$/)

    const graph = okJson<ProvenanceGraph>(dir, [
      'query-provenance',
      REPO,
      '--id',
      calexp.id,
      '--format',
      'json',
    ])
    assert.equal(graph.root, calexp.id)
    assert.deepEqual(
      graph.nodes.map((n) => n.datasetType),
      ['calexp', 'postISRCCD', 'raw', 'refcat'],
    )
    assert.equal(graph.edges.length, 4)
    assert.equal(graph.truncated, false)
  })

  it('limits the depth and lists what was made from a dataset', () => {
    const shallow = ok(dir, ['query-provenance', REPO, '--id', calexp.id.toUpperCase(), '--depth', '1'])
    assert.match(shallow, /Inputs deeper than 1 level\(s\) are not shown/)
    assert.equal(lines(shallow).filter((l) => /^ {4}raw/.test(l)).length, 0)
    const json = okJson<ProvenanceGraph>(dir, [
      'query-provenance',
      REPO,
      '--id',
      calexp.id,
      '--depth',
      '0',
      '--json',
    ])
    assert.equal(json.nodes.length, 1)
    assert.equal(json.truncated, true)

    const derived = lines(
      ok(dir, ['query-provenance', REPO, 'raw', '-c', 'HSC/raw/all', ...dataId, '--derived']),
    )
    assert.match(derived[0]!, /^dataset type\s+run\s+id\s+data ID$/)
    assert.deepEqual(
      derived.slice(2).map((l) => l.split(/\s+/)[0]),
      ['calexp', 'postISRCCD'],
    )
    const none = ok(dir, ['query-provenance', REPO, '--id', calexp.id, '--derived'])
    assert.match(none, /No datasets were made from it/)
    const raws = lines(ok(dir, ['query-provenance', REPO, '--id', raw.id]))
    assert.equal(raws.length, 3, 'a raw alone')
  })

  it('reports user errors in one line and usage errors with exit 2', () => {
    assertUserError(butler(dir, ['query-provenance', REPO]), 'input')
    assertUserError(butler(dir, ['query-provenance', REPO, 'calexp', ...dataId]), 'input')
    assertUserError(butler(dir, ['query-provenance', REPO, 'calexp', '--id', calexp.id]), 'input')
    assertUserError(butler(dir, ['query-provenance', REPO, '--id', 'nope']), 'input')
    assertUserError(
      butler(dir, ['query-provenance', REPO, '--id', '0190c5a2-7d4e-7b7a-9f3e-2b1c4d5e6f71']),
      'dataset_not_found',
    )
    assertUserError(
      butler(dir, [
        'query-provenance',
        REPO,
        'calexp',
        '-c',
        'u/me/proc',
        '-d',
        'instrument=HSC,visit=903334,detector=17',
      ]),
      'dataset_not_found',
    )
    assertUserError(
      butler(dir, ['query-provenance', REPO, 'calexp', '-c', 'nowhere', ...dataId]),
      'missing_collection',
    )
    assertUserError(
      butler(dir, ['query-provenance', REPO, 'nothing', '-c', 'u/me/proc', ...dataId]),
      'missing_dataset_type',
    )
    assertUserError(
      butler(dir, ['query-provenance', REPO, '--id', raw.id, '--derived', '--depth', '1']),
      'input',
    )
    assertUsageError(
      butler(dir, ['query-provenance', REPO, '--id', raw.id, '--depth', 'two']),
      /not a non-negative integer/,
    )
    assertUsageError(
      butler(dir, ['query-provenance', REPO, '--id', raw.id, '--format', 'csv']),
      /Allowed choices/,
    )
    assert.match(ok(dir, ['--help']), /\n {2}query-provenance .*\S/)
    const help = ok(dir, ['query-provenance', '--help'])
    assert.match(help, /--depth <N>/)
    assert.match(help, /Examples:/)
  })
})
