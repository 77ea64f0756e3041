/**
 * `DatasetProvenance` and its flattened form: inputs and extras checked as they are added, the
 * reference's flat keys, `maxInputs`, upper-cased FITS-style keys read back, and the wire form.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DatasetRef } from '../../src/datasets/dataset-ref.js'
import { DatasetType } from '../../src/datasets/dataset-type.js'
import {
  DatasetProvenance,
  flattenProvenance,
  parseFlatProvenance,
  stripFlatProvenance,
} from '../../src/datasets/provenance.js'
import { DataCoordinate } from '../../src/dimensions/data-coordinate.js'
import { defaultUniverse } from '../../src/dimensions/default-universe.js'
import { InputError } from '../../src/errors.js'

const universe = defaultUniverse()
const group = universe.group(['instrument', 'visit', 'detector'])
const calexpType = new DatasetType('calexp', group, 'StructuredDataDict')
const rawType = new DatasetType('raw', group, 'StructuredDataDict')
const dataId = DataCoordinate.standardize({ instrument: 'HSC', visit: 903334, detector: 16 }, { universe })
const ID = '675fdfb7-c550-5d9d-acb5-cdb76693f967'
const RAW1 = '0190c5a2-7d4e-7b7a-9f3e-2b1c4d5e6f70'
const RAW2 = '0190c5a2-7d4e-7b7a-9f3e-2b1c4d5e6f71'
const QUANTUM = '0190c5a2-7d4e-7b7a-9f3e-2b1c4d5e6f72'
const calexp = new DatasetRef(calexpType, dataId, 'HSC/runs/test', ID)
const raw1 = new DatasetRef(rawType, dataId, 'HSC/raw/all', RAW1)

function sample(): DatasetProvenance {
  return new DatasetProvenance({ task: 'calibrate', quantumId: QUANTUM, extras: { attempt: 2, clean: true } })
    .addInput(raw1, { used: 'all' })
    .addInput({ id: RAW2, run: 'HSC/raw/all', datasetType: 'raw' })
}

describe('DatasetProvenance', () => {
  it('keeps inputs once, in order, with merged extras; component refs count as their parent', () => {
    const p = sample()
    p.addInput(raw1.makeComponentRef('wcs', 'StructuredDataDict'), { pass: 1 })
    assert.deepEqual(
      p.inputs.map((i) => [i.id, i.datasetType]),
      [
        [RAW1, 'raw'],
        [RAW2, 'raw'],
      ],
    )
    assert.deepEqual(p.inputExtras.get(RAW1), { used: 'all', pass: 1 })
    assert.equal(p.isEmpty, false)
    assert.equal(new DatasetProvenance().isEmpty, true)
  })

  it('refuses what is not a resolved input, and bad extras, task and quantum', () => {
    const p = new DatasetProvenance()
    assert.throws(() => p.addInput({ id: 'not-a-uuid', run: 'r', datasetType: 'raw' }), InputError)
    assert.throws(() => p.addInput({ id: RAW1, run: '', datasetType: 'raw' }), InputError)
    assert.throws(() => p.addInput({ id: RAW1, run: 'r' } as never), InputError)
    assert.throws(() => p.addInput(null as never), InputError)
    assert.throws(
      () => p.addInput({ id: RAW1, run: 'r', datasetType: '1bad' }),
      /not a valid dataset type name/,
    )
    assert.throws(() => p.addInput(raw1, { id: 'x' }), /reserved/)
    assert.throws(() => p.setExtras({ CamelCase: 1 }), /lowercase/)
    assert.throws(() => p.setExtras({ x: Number.NaN }), /finite number/)
    assert.throws(() => p.setExtras({ x: {} as never }), InputError)
    assert.throws(() => p.addInputExtras(RAW2, { a: 1 }), /not an input/)
    assert.throws(() => new DatasetProvenance({ quantumId: 'q' }), /not a UUID/)
    assert.throws(() => new DatasetProvenance({ task: '' }), /task label/)
    assert.equal(p.inputs.length, 0, 'nothing half-added')
    // UUIDs are normalised to lowercase.
    p.addInput({ id: RAW1.toUpperCase(), run: 'r', datasetType: 'raw' })
    assert.equal(p.inputs[0]!.id, RAW1)
  })

  it('round-trips through JSON and compares by content', () => {
    const p = sample()
    const json = JSON.parse(JSON.stringify(p))
    assert.deepEqual(json, {
      inputs: [
        { id: RAW1, run: 'HSC/raw/all', datasetType: 'raw', extras: { used: 'all' } },
        { id: RAW2, run: 'HSC/raw/all', datasetType: 'raw' },
      ],
      task: 'calibrate',
      quantumId: QUANTUM,
      extras: { attempt: 2, clean: true },
    })
    const back = DatasetProvenance.fromJSON(json)
    assert.ok(back.equals(p))
    assert.ok(!back.equals(sample().setExtras({ attempt: 3 })))
    assert.throws(() => DatasetProvenance.fromJSON({ inputs: [], bogus: 1 }), /unknown field 'bogus'/)
    assert.throws(() => DatasetProvenance.fromJSON({ inputs: [{ id: RAW1 }] }), /input 0 run/)
    assert.throws(() => DatasetProvenance.fromJSON([]), InputError)
  })
})

describe('flattened provenance', () => {
  it('writes the reference keys', () => {
    assert.deepEqual(flattenProvenance(calexp, sample()), {
      id: ID,
      run: 'HSC/runs/test',
      datasettype: 'calexp',
      'dataid.instrument': 'HSC',
      'dataid.detector': 16,
      'dataid.visit': 903334,
      task: 'calibrate',
      quantum: QUANTUM,
      'extra.attempt': 2,
      'extra.clean': 'true',
      n_inputs: 2,
      'input.0.id': RAW1,
      'input.0.run': 'HSC/raw/all',
      'input.0.datasettype': 'raw',
      'input.0.used': 'all',
      'input.1.id': RAW2,
      'input.1.run': 'HSC/raw/all',
      'input.1.datasettype': 'raw',
    })
    // Without provenance: the dataset's own identity and no inputs.
    assert.deepEqual(Object.keys(flattenProvenance(calexp, undefined)), [
      'id',
      'run',
      'datasettype',
      'dataid.instrument',
      'dataid.detector',
      'dataid.visit',
      'n_inputs',
    ])
  })

  it('leaves inputs out beyond maxInputs, and upper-cases with a capital prefix', () => {
    const flat = flattenProvenance(calexp, sample(), { prefix: 'LSST BUTLER', sep: ' ', maxInputs: 1 })
    assert.equal(flat['LSST BUTLER N_INPUTS'], 2)
    assert.equal(flat['LSST BUTLER DATAID VISIT'], 903334)
    assert.ok(!Object.keys(flat).some((k) => k.includes('INPUT 0')))
    const lower = flattenProvenance(calexp, sample(), { prefix: 'lsst.butler' })
    assert.equal(lower['lsst.butler.input.1.id'], RAW2)
    assert.throws(() => flattenProvenance(calexp, sample(), { maxInputs: -1 }), InputError)
  })

  it('reads back FITS-style keys and Parquet-style keys', () => {
    const fits = flattenProvenance(calexp, sample(), { prefix: 'LSST BUTLER', sep: ' ' })
    // A header reader may hand back values as it parsed them, beside unrelated keys.
    const header = { ...fits, SIMPLE: true, 'LSST OTHER': 'x' }
    const parsed = parseFlatProvenance(header, { prefix: 'LSST BUTLER', sep: ' ' })
    assert.deepEqual(parsed, {
      id: ID,
      run: 'HSC/runs/test',
      datasetType: 'calexp',
      dataId: { instrument: 'HSC', detector: 16, visit: 903334 },
      task: 'calibrate',
      quantumId: QUANTUM,
      extras: { attempt: 2, clean: 'true' },
      nInputs: 2,
      inputs: [
        { id: RAW1, run: 'HSC/raw/all', datasetType: 'raw', extras: { used: 'all' } },
        { id: RAW2, run: 'HSC/raw/all', datasetType: 'raw', extras: {} },
      ],
    })
    const parquet = flattenProvenance(calexp, sample(), { prefix: 'lsst.butler' })
    // Parquet metadata values are strings.
    const strings = Object.fromEntries(Object.entries(parquet).map(([k, v]) => [k, String(v)]))
    const back = parseFlatProvenance(strings, { prefix: 'lsst.butler' })
    assert.equal(back.nInputs, 2)
    assert.equal(back.inputs[1]!.id, RAW2)
    assert.equal(back.dataId.visit, '903334')
    const few = parseFlatProvenance(flattenProvenance(calexp, sample(), { maxInputs: 0 }))
    assert.equal(few.nInputs, 2)
    assert.deepEqual(few.inputs, [])
  })

  it('rejects damaged flattened values with InputError', () => {
    const flat = flattenProvenance(calexp, sample())
    assert.throws(() => parseFlatProvenance({ ...flat, id: 'nonsense' }), /not a UUID/)
    assert.throws(() => parseFlatProvenance({ ...flat, n_inputs: 1 }), /input 1 but n_inputs is 1/)
    assert.throws(() => parseFlatProvenance({ ...flat, n_inputs: -2 }), /non-negative/)
    assert.throws(() => parseFlatProvenance({ ...flat, 'input.x.id': RAW1 }), /input\.<N>\.<field>/)
    assert.throws(() => parseFlatProvenance({ ...flat, 'input.0.id': undefined }), /input 0 has no id/)
    assert.throws(() => parseFlatProvenance({ ...flat, run: {} }), InputError)
    assert.throws(() => parseFlatProvenance(flat, { sep: '' }), InputError)
  })

  it('strips its keys and nothing else', () => {
    const flat = flattenProvenance(calexp, sample(), { prefix: 'LSST BUTLER', sep: ' ' })
    const header = { ...flat, SIMPLE: true, 'LSST BUTLER NOTE': 'kept', EXTNAME: 'IMAGE' }
    assert.deepEqual(stripFlatProvenance(header, { prefix: 'LSST BUTLER', sep: ' ' }), {
      SIMPLE: true,
      'LSST BUTLER NOTE': 'kept',
      EXTNAME: 'IMAGE',
    })
  })
})
