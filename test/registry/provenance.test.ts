/**
 * Provenance in the registry, on SQLite and PostgreSQL: bulk inserts inside the caller's
 * transaction, reads, "what was made from X", conflicts, and removals deleting a dataset's own
 * rows (read from the tables themselves, since the API could not show a left-over row). Also the
 * upgrade of a 3.1.0 / 3.0.0 registry, which opening creates the tables in.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { openButler } from '../../src/create-butler.js'
import type { DatasetRef } from '../../src/datasets/dataset-ref.js'
import { DatasetType } from '../../src/datasets/dataset-type.js'
import { DatasetProvenance } from '../../src/datasets/provenance.js'
import { DataCoordinate } from '../../src/dimensions/data-coordinate.js'
import type { DirectButler } from '../../src/direct/direct-butler.js'
import { SQLITE_REGISTRY_FILE } from '../../src/direct/repo-config.js'
import {
  ConflictingDefinitionError,
  DatasetNotFoundError,
  InputError,
  RepositoryError,
} from '../../src/errors.js'
import { SCHEMA_VERSION } from '../../src/registry/sql/schema.js'
import { createTestRepository, DATABASES, PG_TEST_URL, selectRegistryRows } from '../support/databases.js'
import { ids, insertCameraRecords } from '../support/records.js'

const FOREIGN = '0190c5a2-7d4e-7b7a-9f3e-2b1c4d5e6f70'

for (const db of DATABASES) {
  describe(`provenance in the registry (${db.name})`, { skip: db.skip }, () => {
    let dir: string
    let repo: string
    let butler: DirectButler
    let raws: DatasetRef[]
    let runN = 0
    const count = async (table: string, where: string) =>
      Number((await selectRegistryRows(db, repo, `select count(*) as n from ${table} where ${where}`))[0]!.n)

    /** `n` new datasets of `type` in a fresh run. */
    const datasets = async (type: string, n: number): Promise<DatasetRef[]> => {
      const t = await butler.registry.getDatasetType(type)
      const run = `run/${++runN}`
      await butler.registerRun(run)
      return butler.registry.insertDatasets(
        t,
        run,
        ids(n, 1).map((d) => DataCoordinate.fromRequiredValues(t.dimensions, ['HSC', d])),
      )
    }

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'butler-prov-'))
      repo = await createTestRepository(db, join(dir, 'repo'))
      butler = await openButler(repo)
      await insertCameraRecords(butler, { detectors: ids(100, 1) })
      const group = butler.universe.group(['instrument', 'detector'])
      for (const name of ['raw', 'calexp', 'coadd']) {
        await butler.registerDatasetType(new DatasetType(name, group, 'StructuredDataDict'))
      }
      raws = await datasets('raw', 100)
    })
    after(async () => {
      await butler.close()
      rmSync(dir, { recursive: true, force: true })
    })

    it('stores and reads back provenance in bulk, foreign inputs included', async () => {
      const calexps = await datasets('calexp', 80)
      // 80 datasets with 2 inputs each: past the 64-row bulk path of PostgreSQL.
      const entries = calexps.map((ref, i) => ({
        datasetId: ref.id,
        provenance: new DatasetProvenance({ task: 'calibrate', extras: { index: i } })
          .addInput(raws[i]!, { part: 'all' })
          .addInput({ id: FOREIGN, run: 'elsewhere/run', datasetType: 'bias' }),
      }))
      await butler.registry.transaction(() => butler.registry.insertProvenance(entries))
      const back = await butler.registry.getProvenance([...calexps.map((r) => r.id), raws[0]!.id, 'bogus'])
      assert.equal(back.size, 80, 'raws (no provenance) and unknown IDs are left out')
      for (const { datasetId, provenance } of entries) assert.ok(back.get(datasetId)!.equals(provenance))
      assert.deepEqual(back.get(calexps[5]!.id)!.inputExtras.get(raws[5]!.id), { part: 'all' })
      assert.equal(await count('dataset_provenance_input', `input_id = '${FOREIGN}'`), 80)

      // What was made from a raw, and from the foreign input.
      const derived = await butler.registry.findDerived([raws[3]!.id, FOREIGN, raws[99]!.id])
      assert.deepEqual(
        derived.get(raws[3]!.id)!.map((r) => r.id),
        [calexps[3]!.id],
      )
      assert.equal(derived.get(FOREIGN)!.length, 80)
      assert.equal(derived.has(raws[99]!.id), false)

      // The same again is a no-op; something else is a conflict.
      await butler.registry.insertProvenance(entries.slice(0, 3))
      await assert.rejects(
        butler.registry.insertProvenance([
          { datasetId: calexps[0]!.id, provenance: new DatasetProvenance({ task: 'other' }) },
        ]),
        ConflictingDefinitionError,
      )
      assert.equal(await count('dataset_provenance', '1 = 1'), 80)
    })

    it('refuses unknown datasets, self-inputs, and rolls back with the transaction', async () => {
      const [coadd] = await datasets('coadd', 1)
      const p = new DatasetProvenance({ task: 'assemble' }).addInput(raws[0]!)
      await assert.rejects(
        butler.registry.insertProvenance([{ datasetId: FOREIGN, provenance: p }]),
        DatasetNotFoundError,
      )
      await assert.rejects(
        butler.registry.insertProvenance([
          { datasetId: coadd!.id, provenance: new DatasetProvenance().addInput(coadd!) },
        ]),
        InputError,
      )
      await assert.rejects(
        butler.registry.transaction(async () => {
          await butler.registry.insertProvenance([{ datasetId: coadd!.id, provenance: p }])
          throw new Error('abandon')
        }),
        /abandon/,
      )
      assert.equal((await butler.registry.getProvenance([coadd!.id])).size, 0)
      assert.equal(await count('dataset_provenance_input', `dataset_id = '${coadd!.id}'`), 0)
    })

    it('deletes a dataset own rows when it is removed, alone or with its run', async () => {
      const made = await datasets('coadd', 3)
      const inputs = raws.slice(10, 13)
      await butler.registry.insertProvenance(
        made.map((ref, i) => ({
          datasetId: ref.id,
          provenance: new DatasetProvenance({ task: 'assemble' }).addInput(inputs[i]!).addInput(raws[20]!),
        })),
      )
      const where = (refs: DatasetRef[]) => `dataset_id in (${refs.map((r) => `'${r.id}'`).join(', ')})`
      assert.equal(await count('dataset_provenance_input', where(made)), 6)
      // Removing an input leaves the records naming it (the walk shows it as no longer known).
      await butler.registry.removeDatasets([inputs[0]!])
      assert.equal(
        await count('dataset_provenance_input', `input_id = '${inputs[0]!.id}' and ${where(made)}`),
        1,
      )
      await butler.registry.removeDatasets([made[0]!])
      assert.equal(await count('dataset_provenance', where(made)), 2)
      assert.equal(await count('dataset_provenance_input', where(made)), 4)
      await butler.registry.removeRuns([made[1]!.run])
      assert.equal(await count('dataset_provenance', where(made)), 0)
      assert.equal(await count('dataset_provenance_input', where(made)), 0)
    })
  })

  describe(`provenance tables of older registries (${db.name})`, { skip: db.skip }, () => {
    let dir: string
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'butler-prov-upgrade-'))
    })
    after(() => rmSync(dir, { recursive: true, force: true }))

    /** Rewinds a new repository to an older schema version: no provenance tables. */
    const rewind = async (repo: string, version: string) => {
      const sql = [
        'drop table dataset_provenance_input',
        'drop table dataset_provenance',
        `update butler_attributes set value = '${version}' where name = 'schema_version'`,
      ]
      if (db.name === 'sqlite') {
        const { default: Database } = await import('better-sqlite3')
        const conn = new Database(join(repo, SQLITE_REGISTRY_FILE))
        for (const s of sql) conn.prepare(s).run()
        conn.close()
        return
      }
      const schema = (await selectRegistryRows(db, repo, 'select current_schema() as s'))[0]!.s as string
      const client = new pg.Client({ connectionString: PG_TEST_URL })
      await client.connect()
      try {
        await client.query(`set search_path to "${schema}"`)
        for (const s of sql) await client.query(s)
      } finally {
        await client.end()
      }
    }
    const version = async (repo: string) =>
      (
        await selectRegistryRows(
          db,
          repo,
          "select value from butler_attributes where name = 'schema_version'",
        )
      )[0]!.value

    it('creates the tables on open: 3.1.0 becomes 3.2.0, 3.0.0 keeps its version, 2.x is refused', async () => {
      assert.equal(SCHEMA_VERSION, '3.2.0')
      for (const [old, after] of [
        ['3.1.0', '3.2.0'],
        ['3.0.0', '3.0.0'],
      ] as const) {
        const repo = await createTestRepository(db, join(dir, `repo-${old}`))
        await rewind(repo, old)
        assert.equal(await version(repo), old)
        const butler = await openButler(repo)
        try {
          assert.equal(await version(repo), after)
          await insertCameraRecords(butler, { detectors: [1, 2] })
          const t = new DatasetType(
            'raw',
            butler.universe.group(['instrument', 'detector']),
            'StructuredDataDict',
          )
          await butler.registerDatasetType(t)
          await butler.registerRun('r')
          const [a, b] = await butler.registry.insertDatasets(t, 'r', [
            DataCoordinate.fromRequiredValues(t.dimensions, ['HSC', 1]),
            DataCoordinate.fromRequiredValues(t.dimensions, ['HSC', 2]),
          ])
          await butler.registry.insertProvenance([
            { datasetId: b!.id, provenance: new DatasetProvenance({ task: 't' }).addInput(a!) },
          ])
          assert.equal((await butler.registry.getProvenance([b!.id])).get(b!.id)!.inputs[0]!.id, a!.id)
        } finally {
          await butler.close()
        }
        // A second open finds the tables and writes nothing.
        const again = await openButler(repo)
        await again.close()
      }
      const repo = await createTestRepository(db, join(dir, 'repo-2'))
      await rewind(repo, '2.0.0')
      await assert.rejects(openButler(repo), RepositoryError)
    })
  })
}
