/**
 * The registry contract: one suite, run against every `Registry` implementation.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { DatasetType } from '../../src/datasets/dataset-type.js'
import type { StoredFileInfo } from '../../src/datasets/stored-file-info.js'
import { DataCoordinate, DimensionUniverse, defaultUniverse } from '../../src/dimensions/index.js'
import {
  ConflictingDefinitionError,
  DataIdValueError,
  InconsistentDataIdError,
  MissingCollectionError,
  MissingDatasetTypeError,
  OrphanedRecordError,
} from '../../src/errors.js'
import type { Registry } from '../../src/registry/registry.js'
import { Timespan } from '../../src/time/timespan.js'
import { FIXTURES, fixture } from '../fixtures.js'

/** Makes a fresh, empty registry for one test; `reopen` (when supported) opens the same database again. */
export interface RegistryFactory {
  make(universe?: DimensionUniverse): Promise<Registry>
  reopen?(registry: Registry): Promise<Registry>
}

const BIG_NS = 1_371_427_200_000_000_000n // 2013-06-17 TAI, far above 2^53

/** Inserts the HSC instrument, filter, detectors, day_obs and one visit. */
export async function insertHscRecords(registry: Registry): Promise<void> {
  await registry.insertDimensionRecords('instrument', [
    { name: 'HSC', visit_max: 21_000_000, detector_max: 200, exposure_max: 21_000_000, class_name: 'Hsc' },
  ])
  await registry.insertDimensionRecords('physical_filter', [
    { instrument: 'HSC', name: 'HSC-R', band: 'r' },
    { instrument: 'HSC', name: 'HSC-I', band: 'i' },
  ])
  await registry.insertDimensionRecords('detector', [
    { instrument: 'HSC', id: 10, full_name: '1_53' },
    { instrument: 'HSC', id: 11, full_name: '1_54' },
  ])
  await registry.insertDimensionRecords('day_obs', [{ instrument: 'HSC', id: 20130617, timespan: null }])
  await registry.insertDimensionRecords('visit', [
    {
      instrument: 'HSC',
      id: 903334,
      name: 'HSCA90333400',
      physical_filter: 'HSC-R',
      day_obs: 20130617,
      timespan: new Timespan(BIG_NS, BIG_NS + 30_000_000_000n),
    },
  ])
}

/** Runs the registry contract against one implementation. */
export function registryContract(name: string, factory: RegistryFactory): void {
  describe(`Registry contract: ${name}`, () => {
    const universe = defaultUniverse()
    const calexp = new DatasetType(
      'calexp',
      universe.group(['instrument', 'visit', 'detector']),
      'ArrowTable',
    )
    let registry: Registry
    const fresh = async () => {
      await registry?.close()
      registry = await factory.make()
      return registry
    }
    const dataId = (visit: number, detector: number) =>
      DataCoordinate.standardize({ instrument: 'HSC', visit, detector }, { dimensions: calexp.dimensions })
    before(fresh)
    after(async () => registry?.close())

    it('round-trips the universe through create and open', { skip: !factory.reopen }, async () => {
      const v7 = FIXTURES
        ? DimensionUniverse.fromYaml(readFileSync(fixture('dimensions', 'dimensions-v7.yaml'), 'utf8'))
        : undefined
      await registry.close()
      registry = await factory.make(v7)
      registry = await factory.reopen!(registry)
      assert.equal(registry.universe.version, v7 ? 7 : universe.version)
      assert.equal(registry.universe.has('ssp_hypothesis_table'), !v7)
      await fresh()
    })

    it('stores attributes', async () => {
      assert.equal(await registry.getAttribute('nope'), undefined)
      await registry.setAttribute('x', '1')
      await registry.setAttribute('x', '2')
      assert.equal(await registry.getAttribute('x'), '2')
    })

    it('inserts, replaces, skips and syncs dimension records', async () => {
      await fresh()
      await insertHscRecords(registry)
      await assert.rejects(
        registry.insertDimensionRecords('detector', [{ instrument: 'HSC', id: 10, full_name: 'x' }]),
        ConflictingDefinitionError,
      )
      assert.equal(
        await registry.insertDimensionRecords('detector', [{ instrument: 'HSC', id: 10, full_name: 'x' }], {
          skipExisting: true,
        }),
        0,
      )
      assert.equal(
        (await registry.fetchDimensionRecords('detector', { detector: 10 }))[0]?.get('full_name'),
        '1_53',
      )
      await registry.insertDimensionRecords('detector', [{ instrument: 'HSC', id: 10, full_name: '1_53b' }], {
        replace: true,
      })
      assert.equal(
        (await registry.fetchDimensionRecords('detector', { id: 10 }))[0]?.get('full_name'),
        '1_53b',
      )
      assert.equal(
        await registry.syncDimensionRecord('detector', { instrument: 'HSC', id: 12, full_name: 'c' }),
        true,
      )
      assert.equal(
        await registry.syncDimensionRecord('detector', { instrument: 'HSC', id: 12, full_name: 'c' }),
        false,
      )
      await assert.rejects(
        registry.syncDimensionRecord('detector', { instrument: 'HSC', id: 12, full_name: 'd' }),
        ConflictingDefinitionError,
      )
      assert.deepEqual(
        await registry.syncDimensionRecord(
          'detector',
          { instrument: 'HSC', id: 12, full_name: 'd' },
          { update: true },
        ),
        { full_name: 'c' },
      )
      assert.equal((await registry.fetchDimensionRecords('detector')).length, 3)
      await assert.rejects(
        registry.insertDimensionRecords('detector', [{ instrument: 'LSST', id: 1, full_name: 'z' }]),
        DataIdValueError,
      )
    })

    it('keeps TAI-nanosecond timespans exact', async () => {
      const [visit] = await registry.fetchDimensionRecords('visit')
      const t = visit!.get('timespan') as Timespan
      assert.ok(t instanceof Timespan)
      assert.equal(t.begin, BIG_NS)
      assert.equal(t.end, BIG_NS + 30_000_000_000n)
      const [day] = await registry.fetchDimensionRecords('day_obs')
      assert.equal(day!.get('timespan'), null)
    })

    it('expands data IDs with implied values and records', async () => {
      const expanded = await registry.expandDataId({ instrument: 'HSC', visit: 903334, detector: 10 })
      assert.equal(expanded.get('physical_filter'), 'HSC-R')
      assert.equal(expanded.get('band'), 'r')
      assert.equal(expanded.get('day_obs'), 20130617)
      assert.equal(expanded.record('visit')?.get('name'), 'HSCA90333400')
      assert.equal(expanded.record('band')?.get('name'), 'r')
      assert.equal(expanded.record('visit_detector_region'), null)
      const many = await registry.expandDataIds([dataId(903334, 10), dataId(903334, 11)])
      assert.deepEqual(
        many.map((d) => d.record('detector')?.get('full_name')),
        ['1_53b', '1_54'],
      )
      await assert.rejects(
        registry.expandDataId({ instrument: 'HSC', visit: 1, detector: 10 }),
        DataIdValueError,
      )
      await assert.rejects(
        registry.expandDataId({ instrument: 'HSC', visit: 903334, band: 'i' }),
        InconsistentDataIdError,
      )
    })

    it('registers and finds dataset types', async () => {
      assert.equal(await registry.registerDatasetType(calexp), true)
      assert.equal(await registry.registerDatasetType(calexp), false)
      await assert.rejects(
        registry.registerDatasetType(
          new DatasetType('calexp', universe.group(['instrument', 'visit']), 'ArrowTable'),
        ),
        ConflictingDefinitionError,
      )
      await assert.rejects(registry.getDatasetType('nope'), MissingDatasetTypeError)
      const raw = new DatasetType('raw', universe.group(['instrument', 'exposure', 'detector']), 'Bytes')
      await registry.registerDatasetType(raw)
      assert.ok((await registry.getDatasetType('calexp')).equals(calexp))
      assert.deepEqual(
        (await registry.queryDatasetTypes('c*')).map((t) => t.name),
        ['calexp'],
      )
      assert.deepEqual(
        (await registry.queryDatasetTypes()).map((t) => t.name),
        ['calexp', 'raw'],
      )
    })

    it('registers runs', async () => {
      assert.equal(await registry.registerRun('run/a', 'first'), true)
      assert.equal(await registry.registerRun('run/a'), false)
      await registry.registerRun('run/b')
      assert.deepEqual(await registry.getCollection('run/a'), { name: 'run/a', type: 'RUN', doc: 'first' })
      await assert.rejects(registry.getCollection('run/zzz'), MissingCollectionError)
      assert.deepEqual(
        (await registry.queryCollections('run/*')).map((c) => c.name),
        ['run/a', 'run/b'],
      )
    })

    it('inserts datasets once per type and data ID per run', async () => {
      const [a] = await registry.insertDatasets(calexp, 'run/a', [dataId(903334, 10)])
      assert.equal(a!.run, 'run/a')
      await assert.rejects(
        registry.insertDatasets(calexp, 'run/a', [dataId(903334, 11), dataId(903334, 10)]),
        (e) => {
          assert.ok(e instanceof ConflictingDefinitionError)
          assert.match(e.message, /calexp/)
          assert.match(e.message, /903334/)
          assert.match(e.message, /run\/a/)
          return true
        },
      )
      // Nothing of the failed call remains.
      assert.equal(await registry.findDataset(calexp, dataId(903334, 11), ['run/a']), undefined)
      const [b] = await registry.insertDatasets(calexp, 'run/b', [dataId(903334, 10)])
      assert.notEqual(a!.id, b!.id)
      await assert.rejects(
        registry.insertDatasets(calexp, 'run/zzz', [dataId(903334, 10)]),
        MissingCollectionError,
      )
    })

    it('finds the first dataset in collection order', async () => {
      const inA = await registry.findDataset(calexp, dataId(903334, 10), ['run/a', 'run/b'])
      const inB = await registry.findDataset(calexp, dataId(903334, 10), ['run/b', 'run/a'])
      assert.equal(inA?.run, 'run/a')
      assert.equal(inB?.run, 'run/b')
      assert.notEqual(inA?.id, inB?.id)
      const [only] = await registry.insertDatasets(calexp, 'run/b', [dataId(903334, 11)])
      const found = await registry.findDatasets(
        calexp,
        [dataId(903334, 11), dataId(903334, 12), dataId(903334, 10)],
        ['run/a', 'run/b'],
      )
      assert.deepEqual(
        found.map((r) => r?.run),
        ['run/b', undefined, 'run/a'],
      )
      assert.equal(found[0]?.id, only!.id)
      const got = await registry.getDatasets([only!.id, 'ffffffff-ffff-7fff-bfff-ffffffffffff'])
      assert.equal(got.length, 1)
      assert.ok(got[0]!.dataId.equals(dataId(903334, 11)))
      const pages: string[] = []
      for await (const page of registry.searchDatasets({
        datasetTypes: ['calexp'],
        findFirst: true,
        collections: ['run/b', 'run/a'],
      }))
        pages.push(...page.map((r) => r.run))
      assert.deepEqual(pages.sort(), ['run/b', 'run/b'])
      let all = 0
      for await (const page of registry.searchDatasets({ dataId: { detector: 10 } })) all += page.length
      assert.equal(all, 2)
    })

    it('imports datasets with their IDs, idempotently', async () => {
      await registry.registerRun('run/import')
      const [ref] = await registry.insertDatasets(
        calexp,
        'run/import',
        [dataId(903334, 12)],
        'DATAID_TYPE_RUN',
      )
      await registry.importDatasets([ref!])
      await assert.rejects(
        registry.importDatasets([ref!.replace({ dataId: dataId(903334, 10) })]),
        ConflictingDefinitionError,
      )
      await registry.removeDatasets([ref!])
      await registry.importDatasets([ref!])
      assert.equal((await registry.getDatasets([ref!.id]))[0]?.run, 'run/import')
    })

    it('keeps datastore records with two-phase deletion', async () => {
      const [ref] = await registry.insertDatasets(calexp, 'run/a', [dataId(903334, 11)])
      const bridge = registry.datastoreBridge
      const info: StoredFileInfo = {
        datasetId: ref!.id,
        component: '',
        path: 'run/a/calexp/x.parq',
        formatter: 'ArrowFormatter',
        storageClass: 'ArrowTable',
        checksum: null,
        fileSize: 123,
      }
      await bridge.insertRecords('files', [info])
      assert.deepEqual((await bridge.fetchRecords([ref!.id])).get(ref!.id), [info])
      assert.deepEqual([...(await bridge.knownIds('files', [ref!.id, 'x']))], [ref!.id])
      assert.deepEqual([...(await bridge.pathsInUse([info.path, 'other']))], [info.path])
      await assert.rejects(registry.removeRuns(['run/a']), OrphanedRecordError)
      await assert.rejects(registry.removeDatasets([ref!]), OrphanedRecordError)
      await bridge.trash('files', [ref!.id])
      assert.equal((await bridge.knownIds('files', [ref!.id])).size, 0)
      assert.equal((await bridge.pathsInUse([info.path])).size, 0)
      assert.deepEqual(await bridge.fetchTrashed('files', 10), [info])
      let iterated = 0
      for await (const page of bridge.iterateRecords('files', 1)) iterated += page.length
      assert.equal(iterated, 1)
      await registry.removeRuns(['run/a'])
      await assert.rejects(registry.getCollection('run/a'), MissingCollectionError)
      assert.deepEqual(await bridge.fetchTrashed('files', 10), [info])
      await bridge.forget('files', [ref!.id])
      assert.deepEqual(await bridge.fetchTrashed('files', 10), [])
      assert.equal((await bridge.fetchRecords([ref!.id])).size, 0)
    })

    it('rolls back a failed transaction completely', async () => {
      const error = new Error('boom')
      await assert.rejects(
        registry.transaction(async () => {
          await registry.registerRun('run/tx')
          await registry.insertDatasets(calexp, 'run/tx', [dataId(903334, 10)])
          await registry.transaction(async () => {
            await registry.registerDatasetType(new DatasetType('inner', calexp.dimensions, 'Bytes'))
          })
          throw error
        }),
        error,
      )
      await assert.rejects(registry.getCollection('run/tx'), MissingCollectionError)
      await assert.rejects(registry.getDatasetType('inner'), MissingDatasetTypeError)
    })

    it('rolls back only a failed nested transaction', async () => {
      await registry.transaction(async () => {
        await registry.registerRun('run/outer')
        await assert.rejects(
          registry.transaction(async () => {
            await registry.registerRun('run/inner')
            throw new Error('inner')
          }),
        )
      })
      assert.equal((await registry.getCollection('run/outer')).type, 'RUN')
      await assert.rejects(registry.getCollection('run/inner'), MissingCollectionError)
    })
  })
}
