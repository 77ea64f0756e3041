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
}

/** Adds `create` to the program. */
export function registerCreateCommand(program: Command): void {
  program
    .command('create')
    .summary('create an empty repository')
    .description(
      'Create an empty repository at REPO: write butler.yaml and create the registry database (a SQLite ' +
        'file in REPO, or tables on a PostgreSQL server with --db; a password is never written into ' +
        'butler.yaml: give it through PGPASSWORD or ~/.pgpass to open the repository later).',
    )
    .addHelpText(
      'after',
      examples(
        'butler create ./repo',
        'butler create ./repo --seed-config seed.yaml',
        'butler create ./repo --db postgresql://me@dbhost:5432/butler --namespace main',
      ),
    )
    .argument('<REPO>', 'folder of the new repository (created if missing)')
    .option('--seed-config <FILE>', 'YAML file of config keys written into butler.yaml over the defaults')
    .option('--dimension-config <FILE>', 'YAML file of a dimension universe to use instead of the default')
    .option('--db <URL>', 'registry database URL (postgresql://user@host:port/db); default: SQLite in REPO')
    .option('--namespace <NAME>', 'PostgreSQL schema holding the registry tables (created if missing)')
    .option('--override', 'replace an existing butler.yaml (the registry database must not exist yet)')
    .action(async (repo: string, options: CreateOptions) => {
      const seed = options.seedConfig ? await readSeedConfig(options.seedConfig) : undefined
      const config = withRegistry(seed, options)
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
