/**
 * The registry databases the multi-process tests run on, from the shared `test/support/databases.ts`
 * (SQLite, and PostgreSQL in a fresh schema dropped when the file ends; skipped with the reason
 * shown when no server answers), plus a wait for a killed process's PostgreSQL sessions to end.
 */
import pg from 'pg'
import { createTestRepository, DATABASES, PG_TEST_URL } from '../support/databases.js'

/** One registry database a repository can be created on. */
export interface TestBackend {
  /** Name shown in test titles. */
  readonly name: 'SQLite' | 'PostgreSQL'
  /** Why the tests on this database are skipped, or false when they run. */
  readonly skip: string | false
  /** Creates a repository at `root` whose registry is on this database. */
  createRepository(root: string): Promise<void>
}

/** SQLite and PostgreSQL. */
export function testBackends(): TestBackend[] {
  return DATABASES.map((db) => ({
    name: db.name === 'sqlite' ? 'SQLite' : 'PostgreSQL',
    skip: db.skip,
    async createRepository(root: string) {
      await createTestRepository(db, root)
    },
  }))
}

/**
 * Waits until the PostgreSQL server has no session left whose `application_name` is `appName` (the
 * sessions of a killed process end once the server notices the closed socket).
 */
export async function waitForSessionsToEnd(appName: string, timeoutMs = 30_000): Promise<void> {
  const client = new pg.Client({ connectionString: PG_TEST_URL })
  await client.connect()
  try {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const { rows } = await client.query(
        'select count(*)::int as n from pg_stat_activity where application_name = $1',
        [appName],
      )
      if (rows[0].n === 0) return
      if (Date.now() > deadline) throw new Error(`sessions of ${appName} still open after ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 20))
    }
  } finally {
    await client.end()
  }
}
