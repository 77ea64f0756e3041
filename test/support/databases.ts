/**
 * The registry databases that butler-level tests run on: SQLite always, PostgreSQL when a server
 * answers at `BUTLER_TEST_PG_URL` (default `postgresql://postgres@127.0.0.1:5432/postgres`).
 *
 * Each PostgreSQL repository gets a fresh schema; importing this module registers one `after` hook
 * that drops them all when the test file ends. Without a server the PostgreSQL suites are skipped
 * with the reason shown (in CI, where a server is always provided, the file fails instead).
 */
import { join } from 'node:path'
import { after } from 'node:test'
import Database from 'better-sqlite3'
import pg from 'pg'
import { type CreateRepositoryOptions, createRepository } from '../../src/create-butler.js'
import { SQLITE_REGISTRY_FILE } from '../../src/direct/repo-config.js'
import { redactUrl } from '../../src/registry/postgres/postgres-url.js'

/** URL of the PostgreSQL database the tests create their schemas in. */
export const PG_TEST_URL = process.env.BUTLER_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'

/** A database to run a suite on. */
export interface TestDatabase {
  /** `sqlite` or `postgresql`, for suite names. */
  readonly name: 'sqlite' | 'postgresql'
  /** A skip reason when the database is unavailable, else `false`. */
  readonly skip: string | false
}

/** Returns undefined when a PostgreSQL server answers at `url`, else the reason it does not. */
export async function probePostgres(url: string = PG_TEST_URL): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('select 1')
    return undefined
  } catch (error) {
    return `no PostgreSQL server at ${redactUrl(url)} (${(error as Error).message || String(error)})`
  } finally {
    await client.end().catch(() => {})
  }
}

/** Why PostgreSQL tests are skipped (no server answers), or undefined when they run. */
export const POSTGRES_SKIP: string | undefined = await probePostgres()
if (POSTGRES_SKIP !== undefined && process.env.CI)
  throw new Error(`CI must provide PostgreSQL: ${POSTGRES_SKIP}`)

/** The databases every butler-level suite runs on. */
export const DATABASES: readonly TestDatabase[] = [
  { name: 'sqlite', skip: false },
  { name: 'postgresql', skip: POSTGRES_SKIP ?? false },
]

const schemas: string[] = []
const schemaOfRepo = new Map<string, string>()

after(async () => {
  if (schemas.length === 0) return
  const client = new pg.Client({ connectionString: PG_TEST_URL })
  await client.connect()
  try {
    for (const s of schemas) await client.query(`drop schema if exists "${s}" cascade`)
  } finally {
    await client.end()
  }
})

/** A fresh schema name in the test database, dropped when the test file ends. */
export function freshSchema(): string {
  const schema = `butler_test_${process.pid}_${schemas.length + 1}`
  schemas.push(schema)
  return schema
}

/**
 * Creates a repository at `root` whose registry is on `db` (for PostgreSQL, in a fresh schema);
 * `options.config` is merged over the registry settings.
 */
export async function createTestRepository(
  db: TestDatabase,
  root: string,
  options: CreateRepositoryOptions = {},
): Promise<string> {
  if (db.name === 'sqlite') return createRepository(root, options)
  const namespace = freshSchema()
  const config = options.config ?? {}
  const registry = { db: PG_TEST_URL, namespace, ...((config.registry as object | undefined) ?? {}) }
  const repo = await createRepository(root, { ...options, config: { ...config, registry } })
  schemaOfRepo.set(repo, namespace)
  return repo
}

/**
 * Runs a read-only SQL query against the registry tables of a repository made by
 * `createTestRepository`, on whichever database it is (for checks of internal tables the public API
 * does not show). Numeric columns come back as numbers on both databases.
 */
export async function selectRegistryRows(
  db: TestDatabase,
  repo: string,
  sql: string,
): Promise<Record<string, unknown>[]> {
  if (db.name === 'sqlite') {
    const conn = new Database(join(repo, SQLITE_REGISTRY_FILE), { readonly: true })
    try {
      return conn.prepare(sql).all() as Record<string, unknown>[]
    } finally {
      conn.close()
    }
  }
  const schema = schemaOfRepo.get(repo)
  if (!schema) throw new Error(`${repo} was not made by createTestRepository on PostgreSQL`)
  const client = new pg.Client({ connectionString: PG_TEST_URL })
  await client.connect()
  try {
    await client.query(`set search_path to "${schema}"`)
    const result = await client.query(sql)
    // pg returns bigint (OID 20) columns as strings; SQLite gives numbers.
    const bigints = result.fields.filter((f) => f.dataTypeID === 20).map((f) => f.name)
    return result.rows.map((row: Record<string, unknown>) => {
      for (const k of bigints) if (typeof row[k] === 'string') row[k] = Number(row[k])
      return row
    })
  } finally {
    await client.end()
  }
}
