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
}

/** Adds `create` to the program. */
export function registerCreateCommand(program: Command): void {
  program
    .command('create')
    .summary('create an empty repository')
    .description(
      'Create an empty repository at REPO: write butler.yaml and create the SQLite registry database.',
    )
    .addHelpText('after', examples('butler create ./repo', 'butler create ./repo --seed-config seed.yaml'))
    .argument('<REPO>', 'folder of the new repository (created if missing)')
    .option('--seed-config <FILE>', 'YAML file of config keys written into butler.yaml over the defaults')
    .option('--dimension-config <FILE>', 'YAML file of a dimension universe to use instead of the default')
    .option('--override', 'replace an existing butler.yaml (the registry database must not exist yet)')
    .action(async (repo: string, options: CreateOptions) => {
      const config = options.seedConfig ? await readSeedConfig(options.seedConfig) : undefined
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
