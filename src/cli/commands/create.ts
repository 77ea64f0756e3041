/**
 * `butler create REPO`: makes an empty repository.
 */
import type { Command } from 'commander'
import { parse as parseYaml } from 'yaml'
import { createRepository } from '../../create-butler.js'
import { ConfigError } from '../../errors.js'
import { examples } from '../help.js'
import { readInputFile } from '../object-files.js'
import { printLines } from '../output.js'

interface CreateOptions {
  readonly seedConfig?: string
  readonly dimensionConfig?: string
  readonly override?: boolean
  readonly db?: string
  readonly namespace?: string
  readonly datastoreRoot?: string
  readonly s3Endpoint?: string
  readonly s3Region?: string
}

/** Adds `create` to the program. */
export function registerCreateCommand(program: Command): void {
  program
    .command('create')
    .summary('create an empty repository')
    .description(
      'Create an empty repository at REPO: write butler.yaml and create the registry database (a SQLite ' +
        'file in REPO, or tables on a PostgreSQL server with --db; a password is never written into ' +
        'butler.yaml: give it through PGPASSWORD or ~/.pgpass to open the repository later). With ' +
        '--datastore-root s3://bucket/prefix, artifacts go to an S3-compatible object store (the bucket ' +
        'must exist; credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or an AWS profile and ' +
        'are never written into butler.yaml) while the registry stays in REPO or on PostgreSQL.',
    )
    .addHelpText(
      'after',
      examples(
        'butler create ./repo',
        'butler create ./repo --seed-config seed.yaml',
        'butler create ./repo --db postgresql://me@dbhost:5432/butler --namespace main',
        'butler create ./repo --datastore-root s3://my-bucket/repo --s3-endpoint http://127.0.0.1:9000',
      ),
    )
    .argument('<REPO>', 'folder of the new repository (created if missing)')
    .option('--seed-config <FILE>', 'YAML file of config keys written into butler.yaml over the defaults')
    .option('--dimension-config <FILE>', 'YAML file of a dimension universe to use instead of the default')
    .option('--db <URL>', 'registry database URL (postgresql://user@host:port/db); default: SQLite in REPO')
    .option('--namespace <NAME>', 'PostgreSQL schema holding the registry tables (created if missing)')
    .option('--override', 'replace an existing butler.yaml (the registry database must not exist yet)')
    .option(
      '--datastore-root <ROOT>',
      'where artifacts go: a folder (default: REPO), or s3://bucket/prefix for an object store',
    )
    .option('--s3-endpoint <URL>', 'endpoint of an S3-compatible server (default: AWS)')
    .option('--s3-region <REGION>', 'region of the bucket (default: us-east-1)')
    .action(async (repo: string, options: CreateOptions) => {
      const seed = options.seedConfig ? await readSeedConfig(options.seedConfig) : undefined
      const config = withDatastore(withRegistry(seed, options), options)
      const dimensionConfig = options.dimensionConfig
        ? (await readInputFile(options.dimensionConfig)).toString('utf8')
        : undefined
      const root = await createRepository(repo, {
        ...(config ? { config } : {}),
        ...(dimensionConfig ? { dimensionConfig } : {}),
        ...(options.override ? { overwrite: true } : {}),
      })
      printLines(`Created repository at ${root}`)
    })
}

/** The seed config with `--db` and `--namespace` written over its `registry` keys. */
function withRegistry(
  seed: Record<string, unknown> | undefined,
  options: CreateOptions,
): Record<string, unknown> | undefined {
  if (options.db === undefined && options.namespace === undefined) return seed
  const base = seed?.registry
  const registry = {
    ...(base !== null && typeof base === 'object' && !Array.isArray(base) ? base : {}),
    ...(options.db === undefined ? {} : { db: options.db }),
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
  }
  return { ...seed, registry }
}

/** The config with `--datastore-root` and the S3 options written over its `datastore` keys. */
function withDatastore(
  config: Record<string, unknown> | undefined,
  options: CreateOptions,
): Record<string, unknown> | undefined {
  const { datastoreRoot: root, s3Endpoint: endpoint, s3Region: region } = options
  if (root === undefined && endpoint === undefined && region === undefined) return config
  const base = config?.datastore
  const datastore: Record<string, unknown> = {
    ...(base !== null && typeof base === 'object' && !Array.isArray(base) ? base : {}),
  }
  if (root !== undefined) {
    datastore.root = root
    datastore.cls = /^s3:\/\//i.test(root) ? 'ObjectStoreDatastore' : 'FileDatastore'
  }
  if (endpoint !== undefined) datastore.endpoint = endpoint
  if (region !== undefined) datastore.region = region
  return { ...config, datastore }
}

async function readSeedConfig(path: string): Promise<Record<string, unknown>> {
  const text = (await readInputFile(path)).toString('utf8')
  let raw: unknown
  try {
    raw = parseYaml(text)
  } catch (cause) {
    throw new ConfigError(`Seed config '${path}' is not valid YAML`, { cause })
  }
  if (raw === null || raw === undefined) return {}
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError(`Seed config '${path}' must hold a mapping`)
  return raw as Record<string, unknown>
}
