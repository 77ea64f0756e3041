/**
 * The registry contracts on PostgreSQL: each registry lives in a fresh schema of the test database
 * (`BUTLER_TEST_PG_URL`, default `postgresql://postgres@127.0.0.1:5432/postgres`), dropped afterwards.
 * Without a server the suites are skipped with the reason shown.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import pg from 'pg'
import { createRepository, openButler } from '../../src/create-butler.js'
import { DatasetType } from '../../src/datasets/dataset-type.js'
import { DataCoordinate } from '../../src/dimensions/data-coordinate.js'
import { RepositoryError } from '../../src/errors.js'
import { globToRegex } from '../../src/registry/postgres/postgres-adapter.js'
import { parsePostgresUrl, redactUrl } from '../../src/registry/postgres/postgres-url.js'
import type { Registry } from '../../src/registry/registry.js'
import { createSqlRegistry } from '../../src/registry/sql/create-sql-registry.js'
import { Timespan } from '../../src/time/timespan.js'
import { registryCollectionsContract } from '../contracts/registry-collections-contract.js'
import { type RegistryFactory, registryContract } from '../contracts/registry-contract.js'
import { freshSchema, PG_TEST_URL, POSTGRES_SKIP } from '../support/databases.js'
import { ids, insertCameraRecords } from '../support/records.js'

const url = PG_TEST_URL
const skip = POSTGRES_SKIP
const schemaOf = new WeakMap<Registry, string>()

const factory: RegistryFactory = {
  async make(universe) {
    const schema = freshSchema()
    const registry = await createSqlRegistry({ url, schema, create: true, ...(universe ? { universe } : {}) })
    schemaOf.set(registry, schema)
    return registry
  },
  async reopen(registry) {
    const schema = schemaOf.get(registry)!
    await registry.close()
    const again = await createSqlRegistry({ url, schema, create: false })
    schemaOf.set(again, schema)
    return again
  },
}

if (skip === undefined) {
  registryContract('PostgreSQL', factory)
  registryCollectionsContract('PostgreSQL', factory)
} else {
  describe('Registry contract: PostgreSQL', () => {
    it('runs the registry contracts on PostgreSQL', { skip }, () => {})
  })
}

describe('PostgreSQL registry connection', () => {
  it('names host, port and database, never the password, when no server answers', async () => {
    await assert.rejects(
      createSqlRegistry({ url: 'postgresql://someone:s3cret@127.0.0.1:1/nodb', create: false }),
      (e) => {
        assert.ok(e instanceof RepositoryError)
        assert.match(e.message, /127\.0\.0\.1:1\/nodb/)
        assert.match(e.message, /no server answers/)
        assert.doesNotMatch(e.message, /s3cret/)
        return true
      },
    )
  })

  it('refuses a missing database, a missing registry and a second create', { skip }, async () => {
    const missing = new URL(url)
    missing.pathname = '/butler_no_such_database'
    await assert.rejects(createSqlRegistry({ url: missing.toString(), create: true }), /does not exist/)
    const schema = freshSchema()
    await assert.rejects(createSqlRegistry({ url, schema, create: false }), /No registry found/)
    const r = await createSqlRegistry({ url, schema, create: true })
    await r.close()
    await assert.rejects(createSqlRegistry({ url, schema, create: true }), /already holds a registry/)
  })

  it('matches globs case-sensitively and treats a NUL character as a value', { skip }, async () => {
    const registry = await factory.make()
    try {
      await registry.registerRun('run/A_1')
      await registry.registerRun('run/a%1')
      const names = async (p: string) => (await registry.queryCollections(p)).map((c) => c.name)
      assert.deepEqual(await names('run/A*'), ['run/A_1'])
      assert.deepEqual(await names('run/?%1'), ['run/a%1'])
      assert.deepEqual(await names('run/[aA]?1'), ['run/A_1', 'run/a%1'])
      assert.deepEqual(await names('run/a?1'), ['run/a%1'])
      assert.deepEqual(await names('run/\u0000*'), [])
    } finally {
      await registry.close()
    }
  })

  it('refuses overlapping validity ranges in the database itself, keeps IDs as uuid and bulk-inserts', {
    skip,
  }, async () => {
    const schema = freshSchema()
    const registry = await createSqlRegistry({ url, schema, create: true })
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      await insertCameraRecords(registry, { detectors: ids(100, 1) })
      const bias = new DatasetType(
        'bias',
        registry.universe.group(['instrument', 'detector']),
        'StructuredDataDict',
        {
          isCalibration: true,
        },
      )
      await registry.registerDatasetType(bias)
      await registry.registerRun('calib/run')
      await registry.registerCollection('calib', 'CALIBRATION')
      // 100 rows take the bulk (unnest) path of the inserter.
      const refs = await registry.insertDatasets(
        bias,
        'calib/run',
        ids(100, 1).map((d) => DataCoordinate.fromRequiredValues(bias.dimensions, ['HSC', d])),
      )
      assert.equal(refs.length, 100)
      assert.equal((await registry.getDatasets(refs.map((r) => r.id))).length, 100)
      await registry.certify('calib', refs, Timespan.parse('2020-01-01T00:00:00', '2021-01-01T00:00:00'))
      await client.query(`set search_path to "${schema}"`)
      const { rows: types } = await client.query(
        `select data_type from information_schema.columns where table_schema = $1 and table_name = 'dataset' and column_name = 'id'`,
        [schema],
      )
      assert.deepEqual(types, [{ data_type: 'uuid' }])
      const { rows: tables } = await client.query(`select calib_table from dataset_type where name = 'bias'`)
      const table = tables[0].calib_table as string
      // A row slipping past the registry's check, overlapping detector 1's range: the constraint refuses it.
      await assert.rejects(
        client.query(
          `insert into ${table} (dataset_type_id, dataset_id, collection_id, instrument, detector, validity_begin, validity_end)
           select dataset_type_id, dataset_id, collection_id, instrument, detector, validity_begin + 1, validity_end + 1
           from ${table} where detector = 1`,
        ),
        (e: { code?: string }) => e.code === '23P01',
      )
      // Adjacent ranges do not overlap.
      await client.query(
        `insert into ${table} (dataset_type_id, dataset_id, collection_id, instrument, detector, validity_begin, validity_end)
         select dataset_type_id, dataset_id, collection_id, instrument, detector, validity_end, validity_end + 10
         from ${table} where detector = 1`,
      )
      // Non-UUID strings find nothing instead of failing the statement.
      assert.deepEqual(await registry.getDatasets(['not-a-uuid']), [])
    } finally {
      await client.end()
      await registry.close()
    }
  })

  it('bulk-inserts into the char(36) dataset ID columns of schema 3.0.0 registries without truncating', {
    skip,
  }, async () => {
    const schema = freshSchema()
    const registry = await createSqlRegistry({ url, schema, create: true })
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      await insertCameraRecords(registry, { detectors: ids(100, 1) })
      const raw = new DatasetType(
        'raw',
        registry.universe.group(['instrument', 'detector']),
        'StructuredDataDict',
      )
      await registry.registerDatasetType(raw)
      await registry.registerRun('run')
      // Give every dataset ID column the 3.0.0 type (foreign keys between them dropped first: this
      // test is about the inserter's array casts).
      await client.query(`set search_path to "${schema}"`)
      const { rows: fks } = await client.query(
        `select table_name, constraint_name from information_schema.table_constraints
         where table_schema = $1 and constraint_type = 'FOREIGN KEY'`,
        [schema],
      )
      for (const fk of fks) {
        await client.query(`alter table "${fk.table_name}" drop constraint "${fk.constraint_name}"`)
      }
      const { rows: columns } = await client.query(
        `select table_name, column_name from information_schema.columns
         where table_schema = $1 and data_type = 'uuid'`,
        [schema],
      )
      assert.ok(columns.length > 0)
      for (const c of columns) {
        await client.query(
          `alter table "${c.table_name}" alter column "${c.column_name}" type char(36) using "${c.column_name}"::text`,
        )
      }
      const again = await createSqlRegistry({ url, schema, create: false })
      try {
        // 100 rows take the bulk (unnest) path of the inserter.
        const refs = await again.insertDatasets(
          raw,
          'run',
          ids(100, 1).map((d) => DataCoordinate.fromRequiredValues(raw.dimensions, ['HSC', d])),
        )
        const { rows } = await client.query('select id from dataset')
        assert.deepEqual(rows.map((r) => (r.id as string).trim()).sort(), refs.map((r) => r.id).sort())
        assert.equal((await again.getDatasets(refs.map((r) => r.id))).length, 100)
      } finally {
        await again.close()
      }
    } finally {
      await client.end()
      await registry.close()
    }
  })

  it('creates and opens a repository whose registry is on the server, without writing the password', {
    skip,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'butler-pg-repo-'))
    const namespace = freshSchema()
    const withPassword = new URL(url)
    withPassword.password = 'not-written'
    try {
      await createRepository(dir, { config: { registry: { db: withPassword.toString(), namespace } } })
      const text = readFileSync(join(dir, 'butler.yaml'), 'utf8')
      assert.doesNotMatch(text, /not-written/)
      assert.match(text, new RegExp(`namespace: ${namespace}`))
      const butler = await openButler(dir, { run: 'u/me/run' })
      assert.deepEqual(
        (await butler.registry.queryCollections()).map((c) => c.name),
        ['u/me/run'],
      )
      await butler.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses a URL of another kind and a schema name that is not an identifier', async () => {
    await assert.rejects(createSqlRegistry({ url: 'mysql://x@h/db', create: true }), RepositoryError)
    await assert.rejects(
      createSqlRegistry({ url, schema: 'a"; drop', create: true }),
      /Invalid registry namespace/,
    )
  })

  it('parses URLs and redacts passwords', () => {
    assert.deepEqual(parsePostgresUrl('postgresql://u:p%40ss@db.example:6543/reg'), {
      host: 'db.example',
      port: 6543,
      database: 'reg',
      user: 'u',
      password: 'p@ss',
    })
    assert.equal(parsePostgresUrl('postgres://h').port, 5432)
    assert.equal(redactUrl('postgresql://u:secret@h:1/d'), 'postgresql://u@h:1/d')
  })

  it('turns globs into anchored regular expressions', () => {
    assert.equal(globToRegex('calexp*'), '^calexp.*$')
    assert.equal(globToRegex('a?.b[xy]'), '^a.\\.b[xy]$')
    assert.equal(globToRegex('run(1)+'), '^run\\(1\\)\\+$')
  })
})
