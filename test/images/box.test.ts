import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CorruptArtifactError, ReadParameterError, StorageClassError } from '../../src/errors.js'
import { Box2I } from '../../src/images/box.js'

describe('Box2I', () => {
  it('has exclusive ends, area and emptiness', () => {
    const box = new Box2I(-5, 10, 20, 3)
    assert.equal(box.x1, 15)
    assert.equal(box.y1, 13)
    assert.equal(box.area, 60)
    assert.ok(!box.isEmpty())
    assert.ok(new Box2I(0, 0, 0, 5).isEmpty() && new Box2I(0, 0, 5, 0).isEmpty())
    assert.ok(Box2I.fromCorners(1, 2, 4, 8).equals(new Box2I(1, 2, 3, 6)))
    assert.equal(String(box), 'Box2I(x0=-5, y0=10, width=20, height=3)')
    assert.ok(Object.isFrozen(box))
  })

  it('contains boxes and points, edges included and excluded correctly', () => {
    const box = new Box2I(0, 0, 10, 10)
    assert.ok(box.contains(box))
    assert.ok(box.contains(new Box2I(9, 9, 1, 1)))
    assert.ok(!box.contains(new Box2I(9, 9, 2, 1)))
    assert.ok(!box.contains(new Box2I(-1, 0, 1, 1)))
    assert.ok(box.contains(new Box2I(100, 100, 0, 0)), 'an empty box is contained anywhere')
    assert.ok(!new Box2I(0, 0, 0, 0).contains(new Box2I(0, 0, 1, 1)))
    assert.ok(box.containsPoint(0, 0) && box.containsPoint(9, 9))
    assert.ok(!box.containsPoint(10, 0) && !box.containsPoint(0, 10) && !box.containsPoint(-1, 5))
  })

  it('intersects, touching boxes giving an empty box', () => {
    const a = new Box2I(0, 0, 10, 10)
    assert.ok(a.intersection(new Box2I(5, -5, 10, 10)).equals(new Box2I(5, 0, 5, 5)))
    assert.ok(a.intersection(new Box2I(2, 3, 4, 5)).equals(new Box2I(2, 3, 4, 5)))
    const touching = a.intersection(new Box2I(10, 0, 5, 5))
    assert.ok(touching.isEmpty())
    assert.ok(!a.overlaps(new Box2I(10, 0, 5, 5)))
    assert.ok(a.intersection(new Box2I(50, 50, 5, 5)).isEmpty())
    assert.ok(a.overlaps(new Box2I(9, 9, 5, 5)))
  })

  it('compares, shifts and round-trips through JSON', () => {
    const box = new Box2I(3, 4, 5, 6)
    assert.ok(box.equals(new Box2I(3, 4, 5, 6)))
    assert.ok(!box.equals(new Box2I(3, 4, 5, 7)))
    assert.ok(!new Box2I(0, 0, 0, 0).equals(new Box2I(1, 1, 0, 0)))
    assert.ok(box.shifted(-3, 10).equals(new Box2I(0, 14, 5, 6)))
    assert.deepEqual(box.toJSON(), { x0: 3, y0: 4, width: 5, height: 6 })
    assert.equal(JSON.stringify(box), '{"x0":3,"y0":4,"width":5,"height":6}')
    assert.ok(Box2I.fromJSON(JSON.parse(JSON.stringify(box))).equals(box))
  })

  it('from() accepts boxes and plain objects and rejects bad ones with ReadParameterError', () => {
    const box = new Box2I(1, 2, 3, 4)
    assert.equal(Box2I.from(box), box)
    assert.ok(Box2I.from({ x0: 1, y0: 2, width: 3, height: 4 }).equals(box))
    const bad: unknown[] = [
      { x0: 1.5, y0: 2, width: 3, height: 4 },
      { x0: 1, y0: 2, width: -3, height: 4 },
      { x0: 1, y0: 2, width: 3 },
      { x0: '1', y0: 2, width: 3, height: 4 },
      { x0: 1, y0: 2, width: 3, height: 4, extra: 1 },
      { x0: 2 ** 53, y0: 0, width: 3, height: 4 },
      { x0: 2 ** 53 - 2, y0: 0, width: 3, height: 4 },
      { x0: Number.NaN, y0: 0, width: 3, height: 4 },
      [1, 2, 3, 4],
      null,
      'box',
    ]
    for (const value of bad) {
      assert.throws(() => Box2I.from(value), ReadParameterError, JSON.stringify(value))
    }
    assert.throws(() => Box2I.from({ x0: 0, y0: 0, width: -1, height: 1 }), /negative size/)
    assert.throws(
      () => Box2I.from({ x0: 0.5, y0: 0, width: 1, height: 1 }),
      /bbox\.x0 must be an integer, got 0.5/,
    )
    assert.throws(() => Box2I.from(null, CorruptArtifactError), CorruptArtifactError)
    assert.throws(() => Box2I.fromJSON({ x0: 0 }), StorageClassError)
  })

  it('constructor rejects bad fields with StorageClassError', () => {
    assert.throws(() => new Box2I(0, 0, -1, 1), StorageClassError)
    assert.throws(() => new Box2I(0.5, 0, 1, 1), StorageClassError)
    assert.throws(() => Box2I.fromCorners(5, 0, 4, 1), StorageClassError)
  })
})
