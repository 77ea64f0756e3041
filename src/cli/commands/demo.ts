/**
 * `butler demo [DIR]`: builds a small repository and walks through the main operations, printing
 * what happens at each step. The first thing a new user runs.
 */
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { examples } from '../help.js'
import { printJson } from '../output.js'

/** Options of `butler demo`. */
export interface DemoOptions {
  readonly force?: boolean
  readonly json?: boolean
}

/** Adds `demo` to the program. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .summary('create a demo repository and show the main operations step by step')
    .description(
      'Create a SQLite repository in DIR (default ./butler-demo), describe a small made-up camera and ' +
        'one night of observations, register dataset types of several storage classes (dict, list, text, ' +
        'NumPy array, Arrow table), store datasets, read them back, find them, show where their files ' +
        'are, read with parameters and verify the repository. DIR must be new or empty; --force replaces ' +
        'a previous demo repository.',
    )
    .addHelpText('after', examples('butler demo', 'butler demo /tmp/demo --json'))
    .argument('[DIR]', 'folder of the demo repository', 'butler-demo')
    .option('--force', 'replace a previous demo repository in DIR')
    .option('--json', 'print a machine-readable summary instead of the walkthrough')
    .action(async (dir: string, options: DemoOptions) => {
      const { runDemo } = await import('./demo-walkthrough.js')
      const summary = await runDemo(resolve(dir), options)
      if (options.json) printJson(summary)
      if (!summary.ok) process.exitCode = 1
    })
}
