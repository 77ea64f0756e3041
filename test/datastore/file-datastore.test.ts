import { mkdtemp, rm, truncate, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FileDatastore } from '../../src/datastore/file/file-datastore.js'
import { DEFAULT_FILE_TEMPLATES, FileTemplates } from '../../src/datastore/file/file-template.js'
import { defaultUniverse } from '../../src/dimensions/index.js'
import { loadDefaultStorageClasses } from '../../src/formatters/default-storage-classes.js'
import { FormatterFactory } from '../../src/formatters/formatter-factory.js'
import { createSqlRegistry } from '../../src/registry/sql/create-sql-registry.js'
import { datastoreContract } from '../contracts/datastore-contract.js'

for (const checksum of [false, true]) {
  datastoreContract(`FileDatastore on SQLite (checksum ${checksum})`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'butler-fds-'))
    const registry = await createSqlRegistry({
      path: join(dir, 'registry.sqlite3'),
      universe: defaultUniverse(),
      create: true,
    })
    const storageClasses = loadDefaultStorageClasses()
    const root = join(dir, 'root')
    const datastore = new FileDatastore({
      root,
      bridge: registry.datastoreBridge,
      storageClasses,
      formatters: new FormatterFactory({ storageClasses }),
      templates: new FileTemplates(DEFAULT_FILE_TEMPLATES),
      checksum,
    })
    return {
      datastore,
      registry,
      async damage(ref, how) {
        const path = fileURLToPath(await datastore.getURI(ref))
        if (how === 'truncate') await truncate(path, 3)
        else await unlink(path)
      },
      async leaveLeftover(kind) {
        const name = kind === 'temporary' ? '.x.json.butler-tmp-0123456789abcdef' : 'stray.json'
        await writeFile(join(root, name), '{}')
      },
      async close() {
        await registry.close()
        await rm(dir, { recursive: true, force: true })
      },
    }
  })
}
