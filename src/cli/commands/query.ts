/**
 * `butler query-collections` and `butler query-datasets`.
 */
import type { Command } from 'commander'
import type { CollectionRecord } from '../../registry/registry.js'
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

/** Adds `query-collections` and `query-datasets` to the program. */
export function registerQueryCommands(program: Command): void {
  program
    .command('query-collections')
    .summary('list collections')
    .description('List the collections whose names match any of the globs, or all.')
    .addHelpText('after', examples("butler query-collections ./repo 'u/me/*'"))
    .argument('<REPO>', 'repository folder')
    .argument('[GLOB...]', 'name patterns (default: all)')
    .option('--json', 'print JSON')
    .action(async (repo: string, globs: string[], options: { json?: boolean }) => {
      await withButler(repo, async (butler) => {
        const found = new Map<string, CollectionRecord>()
        for (const pattern of globs.length > 0 ? globs : [undefined]) {
          for (const record of await butler.queryCollections(pattern)) found.set(record.name, record)
        }
        const records = [...found.values()].sort((a, b) => a.name.localeCompare(b.name))
        if (options.json) printJson(records)
        else
          printLines(
            ...formatTable(
              ['name', 'type'],
              records.map((r) => [r.name, r.type]),
            ),
          )
      })
    })

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
