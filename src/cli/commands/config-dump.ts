/**
 * `butler config-dump REPO`: prints a repository's config with defaults filled in.
 */
import { writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { stringify as stringifyYaml } from 'yaml'
import { readRepoConfig } from '../../create-butler.js'
import { InputError } from '../../errors.js'
import { examples } from '../help.js'
import { describeFsError } from '../object-files.js'
import { stringifyJson } from '../output.js'

interface ConfigDumpOptions {
  readonly subset?: string
  readonly json?: boolean
  readonly file?: string
}

/** Adds `config-dump` to the program. */
export function registerConfigDumpCommand(program: Command): void {
  program
    .command('config-dump')
    .summary("print a repository's config")
    .description("Print the repository's config (butler.yaml with every default filled in) as YAML or JSON.")
    .addHelpText(
      'after',
      examples('butler config-dump ./repo', 'butler config-dump ./repo --subset .registry.db --json'),
    )
    .argument('<REPO>', 'repository folder or its butler.yaml')
    .option('--subset <KEY>', 'print only this key, dot-separated (e.g. .datastore.templates)')
    .option('--json', 'print JSON instead of YAML')
    .option('--file <FILE>', 'write to FILE instead of stdout')
    .action(async (repo: string, options: ConfigDumpOptions) => {
      let value: unknown = await readRepoConfig(repo)
      if (options.subset) value = subsetOf(value, options.subset)
      const text = options.json ? `${stringifyJson(value)}\n` : stringifyYaml(value, { lineWidth: 0 })
      if (options.file) {
        await writeFile(options.file, text).catch((cause: unknown) => {
          throw new InputError(`Cannot write '${options.file}': ${describeFsError(cause)}`, { cause })
        })
      } else process.stdout.write(text)
    })
}

function subsetOf(config: unknown, key: string): unknown {
  const parts = key.split('.').filter((p) => p !== '')
  let value = config
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) {
      throw new InputError(`The config has no key '${parts.slice(0, i + 1).join('.')}'`)
    }
    value = (value as Record<string, unknown>)[part]
  }
  return value
}
