/**
 * `butler remove-runs` and `butler prune-datasets`: the commands that delete data.
 */
import type { Command } from 'commander'
import { InputError } from '../../errors.js'
import { confirm } from '../confirm.js'
import { checkCollections, countByType, findRefs, resolveDatasetTypeNames } from '../dataset-search.js'
import { examples } from '../help.js'
import { coerceDataId, collect, collectDataId, splitList } from '../options.js'
import { formatDataId, formatTable, printJson, printLines } from '../output.js'
import { withButler } from '../repo.js'

interface RemoveRunsOptions {
  readonly confirm: boolean
  readonly json?: boolean
}

interface PruneOptions {
  readonly collections?: string[]
  readonly datasets?: string[]
  readonly dataId?: Record<string, string>
  readonly purge?: boolean
  readonly findAll?: boolean
  readonly dryRun?: boolean
  readonly confirm: boolean
  readonly json?: boolean
}

/** Adds `remove-runs` and `prune-datasets` to the program. */
export function registerRemoveCommands(program: Command): void {
  program
    .command('remove-runs')
    .summary('delete RUN collections with all their datasets')
    .description(
      'Delete RUN collections, the datasets in them and their files. Shows what will be deleted and asks ' +
        'for confirmation when stdin is a terminal; elsewhere --no-confirm is required.',
    )
    .addHelpText('after', examples('butler remove-runs ./repo u/me/run1 u/me/run2 --no-confirm'))
    .argument('<REPO>', 'repository folder')
    .argument('<RUN...>', 'RUN collections to delete')
    .option('--no-confirm', 'do not ask for confirmation')
    .option('--json', 'print a JSON summary')
    .action(async (repo: string, runs: string[], options: RemoveRunsOptions) => {
      await withButler(repo, async (butler) => {
        for (const run of runs) {
          const record = await butler.registry.getCollection(run)
          if (record.type !== 'RUN')
            throw new InputError(`Collection '${run}' is a ${record.type} collection, not a RUN`)
        }
        const refs = await findRefs(butler, { collections: runs })
        const counts = countByType(refs)
        if (!options.json) {
          printLines(`Runs to delete: ${runs.join(', ')}`)
          if (counts.size > 0)
            printLines(
              ...formatTable(
                ['datasetType', 'count'],
                [...counts].map(([t, n]) => [t, String(n)]),
              ),
            )
          else printLines('(no datasets)')
        }
        if (
          !(await confirm(`Delete ${runs.length} run(s) and ${refs.length} dataset(s)?`, !options.confirm))
        ) {
          printLines('Nothing deleted.')
          return
        }
        await butler.removeRuns(runs)
        if (options.json) printJson({ removedRuns: runs, datasets: Object.fromEntries(counts) })
        else printLines(`Deleted ${runs.length} run(s) and ${refs.length} dataset(s).`)
      })
    })

  program
    .command('prune-datasets')
    .summary("delete datasets' files, and with --purge their registry entries")
    .description(
      'Find datasets of the given types in the collections and delete their files (the registry keeps ' +
        'them as known but not stored); with --purge delete them from the registry too. Shows what will ' +
        'be deleted and asks for confirmation when stdin is a terminal; elsewhere --no-confirm is required.',
    )
    .addHelpText(
      'after',
      examples(
        'butler prune-datasets ./repo -c u/me/run1 --datasets calexp --dry-run',
        'butler prune-datasets ./repo -c u/me/run1 --datasets calexp --purge --no-confirm',
      ),
    )
    .argument('<REPO>', 'repository folder')
    .requiredOption('-c, --collections <C[,C...]>', 'collections searched (repeatable)', collect)
    .requiredOption('--datasets <TYPE...>', 'dataset type names or globs')
    .option('-d, --data-id <KEY=VALUE>', 'only datasets whose data ID has these values', collectDataId)
    .option('--find-all', 'every match in every collection, not only the first per data ID')
    .option('--purge', 'delete the registry entries too, not only the files')
    .option('--dry-run', 'show what would be deleted and stop')
    .option('--no-confirm', 'do not ask for confirmation')
    .option('--json', 'print a JSON summary')
    .action(async (repo: string, options: PruneOptions) => {
      await withButler(repo, async (butler) => {
        const collections = splitList(options.collections)
        await checkCollections(butler, collections)
        const datasetTypes = await resolveDatasetTypeNames(butler, splitList(options.datasets))
        const refs =
          datasetTypes.length === 0
            ? []
            : await findRefs(butler, {
                datasetTypes,
                collections,
                findFirst: !options.findAll,
                ...(options.dataId ? { dataId: coerceDataId(butler.universe, options.dataId) } : {}),
              })
        const action = options.purge ? 'purge' : 'unstore'
        const summary = () => ({
          action,
          dryRun: options.dryRun ?? false,
          datasets: refs.map((r) => ({
            id: r.id,
            datasetType: r.datasetType.name,
            run: r.run,
            dataId: r.dataId.mapping,
          })),
        })
        if (!options.json) {
          const rows = refs.map((r) => [r.datasetType.name, r.run, formatDataId(r.dataId.mapping), r.id])
          if (refs.length > 0) printLines(...formatTable(['type', 'run', 'dataId', 'id'], rows))
          else printLines('No datasets found.')
        }
        if (refs.length === 0 || options.dryRun) {
          if (options.json) printJson(summary())
          else if (options.dryRun && refs.length > 0)
            printLines(`Dry run: would ${action} ${refs.length} dataset(s).`)
          return
        }
        if (
          !(await confirm(
            `${options.purge ? 'Purge' : 'Unstore'} ${refs.length} dataset(s)?`,
            !options.confirm,
          ))
        ) {
          printLines('Nothing deleted.')
          return
        }
        await butler.pruneDatasets(refs, options.purge ? { purge: true } : { unstore: true })
        if (options.json) printJson(summary())
        else printLines(`${options.purge ? 'Purged' : 'Unstored'} ${refs.length} dataset(s).`)
      })
    })
}
