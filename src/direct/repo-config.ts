/**
 * The repository config file, `butler.yaml`: which registry database and which datastore, with what
 * templates, formatters and storage classes. Documented key by key in docs/configuration.md.
 */
import { normalize } from 'node:path'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import { z } from 'zod'
import { resolveCacheSettings } from '../datastore/cache/cache-config.js'
import { isS3Uri, parseS3Root } from '../datastore/object-store/s3-location.js'
import { ConfigError } from '../errors.js'

/** Token replaced by the repository root when a config is read. */
export const BUTLER_ROOT_TOKEN = '<butlerRoot>'

/** Name of the config file at the root of every repository. */
export const REPO_CONFIG_FILE = 'butler.yaml'

/** Name of the default SQLite registry file. */
export const SQLITE_REGISTRY_FILE = 'gen3.sqlite3'

/** The datastore kinds `datastore.cls` names. */
export const DATASTORE_CLASSES = ['FileDatastore', 'ObjectStoreDatastore'] as const

const formatterEntry = z.union([
  z.string(),
  z.strictObject({ formatter: z.string(), parameters: z.record(z.string(), z.unknown()).optional() }),
])

const lookupMap = <T extends z.ZodType>(entry: T) =>
  z.record(z.string(), z.union([entry, z.record(z.string(), entry)]))

const schema = z.strictObject({
  datastore: z
    .strictObject({
      cls: z.enum(DATASTORE_CLASSES).default('FileDatastore'),
      name: z.string().min(1).optional(),
      root: z.string().min(1).default(BUTLER_ROOT_TOKEN),
      /** Object stores: endpoint URL of an S3-compatible server (default: AWS). */
      endpoint: z.string().min(1).optional(),
      /** Object stores: region (default us-east-1). */
      region: z.string().min(1).optional(),
      /** Object stores: path-style bucket addressing (default: true when an endpoint is given). */
      forcePathStyle: z.boolean().optional(),
      /** Object stores: the local file cache of artifacts read (validated by `resolveCacheSettings`). */
      cached: z.record(z.string(), z.unknown()).nullable().optional(),
      checksum: z.boolean().default(false),
      fsync: z.boolean().default(true),
      concurrency: z.number().int().min(1).max(256).default(16),
      templates: lookupMap(z.union([z.string(), z.literal(false)])).default({}),
      formatters: lookupMap(formatterEntry).default({}),
      composites: z
        .strictObject({
          default: z.boolean().default(false),
          disassembled: z
            .record(z.string(), z.union([z.boolean(), z.record(z.string(), z.boolean())]))
            .default({}),
        })
        .prefault({}),
    })
    .prefault({}),
  /** The in-process cache of objects read (see docs/configuration.md). */
  objectCache: z
    .strictObject({
      enabled: z.boolean().default(true),
      maxBytes: z
        .number()
        .int()
        .min(0)
        .default(256 * 1024 * 1024),
      maxEntries: z.number().int().min(0).default(10_000),
    })
    .prefault({}),
  registry: z
    .strictObject({
      db: z.string().min(1).default(`sqlite:///${BUTLER_ROOT_TOKEN}/${SQLITE_REGISTRY_FILE}`),
      /** PostgreSQL schema holding the registry's tables (ignored by SQLite). */
      namespace: z.string().min(1).optional(),
    })
    .prefault({}),
  storageClasses: z.record(z.string(), z.unknown()).default({}),
})

/** A validated repository config (defaults filled in, `<butlerRoot>` still unexpanded). */
export type RepoConfig = z.infer<typeof schema>

/** Validates a parsed config object; errors name the key and the file. */
export function validateRepoConfig(raw: unknown, source: string): RepoConfig {
  const parsed = schema.safeParse(raw ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const key = issue.path.length > 0 ? issue.path.join('.') : '(top level)'
    throw new ConfigError(`${source}: invalid value at '${key}': ${issue.message}`)
  }
  checkDatastoreKeys(parsed.data.datastore, source)
  return parsed.data
}

/** Keys that only make sense for one datastore kind, and an S3 root only for object stores. */
function checkDatastoreKeys(datastore: RepoConfig['datastore'], source: string): void {
  const s3Root = isS3Uri(datastore.root)
  if (datastore.cls === 'FileDatastore') {
    if (s3Root) {
      throw new ConfigError(
        `${source}: datastore.root '${datastore.root}' is in an object store; set datastore.cls: ObjectStoreDatastore`,
      )
    }
    for (const key of ['endpoint', 'region', 'forcePathStyle', 'cached'] as const) {
      if (datastore[key] !== undefined) {
        throw new ConfigError(
          `${source}: datastore.${key} applies only to datastore.cls: ObjectStoreDatastore`,
        )
      }
    }
    return
  }
  if (!s3Root) {
    throw new ConfigError(
      `${source}: datastore.root must be an S3 URI (s3://bucket/prefix) for ObjectStoreDatastore, not '${datastore.root}'`,
    )
  }
  parseS3Root(datastore.root)
  if (datastore.endpoint !== undefined) {
    let url: URL
    try {
      url = new URL(datastore.endpoint)
    } catch {
      throw new ConfigError(
        `${source}: datastore.endpoint '${datastore.endpoint}' is not a URL (http://host:port)`,
      )
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(`${source}: datastore.endpoint must be an http:// or https:// URL`)
    }
    if (url.username || url.password) {
      throw new ConfigError(
        `${source}: datastore.endpoint must not hold credentials; give them through AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or an AWS profile`,
      )
    }
  }
  // Environment overrides are checked when the repository is opened, not here.
  resolveCacheSettings(datastore.cached ?? {}, {})
}

/** Parses `butler.yaml` text; corrupt YAML or unknown keys are a `ConfigError` naming the file. */
export function parseRepoConfig(text: string, source: string): RepoConfig {
  let raw: unknown
  try {
    raw = parseYaml(text)
  } catch (error) {
    throw new ConfigError(`${source} is not valid YAML: ${(error as Error).message.split('\n')[0]}`, {
      cause: error,
    })
  }
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigError(`${source} must hold a mapping of config keys`)
  }
  return validateRepoConfig(raw, source)
}

/**
 * Serialises a config for writing to `butler.yaml`. A password in a PostgreSQL `registry.db` URL is
 * left out: it comes from `PGPASSWORD` or `~/.pgpass` when the repository is opened.
 */
export function dumpRepoConfig(config: RepoConfig): string {
  const db = config.registry.db.replace(/^(postgres(?:ql)?:\/\/[^:@/]*):[^@/]*@/i, '$1@')
  return stringifyYaml({ ...config, registry: { ...config.registry, db } }, { lineWidth: 0 })
}

/** Replaces `<butlerRoot>` in a string with the repository root. */
export function expandRoot(value: string, root: string): string {
  return value.split(BUTLER_ROOT_TOKEN).join(root)
}

/** The SQLite file path of a `sqlite:///path` URL, or undefined for other databases. */
export function sqlitePathOf(dbUrl: string): string | undefined {
  const m = /^sqlite:\/\/(\/.*)$/.exec(dbUrl)
  if (!m) return undefined
  // `sqlite:///<root>/...` with an absolute root gives `//root/...`: normalise the doubled slash.
  return m[1] === '/:memory:' ? ':memory:' : normalize(m[1]!)
}
