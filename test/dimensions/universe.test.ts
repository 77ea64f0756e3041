import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { DimensionUniverse, defaultUniverse } from '../../src/dimensions/index.js'
import { ConfigError } from '../../src/errors.js'
import { fixture, fixturesSkip } from '../fixtures.js'

describe('DimensionUniverse', () => {
  for (let v = 0; v <= 8; v++) {
    it(`loads the reference config version ${v}`, { skip: fixturesSkip() }, () => {
      const u = DimensionUniverse.fromYaml(
        readFileSync(fixture('dimensions', `dimensions-v${v}.yaml`), 'utf8'),
      )
      assert.equal(u.version, v)
      assert.equal(u.namespace, 'daf_butler')
      assert.ok(u.getDimension('instrument').isGovernor)
      assert.ok(u.getDimension('skymap').isGovernor)
      assert.ok(u.has('htm7'))
      assert.equal(u.getDimension('band').impliedUnionTarget, 'physical_filter')
    })
  }

  it('ships a default config with the same model as reference version 8', { skip: fixturesSkip() }, () => {
    const ours = defaultUniverse()
    const ref = DimensionUniverse.fromYaml(readFileSync(fixture('dimensions', 'dimensions-v8.yaml'), 'utf8'))
    assert.equal(ours.version, 8)
    assert.deepEqual(
      ours.elements.map((e) => e.name),
      ref.elements.map((e) => e.name),
    )
    for (const e of ref.elements) {
      const o = ours.getElement(e.name)
      const strip = (
        fields: readonly {
          name: string
          type: string
          length?: number
          nbytes?: number
          role: string
          nullable: boolean
        }[],
      ) => fields.map((f) => [f.name, f.type, f.length, f.nbytes, f.role, f.nullable])
      assert.deepEqual(strip(o.fields), strip(e.fields), e.name)
      assert.deepEqual(o.required, e.required, e.name)
      assert.deepEqual(o.implied, e.implied, e.name)
      assert.equal(o.isGovernor, e.isGovernor, e.name)
      assert.equal(o.isCached, e.isCached, e.name)
      assert.equal(o.alwaysJoin, e.alwaysJoin, e.name)
      assert.equal(o.populatedBy, e.populatedBy, e.name)
      assert.equal(o.impliedUnionTarget, e.impliedUnionTarget, e.name)
      assert.equal(o.spatialFamily, e.spatialFamily, e.name)
      assert.equal(o.temporalFamily, e.temporalFamily, e.name)
    }
    assert.deepEqual(ours.spatialFamilies, ref.spatialFamilies)
    assert.deepEqual(ours.temporalFamilies, ref.temporalFamilies)
    assert.deepEqual(ours.toConfig().packers, ref.toConfig().packers)
    assert.equal(ours.commonSkyPix, 'htm7')
  })

  it('orders elements in topological rounds with ties by name', () => {
    const names = defaultUniverse()
      .elements.map((e) => e.name)
      .filter((n) => !/^(htm|healpix)\d+$/.test(n))
    assert.deepEqual(names, [
      'band',
      'instrument',
      'skymap',
      'ssp_hypothesis_table',
      'day_obs',
      'detector',
      'group',
      'physical_filter',
      'ssp_balanced_index',
      'ssp_hypothesis_bundle',
      'subfilter',
      'tract',
      'visit_system',
      'exposure',
      'patch',
      'visit',
      'visit_definition',
      'visit_detector_region',
      'visit_system_membership',
    ])
  })

  it('expands requires transitively', () => {
    const u = defaultUniverse()
    assert.deepEqual(u.getElement('patch').required, ['skymap', 'tract', 'patch'])
    assert.deepEqual(u.getElement('visit_detector_region').required, ['instrument', 'detector', 'visit'])
    assert.deepEqual(
      u.getElement('visit').fields.map((f) => f.name),
      [
        'instrument',
        'id',
        'day_obs',
        'physical_filter',
        'name',
        'seq_num',
        'exposure_time',
        'target_name',
        'observation_reason',
        'science_program',
        'azimuth',
        'zenith_angle',
        'region',
        'timespan',
      ],
    )
  })

  it('rejects broken configs with a ConfigError', () => {
    assert.throws(() => DimensionUniverse.fromYaml('elements: [1, 2'), ConfigError)
    assert.throws(
      () =>
        DimensionUniverse.fromYaml(
          'skypix: {common: htm7}\nelements: {a: {keys: [{name: id, type: int}], requires: [b]}}',
        ),
      /unknown element 'b'/,
    )
    assert.throws(
      () =>
        DimensionUniverse.fromYaml(
          'skypix: {common: htm7, htm: {class: x, max_level: 8}}\nelements: {a: {keys: [{name: id, type: int}], requires: [b]}, b: {keys: [{name: id, type: int}], requires: [a]}}',
        ),
      /cycle/,
    )
    assert.throws(
      () => DimensionUniverse.fromYaml('skypix: {common: htm9, htm: {class: x, max_level: 8}}\nelements: {}'),
      /htm9/,
    )
    assert.throws(
      () =>
        DimensionUniverse.fromYaml(
          'skypix: {common: htm7}\nelements: {a: {keys: [{name: id, type: complex}]}}',
        ),
      ConfigError,
    )
  })
})

describe('DimensionGroup', () => {
  const u = defaultUniverse()
  it('splits required and implied dimensions', () => {
    const g = u.group(['instrument', 'visit', 'detector'])
    assert.deepEqual(g.names, ['band', 'instrument', 'day_obs', 'detector', 'physical_filter', 'visit'])
    assert.deepEqual(g.required, ['instrument', 'detector', 'visit'])
    assert.deepEqual(g.implied, ['band', 'day_obs', 'physical_filter'])
    assert.deepEqual(g.governors, ['instrument'])
    assert.ok(g.elements.some((e) => e.name === 'visit_detector_region'))
    assert.deepEqual(g.spatialFamilies, ['observation_regions'])
    assert.deepEqual(g.temporalFamilies, ['observation_timespans'])
  })
  it('interns groups and supports set operations', () => {
    const a = u.group(['visit'])
    assert.equal(a, u.group(['instrument', 'visit']))
    const b = u.group(['tract'])
    const ab = a.union(b)
    assert.ok(ab.has('skymap') && ab.has('visit'))
    assert.ok(a.isSubsetOf(ab))
    assert.equal(ab.intersection(a), a)
    assert.deepEqual(u.group(['band']).required, ['band'])
    assert.deepEqual(u.group(['physical_filter']).required, ['instrument', 'physical_filter'])
  })
  it('rejects unknown names', () => {
    assert.throws(() => u.group(['visitt']), { code: 'dimension_name' })
    assert.throws(() => u.group(['visit_detector_region']), { code: 'dimension_name' })
  })
})
