import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  DataCoordinate,
  DimensionRecord,
  DimensionUniverse,
  defaultUniverse,
} from '../../src/dimensions/index.js'
import { readPackageFile } from '../../src/internal/package-files.js'

const u = defaultUniverse()
const calexpDims = u.group(['instrument', 'visit', 'detector'])

describe('DataCoordinate', () => {
  it('standardises plain objects and infers dimensions', () => {
    const d = DataCoordinate.standardize({ instrument: 'HSC', visit: 903334, detector: 16 }, { universe: u })
    assert.equal(d.dimensions, calexpDims)
    assert.deepEqual(d.required, { instrument: 'HSC', detector: 16, visit: 903334 })
    assert.equal(d.hasFull, false)
    assert.equal(d.get('visit'), 903334)
    assert.equal(d.toString(), "{instrument: 'HSC', detector: 16, visit: 903334}")
  })
  it('keeps implied values when all are given', () => {
    const d = DataCoordinate.standardize(
      { instrument: 'HSC', visit: 1, detector: 2, band: 'r', physical_filter: 'HSC-R', day_obs: 20130617 },
      { dimensions: calexpDims },
    )
    assert.ok(d.hasFull)
    assert.equal(d.get('band'), 'r')
  })
  it('compares on required values only', () => {
    const a = DataCoordinate.standardize({ instrument: 'HSC', visit: 1, detector: 2 }, { universe: u })
    const b = DataCoordinate.standardize(
      { instrument: 'HSC', visit: 1, detector: 2, band: 'r', physical_filter: 'HSC-R', day_obs: 1 },
      { dimensions: calexpDims },
    )
    const c = DataCoordinate.standardize({ instrument: 'HSC', visit: 1, detector: 3 }, { universe: u })
    assert.ok(a.equals(b))
    assert.ok(!a.equals(c))
    assert.equal(a.key, b.key)
  })
  it('rejects unknown dimensions, wrong types and missing keys with codes', () => {
    assert.throws(() => DataCoordinate.standardize({ instrument: 'HSC', visitt: 1 }, { universe: u }), {
      code: 'dimension_name',
      message: /Unknown dimension 'visitt'/,
    })
    assert.throws(
      () => DataCoordinate.standardize({ instrument: 'HSC', visit: 'abc', detector: 1 }, { universe: u }),
      {
        code: 'dimension_value',
        message: /'visit' takes an integer value, not string 'abc'/,
      },
    )
    assert.throws(() => DataCoordinate.standardize({ instrument: 1 }, { universe: u }), {
      code: 'dimension_value',
    })
    assert.throws(() => DataCoordinate.standardize({ instrument: 'HSC', visit: 1.5 }, { universe: u }), {
      code: 'dimension_value',
    })
    assert.throws(() => DataCoordinate.standardize({ visit: 1, detector: 2 }, { dimensions: calexpDims }), {
      code: 'dimension_name',
      message: /required dimension 'instrument'/,
    })
    assert.throws(
      () => DataCoordinate.standardize({ instrument: 'HSC', visit_detector_region: 1 }, { universe: u }),
      {
        code: 'dimension_name',
      },
    )
  })
  it('fills governors from defaults and coerces strings when asked', () => {
    const d = DataCoordinate.standardize(
      { visit: '12', detector: '3' },
      { dimensions: calexpDims, defaults: { instrument: 'HSC' }, coerce: true },
    )
    assert.deepEqual(d.required, { instrument: 'HSC', detector: 3, visit: 12 })
  })
  it('expands with records and detects inconsistent implied values', () => {
    const dims = u.group(['instrument', 'visit'])
    const visit = DimensionRecord.fromObject(u.getElement('visit'), {
      instrument: 'HSC',
      id: 1,
      physical_filter: 'HSC-R',
      day_obs: 20130617,
      name: 'v1',
    })
    const filter = DimensionRecord.fromObject(u.getElement('physical_filter'), {
      instrument: 'HSC',
      name: 'HSC-R',
      band: 'r',
    })
    const records = new Map([
      ['visit', visit],
      ['physical_filter', filter],
    ])
    const d = DataCoordinate.standardize({ instrument: 'HSC', visit: 1 }, { dimensions: dims }).expanded(
      records,
    )
    assert.ok(d.hasFull && d.hasRecords)
    assert.equal(d.get('band'), 'r')
    assert.equal(d.get('day_obs'), 20130617)
    assert.equal(d.record('visit')?.get('name'), 'v1')
    assert.equal(d.record('instrument'), null)
    const wrong = DataCoordinate.standardize(
      { instrument: 'HSC', visit: 1, physical_filter: 'HSC-G', band: 'g', day_obs: 20130617 },
      { dimensions: dims },
    )
    assert.throws(() => wrong.expanded(records), { code: 'inconsistent_data_id' })
  })
  it('takes subsets', () => {
    const d = DataCoordinate.standardize(
      { instrument: 'HSC', visit: 1, detector: 2, band: 'r', physical_filter: 'HSC-R', day_obs: 5 },
      { dimensions: calexpDims },
    )
    const s = d.subset(u.group(['physical_filter']))
    assert.deepEqual(s.mapping, { instrument: 'HSC', physical_filter: 'HSC-R', band: 'r' })
  })
})

describe('DimensionRecord', () => {
  it('validates fields', () => {
    const det = u.getElement('detector')
    const r = DimensionRecord.fromObject(det, { instrument: 'HSC', id: 10, full_name: '1_36' })
    assert.equal(r.get('purpose'), null)
    assert.deepEqual(r.dataId, { instrument: 'HSC', detector: 10 })
    assert.throws(() => DimensionRecord.fromObject(det, { instrument: 'HSC' }), {
      code: 'dimension_value',
      message: /Missing value for field 'id'/,
    })
    assert.throws(() => DimensionRecord.fromObject(det, { instrument: 'HSC', id: 'x' }), {
      code: 'dimension_value',
    })
    assert.throws(() => DimensionRecord.fromObject(det, { instrument: 'HSC', id: 1, colour: 'red' }), {
      message: /unknown field 'colour'/,
    })
    assert.throws(
      () =>
        DimensionRecord.fromObject(det, { instrument: 'HSC', id: 1, full_name: 'a', raft: 'x'.repeat(33) }),
      /longer than 32/,
    )
  })
  it('compares equal across two loads of the same universe, not across elements or values', () => {
    const other = DimensionUniverse.fromYaml(readPackageFile('config/dimensions.yaml'), 'again')
    assert.notEqual(other.getElement('detector'), u.getElement('detector'))
    const values = { instrument: 'HSC', id: 10, full_name: '1_36' }
    const a = DimensionRecord.fromObject(u.getElement('detector'), values)
    assert.ok(a.equals(DimensionRecord.fromObject(other.getElement('detector'), values)))
    assert.ok(!a.equals(DimensionRecord.fromObject(u.getElement('detector'), { ...values, full_name: 'x' })))
    assert.ok(!a.equals(DimensionRecord.fromObject(u.getElement('instrument'), { name: 'HSC' })))
  })
})
