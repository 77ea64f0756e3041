import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DATASET_ID_NAMESPACE, uuid5 } from '../../src/datasets/dataset-id.js'
import { DatasetRef } from '../../src/datasets/dataset-ref.js'
import { DatasetType } from '../../src/datasets/dataset-type.js'
import { dropZipsInUse } from '../../src/datastore/artifact-upkeep.js'
import {
  readArtifactChecked,
  readZipMember,
  splitZipPath,
  zipEntries,
  zipFileOf,
  zipMemberPath,
} from '../../src/datastore/file/zip-member.js'
import { DataCoordinate } from '../../src/dimensions/data-coordinate.js'
import { defaultUniverse } from '../../src/dimensions/default-universe.js'
import {
  buildZipIndex,
  parseZipIndex,
  refsOfZipIndex,
  ZIP_INDEX_NAME,
  type ZipIndex,
  zipFileName,
} from '../../src/transfers/zip-index.js'
import { writeArtifactZip } from '../../src/transfers/zip-write.js'

const universe = defaultUniverse()
const type = new DatasetType(
  'meta',
  universe.group(['instrument', 'visit', 'detector']),
  'StructuredDataDict',
)
const ID1 = '0190f3a8-0000-7000-8000-000000000001'
const ID2 = '0190f3a8-0000-7000-8000-000000000002'
const ref = (id: string, detector: number) =>
  new DatasetRef(
    type,
    DataCoordinate.standardize({ instrument: 'HSC', visit: 1, detector }, { dimensions: type.dimensions }),
    'run/a',
    id,
  )

function sampleIndex(): ZipIndex {
  const info = (member: string, size: number) => ({
    path: member,
    formatter: 'JsonFormatter',
    storage_class: 'StructuredDataDict',
    component: null,
    checksum: null,
    file_size: size,
  })
  return buildZipIndex(
    universe,
    [ref(ID1, 1), ref(ID2, 2)],
    [
      { member: `${ID1}-a.json`, ids: [ID1], info: info(`${ID1}-a.json`, 7) },
      { member: `${ID2}-b.json`, ids: [ID2], info: info(`${ID2}-b.json`, 9) },
    ],
  )
}

describe('zip index', () => {
  it('names zips by uuid5 of the sorted member names', () => {
    const name = zipFileName(['b', 'a'])
    assert.equal(name, `${uuid5(DATASET_ID_NAMESPACE, 'a,b')}.zip`)
    assert.equal(zipFileName(['a', 'b']), name)
    assert.notEqual(zipFileName(['a', 'c']), name)
  })

  it('round-trips through JSON and rebuilds the refs', () => {
    const index = sampleIndex()
    assert.equal(index.index_version, 'V1')
    assert.equal(index.refs.container_version, 'V1')
    assert.deepEqual([...index.refs.dataset_types.meta!.dimensions].sort(), [
      'detector',
      'instrument',
      'visit',
    ])
    assert.deepEqual(index.refs.compact_refs[ID1], {
      dataset_type_name: 'meta',
      run: 'run/a',
      data_id: { instrument: 'HSC', detector: 1, visit: 1 },
    })
    const parsed = parseZipIndex(JSON.stringify(index))
    assert.deepEqual(parsed, index)
    const refs = refsOfZipIndex(parsed, universe)
    assert.ok(refs[0]!.equals(ref(ID1, 1)))
    assert.ok(refs[1]!.equals(ref(ID2, 2)))
  })

  it('rejects malformed indexes with a message naming the problem', () => {
    const index = sampleIndex()
    const bad = (mutate: (i: ZipIndex & Record<string, unknown>) => void, pattern: RegExp) => {
      const copy = structuredClone(index) as ZipIndex & Record<string, unknown>
      mutate(copy)
      assert.throws(
        () => parseZipIndex(JSON.stringify(copy)),
        (e: Error & { code?: string }) => e.code === 'input' && pattern.test(e.message),
      )
    }
    assert.throws(() => parseZipIndex('{nope'), /not valid JSON/)
    bad((i) => {
      ;(i as Record<string, unknown>).index_version = 'V9'
    }, /index_version/)
    bad((i) => {
      i.artifact_map[`${ID1}-a.json`]!.ids = ['0190f3a8-0000-7000-8000-0000000000ff']
    }, /not in compact_refs/)
    bad((i) => {
      delete i.artifact_map[`${ID2}-b.json`]
    }, /has no artifact/)
    bad((i) => {
      i.artifact_map['../escape.json'] = i.artifact_map[`${ID1}-a.json`]!
      delete i.artifact_map[`${ID1}-a.json`]
    }, /not an acceptable member name/)
    bad((i) => {
      i.refs.compact_refs[ID1]!.dataset_type_name = 'other'
    }, /not listed/)
  })
})

describe('zip members', () => {
  let dir: string
  let zip: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'butler-zip-'))
    const big = Buffer.alloc(300_000, 'x')
    await writeFile(join(dir, 'a.json'), '{"a":1}')
    await writeArtifactZip(
      join(dir, 'out.zip'),
      [
        { member: `${ID1}-a.json`, file: join(dir, 'a.json') },
        { member: `${ID2}-b.json`, file: big },
      ],
      sampleIndex(),
    )
    zip = join(dir, 'out.zip')
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('reads single members through the central directory', async () => {
    const entries = await zipEntries(zip)
    assert.deepEqual([...entries.keys()].sort(), [`${ID1}-a.json`, `${ID2}-b.json`, ZIP_INDEX_NAME].sort())
    assert.equal((await readZipMember(zip, `${ID1}-a.json`)).toString(), '{"a":1}')
    assert.equal((await readZipMember(zip, `${ID2}-b.json`)).length, 300_000)
    const index = parseZipIndex((await readZipMember(zip, ZIP_INDEX_NAME)).toString())
    assert.equal(Object.keys(index.artifact_map).length, 2)
    await assert.rejects(readZipMember(zip, 'missing.json'), /no member 'missing.json'/)
  })

  it('checks sizes and checksums of members', async () => {
    const path = zipMemberPath('zips/ab/out.zip', `${ID1}-a.json`)
    assert.equal((await readArtifactChecked(zip, path, { expectedSize: 7 })).toString(), '{"a":1}')
    await assert.rejects(
      readArtifactChecked(zip, path, { expectedSize: 8 }),
      (e: Error & { code?: string }) => {
        return e.code === 'checksum'
      },
    )
    await assert.rejects(readArtifactChecked(zip, path, { expectedChecksum: 'ab' }), /checksum/)
  })

  it('splits record paths', () => {
    const p = zipMemberPath('zips/ab12/x.zip', 'm.json')
    assert.equal(p, 'zips/ab12/x.zip#zip-path=m.json')
    assert.deepEqual(splitZipPath(p), { zip: 'zips/ab12/x.zip', member: 'm.json' })
    assert.equal(splitZipPath('a/b.json'), undefined)
    assert.equal(zipFileOf(p), 'zips/ab12/x.zip')
    assert.equal(zipFileOf('a/b.json'), 'a/b.json')
  })

  it('keeps a zip while another of its members is still recorded', async () => {
    const rel = 'zips/ab/out.zip'
    const m1 = zipMemberPath(rel, `${ID1}-a.json`)
    const m2 = zipMemberPath(rel, `${ID2}-b.json`)
    const absolute = (p: string) => (p === rel ? zip : join(dir, p))
    const members = async (p: string) => [...(await zipEntries(absolute(p))).keys()]
    const live = new Set([m2])
    const inUse = async (paths: readonly string[]) => new Set(paths.filter((p) => live.has(p)))
    assert.deepEqual(await dropZipsInUse([m1, 'plain/file.json'], inUse, members), ['plain/file.json'])
    live.clear()
    assert.deepEqual(await dropZipsInUse([m1, m2], inUse, members), [rel])
  })

  it('rejects a file that is not a zip', async () => {
    const junk = join(dir, 'junk.zip')
    await writeFile(junk, 'not a zip at all')
    await assert.rejects(zipEntries(junk), /not a readable zip/)
  })
})
