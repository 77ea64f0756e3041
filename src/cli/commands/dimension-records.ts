/**
 * `butler insert-dimension-records` and `butler query-dimension-records`.
 */
import type { Command } from 'commander'
import { InputError } from '../../errors.js'
import { formatUtcIsot } from '../../time/tai.js'
import { Timespan } from '../../time/timespan.js'
import { examples } from '../help.js'
import { coerceDataId, collectDataId } from '../options.js'
import { formatTable, printJson, printLines } from '../output.js'
import { startProgress } from '../progress.js'
import { readRecordFile } from '../record-files.js'
import { withButler } from '../repo.js'

const BATCH = 1000

interface InsertOptions {
  readonly replace?: boolean
  readonly skipExisting?: boolean
}

/** Adds `insert-dimension-records` and `query-dimension-records` to the program. */
export function registerDimensionRecordCommands(program: Command): void {
  program
    .command('insert-dimension-records')
    .summary('insert dimension records from a YAML, JSON or CSV file')
    .description(
      'Insert records of one dimension element (instrument, detector, visit, ...) read from FILE. ' +
        'All records are inserted in one transaction: if one is rejected, none is kept.\n\n' +
        'FILE is YAML or JSON (a list of records, or a mapping with a `records` list) or CSV (a header ' +
        "of field names; values are coerced to the element's field types). Timespans may be given as " +
        'datetime_begin / datetime_end ISO time strings (UTC unless suffixed /tai or /tt).',
    )
    .addHelpText(
      'after',
      examples('butler insert-dimension-records ./repo detector detectors.csv --skip-existing'),
    )
    .argument('<REPO>', 'repository folder')
    .argument('<ELEMENT>', 'dimension element whose records are inserted')
    .argument('<FILE>', 'records file (.yaml, .yml, .json or .csv)')
    .option('--replace', 'overwrite records whose keys already exist')
    .option('--skip-existing', 'leave records whose keys already exist alone')
    .action(async (repo: string, elementName: string, file: string, options: InsertOptions) => {
      if (options.replace && options.skipExisting) {
        throw new InputError('--replace and --skip-existing cannot be used together')
      }
      await withButler(repo, async (butler) => {
        const element = butler.universe.getElement(elementName)
        const records = await readRecordFile(file, element)
        const insertOptions = {
          ...(options.replace ? { replace: true } : {}),
          ...(options.skipExisting ? { skipExisting: true } : {}),
        }
        const progress = startProgress(`Inserting ${element.name} records`, records.length, BATCH + 1)
        let inserted = 0
        try {
          await butler.transaction(async () => {
            for (let i = 0; i < records.length; i += BATCH) {
              const batch = records.slice(i, i + BATCH)
              inserted += await butler.insertDimensionRecords(element.name, batch, insertOptions)
              progress.increment(batch.length)
            }
          })
        } finally {
          progress.stop()
        }
        printLines(`Inserted ${inserted} of ${records.length} '${element.name}' records`)
      })
    })

  program
    .command('query-dimension-records')
    .summary('list dimension records')
    .description('List the records of one dimension element, all or those matching a data ID.')
    .addHelpText('after', examples('butler query-dimension-records ./repo detector -d instrument=HSC'))
    .argument('<REPO>', 'repository folder')
    .argument('<ELEMENT>', 'dimension element')
    .option(
      '-d, --data-id <KEY=VALUE>',
      'only records matching these values (repeatable, or comma-separated)',
      collectDataId,
    )
    .option('--json', 'print JSON')
    .action(
      async (
        repo: string,
        elementName: string,
        options: { dataId?: Record<string, string>; json?: boolean },
      ) => {
        await withButler(repo, async (butler) => {
          const element = butler.universe.getElement(elementName)
          const where = options.dataId ? coerceDataId(butler.universe, options.dataId) : undefined
          const records = await butler.registry.fetchDimensionRecords(element.name, where)
          if (options.json) {
            printJson(records.map((r) => r.values))
            return
          }
          const fields = element.fields.map((f) => f.name)
          const rows = records.map((r) => fields.map((f) => formatField(r.get(f))))
          printLines(...formatTable(fields, rows))
        })
      },
    )
}

function formatField(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (value instanceof Timespan) {
    if (value.isEmpty) return '(empty)'
    const begin = value.isUnboundedBegin ? '-inf' : formatUtcIsot(value.begin)
    const end = value.isUnboundedEnd ? '+inf' : formatUtcIsot(value.end)
    return `[${begin}, ${end})`
  }
  if (value instanceof Uint8Array) return `<${value.length} bytes>`
  return String(value)
}
