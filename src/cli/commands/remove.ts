/**
 * The commands that delete: `butler remove-runs`, `butler prune-datasets`, `butler remove-collections`
 * and `butler remove-dataset-type`.
 */
import type { Command } from 'commander'
import { InputError, OrphanedRecordError } from '../../errors.js'
import { assertCanConfirm, confirm } from '../confirm.js'
import { checkCollections, countByType, findRefs, resolveDatasetTypeNames } from '../dataset-search.js'
import { examples } from '../help.js'
import { coerceDataId, collect, collectDataId, splitList } from '../options.js'
import { formatDataId, formatTable, printJson, printLines } from '../output.js'
import { withButler } from '../repo.js'

interface RemoveRunsOptions {
  readonly confirm: boolean
  readonly json?: boolean
}

interface RemoveCollectionsOptions {
  readonly confirm: boolean
  readonly removeFromParents?: boolean
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

/** Adds `remove-runs`, `prune-datasets`, `remove-collections` and `remove-dataset-type` to the program. */
export function registerRemoveCommands(program: Command): void {
  registerRemoveCollections(program)
  registerRemoveDatasetType(program)

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
      assertCanConfirm(!options.confirm)
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
      assertCanConfirm(!options.confirm || options.dryRun === true)
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

function registerRemoveCollections(program: Command): void {
  program
    .command('remove-collections')
    .summary('delete TAGGED, CHAINED and CALIBRATION collections')
    .description(
      'Delete the non-RUN collections matching the names or globs; the datasets in them stay in their ' +
        'RUNs. Matching RUN collections are listed as skipped (delete them with remove-runs). A ' +
        'collection that is a child of a chain not deleted with it is refused unless ' +
        '--remove-from-parents. Shows what will be deleted and asks for confirmation when stdin is a ' +
        'terminal; elsewhere --no-confirm is required.',
    )
    .addHelpText(
      'after',
      examples(
        "butler remove-collections ./repo 'u/me/tagged*' --no-confirm",
        'butler remove-collections ./repo u/me/chain --remove-from-parents --no-confirm',
      ),
    )
    .argument('<REPO>', 'repository folder')
    .argument('<GLOB...>', 'collection names or patterns')
    .option('--remove-from-parents', 'first remove the collections from the chains that list them')
    .option('--no-confirm', 'do not ask for confirmation')
    .option('--json', 'print a JSON summary')
    .action(async (repo: string, globs: string[], options: RemoveCollectionsOptions) => {
      assertCanConfirm(!options.confirm)
      await withButler(repo, async (butler) => {
        const matched = await butler.queryCollections(globs, { includeParents: true })
        const doomed = matched.filter((c) => c.type !== 'RUN')
        const runs = matched.filter((c) => c.type === 'RUN').map((c) => c.name)
        const names = new Set(doomed.map((c) => c.name))
        const blocking = doomed.flatMap((c) =>
          (c.parents ?? []).filter((p) => !names.has(p)).map((p) => ({ child: c.name, parent: p })),
        )
        if (blocking.length > 0 && !options.removeFromParents) {
          const list = blocking.map((b) => `'${b.child}' (in '${b.parent}')`).join(', ')
          throw new OrphanedRecordError(
            `Cannot remove ${list}: still a child of a chain; pass --remove-from-parents to unlink first`,
          )
        }
        const summary = () => ({
          removed: doomed.map((c) => ({ name: c.name, type: c.type })),
          unlinkedFrom: blocking,
          skippedRuns: runs,
        })
        if (!options.json) {
          if (doomed.length > 0)
            printLines(
              ...formatTable(
                ['collection', 'type', ...(blocking.length > 0 ? ['removed from'] : [])],
                doomed.map((c) => [
                  c.name,
                  c.type,
                  ...(blocking.length > 0
                    ? [
                        blocking
                          .filter((b) => b.child === c.name)
                          .map((b) => b.parent)
                          .join(', '),
                      ]
                    : []),
                ]),
              ),
            )
          else printLines('No collections to remove.')
          if (runs.length > 0)
            printLines(`Skipped RUN collection(s) (use remove-runs to delete them): ${runs.join(', ')}`)
        }
        if (doomed.length === 0) {
          if (options.json) printJson(summary())
          return
        }
        if (!(await confirm(`Remove ${doomed.length} collection(s)?`, !options.confirm))) {
          printLines('Nothing removed.')
          return
        }
        await butler.removeCollections(
          [...names],
          options.removeFromParents ? { removeFromParents: true } : {},
        )
        if (options.json) printJson(summary())
        else printLines(`Removed ${doomed.length} collection(s).`)
      })
    })
}

function registerRemoveDatasetType(program: Command): void {
  program
    .command('remove-dataset-type')
    .summary('delete dataset type definitions')
    .description(
      'Delete the definitions of the dataset types matching the names or globs. A dataset type that ' +
        'still has datasets is refused (remove them first with prune-datasets --purge or remove-runs); ' +
        'a name that matches nothing is not an error, as in the reference.',
    )
    .addHelpText('after', examples("butler remove-dataset-type ./repo 'old_*' scratch"))
    .argument('<REPO>', 'repository folder')
    .argument('<GLOB...>', 'dataset type names or patterns')
    .option('--json', 'print the removed names as JSON')
    .action(async (repo: string, globs: string[], options: { json?: boolean }) => {
      await withButler(repo, async (butler) => {
        const removed = await butler.removeDatasetType(globs)
        if (options.json) printJson(removed)
        else if (removed.length === 0) printLines('No dataset types matched; nothing removed.')
        else printLines(`Removed dataset type(s): ${removed.join(', ')}`)
      })
    })
}
