/**
 * The `butler` program: global options, the subcommands and error handling around them.
 */
import { Command, InvalidArgumentError, Option } from 'commander'
import { readPackageFile } from '../internal/package-files.js'
import { registerCollectionCommands } from './commands/collections.js'
import { registerConfigDumpCommand } from './commands/config-dump.js'
import { registerCreateCommand } from './commands/create.js'
import { registerDatasetTypeCommands } from './commands/dataset-types.js'
import { registerDemoCommand } from './commands/demo.js'
import { registerDimensionRecordCommands } from './commands/dimension-records.js'
import { registerGetCommand } from './commands/get.js'
import { registerImportExportCommands } from './commands/import-export.js'
import { registerIngestFilesCommand } from './commands/ingest-files.js'
import { registerPutCommand } from './commands/put.js'
import { registerQueryCommands } from './commands/query.js'
import { registerQueryDataIdsCommand } from './commands/query-data-ids.js'
import { registerQueryProvenanceCommand } from './commands/query-provenance.js'
import { registerRemoveCommands } from './commands/remove.js'
import { registerTransferCommands } from './commands/transfer.js'
import { registerVerifyCommand } from './commands/verify.js'
import { LOG_LEVELS, parseLevel, setLogLevels } from './log.js'
import { collect } from './options.js'
import { setProgressEnabled } from './progress.js'
import { reportError } from './report-error.js'

/** Builds the `butler` command with every subcommand. */
export function createProgram(): Command {
  const program = new Command('butler')
  program
    .description('The Data Butler for TypeScript: manage repositories of datasets from the command line.')
    .version(packageVersion(), '--version', 'print the version and exit')
    .helpOption('-h, --help', 'show help for the command')
    .addOption(
      new Option(
        '--log-level <LEVEL|COMPONENT=LEVEL>',
        `log level (${LOG_LEVELS.join(', ')}; default WARNING); repeatable`,
      ).argParser(collectLogLevel),
    )
    .option('--no-progress', 'never show progress bars (they only appear when stderr is a terminal)')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError()
    .exitOverride()
    .configureHelp({ sortSubcommands: true })
    .hook('preAction', (thisCommand) => {
      const options = thisCommand.opts<{ logLevel?: string[]; progress?: boolean }>()
      setLogLevels(options.logLevel ?? [])
      setProgressEnabled(options.progress !== false)
    })
  registerCreateCommand(program)
  registerConfigDumpCommand(program)
  registerDemoCommand(program)
  registerDatasetTypeCommands(program)
  registerDimensionRecordCommands(program)
  registerQueryCommands(program)
  registerQueryDataIdsCommand(program)
  registerQueryProvenanceCommand(program)
  registerCollectionCommands(program)
  registerPutCommand(program)
  registerGetCommand(program)
  registerImportExportCommands(program)
  registerIngestFilesCommand(program)
  registerRemoveCommands(program)
  registerTransferCommands(program)
  registerVerifyCommand(program)
  return program
}

/** Runs the program on `argv` (as in `process.argv`) and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = createProgram()
  try {
    if (argv.length <= 2) {
      program.outputHelp({ error: true })
      return 2
    }
    await program.parseAsync([...argv])
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (error) {
    return reportError(error)
  }
}

/** Validates a `--log-level` value while parsing, so a bad level is a usage error. */
function collectLogLevel(value: string, previous: string[] | undefined): string[] {
  try {
    parseLevel(value.includes('=') ? value.slice(value.indexOf('=') + 1) : value)
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error))
  }
  return collect(value, previous)
}

function packageVersion(): string {
  try {
    return (JSON.parse(readPackageFile('package.json')) as { version?: string }).version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}
