import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { tableFromArrays } from 'apache-arrow'
import { createNdArray, isNdArray, type NdArray } from '../../src/datasets/ndarray.js'
import { StorageClass, StorageClassFactory } from '../../src/datasets/storage-class.js'
import { ReadParameterError, StorageClassError, UnknownComponentError } from '../../src/errors.js'
import { loadDefaultStorageClasses } from '../../src/formatters/default-storage-classes.js'

const factory = loadDefaultStorageClasses()

describe('default storage classes', () => {
  it('define the required classes with their types', () => {
    const types: Record<string, string> = {
      StructuredDataDict: 'object',
      StructuredDataList: 'array',
      Text: 'string',
      Bytes: 'bytes',
      int: 'integer',
      float: 'number',
      NumpyArray: 'ndarray',
      ArrowTable: 'arrow-table',
    }
    for (const [name, type] of Object.entries(types)) assert.equal(factory.get(name).type, type, name)
    assert.deepEqual(factory.get('ArrowTable').parameters, ['columns'])
    assert.deepEqual(Object.keys(factory.get('ArrowTable').derivedComponents), [
      'columns',
      'rowcount',
      'schema',
    ])
    assert.deepEqual(factory.get('NumpyArray').derivedComponents, {
      shape: 'StructuredDataList',
      dtype: 'Text',
    })
  })

  it('check instances by runtime type', () => {
    const is = (name: string, value: unknown) => factory.get(name).isInstance(value)
    assert.ok(is('StructuredDataDict', { a: 1 }) && is('StructuredDataDict', Object.create(null)))
    assert.ok(
      !is('StructuredDataDict', [1]) &&
        !is('StructuredDataDict', null) &&
        !is('StructuredDataDict', new Map()),
    )
    assert.ok(is('StructuredDataList', []) && !is('StructuredDataList', 'abc'))
    assert.ok(is('Text', '') && !is('Text', 1))
    assert.ok(
      is('Bytes', new Uint8Array(2)) && is('Bytes', Buffer.from('x')) && !is('Bytes', new Int8Array(2)),
    )
    assert.ok(is('int', 3) && !is('int', 3.5) && !is('int', '3') && !is('int', 3n))
    assert.ok(is('float', 3.5) && is('float', Number.NaN) && !is('float', '3.5'))
    assert.ok(is('NumpyArray', createNdArray([1, 2])) && !is('NumpyArray', new Float64Array(2)))
    assert.ok(is('ArrowTable', tableFromArrays({ a: [1] })) && !is('ArrowTable', { a: [1] }))
    assert.ok(is('ArrowSchema', tableFromArrays({ a: [1] }).schema))
  })

  it('inherit type, parameters and components', () => {
    const thumb = factory.get('Thumbnail')
    assert.equal(thumb.type, 'ndarray')
    assert.equal(thumb.inheritsFrom, 'NumpyArray')
    assert.deepEqual(thumb.parameters, ['slice'])
    assert.deepEqual(thumb.derivedComponents, factory.get('NumpyArray').derivedComponents)
  })
})

describe('StorageClass', () => {
  const numpy = factory.get('NumpyArray')
  const arrow = factory.get('ArrowTable')

  it('validates read parameter names', () => {
    numpy.validateParameters({ slice: [0, 1] })
    numpy.validateParameters(undefined)
    assert.throws(
      () => numpy.validateParameters({ slice: [0, 1], bbox: 3 }),
      (e: Error) => {
        assert.ok(e instanceof ReadParameterError)
        assert.match(e.message, /'NumpyArray'.*bbox.*accepted: slice/)
        return true
      },
    )
    assert.throws(() => factory.get('int').validateParameters({ x: 1 }), /accepted: none/)
  })

  it('computes derived components and rejects unknown ones', () => {
    const array = createNdArray(new Int16Array(6), [2, 3])
    assert.deepEqual(numpy.getComponent(array, 'shape'), [2, 3])
    assert.equal(numpy.getComponent(array, 'dtype'), 'int16')
    const table = tableFromArrays({ a: [1, 2, 3], b: ['x', 'y', 'z'] })
    assert.deepEqual(arrow.getComponent(table, 'columns'), ['a', 'b'])
    assert.equal(arrow.getComponent(table, 'rowcount'), 3)
    assert.equal(arrow.getComponent(table, 'schema'), table.schema)
    assert.throws(() => arrow.getComponent(table, 'wcs'), UnknownComponentError)
    assert.throws(() => arrow.getComponent({}, 'rowcount'), StorageClassError)
  })

  it('gets components of plain objects by getter or property', () => {
    const sc = new StorageClass({
      name: 'Exposure',
      type: 'object',
      components: { image: 'NumpyArray', wcs: 'Text' },
    })
    assert.ok(sc.isComposite())
    assert.equal(sc.getComponent({ image: 1, wcs: 'w' }, 'wcs'), 'w')
  })

  it('applies read parameters in memory without copying', () => {
    const array = createNdArray(
      Float64Array.from({ length: 12 }, (_, i) => i),
      [4, 3],
    )
    const sliced = numpy.handleParameters(array, { slice: [1, -1] }) as NdArray
    assert.deepEqual(sliced.shape, [2, 3])
    assert.deepEqual([...(sliced.data as Float64Array)], [3, 4, 5, 6, 7, 8])
    assert.equal(sliced.data.buffer, array.data.buffer)
    assert.equal(numpy.handleParameters(array, {}), array)
    assert.throws(
      () => numpy.handleParameters(createNdArray(new Float64Array(1), []), { slice: [0, 1] }),
      ReadParameterError,
    )
    const table = tableFromArrays({ a: [1], b: [2], c: [3] })
    const projected = arrow.handleParameters(table, { columns: ['c', 'a'] }) as typeof table
    assert.deepEqual(
      projected.schema.fields.map((f) => f.name),
      ['c', 'a'],
    )
    assert.throws(() => arrow.handleParameters(table, { columns: ['z'] }), /Unknown column\(s\) 'z'/)
    assert.throws(() => arrow.handleParameters(table, { columns: [1] }), ReadParameterError)
  })
})

describe('StorageClassFactory', () => {
  it('names the unknown class in get()', () => {
    assert.throws(
      () => factory.get('NoSuchClass'),
      (e: Error) => e instanceof StorageClassError && /'NoSuchClass'/.test(e.message),
    )
    assert.ok(factory.has('Text') && !factory.has('NoSuchClass'))
    assert.ok(factory.names().includes('NumpyArray'))
  })

  it('loads YAML with or without the storageClasses key, in any order, ignoring reference-only keys', () => {
    const f = StorageClassFactory.fromYaml(`
Child:
  inheritsFrom: Parent
  parameters: [b]
Parent:
  type: object
  pytype: dict
  parameters: [a]
`)
    assert.deepEqual(f.get('Child').parameters, ['a', 'b'])
    assert.equal(f.get('Child').type, 'object')
    assert.ok(StorageClassFactory.fromYaml('storageClasses:\n  T: { type: string }\n').has('T'))
  })

  it('rejects bad definitions', () => {
    const bad = [
      'A: { type: dataframe }',
      'A: { inheritsFrom: A }',
      'A: { inheritsFrom: B }\nB: { inheritsFrom: A }',
      'A: { doc: no type }',
      'A: { type: object, color: red }',
      'A: { type: object, components: { x: Missing } }',
      'A: { type: object, parameters: slice }',
      'A: [1, 2',
    ]
    for (const text of bad) assert.throws(() => StorageClassFactory.fromYaml(text), StorageClassError, text)
  })

  it('registers idempotently and refuses conflicting redefinitions', () => {
    const f = StorageClassFactory.fromYaml('T: { type: string }')
    f.register(new StorageClass({ name: 'T', type: 'string', doc: 'other doc' }))
    assert.throws(
      () => f.register(new StorageClass({ name: 'T', type: 'bytes' })),
      /already defined differently/,
    )
    assert.throws(() => f.addFromYaml('T: { type: string, parameters: [x] }'), StorageClassError)
  })
})

describe('NdArray', () => {
  it('creates arrays and checks their consistency', () => {
    assert.deepEqual(createNdArray([true, false]), {
      dtype: 'bool',
      shape: [2],
      data: Uint8Array.from([1, 0]),
    })
    assert.equal(createNdArray([1, 2, 3, 4], [2, 2]).dtype, 'float64')
    assert.equal(createNdArray(new BigUint64Array(2)).dtype, 'uint64')
    assert.throws(() => createNdArray(new Float32Array(5), [2, 2]), /holds 4 elements but the data has 5/)
    assert.throws(() => createNdArray(new Float32Array(4), [2, -2]), StorageClassError)
    assert.ok(isNdArray({ dtype: 'bool', shape: [1], data: new Uint8Array(1) }))
    assert.ok(!isNdArray({ dtype: 'int32', shape: [1], data: new Uint32Array(1) }))
    assert.ok(!isNdArray({ dtype: 'complex128', shape: [1], data: new Float64Array(2) }))
    assert.ok(!isNdArray({ dtype: 'float64', shape: [3], data: new Float64Array(2) }))
  })
})
