/**
 * The registry contract for TAGGED, CHAINED and CALIBRATION collections: chains, find-first through
 * them, associations, certification and calibration lookups. Run by `registryContract`.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { DatasetRef } from '../../src/datasets/dataset-ref.js'
import { DatasetType } from '../../src/datasets/dataset-type.js'
import { DataCoordinate, defaultUniverse } from '../../src/dimensions/index.js'
import {
  CalibrationLookupError,
  CollectionCycleError,
  CollectionTypeError,
  ConflictingDefinitionError,
  DatasetNotFoundError,
  DatasetTypeError,
  InputError,
  MissingCollectionError,
  OrphanedRecordError,
} from '../../src/errors.js'
import type { Registry } from '../../src/registry/registry.js'
import { Timespan } from '../../src/time/timespan.js'
import type { RegistryFactory } from './registry-contract.js'
import { insertHscRecords } from './registry-contract.js'

const BASE_NS = 1_371_427_200_000_000_000n
/** An instant `s` seconds after the base time. */
const at = (s: number): bigint => BASE_NS + BigInt(s) * 1_000_000_000n
/** `[at(a), at(b))`; `null` for an unbounded end. */
const span = (a: number | null, b: number | null): Timespan =>
  new Timespan(a === null ? null : at(a), b === null ? null : at(b))
/** A readable form of a validity range for comparisons. */
const show = (t: Timespan | undefined): string => {
  if (!t) return 'none'
  const side = (ns: bigint, unbounded: boolean) => (unbounded ? '∞' : String((ns - BASE_NS) / 1_000_000_000n))
  return `[${side(t.begin, t.isUnboundedBegin)}, ${side(t.end, t.isUnboundedEnd)})`
}

/** Runs the collections part of the registry contract against one implementation. */
export function registryCollectionsContract(name: string, factory: RegistryFactory): void {
  describe(`Registry contract, collections: ${name}`, () => {
    const universe = defaultUniverse()
    const calexp = new DatasetType(
      'calexp',
      universe.group(['instrument', 'visit', 'detector']),
      'ArrowTable',
    )
    const bias = new DatasetType('bias', universe.group(['instrument', 'detector']), 'Bytes', {
      isCalibration: true,
    })
    let registry: Registry
    const visitId = (detector: number) =>
      DataCoordinate.standardize(
        { instrument: 'HSC', visit: 903334, detector },
        { dimensions: calexp.dimensions },
      )
    const detectorId = (detector: number) =>
      DataCoordinate.standardize({ instrument: 'HSC', detector }, { dimensions: bias.dimensions })
    const refs: Record<string, DatasetRef | undefined> = {}

    before(async () => {
      registry = await factory.make()
      await insertHscRecords(registry)
      await registry.registerDatasetType(calexp)
      await registry.registerDatasetType(bias)
      for (const run of ['r1', 'r2', 'calib/run1', 'calib/run2']) await registry.registerRun(run)
      ;[refs.a1, refs.b1] = await registry.insertDatasets(calexp, 'r1', [visitId(10), visitId(11)])
      ;[refs.a2] = await registry.insertDatasets(calexp, 'r2', [visitId(10)])
      ;[refs.bias1, refs.bias1b] = await registry.insertDatasets(bias, 'calib/run1', [
        detectorId(10),
        detectorId(11),
      ])
      ;[refs.bias2] = await registry.insertDatasets(bias, 'calib/run2', [detectorId(10)])
    })
    after(async () => registry?.close())

    it('registers collections of every type, once per name', async () => {
      assert.equal(await registry.registerCollection('tagged', 'TAGGED', 'hand-picked'), true)
      assert.equal(await registry.registerCollection('tagged', 'TAGGED'), false)
      assert.equal(await registry.registerCollection('calib', 'CALIBRATION'), true)
      assert.equal(await registry.registerCollection('inner', 'CHAINED'), true)
      assert.equal(await registry.registerCollection('outer', 'CHAINED'), true)
      assert.equal(await registry.registerCollection('r1', 'RUN'), false)
      await assert.rejects(registry.registerCollection('tagged', 'CHAINED'), CollectionTypeError)
      await assert.rejects(registry.registerCollection('r1', 'TAGGED'), CollectionTypeError)
      await assert.rejects(registry.registerRun('tagged'), CollectionTypeError)
      await assert.rejects(registry.registerCollection('x'.repeat(65), 'TAGGED'), InputError)
      assert.equal(await registry.registerCollection('x'.repeat(64), 'TAGGED'), true)
      await registry.removeCollection('x'.repeat(64))
      assert.deepEqual(await registry.getCollection('tagged'), {
        name: 'tagged',
        type: 'TAGGED',
        doc: 'hand-picked',
      })
      await registry.setCollectionDocumentation('tagged', 'chosen')
      assert.equal((await registry.getCollection('tagged')).doc, 'chosen')
      assert.deepEqual(
        (await registry.queryCollections(undefined, { types: ['CHAINED', 'TAGGED'] })).map((c) => c.name),
        ['inner', 'outer', 'tagged'],
      )
      assert.deepEqual(
        (await registry.queryCollections(['r*', 'calib'])).map((c) => [c.name, c.type]),
        [
          ['calib', 'CALIBRATION'],
          ['r1', 'RUN'],
          ['r2', 'RUN'],
        ],
      )
      assert.deepEqual(await registry.queryCollections([]), [])
      await assert.rejects(registry.queryCollections(['r1', 'nope']), MissingCollectionError)
    })

    it('defines chains, refusing cycles, wildcards and unknown children', async () => {
      await registry.setCollectionChain('inner', ['tagged', 'r2', 'tagged'])
      await registry.setCollectionChain('outer', ['inner', 'r1'])
      assert.deepEqual(await registry.getCollectionChain('inner'), ['tagged', 'r2'])
      assert.deepEqual(await registry.getCollectionChain('outer'), ['inner', 'r1'])
      assert.deepEqual(await registry.getCollectionParentChains('tagged'), ['inner'])
      assert.deepEqual(await registry.getCollectionParentChains('outer'), [])
      await assert.rejects(registry.getCollectionChain('r1'), CollectionTypeError)
      await assert.rejects(registry.setCollectionChain('r1', ['r2']), CollectionTypeError)
      await assert.rejects(registry.setCollectionChain('inner', ['nope']), MissingCollectionError)
      await assert.rejects(registry.setCollectionChain('inner', ['r*']), InputError)
      await assert.rejects(registry.setCollectionChain('outer', ['outer']), (e) => {
        assert.ok(e instanceof CollectionCycleError)
        assert.match(e.message, /outer -> outer/)
        return true
      })
      await assert.rejects(registry.setCollectionChain('inner', ['r2', 'outer']), (e) => {
        assert.ok(e instanceof CollectionCycleError)
        assert.match(e.message, /inner -> outer -> inner/)
        return true
      })
      // A refused definition leaves the old one.
      assert.deepEqual(await registry.getCollectionChain('inner'), ['tagged', 'r2'])
      assert.deepEqual(
        (await registry.flattenCollections(['outer', 'r2', 'calib'])).map((c) => c.name),
        ['tagged', 'r2', 'r1', 'calib'],
      )
      await registry.registerCollection('flat', 'CHAINED')
      await registry.setCollectionChain('flat', ['outer', 'r1'], { flatten: true })
      assert.deepEqual(await registry.getCollectionChain('flat'), ['tagged', 'r2', 'r1'])
      await registry.setCollectionChain('flat', [])
      assert.deepEqual(await registry.getCollectionChain('flat'), [])
    })

    it('queries collections with flattened chains and parents', async () => {
      const info = await registry.queryCollections('outer', { flattenChains: true })
      assert.deepEqual(
        info.map((c) => c.name),
        ['tagged', 'r2', 'r1'],
      )
      const withChains = await registry.queryCollections('outer', {
        flattenChains: true,
        includeChains: true,
        includeParents: true,
      })
      assert.deepEqual(
        withChains.map((c) => [c.name, c.children, c.parents]),
        [
          ['outer', ['inner', 'r1'], []],
          ['inner', ['tagged', 'r2'], ['outer']],
          ['tagged', [], ['inner']],
          ['r2', [], ['inner']],
          ['r1', [], ['outer']],
        ],
      )
      assert.deepEqual(
        (await registry.queryCollections('*', { includeChains: false })).map((c) => c.name),
        ['calib', 'calib/run1', 'calib/run2', 'r1', 'r2', 'tagged'],
      )
      assert.deepEqual(
        (await registry.queryCollections('outer', { flattenChains: true, types: ['RUN'] })).map(
          (c) => c.name,
        ),
        ['r2', 'r1'],
      )
    })

    it('keeps one dataset per type and data ID in a TAGGED collection', async () => {
      await registry.associate('tagged', [refs.a1!])
      await registry.associate('tagged', [refs.a1!]) // again: no-op
      await assert.rejects(registry.associate('tagged', [refs.a2!]), (e) => {
        assert.ok(e instanceof ConflictingDefinitionError)
        assert.match(e.message, /tagged/)
        assert.match(e.message, new RegExp(refs.a1!.id))
        return true
      })
      await assert.rejects(registry.associate('r1', [refs.a2!]), CollectionTypeError)
      await assert.rejects(registry.associate('calib', [refs.a2!]), CollectionTypeError)
      await assert.rejects(registry.associate('nope', [refs.a2!]), MissingCollectionError)
      await assert.rejects(
        registry.associate('tagged', [refs.a1!.replace({ id: '018f0000-0000-7000-8000-000000000000' })]),
        DatasetNotFoundError,
      )
      const members = await registry.queryDatasetAssociations('calexp', { collections: ['tagged'] })
      assert.deepEqual(
        members.map((m) => [m.collection, m.ref.id, m.ref.run]),
        [['tagged', refs.a1!.id, 'r1']],
      )
    })

    it('finds the first dataset through nested chains of runs and tagged collections', async () => {
      // outer = [inner = [tagged, r2], r1]; tagged holds a1 (of r1).
      const first = await registry.findDataset(calexp, visitId(10), ['outer'])
      assert.equal(first?.id, refs.a1!.id)
      assert.equal(first?.run, 'r1')
      const many = await registry.findDatasets(calexp, [visitId(11), visitId(10), visitId(12)], ['outer'])
      assert.deepEqual(
        many.map((r) => r?.id),
        [refs.b1!.id, refs.a1!.id, undefined],
      )
      const pages: string[] = []
      for await (const page of registry.searchDatasets({
        datasetTypes: ['calexp'],
        collections: ['outer'],
        findFirst: true,
      }))
        pages.push(...page.map((r) => r.id))
      assert.deepEqual(pages.sort(), [refs.a1!.id, refs.b1!.id].sort())
      let all = 0
      for await (const page of registry.searchDatasets({ datasetTypes: ['calexp'], collections: ['outer'] }))
        all += page.length
      assert.equal(all, 3) // each dataset once, although a1 is in r1 and tagged
      await registry.disassociate('tagged', [refs.a1!, refs.b1!])
      assert.equal((await registry.findDataset(calexp, visitId(10), ['outer']))?.id, refs.a2!.id)
      assert.equal((await registry.findDataset(calexp, visitId(10), ['r1', 'outer']))?.id, refs.a1!.id)
      await registry.associate('tagged', [refs.a1!])
    })

    it('certifies calibrations with non-overlapping validity ranges', async () => {
      await registry.certify('calib', [refs.bias1!], span(0, 100))
      await registry.certify('calib', [refs.bias2!], span(100, 200))
      await assert.rejects(registry.certify('calib', [refs.bias2!], span(150, 300)), (e) => {
        assert.ok(e instanceof ConflictingDefinitionError)
        assert.match(e.message, /bias/)
        assert.match(e.message, new RegExp(refs.bias2!.id))
        return true
      })
      await assert.rejects(
        registry.certify('calib', [refs.bias1!], span(null, 1)),
        ConflictingDefinitionError,
      )
      // Two refs of one data ID in one call.
      await registry.registerCollection('calib2', 'CALIBRATION')
      await assert.rejects(
        registry.certify('calib2', [refs.bias1!, refs.bias2!], span(500, 600)),
        ConflictingDefinitionError,
      )
      assert.deepEqual(await registry.queryDatasetAssociations('bias', { collections: ['calib2'] }), [])
      // The same dataset may be certified again for another range.
      await registry.certify('calib', [refs.bias1!], span(300, null))
      await assert.rejects(registry.certify('calib', [refs.a1!], span(0, 1)), DatasetTypeError)
      await assert.rejects(registry.certify('tagged', [refs.bias1!], span(0, 1)), CollectionTypeError)
      await assert.rejects(registry.certify('calib', [refs.bias1!], Timespan.makeEmpty()), InputError)
      const ranges = await registry.queryDatasetAssociations('bias', { collections: ['calib'] })
      assert.deepEqual(
        ranges.map((a) => [a.ref.id, show(a.timespan)]),
        [
          [refs.bias1!.id, '[0, 100)'],
          [refs.bias2!.id, '[100, 200)'],
          [refs.bias1!.id, '[300, ∞)'],
        ],
      )
    })

    it('looks calibrations up by time, refusing ambiguous and timeless lookups', async () => {
      const d10 = detectorId(10)
      const find = (ts?: Timespan, collections = ['calib']) =>
        registry.findDataset(bias, d10, collections, ts ? { timespan: ts } : {})
      assert.equal((await find(span(10, 20)))?.id, refs.bias1!.id)
      assert.equal((await find(Timespan.fromInstant(at(100))))?.id, refs.bias2!.id)
      assert.equal((await find(span(400, 500)))?.id, refs.bias1!.id)
      assert.equal(await find(span(250, 260)), undefined)
      assert.equal(
        await registry.findDataset(bias, detectorId(11), ['calib'], { timespan: span(0, 1) }),
        undefined,
      )
      await assert.rejects(find(span(50, 150)), (e) => {
        assert.ok(e instanceof CalibrationLookupError)
        assert.match(e.message, /calib/)
        return true
      })
      // Without a time, CALIBRATION collections are skipped, and alone they are an error.
      await assert.rejects(find(undefined), CalibrationLookupError)
      assert.equal((await find(undefined, ['calib', 'calib/run2']))?.id, refs.bias2!.id)
      // A run before the CALIBRATION collection wins; one after it loses.
      assert.equal((await find(span(10, 20), ['calib/run2', 'calib']))?.id, refs.bias2!.id)
      assert.equal((await find(span(10, 20), ['calib', 'calib/run2']))?.id, refs.bias1!.id)
      // Through a chain, and vectorised with one time per data ID.
      await registry.registerCollection('calib/chain', 'CHAINED')
      await registry.setCollectionChain('calib/chain', ['calib', 'calib/run1'])
      const found = await registry.findDatasets(bias, [d10, d10, detectorId(11), d10], ['calib/chain'], {
        timespan: [span(10, 20), span(110, 120), span(10, 20), span(250, 260)],
      })
      assert.deepEqual(
        found.map((r) => r?.id),
        [refs.bias1!.id, refs.bias2!.id, refs.bias1b!.id, refs.bias1!.id],
      )
      // The non-calibration dataset type is found in runs only.
      assert.equal(
        (await registry.findDataset(calexp, visitId(10), ['calib', 'r2'], { timespan: span(0, 1) }))?.id,
        refs.a2!.id,
      )
    })

    it('decertifies by clipping and splitting validity ranges', async () => {
      await registry.registerCollection('calib3', 'CALIBRATION')
      await registry.certify('calib3', [refs.bias1!, refs.bias1b!], span(0, 100))
      const ranges = async () =>
        (await registry.queryDatasetAssociations('bias', { collections: ['calib3'] })).map(
          (a) => `${a.ref.dataId.get('detector')}:${show(a.timespan)}`,
        )
      await registry.decertify('calib3', 'bias', span(20, 30))
      assert.deepEqual(await ranges(), ['10:[0, 20)', '10:[30, 100)', '11:[0, 20)', '11:[30, 100)'])
      await registry.decertify('calib3', 'bias', span(90, 200), { dataIds: [detectorId(10)] })
      assert.deepEqual(await ranges(), ['10:[0, 20)', '10:[30, 90)', '11:[0, 20)', '11:[30, 100)'])
      await registry.decertify('calib3', 'bias', span(null, 10))
      assert.deepEqual(await ranges(), ['10:[10, 20)', '10:[30, 90)', '11:[10, 20)', '11:[30, 100)'])
      await registry.decertify('calib3', 'bias', span(30, 90))
      assert.deepEqual(await ranges(), ['10:[10, 20)', '11:[10, 20)', '11:[90, 100)'])
      // A lookup in a removed gap finds nothing.
      assert.equal(
        await registry.findDataset(bias, detectorId(11), ['calib3'], { timespan: span(50, 60) }),
        undefined,
      )
      await registry.decertify('calib3', 'bias', new Timespan(null, null))
      assert.deepEqual(await ranges(), [])
      await assert.rejects(registry.decertify('calib3', 'calexp', span(0, 1)), DatasetTypeError)
      await assert.rejects(registry.decertify('tagged', 'bias', span(0, 1)), CollectionTypeError)
    })

    it('searches CALIBRATION collections at any time unless finding first', async () => {
      const search = async (collections: string[], findFirst = false) => {
        const ids: string[] = []
        for await (const page of registry.searchDatasets({ datasetTypes: ['bias'], collections, findFirst }))
          ids.push(...page.map((r) => r.id))
        return ids.sort()
      }
      // bias1 has two ranges in 'calib' but comes once.
      assert.deepEqual(await search(['calib']), [refs.bias1!.id, refs.bias2!.id].sort())
      assert.deepEqual(await search(['calib*']), [refs.bias1!.id, refs.bias1b!.id, refs.bias2!.id].sort())
      assert.deepEqual(await search(['calib'], true), [])
      assert.deepEqual(await search(['calib', 'calib/run2'], true), [refs.bias2!.id])
    })

    it('lists memberships of every collection type', async () => {
      const all = await registry.queryDatasetAssociations('calexp')
      assert.deepEqual(
        all.map((a) => [a.collection, a.ref.id, a.timespan === undefined]),
        [
          ['r1', refs.a1!.id, true],
          ['r1', refs.b1!.id, true],
          ['r2', refs.a2!.id, true],
          ['tagged', refs.a1!.id, true],
        ],
      )
      const flat = await registry.queryDatasetAssociations('calexp', {
        collections: ['outer'],
        flattenChains: true,
        collectionTypes: ['TAGGED'],
      })
      assert.deepEqual(
        flat.map((a) => a.collection),
        ['tagged'],
      )
      assert.deepEqual(await registry.queryDatasetAssociations('calexp', { collections: ['outer'] }), [])
    })

    it('removes collections but not their datasets, never while a chain lists them', async () => {
      await assert.rejects(registry.removeCollection('tagged'), (e) => {
        assert.ok(e instanceof OrphanedRecordError)
        assert.match(e.message, /inner/)
        return true
      })
      await assert.rejects(registry.removeRuns(['r2']), OrphanedRecordError)
      await assert.rejects(registry.removeCollection('r1'), CollectionTypeError)
      await assert.rejects(registry.removeCollection('inner'), OrphanedRecordError)
      await registry.removeCollection('outer')
      await registry.removeCollection('inner')
      await registry.removeCollection('tagged')
      await assert.rejects(registry.getCollection('tagged'), MissingCollectionError)
      await registry.removeCollection('calib/chain')
      await registry.removeCollection('calib')
      assert.equal((await registry.getDatasets([refs.a1!.id, refs.bias1!.id])).length, 2)
      assert.deepEqual(
        (await registry.queryDatasetAssociations('calexp')).map((a) => a.collection),
        ['r1', 'r1', 'r2'],
      )
      assert.deepEqual(
        await registry.queryDatasetAssociations('bias', { collectionTypes: ['CALIBRATION'] }),
        [],
      )
      // A re-registered name starts empty.
      await registry.registerCollection('tagged', 'TAGGED')
      assert.equal(await registry.findDataset(calexp, visitId(10), ['tagged']), undefined)
    })

    it('removes dataset types only when they have no datasets', async () => {
      await registry.registerDatasetType(new DatasetType('unused_a', calexp.dimensions, 'Bytes'))
      await registry.registerDatasetType(
        new DatasetType('unused_b', bias.dimensions, 'Bytes', { isCalibration: true }),
      )
      await assert.rejects(registry.removeDatasetType(['calexp', 'unused_a']), (e) => {
        assert.ok(e instanceof OrphanedRecordError)
        assert.match(e.message, /calexp/)
        return true
      })
      assert.deepEqual(
        (await registry.queryDatasetTypes('unused_*')).map((t) => t.name),
        ['unused_a', 'unused_b'],
      )
      assert.deepEqual(await registry.removeDatasetType('unused_*'), ['unused_a', 'unused_b'])
      assert.deepEqual(await registry.removeDatasetType('never_registered'), [])
      assert.deepEqual(
        (await registry.queryDatasetTypes()).map((t) => t.name),
        ['bias', 'calexp'],
      )
      // The name can be registered again, even with other dimensions.
      await registry.registerDatasetType(new DatasetType('unused_a', bias.dimensions, 'Bytes'))
    })
  })
}
