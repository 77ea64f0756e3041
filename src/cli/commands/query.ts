/**
 * `butler query-datasets` (`query-collections` is in `collections.ts`).
 */
import type { Command } from 'commander'
import { checkCollections, findRefs, resolveDatasetTypeNames } from '../dataset-search.js'
import { examples } from '../help.js'
import { coerceDataId, collect, collectDataId, splitList } from '../options.js'
import { formatDataId, formatTable, printJson, printLines } from '../output.js'
import { withButler } from '../repo.js'

interface QueryDatasetsOptions {
  readonly collections?: string[]
  readonly dataId?: Record<string, string>
  readonly findFirst?: boolean
  readonly showUri?: boolean
  readonly json?: boolean
}

/** Adds `query-datasets` to the program. */
export function registerQueryCommands(program: Command): void {
  program
    .command('query-datasets')
    .summary('list datasets')
    .description(
      'List the datasets of the dataset types matching the globs (default: all) in the collections ' +
        '(default: every RUN).',
    )
    .addHelpText(
      'after',
      examples('butler query-datasets ./repo calexp -c u/me/run1 -d instrument=HSC --show-uri'),
    )
    .argument('<REPO>', 'repository folder')
    .argument('[GLOB...]', 'dataset type names or patterns (default: all)')
    .option('-c, --collections <C[,C...]>', 'collections searched (repeatable; default: all RUNs)', collect)
    .option('-d, --data-id <KEY=VALUE>', 'only datasets whose data ID has these values', collectDataId)
    .option('--find-first', 'only the first match per dataset type and data ID, in collection order')
    .option('--show-uri', 'also show where each artifact is')
    .option('--json', 'print the refs as JSON')
    .action(async (repo: string, globs: string[], options: QueryDatasetsOptions) => {
      await withButler(repo, async (butler) => {
        const collections = splitList(options.collections)
        await checkCollections(butler, collections)
        const datasetTypes = globs.length > 0 ? await resolveDatasetTypeNames(butler, globs) : undefined
        if (datasetTypes?.length === 0) {
          if (options.json) printJson([])
          return
        }
        const refs = await findRefs(butler, {
          ...(datasetTypes ? { datasetTypes } : {}),
          ...(collections.length > 0 ? { collections } : {}),
          ...(options.dataId ? { dataId: coerceDataId(butler.universe, options.dataId) } : {}),
          ...(options.findFirst ? { findFirst: true } : {}),
        })
        const uris = options.showUri ? await Promise.all(refs.map((r) => butler.getURI(r))) : undefined
        if (options.json) {
          printJson(refs.map((r, i) => ({ ...r.toJSON(), ...(uris ? { uri: uris[i] } : {}) })))
          return
        }
        const header = ['type', 'run', 'id', 'dataId', ...(uris ? ['uri'] : [])]
        const rows = refs.map((r, i) => [
          r.datasetType.name,
          r.run,
          r.id,
          formatDataId(r.dataId.mapping),
          ...(uris ? [uris[i]!] : []),
        ])
        printLines(...formatTable(header, rows))
      })
    })
}
