import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { tableFromArrays } from 'apache-arrow'
import { DatasetProvenance } from '../../src/datasets/provenance.js'
import { MemoryByteSource } from '../../src/formatters/byte-source.js'
import { readParquetKeyValueMetadata } from '../../src/formatters/parquet-formatter.js'
import { Image } from '../../src/images/index.js'
import { createNdArray, DatasetType, type DirectButler, openButler } from '../../src/index.js'
import { createTestRepository, DATABASES } from '../support/databases.js'
import { insertCameraRecords } from '../support/records.js'

const db = DATABASES[0]!

describe('DirectButler: storage class conversions on get and put', () => {
  let base: string
  let butler: DirectButler
  const dataId = { instrument: 'HSC', visit: 903334, detector: 16 }
  const other = { instrument: 'HSC', visit: 903334, detector: 17 }

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'butler-convert-'))
    const repo = join(base, 'repo')
    await createTestRepository(db, repo)
    butler = await openButler(repo, { run: 'u/test/run1' })
    await insertCameraRecords(butler, {
      detectors: [
        { id: 16, full_name: '1_36' },
        { id: 17, full_name: '1_37' },
      ],
    })
    const dims = butler.universe.group(['instrument', 'visit', 'detector'])
    await butler.registerDatasetType(new DatasetType('catalog', dims, 'ArrowTable'))
    await butler.registerDatasetType(new DatasetType('rows', dims, 'ArrowRows'))
    await butler.registerDatasetType(new DatasetType('pixels', dims, 'NumpyArray'))
    await butler.registerDatasetType(new DatasetType('meta', dims, 'StructuredDataDict'))
  })

  after(async () => {
    await butler.close()
    await rm(base, { recursive: true, force: true })
  })

  it('reads an ArrowTable as rows and as columns, with the columns parameter', async () => {
    const table = tableFromArrays({
      id: Int32Array.from([1, 2, 3]),
      flux: Float64Array.from([1.5, 2.5, 3.5]),
      band: ['g', 'r', 'i'],
    })
    await butler.put(table, 'catalog', dataId)
    const rows = await butler.get('catalog', dataId, { storageClass: 'ArrowRows' })
    assert.deepEqual(rows, [
      { id: 1, flux: 1.5, band: 'g' },
      { id: 2, flux: 2.5, band: 'r' },
      { id: 3, flux: 3.5, band: 'i' },
    ])
    const columns = (await butler.get('catalog', dataId, {
      storageClass: 'ArrowColumns',
      parameters: { columns: ['flux', 'id'] },
    })) as Record<string, unknown>
    assert.deepEqual(Object.keys(columns), ['flux', 'id'])
    assert.ok(columns.id instanceof Int32Array)
    assert.deepEqual([...(columns.flux as Float64Array)], [1.5, 2.5, 3.5])
    // A derived component, converted too: the row count as it is.
    assert.equal(await butler.get('catalog.rowcount', dataId), 3)
  })

  it('puts rows into an ArrowTable dataset type, and stores an ArrowRows type as Parquet', async () => {
    await butler.put(
      [
        { a: 1, b: 'x' },
        { a: 2, b: 'y' },
      ],
      'catalog',
      other,
    )
    const table = (await butler.get('catalog', other)) as {
      numRows: number
      schema: { fields: { name: string }[] }
    }
    assert.equal(table.numRows, 2)
    assert.deepEqual(
      table.schema.fields.map((f) => f.name),
      ['a', 'b'],
    )
    const ref = await butler.put([{ ra: 10.5, dec: -3.25 }], 'rows', dataId)
    assert.match(await butler.getURI(ref), /\.parq$/)
    assert.deepEqual(await butler.get(ref), [{ ra: 10.5, dec: -3.25 }])
    const asTable = (await butler.get(ref, undefined, { storageClass: 'ArrowTable' })) as { numRows: number }
    assert.equal(asTable.numRows, 1)
  })

  it('reads an array as an Image and puts an Image as an array', async () => {
    const array = createNdArray(
      Float32Array.from({ length: 6 }, (_, i) => i),
      [2, 3],
    )
    await butler.put(array, 'pixels', dataId)
    const image = (await butler.get('pixels', dataId, { storageClass: 'Image' })) as Image
    assert.ok(image instanceof Image)
    assert.equal(image.width, 3)
    assert.equal(image.height, 2)
    assert.equal(image.get(2, 1), 5)
    await butler.put(new Image(createNdArray(Int16Array.from([7, 8]), [1, 2]), 5, 5), 'pixels', other)
    const back = (await butler.get('pixels', other)) as { shape: number[]; dtype: string }
    assert.deepEqual(back.shape, [1, 2])
    assert.equal(back.dtype, 'int16')
  })

  it('embeds provenance in the Parquet file it writes', async () => {
    const input = await butler.put({ raw: true }, 'meta', dataId)
    const provenance = new DatasetProvenance({ task: 'makeCatalog' }).addInput(input)
    const ref = await butler.put(tableFromArrays({ x: Float64Array.from([1, 2]) }), 'catalog', dataId, {
      run: 'u/test/prov',
      provenance,
    })
    const file = fileURLToPath(await butler.getURI(ref))
    const metadata = await readParquetKeyValueMetadata(new MemoryByteSource(readFileSync(file), file))
    assert.equal(metadata.get('lsst.butler.id'), ref.id)
    assert.equal(metadata.get('lsst.butler.run'), 'u/test/prov')
    assert.equal(metadata.get('lsst.butler.task'), 'makeCatalog')
    assert.equal(metadata.get('lsst.butler.input.0.id'), input.id)
    const table = (await butler.get(ref)) as { schema: { metadata: Map<string, string> } }
    assert.equal(table.schema.metadata.get('lsst.butler.input.0.id'), input.id)
    assert.ok((await butler.getProvenance(ref))?.equals(provenance))
  })

  it('refuses impossible conversions and wrong objects with codes', async () => {
    await assert.rejects(butler.get('pixels', dataId, { storageClass: 'ArrowRows' }), {
      code: 'storage_class_conversion',
    })
    await assert.rejects(butler.get('pixels', dataId, { storageClass: 'NoSuchClass' }), {
      code: 'storage_class',
    })
    await assert.rejects(butler.put({ not: 'a table' }, 'catalog', dataId, { run: 'u/test/run2' }), {
      code: 'storage_class',
    })
    await assert.rejects(butler.put([{ a: 1 }, 'x'], 'catalog', dataId, { run: 'u/test/run3' }), {
      code: 'storage_class_conversion',
    })
  })
})
