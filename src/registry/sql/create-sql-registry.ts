/**
 * Creating and opening SQL registries.
 */
import { defaultUniverse } from '../../dimensions/default-universe.js'
import { DimensionUniverse } from '../../dimensions/dimension-universe.js'
import { RepositoryError } from '../../errors.js'
import { createSqliteAdapter } from '../sqlite/sqlite-adapter.js'
import type { SqlDialectAdapter } from './dialect-adapter.js'
import {
  createElementTables,
  createStaticTables,
  SCHEMA_VERSION,
  SCHEMA_VERSION_KEY,
  UNIVERSE_CONFIG_KEY,
} from './schema.js'
import { SqlContext } from './sql-context.js'
import { SqlRegistry } from './sql-registry.js'

/** Options of `createSqlRegistry`. */
export interface SqlRegistryOptions {
  /** SQLite database file, or `:memory:`. */
  readonly path: string
  /** Universe of a new registry (default: the package's); an existing one uses the universe it stores. */
  readonly universe?: DimensionUniverse
  /** Create a new registry (an existing one is an error) rather than open an existing one. */
  readonly create: boolean
}

/**
 * Creates a new registry database or opens an existing one. On open, the universe is read back from
 * the database, and a schema with another major version than this code's is refused.
 *
 * @example
 * const registry = await createSqlRegistry({ path: 'repo/gen3.sqlite3', create: true })
 */
export async function createSqlRegistry(options: SqlRegistryOptions): Promise<SqlRegistry> {
  const adapter = createSqliteAdapter({ path: options.path, create: options.create })
  try {
    return await openRegistry(adapter, options)
  } catch (error) {
    await adapter.close()
    throw error
  }
}

async function openRegistry(adapter: SqlDialectAdapter, options: SqlRegistryOptions): Promise<SqlRegistry> {
  const tables = await adapter.db.introspection.getTables()
  const exists = tables.some((t) => t.name === 'butler_attributes')
  if (!exists) {
    if (!options.create) throw new RepositoryError(`No registry found in ${options.path}`)
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
  if (options.create) throw new RepositoryError(`${options.path} already holds a registry`)
  const rows = await adapter.db
    .selectFrom('butler_attributes')
    .select(['name', 'value'])
    .where('name', 'in', [SCHEMA_VERSION_KEY, UNIVERSE_CONFIG_KEY])
    .execute()
  const attrs = new Map(rows.map((r) => [String(r.name), String(r.value)]))
  const version = attrs.get(SCHEMA_VERSION_KEY)
  const config = attrs.get(UNIVERSE_CONFIG_KEY)
  if (!version || !config) throw new RepositoryError(`The registry in ${options.path} is incomplete`)
  const major = Number(version.split('.')[0])
  const supported = Number(SCHEMA_VERSION.split('.')[0])
  if (!(major <= supported)) {
    throw new RepositoryError(
      `The registry in ${options.path} has schema version ${version}; this code supports ${SCHEMA_VERSION} (upgrade the package)`,
    )
  }
  if (major < supported) {
    throw new RepositoryError(
      `The registry in ${options.path} has the old schema version ${version}; this code needs ${SCHEMA_VERSION} and cannot migrate it (create a new repository and import an export of the old one)`,
    )
  }
  const universe = DimensionUniverse.fromConfig(JSON.parse(config), `${options.path}:${UNIVERSE_CONFIG_KEY}`)
  return new SqlRegistry(new SqlContext(adapter, universe))
}
