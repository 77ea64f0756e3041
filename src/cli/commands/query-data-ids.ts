/**
 * `butler query-data-ids REPO DIMENSION...`: the data IDs of some dimensions that match a query,
 * optionally only those with datasets of some types in some collections.
 */
import type { Command } from 'commander'
import { examples } from '../help.js'
import { printLines } from '../output.js'
import {
  addDatasetOptions,
  addQueryOptions,
  type DataIdCliOptions,
  datasetConstraint,
  outputFormat,
  queryOptions,
} from '../query-options.js'
import { createRowSink } from '../query-output.js'
import { withButler } from '../repo.js'

/** Adds `query-data-ids` to the program. */
export function registerQueryDataIdsCommand(program: Command): void {
  const command = program
    .command('query-data-ids')
    .summary('list data IDs')
    .description(
      'List the data IDs of the dimensions (with the dimensions they require, and the values they ' +
        'imply) that have records and match the constraints. With --datasets, only data IDs that have ' +
        'datasets of those types in the collections (default: every RUN). Rows are sorted by the ' +
        'required dimensions unless --order-by says otherwise.',
    )
    .addHelpText(
      'after',
      examples(
        `butler query-data-ids ./repo visit detector --where "instrument = 'HSC' AND visit > 903330"`,
        'butler query-data-ids ./repo detector --datasets calexp -c u/me/run1 -d instrument=HSC --format csv',
      ),
    )
    .argument('<REPO>', 'repository folder')
    .argument('<DIMENSION...>', 'dimensions of the data IDs')
  addQueryOptions(addDatasetOptions(command, 'data IDs'), 'data IDs').action(
    async (repo: string, dimensions: string[], options: DataIdCliOptions) => {
      const format = outputFormat(options)
      await withButler(repo, async (butler) => {
        const group = butler.universe.group(dimensions)
        const constraint = await datasetConstraint(butler, options)
        const base = queryOptions(butler.universe, options)
        const pages = constraint
          ? butler
              .queryDataIds(dimensions, { ...base, orderBy: base.orderBy ?? group.required, ...constraint })
              .pages()
          : []
        const keys = group.dataCoordinateKeys
        const sink = createRowSink(format, keys)
        for await (const page of pages) {
          sink.writePage(
            page.map((dataId) => ({
              json: dataId.mapping,
              cells: keys.map((k) => String(dataId.get(k) ?? '')),
            })),
          )
        }
        if (format === 'table' && sink.count === 0) printLines('No data IDs found.')
        else sink.end()
      })
    },
  )
}
