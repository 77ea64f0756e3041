/**
 * `butler verify REPO`: checks that the files agree with the registry.
 */
import type { Command } from 'commander'
import type { VerifyProblem } from '../../datastore/datastore.js'
import { examples } from '../help.js'
import { formatTable, printJson, printLines } from '../output.js'
import { withButler } from '../repo.js'

/** Adds `verify` to the program. */
export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .summary('check that the files agree with the registry')
    .description(
      'Find leftovers of interrupted operations (temporary files, pending trash), files the registry does ' +
        'not know and datasets whose files are missing or have the wrong size (or checksum, with ' +
        '--checksums). With --repair, leftovers are removed; lost data can only be reported. Exits with ' +
        'status 1 when problems remain.',
    )
    .addHelpText('after', examples('butler verify ./repo', 'butler verify ./repo --repair --checksums'))
    .argument('<REPO>', 'repository folder')
    .option('--repair', 'remove leftovers that can safely be removed')
    .option('--checksums', 'also compare file checksums (reads every file)')
    .option('--json', 'print JSON')
    .action(async (repo: string, options: { repair?: boolean; checksums?: boolean; json?: boolean }) => {
      const problems = await withButler(repo, (butler) =>
        butler.verify({ repair: options.repair ?? false, checksums: options.checksums ?? false }),
      )
      const remaining = problems.filter((p) => !p.repaired).length
      if (options.json) printJson({ problems, remaining })
      else {
        if (problems.length > 0)
          printLines(
            ...formatTable(
              ['kind', 'path', 'status'],
              problems.map((p) => [p.kind, p.path, status(p)]),
            ),
          )
        printLines(summaryLine(problems, remaining))
      }
      if (remaining > 0) process.exitCode = 1
    })
}

function status(p: VerifyProblem): string {
  if (p.repaired) return 'repaired'
  return p.repairable ? 'repairable (--repair)' : 'not repairable'
}

function summaryLine(problems: readonly VerifyProblem[], remaining: number): string {
  if (problems.length === 0) return 'OK: no problems found.'
  const repaired = problems.length - remaining
  return `${problems.length} problem(s) found: ${repaired} repaired, ${remaining} remaining.`
}
