/**
 * Creating and opening repositories: the entry point from a path on disk to a working `Butler`.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { StorageClassFactory } from './datasets/storage-class.js'
import { CompositesPolicy } from './datastore/composites.js'
import { DEFAULT_FILE_TEMPLATES, FileTemplates } from './datastore/file/file-template.js'
import { defaultUniverse } from './dimensions/default-universe.js'
import type { DataIdValue } from './dimensions/dimension-record.js'
import { DimensionUniverse } from './dimensions/dimension-universe.js'
import { checkDatastoreStorage, createDatastore } from './direct/datastore-from-config.js'
import { DirectButler } from './direct/direct-butler.js'
import type { ObjectCacheOptions } from './direct/object-cache.js'
import {
  dumpRepoConfig,
  expandRoot,
  parseRepoConfig,
  REPO_CONFIG_FILE,
  type RepoConfig,
  sqlitePathOf,
  validateRepoConfig,
} from './direct/repo-config.js'
import { ConfigError, RepositoryError } from './errors.js'
import { loadDefaultStorageClasses } from './formatters/default-storage-classes.js'
import { FormatterFactory } from './formatters/formatter-factory.js'
import { isPostgresUrl, redactUrl } from './registry/postgres/postgres-url.js'
import { createSqlRegistry } from './registry/sql/create-sql-registry.js'

/** Options of `createRepository`. */
export interface CreateRepositoryOptions {
  /** Config keys to write into `butler.yaml` (merged over the defaults). */
  readonly config?: Readonly<Record<string, unknown>>
  /** A dimension universe other than the default (YAML text in the reference format). */
  readonly dimensionConfig?: string
  /** Replace an existing `butler.yaml` (the registry must not exist yet). */
  readonly overwrite?: boolean
}

/** Options of `openButler`. */
export interface OpenButlerOptions {
  /** Default RUN for writes (registered if missing). */
  readonly run?: string
  /** Default collections searched by reads (default: `[run]`). */
  readonly collections?: readonly string[]
  /** Default data ID values (`{ instrument: 'HSC' }`). */
  readonly dataIdDefaults?: Readonly<Record<string, DataIdValue>>
  /** Overrides of the repository's `objectCache` config for this butler (`{ enabled: false }`). */
  readonly objectCache?: ObjectCacheOptions
}

/**
 * Creates an empty repository: writes `butler.yaml` and creates the registry database.
 *
 * @example
 * await createRepository('/data/repo')
 * const butler = await openButler('/data/repo', { run: 'u/me/run1' })
 */
export async function createRepository(root: string, options: CreateRepositoryOptions = {}): Promise<string> {
  const repo = resolve(root)
  const configPath = join(repo, REPO_CONFIG_FILE)
  if (existsSync(configPath) && !options.overwrite) {
    throw new RepositoryError(`A repository already exists at ${repo} (${REPO_CONFIG_FILE} is there)`)
  }
  const config = validateRepoConfig(options.config ?? {}, 'repository config')
  const universe = options.dimensionConfig
    ? DimensionUniverse.fromYaml(options.dimensionConfig, 'dimension config')
    : defaultUniverse()
  const target = registryTarget(config, repo)
  if ('path' in target && target.path !== ':memory:' && existsSync(target.path)) {
    throw new RepositoryError(`A registry database already exists at ${target.path}`)
  }
  // The bucket of an object store must exist and its prefix be empty, before anything is made.
  await checkDatastoreStorage(config.datastore)
  await mkdir(repo, { recursive: true })
  // Check every config section now, so a bad config never leaves a half-made repository.
  buildStorageClasses(config)
  new FormatterFactory({ config: config.datastore.formatters })
  new FileTemplates({ ...DEFAULT_FILE_TEMPLATES, ...config.datastore.templates })
  new CompositesPolicy(config.datastore.composites)
  if ('path' in target) await mkdir(dirname(target.path), { recursive: true })
  const registry = await createSqlRegistry({ ...target, universe, create: true })
  await registry.close()
  await writeFile(configPath, dumpRepoConfig(config))
  return repo
}

/** Opens a repository (its folder or its `butler.yaml`) as a `DirectButler`. */
export async function openButler(location: string, options: OpenButlerOptions = {}): Promise<DirectButler> {
  const { repo, configPath } = await locateRepository(location)
  let text: string
  try {
    text = await readFile(configPath, 'utf8')
  } catch (cause) {
    throw new RepositoryError(`Cannot read ${configPath}`, { cause })
  }
  const config = parseRepoConfig(text, configPath)
  const storageClasses = buildStorageClasses(config)
  const formatters = new FormatterFactory({ config: config.datastore.formatters, storageClasses })
  const templates = new FileTemplates({ ...DEFAULT_FILE_TEMPLATES, ...config.datastore.templates })
  const target = registryTarget(config, repo)
  if ('path' in target && target.path !== ':memory:' && !existsSync(target.path)) {
    throw new RepositoryError(`The registry database of ${repo} is missing (${target.path})`)
  }
  const registry = await createSqlRegistry({ ...target, create: false })
  let datastore: ReturnType<typeof createDatastore>
  try {
    datastore = createDatastore(config.datastore, {
      repo,
      bridge: registry.datastoreBridge,
      storageClasses,
      formatters,
      templates,
    })
  } catch (error) {
    await registry.close()
    throw error
  }
  try {
    if (options.run) await registry.registerRun(options.run)
  } catch (error) {
    await registry.close()
    throw error
  }
  return new DirectButler(registry, datastore, storageClasses, {
    ...options,
    objectCache: { ...config.objectCache, ...options.objectCache },
  })
}

/** Reads a repository's config (for `butler config-dump`), with defaults filled in. */
export async function readRepoConfig(location: string): Promise<RepoConfig> {
  const { configPath } = await locateRepository(location)
  return parseRepoConfig(await readFile(configPath, 'utf8'), configPath)
}

async function locateRepository(location: string): Promise<{ repo: string; configPath: string }> {
  const path = resolve(location)
  let isDir = false
  try {
    isDir = (await stat(path)).isDirectory()
  } catch {
    throw new RepositoryError(`No repository at ${path}: it does not exist`)
  }
  const configPath = isDir ? join(path, REPO_CONFIG_FILE) : path
  if (!existsSync(configPath))
    throw new RepositoryError(`No repository at ${path}: ${REPO_CONFIG_FILE} is missing`)
  return { repo: dirname(configPath), configPath }
}

/** Where the registry is: a SQLite file, or a PostgreSQL URL and optional schema. */
function registryTarget(
  config: RepoConfig,
  repo: string,
): { readonly path: string } | { readonly url: string; readonly schema?: string } {
  const db = expandRoot(config.registry.db, repo)
  if (isPostgresUrl(db)) {
    const namespace = config.registry.namespace
    return namespace === undefined ? { url: db } : { url: db, schema: namespace }
  }
  const path = sqlitePathOf(db)
  if (!path) {
    throw new ConfigError(
      `registry.db '${redactUrl(config.registry.db)}' is not supported: use sqlite:///<path> or postgresql://user@host:port/db`,
    )
  }
  return { path }
}

function buildStorageClasses(config: RepoConfig): StorageClassFactory {
  const factory = loadDefaultStorageClasses()
  if (Object.keys(config.storageClasses).length > 0)
    factory.addFromConfig({ storageClasses: config.storageClasses })
  return factory
}
