import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FormatterError, StorageClassError } from '../../src/errors.js'
import { loadDefaultStorageClasses } from '../../src/formatters/default-storage-classes.js'
import { JsonFormatter } from '../../src/formatters/json-formatter.js'

const storageClasses = loadDefaultStorageClasses()
const json = new JsonFormatter()
const encoder = new TextEncoder()
const decoder = new TextDecoder()

async function roundTrip(
  value: unknown,
  storageClassName: string,
  writeParameters: Record<string, unknown> = {},
) {
  const storageClass = storageClasses.get(storageClassName)
  const chunks = await json.toBytes(value, { storageClass, writeParameters })
  assert.equal(chunks.length, 1)
  const { value: back, appliedParameters } = await json.fromBytes(chunks[0]!, {
    storageClass,
    readParameters: {},
  })
  assert.deepEqual(appliedParameters, [])
  return { back, text: decoder.decode(chunks[0]) }
}

describe('JsonFormatter', () => {
  it('round-trips dicts, lists, text, int and float', async () => {
    const dict = { a: 1, b: [true, null, 'x'], c: { d: 2.5, 'e f': 'ü€' } }
    assert.deepEqual((await roundTrip(dict, 'StructuredDataDict')).back, dict)
    assert.deepEqual((await roundTrip([1, 'two', { three: 3 }], 'StructuredDataList')).back, [
      1,
      'two',
      { three: 3 },
    ])
    assert.equal((await roundTrip('hello "world"', 'Text')).back, 'hello "world"')
    const int = await roundTrip(42, 'int')
    assert.equal(int.back, 42)
    assert.equal(int.text, '42')
    assert.equal((await roundTrip(-0.125, 'float')).back, -0.125)
  })

  it('writes non-finite scalar floats the way Python does and reads them back', async () => {
    for (const [value, text] of [
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      [Number.NEGATIVE_INFINITY, '-Infinity'],
    ] as const) {
      const result = await roundTrip(value, 'float')
      assert.equal(result.text, text)
      assert.ok(Object.is(result.back, value))
    }
  })

  it('refuses nested non-finite numbers and bigints instead of losing them', async () => {
    const storageClass = storageClasses.get('StructuredDataDict')
    await assert.rejects(
      json.toBytes({ x: Number.NaN }, { storageClass, writeParameters: {} }),
      /non-finite.*'x'/,
    )
    await assert.rejects(json.toBytes({ y: 1n }, { storageClass, writeParameters: {} }), FormatterError)
  })

  it('pretty-prints with the indent write parameter and rejects unknown write parameters', async () => {
    assert.equal((await roundTrip({ a: 1 }, 'StructuredDataDict', { indent: 2 })).text, '{\n  "a": 1\n}')
    const storageClass = storageClasses.get('StructuredDataDict')
    await assert.rejects(
      json.toBytes({}, { storageClass, writeParameters: { compression: 'gzip' } }),
      /compression/,
    )
  })

  it('rejects objects of the wrong type on write, naming expected and actual types', async () => {
    const cases: [unknown, string, RegExp][] = [
      [[1, 2], 'StructuredDataDict', /array.*plain object/],
      [1.5, 'int', /number.*integer/],
      [{ a: 1 }, 'StructuredDataList', /object.*an array/],
      [new Date(), 'StructuredDataDict', /Date/],
    ]
    for (const [value, name, message] of cases) {
      await assert.rejects(
        json.toBytes(value, { storageClass: storageClasses.get(name), writeParameters: {} }),
        (e: Error) => {
          assert.ok(e instanceof StorageClassError, `${name}: ${e}`)
          assert.match(e.message, message)
          return true
        },
      )
    }
    const bytes = storageClasses.get('Bytes')
    await assert.rejects(
      json.toBytes(new Uint8Array(1), { storageClass: bytes, writeParameters: {} }),
      /cannot write storage class 'Bytes'/,
    )
  })

  it('reports corrupt input and content of the wrong type as FormatterError', async () => {
    const dict = storageClasses.get('StructuredDataDict')
    const read = (text: string | Uint8Array, storageClass = dict) =>
      json.fromBytes(typeof text === 'string' ? encoder.encode(text) : text, {
        storageClass,
        readParameters: {},
        location: 'run/a.json',
      })
    await assert.rejects(
      read('{"a": 1'),
      (e: Error) => e instanceof FormatterError && /run\/a\.json.*invalid JSON/.test(e.message),
    )
    await assert.rejects(read(new Uint8Array([0x7b, 0xff, 0x7d])), /not valid UTF-8/)
    await assert.rejects(read('[1, 2]'), /holds array, not a plain object/)
    await assert.rejects(read('2.5', storageClasses.get('int')), FormatterError)
    await assert.rejects(read('NaN'), FormatterError)
  })
})
