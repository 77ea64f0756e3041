/**
 * Tag tables have no cascading foreign keys (see docs/registry-schema.md, "Writers and foreign
 * keys"): removing datasets, TAGGED collections and runs must delete their tag rows itself. Queries
 * join tag rows to `dataset`, so a left-over row would not show through the API; these tests read
 * the tables, on SQLite and on PostgreSQL.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { openButler } from '../../src/create-butler.js'
import { DatasetType } from '../../src/datasets/dataset-type.js'
import { DataCoordinate } from '../../src/dimensions/data-coordinate.js'
import type { DirectButler } from '../../src/direct/direct-butler.js'
import { DatasetNotFoundError, MissingCollectionError } from '../../src/errors.js'
import { createTestRepository, DATABASES, selectRegistryRows } from '../support/databases.js'
import { ids, insertCameraRecords } from '../support/records.js'

for (const db of DATABASES) {
  describe(`tag rows go with what they belong to (${db.name})`, { skip: db.skip }, () => {
    let dir: string
    let repo: string
    let butler: DirectButler
    const type = (g: string[]) => new DatasetType('calexp', butler.universe.group(g), 'StructuredDataDict')
    const count = async (where: string) => {
      const [type] = (await selectRegistryRows(
        db,
        repo,
        "select tag_table from dataset_type where name = 'calexp'",
      )) as { tag_table: string }[]
      const [row] = await selectRegistryRows(
        db,
        repo,
        `select count(*) as n from ${type!.tag_table} where ${where}`,
      )
      return Number(row!.n)
    }
    const collectionId = async (name: string) =>
      Number(
        (
          await selectRegistryRows(db, repo, `select collection_id from collection where name = '${name}'`)
        )[0]!.collection_id,
      )

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'butler-tags-'))
      repo = await createTestRepository(db, join(dir, 'repo'))
      butler = await openButler(repo)
      await insertCameraRecords(butler, { detectors: ids(10, 1) })
      await butler.registerDatasetType(type(['instrument', 'detector']))
    })
    after(async () => {
      await butler.close()
      rmSync(dir, { recursive: true, force: true })
    })

    it('removes the tag rows of removed datasets, TAGGED collections and runs', async () => {
      const t = type(['instrument', 'detector'])
      const coords = (n: number, from: number) =>
        ids(n, from).map((d) => DataCoordinate.fromRequiredValues(t.dimensions, ['HSC', d]))
      await butler.registerRun('run/a')
      await butler.registerRun('run/b')
      await butler.registry.registerCollection('tagged/x', 'TAGGED')
      await butler.registry.registerCollection('tagged/y', 'TAGGED')
      const a = await butler.registry.insertDatasets(t, 'run/a', coords(10, 1))
      const b = await butler.registry.insertDatasets(t, 'run/b', coords(5, 1))
      await butler.registry.associate('tagged/x', a.slice(0, 5))
      await butler.registry.associate('tagged/y', b)
      const [x, y, runA, runB] = await Promise.all(
        ['tagged/x', 'tagged/y', 'run/a', 'run/b'].map(collectionId),
      )
      assert.equal(await count(`collection_id = ${x}`), 5)

      // Removing datasets removes their RUN and TAGGED rows.
      await butler.registry.removeDatasets(a.slice(0, 2))
      assert.equal(await count(`collection_id = ${runA}`), 8)
      assert.equal(await count(`collection_id = ${x}`), 3)

      // Removing a TAGGED collection removes its rows only.
      await butler.registry.removeCollection('tagged/x')
      assert.equal(await count(`collection_id = ${x}`), 0)
      assert.equal(await count(`collection_id = ${runA}`), 8)

      // Removing a run removes its datasets' rows in every collection.
      await butler.registry.removeRuns(['run/b'])
      assert.equal(await count(`collection_id = ${runB}`), 0)
      assert.equal(await count(`collection_id = ${y}`), 0)
      assert.equal(await count('1 = 1'), 8)
    })

    it('refuses writes that refer to a removed run, collection or dataset', async () => {
      const t = type(['instrument', 'detector'])
      await butler.registerRun('run/gone')
      await butler.registry.registerCollection('tagged/gone', 'TAGGED')
      const [ref] = await butler.registry.insertDatasets(t, 'run/gone', [
        DataCoordinate.fromRequiredValues(t.dimensions, ['HSC', 1]),
      ])
      // Another process removes them; this one still has them cached.
      const other = await openButler(repo)
      try {
        await other.registry.removeCollection('tagged/gone')
        await other.registry.removeDatasets([ref!])
        await other.registry.removeRuns(['run/gone'])
      } finally {
        await other.close()
      }
      await assert.rejects(
        butler.registry.insertDatasets(t, 'run/gone', [
          DataCoordinate.fromRequiredValues(t.dimensions, ['HSC', 2]),
        ]),
        MissingCollectionError,
      )
      await butler.registry.registerCollection('tagged/new', 'TAGGED')
      await assert.rejects(butler.registry.associate('tagged/new', [ref!]), DatasetNotFoundError)
      assert.equal(await count(`dataset_id = '${ref!.id}'`), 0)
    })
  })
}
