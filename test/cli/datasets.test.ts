/**
 * Dataset types and datasets through the CLI: register/query dataset types, put and get every
 * storage class from and to files, read parameters, and bad input that must change nothing.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { tableFromArrays } from 'apache-arrow'
import { parse as parseYaml } from 'yaml'
import { createNdArray, isNdArray } from '../../src/datasets/ndarray.js'
import { loadDefaultStorageClasses } from '../../src/formatters/default-storage-classes.js'
import { FitsFormatter } from '../../src/formatters/fits-formatter.js'
import { NpyFormatter } from '../../src/formatters/npy-formatter.js'
import { ParquetFormatter } from '../../src/formatters/parquet-formatter.js'
import { Exposure, Image, MaskedImage } from '../../src/images/index.js'
import { assertUserError, butler, makeRepo, ok, okJson, snapshot, tempDir, writeText } from './helpers.js'

const V1 = 'instrument=HSC,visit=903334'
const V2 = 'instrument=HSC,visit=903336'
const storageClasses = loadDefaultStorageClasses()

interface RefJson {
  id: string
  run: string
  datasetType: { name: string; storageClass: string }
  dataId: { dataId: Record<string, unknown> }
}

/** A row of `query-datasets --json`. */
interface DatasetJson {
  id: string
  run: string
  datasetType: string
  dataId: Record<string, unknown>
  uri?: string
}

async function npyBytes(): Promise<Buffer> {
  const array = createNdArray(Float64Array.from([1, 2, 3, 4, 5, 6]), [2, 3])
  const chunks = await new NpyFormatter().toBytes(array, {
    storageClass: storageClasses.get('NumpyArray'),
    writeParameters: {},
  })
  return Buffer.concat(chunks)
}

async function parquetBytes(): Promise<Buffer> {
  const table = tableFromArrays({ a: Int32Array.from([1, 2, 3]), b: Float64Array.from([0.5, 1.5, 2.5]) })
  const chunks = await new ParquetFormatter().toBytes(table, {
    storageClass: storageClasses.get('ArrowTable'),
    writeParameters: {},
  })
  return Buffer.concat(chunks)
}

describe('butler dataset types', () => {
  const { dir, cleanup } = tempDir()
  let repo = ''
  before(() => {
    repo = makeRepo(dir)
  })
  after(cleanup)

  it('lists dataset types, all or by glob, plain, verbose and JSON', () => {
    assert.deepEqual(
      ok(dir, ['query-dataset-types', repo])
        .split('\n')
        .slice(2)
        .filter((l) => l !== ''),
      ['blob', 'ids', 'image', 'notes', 'summary', 'table'],
    )
    const verbose = ok(dir, ['query-dataset-types', repo, 'im*', 'sum?ary', '-v'])
    assert.match(verbose, /image\s+instrument, detector, visit\s+NumpyArray\s+no/)
    assert.match(verbose, /summary\s+instrument, visit\s+StructuredDataDict\s+no/)
    assert.doesNotMatch(verbose, /table/)
    const json = okJson<{ name: string; storageClass: string }[]>(dir, [
      'query-dataset-types',
      repo,
      'table',
      '--json',
    ])
    assert.deepEqual(
      json.map((t) => [t.name, t.storageClass]),
      [['table', 'ArrowTable']],
    )
  })

  it('registers a calibration type, and an identical definition again as a no-op', () => {
    assert.match(
      ok(dir, [
        'register-dataset-type',
        repo,
        'flat',
        'NumpyArray',
        'instrument',
        'detector',
        '--is-calibration',
      ]),
      /Registered/,
    )
    assert.match(
      ok(dir, [
        'register-dataset-type',
        repo,
        'flat',
        'NumpyArray',
        'instrument',
        'detector',
        '--is-calibration',
      ]),
      /already registered/,
    )
    const [flat] = okJson<{ isCalibration?: boolean }[]>(dir, ['query-dataset-types', repo, 'flat', '--json'])
    assert.equal(flat?.isCalibration, true)
  })

  const bad: [string, string[], string][] = [
    [
      'a conflicting definition',
      ['summary', 'StructuredDataList', 'instrument', 'visit'],
      'conflicting_definition',
    ],
    ['an unknown storage class', ['x1', 'NoSuchClass', 'instrument'], 'storage_class'],
    ['an unknown dimension', ['x2', 'Text', 'instrument', 'colour'], 'dimension_name'],
    ['an invalid name', ['9lives', 'Text'], 'dataset_type'],
  ]
  for (const [what, args, code] of bad) {
    it(`refuses ${what} and changes nothing`, () => {
      const before = snapshot(dir, repo)
      assertUserError(butler(dir, ['register-dataset-type', repo, ...args]), code)
      assert.deepEqual(snapshot(dir, repo), before)
    })
  }
})

describe('butler put and get', () => {
  const { dir, cleanup } = tempDir()
  let repo = ''
  const put = (...args: string[]) => okJson<RefJson>(dir, ['put', repo, ...args, '--json'])
  const get = (...args: string[]) => ok(dir, ['get', repo, ...args])
  before(async () => {
    repo = makeRepo(dir)
    writeFileSync(join(dir, 'image.npy'), await npyBytes())
    writeFileSync(join(dir, 'table.parquet'), await parquetBytes())
  })
  after(cleanup)

  it('stores and reads a dict from JSON and YAML', () => {
    const value = { target: 'M31', seeing: 0.7, tags: ['a', 'b'], nested: { ok: true } }
    writeText(dir, 'summary.json', JSON.stringify(value))
    const ref = put('summary', 'summary.json', '--run', 'run1', '-d', V1)
    assert.equal(ref.run, 'run1')
    assert.equal(ref.datasetType.name, 'summary')
    assert.deepEqual(
      JSON.parse(get('summary', '-c', 'run1', '-d', 'instrument=HSC', '-d', 'visit=903334')),
      value,
    )
    writeText(dir, 'summary.yaml', 'target: M33\nseeing: 0.9\n')
    const text = ok(dir, ['put', repo, 'summary', 'summary.yaml', '--run', 'run1', '--data-id', V2])
    assert.match(
      text,
      /^Stored summary \{instrument=HSC, visit=903336.*\} in run run1\n {2}id: [0-9a-f-]{36}\n$/,
    )
    ok(dir, ['get', repo, 'summary', '-c', 'run1', '-d', V2, '-o', 'out.yaml'])
    assert.deepEqual(parseYaml(readFileSync(join(dir, 'out.yaml'), 'utf8')), { target: 'M33', seeing: 0.9 })
  })

  it('stores a list, text and bytes', () => {
    writeText(dir, 'ids.json', '[3, 1, 2]')
    put('ids', 'ids.json', '--run', 'run1', '-d', V1)
    assert.deepEqual(JSON.parse(get('ids', '-c', 'run1', '-d', V1)), [3, 1, 2])
    const notes = 'First line.\nSecond line: {"not": "parsed"}\n'
    writeText(dir, 'notes.json', notes)
    put('notes', 'notes.json', '--run', 'run1', '-d', V1)
    assert.equal(get('notes', '-c', 'run1', '-d', V1), notes)
    const bytes = Buffer.from([0, 1, 2, 250, 255, 10, 13])
    writeFileSync(join(dir, 'blob.bin'), bytes)
    put('blob', 'blob.bin', '--run', 'run1', '-d', `${V1},detector=10`)
    const raw = butler(dir, ['get', repo, 'blob', '-c', 'run1', '-d', `${V1},detector=10`])
    assert.equal(raw.status, 0)
    assert.deepEqual(Buffer.from(raw.stdout, 'latin1').length > 0, true)
    ok(dir, ['get', repo, 'blob', '-c', 'run1', '-d', `${V1},detector=10`, '-o', 'blob-out.bin'])
    assert.deepEqual(readFileSync(join(dir, 'blob-out.bin')), bytes)
  })

  it('stores a NumPy array from .npy and reads it whole, sliced and as a component', async () => {
    const ref = put('image', 'image.npy', '--run', 'run1', '-d', `${V1},detector=11`)
    const dataId = `${V1},detector=11`
    assert.deepEqual(JSON.parse(get('image', '-c', 'run1', '-d', dataId)), {
      dtype: 'float64',
      shape: [2, 3],
      data: [1, 2, 3, 4, 5, 6],
    })
    assert.deepEqual(JSON.parse(get('image', '-c', 'run1', '-d', dataId, '-p', 'slice=[1,2]')), {
      dtype: 'float64',
      shape: [1, 3],
      data: [4, 5, 6],
    })
    assert.deepEqual(JSON.parse(get('image.shape', '-c', 'run1', '-d', dataId)), [2, 3])
    ok(dir, ['get', repo, 'image', '-c', 'run1', '-d', dataId, '-o', 'image-out.npy'])
    const decoded = await new NpyFormatter().fromBytes(readFileSync(join(dir, 'image-out.npy')), {
      storageClass: storageClasses.get('NumpyArray'),
      readParameters: {},
    })
    assert.ok(isNdArray(decoded.value))
    assert.deepEqual(Array.from(decoded.value.data as Float64Array), [1, 2, 3, 4, 5, 6])
    const [found] = okJson<DatasetJson[]>(dir, [
      'query-datasets',
      repo,
      'image',
      '-c',
      'run1',
      '--show-uri',
      '--json',
    ])
    assert.equal(found?.id, ref.id)
    assert.match(found?.uri ?? '', /^file:.*\.npy$/)
    assert.ok(fileURLToPath(found!.uri!).startsWith(join(dir, repo)))
  })

  it('stores an Arrow table from .parquet and reads columns', async () => {
    put('table', 'table.parquet', '--run', 'run1', '-d', V1)
    assert.deepEqual(JSON.parse(get('table', '-c', 'run1', '-d', V1, '-p', 'columns=["b"]')), [
      { b: 0.5 },
      { b: 1.5 },
      { b: 2.5 },
    ])
    assert.equal(get('table.rowcount', '-c', 'run1', '-d', V1).trim(), '3')
    ok(dir, ['get', repo, 'table', '-c', 'run1', '-d', V1, '-o', 'table-out.parquet'])
    const decoded = await new ParquetFormatter().fromBytes(readFileSync(join(dir, 'table-out.parquet')), {
      storageClass: storageClasses.get('ArrowTable'),
      readParameters: {},
    })
    assert.equal((decoded.value as { numRows: number }).numRows, 3)
  })

  it('puts rows from JSON into an ArrowTable type and reads them back in another storage class', () => {
    writeText(
      dir,
      'rows.json',
      JSON.stringify([
        { ra: 10.5, name: 'a' },
        { ra: 11.5, name: 'b' },
      ]),
    )
    put('table', 'rows.json', '--run', 'run1', '-d', V2)
    const rows = JSON.parse(get('table', '-c', 'run1', '-d', V2, '--storage-class', 'ArrowRows'))
    assert.deepEqual(rows, [
      { ra: 10.5, name: 'a' },
      { ra: 11.5, name: 'b' },
    ])
    assertUserError(
      butler(dir, ['get', repo, 'table', '-c', 'run1', '-d', V2, '--storage-class', 'NumpyArray']),
      'storage_class_conversion',
    )
  })

  it('stores an Exposure from a .fits file, prints a description and writes FITS back', async () => {
    ok(dir, ['register-dataset-type', repo, 'calexp', 'ExposureF', 'instrument', 'visit'])
    const exposure = new Exposure(
      new MaskedImage(
        new Image(
          createNdArray(
            Float32Array.from({ length: 12 }, (_, i) => i),
            [3, 4],
          ),
          10,
          20,
        ),
      ),
      { filter: 'r' },
    )
    const fits = await new FitsFormatter().toBytes(exposure, {
      storageClass: storageClasses.get('ExposureF'),
      writeParameters: {},
    })
    writeFileSync(join(dir, 'calexp.fits'), Buffer.concat(fits))
    put('calexp', 'calexp.fits', '--run', 'run1', '-d', V1)
    const described = JSON.parse(get('calexp', '-c', 'run1', '-d', V1))
    assert.equal(described.type, 'Exposure')
    assert.deepEqual(described.bbox, { x0: 10, y0: 20, width: 4, height: 3 })
    assert.match(described.pixels, /-o FILE\.fits/)
    const box = 'bbox={"x0":11,"y0":21,"width":2,"height":2}'
    ok(dir, ['get', repo, 'calexp', '-c', 'run1', '-d', V1, '-p', box, '-o', 'cut.fits'])
    const cut = (
      await new FitsFormatter().fromBytes(readFileSync(join(dir, 'cut.fits')), {
        storageClass: storageClasses.get('ExposureF'),
        readParameters: {},
      })
    ).value as Exposure
    assert.deepEqual(Array.from(cut.image.array.data as Float32Array), [5, 6, 9, 10])
    assert.equal(cut.filter, 'r')
  })

  it('finds datasets with query-datasets and query-collections', () => {
    const refs = okJson<DatasetJson[]>(dir, ['query-datasets', repo, '-c', 'run1', '--json'])
    assert.deepEqual([...new Set(refs.map((r) => r.datasetType))].sort(), [
      'blob',
      'calexp',
      'ids',
      'image',
      'notes',
      'summary',
      'table',
    ])
    const v2 = okJson<DatasetJson[]>(dir, ['query-datasets', repo, 'sum*', '-d', 'visit=903336', '--json'])
    assert.deepEqual(
      v2.map((r) => r.dataId.visit),
      [903336],
    )
    assert.deepEqual(okJson(dir, ['query-collections', repo, '--json']), [
      { name: 'run1', type: 'RUN', doc: '' },
    ])
  })

  describe('bad put input changes nothing', () => {
    const cases: [string, string[], string][] = [
      ['an unknown dimension', ['summary', 'summary.json', '-d', `${V1},colour=red`], 'dimension_name'],
      [
        'a wrong value type',
        ['summary', 'summary.json', '-d', 'instrument=HSC,visit=abc'],
        'dimension_value',
      ],
      ['a missing required key', ['summary', 'summary.json', '-d', 'instrument=HSC'], 'dimension_name'],
      [
        'an unknown data ID value',
        ['summary', 'summary.json', '-d', 'instrument=HSC,visit=1'],
        'data_id_value',
      ],
      [
        'a data ID value containing ../',
        ['summary', 'summary.json', '-d', 'instrument=../../etc,visit=903334'],
        'data_id_value',
      ],
      [
        'an integer data ID value containing ../',
        ['summary', 'summary.json', '-d', 'instrument=HSC,visit=../1'],
        'dimension_value',
      ],
      ['an unknown dataset type', ['no_such_type', 'summary.json', '-d', V1], 'missing_dataset_type'],
      ['a JSON list for a StructuredDataDict', ['summary', 'ids.json', '-d', V1], 'storage_class'],
      ['a NumPy array for an ArrowTable', ['table', 'image.npy', '-d', V2], 'storage_class'],
      ['a YAML dict for a NumpyArray', ['image', 'summary.yaml', '-d', `${V2},detector=10`], 'storage_class'],
      ['an unreadable extension', ['summary', 'blob.bin', '-d', V1], 'input'],
      ['invalid JSON', ['summary', 'broken.json', '-d', V1], 'input'],
      ['a missing file', ['summary', 'no-such-file.json', '-d', V1], 'input'],
      [
        'a dataset that exists already in the run',
        ['summary', 'summary.json', '-d', V1],
        'conflicting_definition',
      ],
    ]
    for (const [what, args, code] of cases) {
      it(what, () => {
        writeText(dir, 'broken.json', '{"a": ')
        const before = snapshot(dir, repo)
        assertUserError(butler(dir, ['put', repo, ...args, '--run', 'run1']), code)
        assert.deepEqual(snapshot(dir, repo), before)
        if (code !== 'conflicting_definition') {
          // A new run named in a failed put must not be left behind either.
          assertUserError(butler(dir, ['put', repo, ...args, '--run', 'run2']), code)
          assert.deepEqual(snapshot(dir, repo), before)
        }
      })
    }

    it('a run name containing ../ writes nothing outside the repository', () => {
      const outside = readdirSync(dir).sort()
      const r = butler(dir, ['put', repo, 'summary', 'summary.json', '--run', '../../escaped', '-d', V2])
      assert.deepEqual(readdirSync(dir).sort(), outside)
      if (r.status === 0) {
        const [ref] = okJson<DatasetJson[]>(dir, [
          'query-datasets',
          repo,
          'summary',
          '-c',
          '../../escaped',
          '--show-uri',
          '--json',
        ])
        assert.ok(fileURLToPath(ref!.uri!).startsWith(join(dir, repo, '')), ref?.uri)
      } else assert.equal(r.status, 1)
    })
  })

  describe('bad get input', () => {
    const cases: [string, string[], string][] = [
      ['an unknown dataset type', ['nope', '-c', 'run1', '-d', V1], 'missing_dataset_type'],
      [
        'a dataset that is not there',
        ['summary', '-c', 'run1', '-d', 'instrument=HSC,visit=42'],
        'dataset_not_found',
      ],
      ['a missing collection', ['summary', '-c', 'no_such_run', '-d', V1], 'missing_collection'],
      ['an unknown column', ['table', '-c', 'run1', '-d', V1, '-p', 'columns=["zz"]'], 'read_parameter'],
      [
        'an unknown read parameter',
        ['summary', '-c', 'run1', '-d', V1, '-p', 'slice=[0,1]'],
        'read_parameter',
      ],
      ['an unknown component', ['image.nope', '-c', 'run1', '-d', `${V1},detector=11`], 'unknown_component'],
      [
        'an output format that does not fit',
        ['image', '-c', 'run1', '-d', `${V1},detector=11`, '-o', 'x.txt'],
        'input',
      ],
    ]
    for (const [what, args, code] of cases) {
      it(what, () => {
        const before = snapshot(dir, repo)
        assertUserError(butler(dir, ['get', repo, ...args]), code)
        assert.deepEqual(snapshot(dir, repo), before)
      })
    }
  })
})
