/**
 * Moving data between repositories: `butler transfer-datasets`, `butler retrieve-artifacts` and
 * `butler ingest-zip`.
 */
import { type Command, Option } from 'commander'
import type { DatasetRef } from '../../datasets/dataset-ref.js'
import type { TransferMode } from '../../datastore/datastore.js'
import type { DirectButler } from '../../direct/direct-butler.js'
import { checkCollections, findRefs, resolveDatasetTypeNames } from '../dataset-search.js'
import { examples } from '../help.js'
import { coerceDataId, collect, collectDataId, splitList } from '../options.js'
import { printJson, printLines } from '../output.js'
import { startProgress } from '../progress.js'
import { withButler } from '../repo.js'

/** The query options shared by the commands that pick datasets. */
interface QueryOptions {
  readonly collections?: string[]
  readonly dataId?: Record<string, string>
  readonly findFirst?: boolean
}

interface TransferDatasetsOptions extends QueryOptions {
  readonly transfer: TransferMode
  readonly registerDatasetTypes?: boolean
  readonly transferDimensions?: boolean
  readonly dryRun?: boolean
  readonly json?: boolean
}

interface RetrieveOptions extends QueryOptions {
  readonly preservePath: boolean
  readonly clobber?: boolean
  readonly zip?: boolean
  readonly transfer: TransferMode
  readonly json?: boolean
}

interface IngestZipCliOptions {
  readonly transfer: TransferMode
  readonly transferDimensions?: boolean
  readonly dryRun?: boolean
  readonly skipExisting?: boolean
  readonly json?: boolean
}

const TRANSFER_CHOICES = ['auto', 'copy', 'link', 'hardlink', 'symlink', 'relsymlink', 'direct']
const RETRIEVE_CHOICES = ['auto', 'copy', 'link', 'hardlink', 'symlink', 'relsymlink']
const ZIP_CHOICES = ['auto', 'copy', 'move', 'link', 'hardlink', 'symlink', 'relsymlink', 'direct']

/** Adds the query options (`GLOB...`, `--collections`, `--data-id`, `--find-first`) to a command. */
function withQueryOptions(command: Command): Command {
  return command
    .argument('[GLOB...]', 'dataset type names or patterns (default: all)')
    .option('-c, --collections <C[,C...]>', 'collections searched (repeatable; default: all RUNs)', collect)
    .option('-d, --data-id <KEY=VALUE>', 'only datasets whose data ID has these values', collectDataId)
    .option('--find-first', 'only the first match per dataset type and data ID, in collection order')
}

/** The datasets picked by the query options. */
async function queryRefs(
  butler: DirectButler,
  globs: readonly string[],
  options: QueryOptions,
): Promise<DatasetRef[]> {
  const collections = splitList(options.collections)
  await checkCollections(butler, collections)
  const datasetTypes = globs.length > 0 ? await resolveDatasetTypeNames(butler, globs) : undefined
  if (datasetTypes?.length === 0) return []
  return findRefs(butler, {
    ...(datasetTypes ? { datasetTypes } : {}),
    ...(collections.length > 0 ? { collections } : {}),
    ...(options.dataId ? { dataId: coerceDataId(butler.universe, options.dataId) } : {}),
    ...(options.findFirst ? { findFirst: true } : {}),
  })
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** Adds `transfer-datasets`, `retrieve-artifacts` and `ingest-zip` to the program. */
export function registerTransferCommands(program: Command): void {
  withQueryOptions(
    program
      .command('transfer-datasets')
      .summary('copy datasets from one repository to another, with their UUIDs')
      .description(
        'Copy the datasets found by the query options in SOURCE into DEST: same UUIDs and runs (created ' +
          'as needed), artifacts transferred as --transfer says (auto: copied, except files the source ' +
          'stores by absolute path, which stay where they are). Datasets DEST already has are skipped. ' +
          'Everything happens in one transaction: on any error DEST is left unchanged.',
      )
      .addHelpText(
        'after',
        examples(
          'butler transfer-datasets ./repo-a ./repo-b calexp -c u/me/run1 --register-dataset-types --transfer-dimensions',
          'butler transfer-datasets ./repo-a ./repo-b -c u/me/run1 -d visit=903334 --dry-run',
        ),
      )
      .argument('<SOURCE>', 'repository to read from')
      .argument('<DEST>', 'repository to write to'),
  )
    .addOption(
      new Option('-t, --transfer <MODE>', 'how artifacts get into DEST')
        .choices(TRANSFER_CHOICES)
        .default('auto'),
    )
    .option('--register-dataset-types', 'register dataset types missing in DEST')
    .option('--transfer-dimensions', 'copy the dimension records the data IDs need')
    .option('--dry-run', 'report what would be transferred and stop')
    .option('--json', 'print the transferred refs as JSON')
    .action(async (source: string, dest: string, globs: string[], options: TransferDatasetsOptions) => {
      await withButler(source, async (from) => {
        const refs = await queryRefs(from, globs, options)
        await withButler(dest, async (to) => {
          const progress = options.dryRun ? undefined : startProgress('Transferring', refs.length)
          let moved: DatasetRef[]
          try {
            moved = await to.transferFrom(from, refs, {
              transfer: options.transfer,
              registerDatasetTypes: options.registerDatasetTypes ?? false,
              transferDimensions: options.transferDimensions ?? false,
              dryRun: options.dryRun ?? false,
              ...(progress ? { onProgress: (n: number) => progress.increment(n) } : {}),
            })
          } finally {
            progress?.stop()
          }
          if (options.json) printJson(moved.map((r) => r.toJSON()))
          else if (options.dryRun) printLines(`Dry run: would transfer ${plural(moved.length, 'dataset')}.`)
          else printLines(`Transferred ${plural(moved.length, 'dataset')}.`)
        })
      })
    })

  withQueryOptions(
    program
      .command('retrieve-artifacts')
      .summary("copy datasets' files out of a repository, or into one zip")
      .description(
        'Copy (or link) the files of the datasets found by the query options into the folder DEST, ' +
          'keeping their paths inside the repository unless --no-preserve-path. Existing files are an ' +
          'error (nothing is written) unless --clobber. With --zip, write one zip into DEST instead, ' +
          'holding the files and an index that `butler ingest-zip` reads.',
      )
      .addHelpText(
        'after',
        examples(
          'butler retrieve-artifacts ./repo ./out calexp -c u/me/run1',
          'butler retrieve-artifacts ./repo ./out -c u/me/run1 --zip',
        ),
      )
      .argument('<REPO>', 'repository folder')
      .argument('<DEST>', 'folder to write into (created if missing)'),
  )
    .option('--no-preserve-path', 'write files by name only, without their folders')
    .option('--clobber', 'replace existing files')
    .option('--zip', 'write one zip with an index instead of separate files')
    .addOption(
      new Option('-t, --transfer <MODE>', 'how files are retrieved')
        .choices(RETRIEVE_CHOICES)
        .default('copy'),
    )
    .option('--json', 'print the paths written as JSON')
    .action(async (repo: string, dest: string, globs: string[], options: RetrieveOptions) => {
      await withButler(repo, async (butler) => {
        const refs = await queryRefs(butler, globs, options)
        if (options.zip) {
          const zip =
            refs.length === 0
              ? undefined
              : await butler.retrieveArtifactsZip(refs, dest, { overwrite: options.clobber ?? false })
          if (options.json) printJson(zip ? [zip] : [])
          else printLines(zip ? `Wrote ${plural(refs.length, 'dataset')} into ${zip}` : 'No datasets found.')
          return
        }
        const progress = startProgress('Retrieving', refs.length)
        let written: string[]
        try {
          written = await butler.retrieveArtifacts(refs, dest, {
            transfer: options.transfer,
            preservePath: options.preservePath,
            overwrite: options.clobber ?? false,
            onProgress: (n) => progress.increment(n),
          })
        } finally {
          progress.stop()
        }
        if (options.json) printJson(written)
        else printLines(`Retrieved ${plural(written.length, 'file')} into ${dest}`)
      })
    })

  program
    .command('ingest-zip')
    .summary('ingest a zip made by retrieve-artifacts --zip')
    .description(
      'Ingest the datasets of ZIP (written by `butler retrieve-artifacts --zip`) with their UUIDs: runs ' +
        'and dataset types are created as needed (existing dataset types must match), and the zip is ' +
        'stored whole under zips/ in the repository, each dataset reading its own member. A dataset ' +
        'already in the repository fails the whole ingest (unless --skip-existing).',
    )
    .addHelpText(
      'after',
      examples(
        'butler ingest-zip ./repo-b ./out/0b8e5c9d-3e7b-5a57-9b47-2f4d3c1a0e11.zip --transfer-dimensions',
      ),
    )
    .argument('<REPO>', 'repository folder')
    .argument('<ZIP>', 'the zip file')
    .addOption(
      new Option('-t, --transfer <MODE>', 'how the zip gets into REPO').choices(ZIP_CHOICES).default('auto'),
    )
    .option('--transfer-dimensions', "insert the dimension records stored in the zip's index")
    .option('--skip-existing', 'leave out datasets already in the repository instead of failing')
    .option('--dry-run', 'check the zip and report what would be ingested')
    .option('--json', 'print the ingested refs as JSON')
    .action(async (repo: string, zip: string, options: IngestZipCliOptions) => {
      await withButler(repo, async (butler) => {
        const refs = await butler.ingestZip(zip, {
          transfer: options.transfer,
          transferDimensions: options.transferDimensions ?? false,
          dryRun: options.dryRun ?? false,
          skipExisting: options.skipExisting ?? false,
        })
        if (options.json) printJson(refs.map((r) => r.toJSON()))
        else if (options.dryRun) printLines(`Dry run: would ingest ${plural(refs.length, 'dataset')}.`)
        else printLines(`Ingested ${plural(refs.length, 'dataset')}.`)
      })
    })
}
