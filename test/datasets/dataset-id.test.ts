import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  isUuid,
  makeDatasetId,
  normaliseUuid,
  parseIdGenerationMode,
  uuid3,
  uuid5,
  uuid7,
} from '../../src/datasets/dataset-id.js'

describe('dataset IDs', () => {
  it('reproduces the reference deterministic IDs', () => {
    assert.equal(
      makeDatasetId('DATAID_TYPE', 'raw', { instrument: 'HSC', detector: 10, exposure: 903334 }, 'ignored'),
      'f6cb9ee9-944b-5a34-9cd1-8cd8c9d118ba',
    )
    assert.equal(
      makeDatasetId(
        'DATAID_TYPE_RUN',
        'calexp',
        { instrument: 'HSC', detector: 10, visit: 903334 },
        'HSC/runs/test',
      ),
      '675fdfb7-c550-5d9d-acb5-cdb76693f967',
    )
  })
  it('computes RFC 4122 name-based UUIDs', () => {
    // RFC 4122 / Python uuid docs: uuid5(NAMESPACE_DNS, 'python.org') and uuid3(NAMESPACE_DNS, 'python.org').
    const dns = '6ba7b810-9dad-11d1-80b4-00c04fd430c8'
    assert.equal(uuid5(dns, 'python.org'), '886313e1-3b8a-5372-9b90-0c9aee199e5d')
    assert.equal(uuid3(dns, 'python.org'), '6fa459ea-ee8a-3ca4-894e-db77e160355e')
    assert.equal(uuid5(dns, 'lsst.org'), '840b31d9-05cd-5161-b2c8-00d32b280d0f')
  })
  it('makes unique, time-ordered UUIDv7 values', () => {
    const ids = new Set(Array.from({ length: 10000 }, () => uuid7()))
    assert.equal(ids.size, 10000)
    const id = uuid7(Date.UTC(2026, 0, 1))
    assert.ok(isUuid(id))
    assert.equal(id[14], '7')
    assert.ok('89ab'.includes(id[19]!))
    assert.equal(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16), Date.UTC(2026, 0, 1))
    assert.ok(uuid7(1000) < uuid7(2000))
  })
  it('parses modes and normalises UUIDs', () => {
    assert.equal(parseIdGenerationMode(1), 'DATAID_TYPE')
    assert.equal(parseIdGenerationMode('dataid_type_run'), 'DATAID_TYPE_RUN')
    assert.throws(() => parseIdGenerationMode('X'), { code: 'input' })
    assert.equal(normaliseUuid('{F6CB9EE9944B5A349CD18CD8C9D118BA}'), 'f6cb9ee9-944b-5a34-9cd1-8cd8c9d118ba')
    assert.throws(() => normaliseUuid('nope'), { code: 'input' })
  })
})
