/**
 * Property tests: whatever users type as data IDs, dataset type names or dimension configs, the
 * result is a value or a user error with a code, never a crash.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { DatasetType } from '../../src/datasets/dataset-type.js'
import { DataCoordinate, DimensionUniverse, defaultUniverse } from '../../src/dimensions/index.js'
import { isUserError } from '../../src/errors.js'

const universe = defaultUniverse()
const dims = universe.group(['instrument', 'visit', 'detector'])
const keys = fc.oneof(
  fc.constantFrom(
    'instrument',
    'visit',
    'detector',
    'band',
    'physical_filter',
    'day_obs',
    'exposure',
    'visit_detector_region',
    'tract',
  ),
  fc.string(),
)
const values = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.bigInt(), fc.boolean(), fc.constant(null))

function userErrorOr<T>(fn: () => T): T | undefined {
  try {
    return fn()
  } catch (error) {
    assert.ok(isUserError(error), `not a user error: ${(error as Error).stack}`)
    return undefined
  }
}

describe('user input never crashes the model', () => {
  it('DataCoordinate.standardize gives a data ID or a user error', () => {
    fc.assert(
      fc.property(fc.dictionary(keys, values), fc.boolean(), fc.boolean(), (input, withDims, coerce) => {
        const result = userErrorOr(() =>
          DataCoordinate.standardize(input as never, {
            universe,
            coerce,
            ...(withDims ? { dimensions: dims } : {}),
          }),
        )
        if (result) {
          // A data ID that standardises has a value of the right type for every required dimension.
          for (const d of result.dimensions.required) {
            const v = result.get(d)
            const type = universe.getDimension(d).primaryKey!.type
            assert.equal(typeof v, type === 'int' ? 'number' : 'string')
          }
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('dataset type names are validated, never crash', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (name) => {
        const dt = userErrorOr(() => new DatasetType(name, dims, 'StructuredDataDict'))
        if (dt) assert.match(dt.name, /^[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*)*$/)
      }),
      { numRuns: 2000 },
    )
  })

  it('dimension configs are validated, never crash', () => {
    const element = fc.record(
      {
        keys: fc.array(
          fc.record({ name: fc.string(), type: fc.constantFrom('int', 'string', 'float', 'x') }),
        ),
        requires: fc.array(fc.constantFrom('a', 'b', 'c', 'd')),
        implies: fc.array(fc.constantFrom('a', 'b', 'c', 'd')),
      },
      { requiredKeys: [] },
    )
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), element),
        fc.constantFrom('htm7', 'htm30', 'nope'),
        (elements, common) => {
          userErrorOr(() =>
            DimensionUniverse.fromConfig({ skypix: { common, htm: { class: 'x', max_level: 8 } }, elements }),
          )
        },
      ),
      { numRuns: 1000 },
    )
    fc.assert(
      fc.property(fc.string(), (text) => {
        userErrorOr(() => DimensionUniverse.fromYaml(text))
      }),
      { numRuns: 500 },
    )
  })
})
