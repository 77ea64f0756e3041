import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FormatterError, StorageClassError } from '../../src/errors.js'
import { PropertyList } from '../../src/images/property-list.js'

describe('PropertyList', () => {
  it('keeps insertion order and replaces values in place', () => {
    const md = new PropertyList()
    md.set('EXPTIME', 30, 'exposure time').set('OBJECT', 'M31').set('FLAG', true)
    md.set('EXPTIME', 15)
    assert.deepEqual(md.names(), ['EXPTIME', 'OBJECT', 'FLAG'])
    assert.equal(md.get('EXPTIME'), 15)
    assert.equal(md.getComment('EXPTIME'), 'exposure time', 'no comment given: the old one stays')
    md.set('EXPTIME', 16, '')
    assert.equal(md.getComment('EXPTIME'), '')
    assert.equal(md.getComment('OBJECT'), '')
    assert.equal(md.getComment('NOPE'), undefined)
    assert.equal(md.get('NOPE'), undefined)
    assert.ok(md.has('FLAG'))
    assert.ok(md.delete('FLAG'))
    assert.ok(!md.delete('FLAG'))
    assert.equal(md.size, 2)
    assert.deepEqual(md.entries(), [
      ['EXPTIME', 16],
      ['OBJECT', 'M31'],
    ])
    assert.deepEqual([...md], md.entries())
    assert.ok(!md.has('exptime'), 'names are case-sensitive')
  })

  it('round-trips every value type through JSON text', () => {
    const md = new PropertyList([
      ['S', 'text', 'a string'],
      ['I', 42],
      ['F', -1.5e-300],
      ['B', false],
      ['N', null, 'undefined value'],
      ['BIG', 2n ** 63n + 5n],
      ['NEGBIG', -(2n ** 70n)],
      ['NAN', Number.NaN],
      ['INF', Number.POSITIVE_INFINITY],
      ['MINF', Number.NEGATIVE_INFINITY],
    ])
    const text = JSON.stringify(md)
    const back = PropertyList.fromJSON(JSON.parse(text))
    assert.ok(back.equals(md))
    assert.equal(back.get('BIG'), 2n ** 63n + 5n)
    assert.ok(Number.isNaN(back.get('NAN')))
    assert.equal(back.getComment('N'), 'undefined value')
    assert.deepEqual(md.toJSON()[0], { name: 'S', value: 'text', comment: 'a string' })
    assert.deepEqual(md.toJSON()[1], { name: 'I', value: 42 })
    assert.ok(md.copy().equals(md))
    const changed = md.copy().set('I', 43)
    assert.ok(!changed.equals(md))
    assert.ok(
      !new PropertyList([
        ['A', 1],
        ['B', 2],
      ]).equals(
        new PropertyList([
          ['B', 2],
          ['A', 1],
        ]),
      ),
      'order matters',
    )
  })

  it('rejects bad names, values and JSON', () => {
    const md = new PropertyList()
    assert.throws(() => md.set('', 1), StorageClassError)
    assert.throws(() => md.set('A', {} as never), StorageClassError)
    assert.throws(() => md.set('A', undefined as never), StorageClassError)
    assert.throws(() => md.set('A', 1, 5 as never), StorageClassError)
    assert.throws(() => PropertyList.fromJSON({}), StorageClassError)
    assert.throws(() => PropertyList.fromJSON([{ name: 'A', value: [1] }]), /value of type array/)
    assert.throws(
      () => PropertyList.fromJSON([{ name: 'A', value: '1.5', type: 'bigint' }]),
      StorageClassError,
    )
    assert.throws(() => PropertyList.fromJSON([{ name: 'A', value: 'x', type: 'float' }]), StorageClassError)
    assert.throws(() => PropertyList.fromJSON([{ name: 'A', value: 1, type: 'int' }]), StorageClassError)
    assert.throws(() => PropertyList.fromJSON([{ value: 1 }], FormatterError), FormatterError)
  })
})
