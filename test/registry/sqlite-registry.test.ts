import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { RepositoryError } from '../../src/errors.js'
import type { Registry } from '../../src/registry/registry.js'
import { createSqlRegistry } from '../../src/registry/sql/create-sql-registry.js'
import { registryCollectionsContract } from '../contracts/registry-collections-contract.js'
import { type RegistryFactory, registryContract } from '../contracts/registry-contract.js'

const dir = mkdtempSync(join(tmpdir(), 'butler-registry-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let counter = 0
const paths = new WeakMap<Registry, string>()

const fileFactory: RegistryFactory = {
  async make(universe) {
    const path = join(dir, `r${++counter}.sqlite3`)
    const registry = await createSqlRegistry({ path, create: true, ...(universe ? { universe } : {}) })
    paths.set(registry, path)
    return registry
  },
  async reopen(registry) {
    const path = paths.get(registry)!
    await registry.close()
    const again = await createSqlRegistry({ path, create: false })
    paths.set(again, path)
    return again
  },
}
const memoryFactory: RegistryFactory = {
  make: (universe) =>
    createSqlRegistry({ path: ':memory:', create: true, ...(universe ? { universe } : {}) }),
}

registryContract('SQLite file', fileFactory)
registryContract('SQLite :memory:', memoryFactory)
registryCollectionsContract('SQLite file', fileFactory)
registryCollectionsContract('SQLite :memory:', memoryFactory)

describe('createSqlRegistry', () => {
  it('refuses a missing database, an existing one on create, and a newer schema', async () => {
    const path = join(dir, 'versions.sqlite3')
    await assert.rejects(createSqlRegistry({ path, create: false }), RepositoryError)
    const r = await createSqlRegistry({ path, create: true })
    await r.setAttribute('schema_version', '99.0.0')
    await r.close()
    await assert.rejects(createSqlRegistry({ path, create: true }), RepositoryError)
    await assert.rejects(createSqlRegistry({ path, create: false }), /schema version 99\.0\.0/)
  })

  it('refuses a registry of the old schema 1.x with a clear message', async () => {
    const path = join(dir, 'old.sqlite3')
    const r = await createSqlRegistry({ path, create: true })
    await r.setAttribute('schema_version', '1.0.0')
    await r.close()
    await assert.rejects(createSqlRegistry({ path, create: false }), (e) => {
      assert.ok(e instanceof RepositoryError)
      assert.match(e.message, /old schema version 1\.0\.0/)
      assert.match(e.message, /new repository/)
      return true
    })
  })
})
