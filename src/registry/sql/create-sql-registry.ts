/**
 * Creating and opening SQL registries.
 */
import { defaultUniverse } from '../../dimensions/default-universe.js'
import { DimensionUniverse } from '../../dimensions/dimension-universe.js'
import { RepositoryError } from '../../errors.js'
import { createPostgresAdapter } from '../postgres/postgres-adapter.js'
import { createSqliteAdapter } from '../sqlite/sqlite-adapter.js'
import type { SqlDialectAdapter } from './dialect-adapter.js'
import {
  createElementTables,
  createProvenanceTables,
  createStaticTables,
  PROVENANCE_TABLES,
  SCHEMA_VERSION,
  SCHEMA_VERSION_KEY,
  UNIVERSE_CONFIG_KEY,
} from './schema.js'
import { RETRY, SqlContext } from './sql-context.js'
import { SqlRegistry } from './sql-registry.js'

interface CommonOptions {
  /** Universe of a new registry (default: the package's); an existing one uses the universe it stores. */
  readonly universe?: DimensionUniverse
  /** Create a new registry (an existing one is an error) rather than open an existing one. */
  readonly create: boolean
}

/** Options of a SQLite registry. */
export interface SqliteRegistryOptions extends CommonOptions {
  /** SQLite database file, or `:memory:`. */
  readonly path: string
}

/** Options of a PostgreSQL registry. */
export interface PostgresRegistryOptions extends CommonOptions {
  /** `postgresql://user[:password]@host:port/db`; without a password, `PGPASSWORD` or `~/.pgpass` is used. */
  readonly url: string
  /** Schema (namespace) holding the registry's tables; created when missing if `create` is set. */
  readonly schema?: string
}

/** Options of `createSqlRegistry`: a SQLite file (`path`) or a PostgreSQL server (`url`). */
export type SqlRegistryOptions = SqliteRegistryOptions | PostgresRegistryOptions

/**
 * Creates a new registry database or opens an existing one, in a SQLite file or on a PostgreSQL
 * server. On open, the universe is read back from
 * the database, and a schema with another major version than this code's is refused.
 *
 * @example
 * const registry = await createSqlRegistry({ path: 'repo/gen3.sqlite3', create: true })
 */
export async function createSqlRegistry(options: SqlRegistryOptions): Promise<SqlRegistry> {
  const adapter =
    'url' in options
      ? await createPostgresAdapter({
          url: options.url,
          create: options.create,
          ...(options.schema === undefined ? {} : { schema: options.schema }),
        })
      : createSqliteAdapter({ path: options.path, create: options.create })
  try {
    return await openRegistry(adapter, options)
  } catch (error) {
    await adapter.close()
    throw error
  }
}

async function openRegistry(adapter: SqlDialectAdapter, options: SqlRegistryOptions): Promise<SqlRegistry> {
  const where = adapter.location
  if (!(await adapter.hasTable('butler_attributes'))) {
    if (!options.create) throw new RepositoryError(`No registry found in ${where}`)
    const universe = options.universe ?? defaultUniverse()
    const ctx = new SqlContext(adapter, universe)
    await ctx.transaction(async () => {
      await createStaticTables(ctx.db, adapter)
      await createElementTables(ctx.db, adapter, universe)
      await ctx.db
        .insertInto('butler_attributes')
        .values([
          { name: SCHEMA_VERSION_KEY, value: SCHEMA_VERSION },
          { name: UNIVERSE_CONFIG_KEY, value: JSON.stringify(universe.toConfig()) },
        ])
        .execute()
    })
    return new SqlRegistry(ctx)
  }
  if (options.create) throw new RepositoryError(`${where} already holds a registry`)
  const rows = await adapter.db
    .selectFrom('butler_attributes')
    .select(['name', 'value'])
    .where('name', 'in', [SCHEMA_VERSION_KEY, UNIVERSE_CONFIG_KEY])
    .execute()
  const attrs = new Map(rows.map((r) => [String(r.name), String(r.value)]))
  const version = attrs.get(SCHEMA_VERSION_KEY)
  const config = attrs.get(UNIVERSE_CONFIG_KEY)
  if (!version || !config) throw new RepositoryError(`The registry in ${where} is incomplete`)
  const major = Number(version.split('.')[0])
  const supported = Number(SCHEMA_VERSION.split('.')[0])
  if (!(major <= supported)) {
    throw new RepositoryError(
      `The registry in ${where} has schema version ${version}; this code supports ${SCHEMA_VERSION} (upgrade the package)`,
    )
  }
  if (major < supported) {
    throw new RepositoryError(
      `The registry in ${where} has the old schema version ${version}; this code needs ${SCHEMA_VERSION} and cannot migrate it (create a new repository and import an export of the old one)`,
    )
  }
  const universe = DimensionUniverse.fromConfig(JSON.parse(config), `${where}:${UNIVERSE_CONFIG_KEY}`)
  const ctx = new SqlContext(adapter, universe)
  await addMissingTables(ctx, version)
  return new SqlRegistry(ctx)
}

/** Advisory lock space (with key 0) of the upgrade below, so that two openers never race. */
const UPGRADE_LOCK_SPACE = 0x70726f76

/**
 * Brings an older minor version of the current major up to date: creates the provenance tables
 * (3.2.0) where they are missing, and records 3.2.0 over a 3.1.x version. A 3.0.0 database keeps
 * its version, which also says that its other tables are laid out as in 3.0.0.
 */
async function addMissingTables(ctx: SqlContext, version: string): Promise<void> {
  const adapter = ctx.adapter
  const present = async (db = adapter.db) => {
    for (const table of PROVENANCE_TABLES) if (!(await adapter.hasTable(table, db))) return false
    return true
  }
  if (await present()) return
  try {
    await ctx.transaction(async () => {
      await adapter.lockUntilCommit(ctx.db, UPGRADE_LOCK_SPACE, 0)
      if (await present(ctx.db)) return
      // IDs are compared with `dataset.id`, which 3.0.0 PostgreSQL registries store as char(36):
      // there the new tables hold text (not char, which bulk inserts' array casts would truncate).
      const tables = await ctx.db.introspection.getTables()
      const idColumn = tables.find((t) => t.name === 'dataset')?.columns.find((c) => c.name === 'id')
      const textIds =
        adapter.uuidType === 'uuid' && idColumn !== undefined && !/uuid/i.test(idColumn.dataType)
      const idType = textIds ? 'text' : adapter.uuidType
      await createProvenanceTables(ctx.db, adapter, idType)
      const [major, minor] = version.split('.').map(Number)
      const [, current] = SCHEMA_VERSION.split('.').map(Number)
      if (major === 3 && minor! >= 1 && minor! < current!) {
        await ctx.db
          .updateTable('butler_attributes')
          .set({ value: SCHEMA_VERSION })
          .where('name', '=', SCHEMA_VERSION_KEY)
          .execute()
      }
    }, RETRY)
  } catch (cause) {
    throw new RepositoryError(
      `Cannot add the provenance tables of schema ${SCHEMA_VERSION} to the registry in ${adapter.location} ` +
        `(schema ${version}); open it once with write access (${cause instanceof Error ? cause.message : String(cause)})`,
      { cause },
    )
  }
}
