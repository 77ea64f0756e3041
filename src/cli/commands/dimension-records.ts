/**
 * `butler insert-dimension-records` and `butler query-dimension-records`.
 */
import type { Command } from 'commander'
import type { DimensionElement } from '../../dimensions/dimension-element.js'
import { InputError } from '../../errors.js'
import { formatUtcIsot } from '../../time/tai.js'
import { Timespan } from '../../time/timespan.js'
import { examples } from '../help.js'
import { printLines } from '../output.js'
import { startProgress } from '../progress.js'
import {
  addDatasetOptions,
  addQueryOptions,
  type DataIdCliOptions,
  datasetConstraint,
  outputFormat,
  queryOptions,
} from '../query-options.js'
import { createRowSink } from '../query-output.js'
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

  registerQueryDimensionRecordsCommand(program)
}

function registerQueryDimensionRecordsCommand(program: Command): void {
  const command = program
    .command('query-dimension-records')
    .summary('list dimension records')
    .description(
      'List the records of one dimension element that match the constraints, sorted by their keys ' +
        'unless --order-by says otherwise. Tables show timespans in UTC; JSON gives them as [begin, end] ' +
        'TAI nanosecond strings; CSV as datetime_begin/datetime_end UTC columns, so the file can be read ' +
        'back by insert-dimension-records.',
    )
    .addHelpText(
      'after',
      examples(
        'butler query-dimension-records ./repo detector -d instrument=HSC',
        `butler query-dimension-records ./repo visit --where "instrument = 'HSC' AND exposure_time > 20" --order-by -visit`,
      ),
    )
    .argument('<REPO>', 'repository folder')
    .argument('<ELEMENT>', 'dimension element')
  addQueryOptions(addDatasetOptions(command, 'records'), 'records').action(
    async (repo: string, elementName: string, options: DataIdCliOptions) => {
      const format = outputFormat(options)
      await withButler(repo, async (butler) => {
        const element = butler.universe.getElement(elementName)
        const constraint = await datasetConstraint(butler, options)
        const base = queryOptions(butler.universe, options)
        const pages = constraint
          ? butler
              .queryDimensionRecords(element.name, {
                ...base,
                orderBy: base.orderBy ?? element.required,
                ...constraint,
              })
              .pages()
          : []
        const csv = format === 'csv'
        const fields = element.fields.map((f) => f.name)
        const sink = createRowSink(format, csv ? fields.flatMap(csvHeader(element)) : fields)
        for await (const page of pages) {
          sink.writePage(
            page.map((r) => ({
              json: r.values,
              cells: fields.flatMap((f) => (csv ? csvCells(r.get(f)) : [formatField(r.get(f))])),
            })),
          )
        }
        if (format === 'table' && sink.count === 0) printLines('No records found.')
        else sink.end()
      })
    },
  )
}

/** CSV columns of a field: a timespan becomes datetime_begin and datetime_end, as the reader takes them. */
function csvHeader(element: DimensionElement): (field: string) => string[] {
  const timespan = element.fields.find((f) => f.role === 'timespan')?.name
  return (field) => (field === timespan ? ['datetime_begin', 'datetime_end'] : [field])
}

/** CSV cells of a value: timespans as two UTC times (empty when unbounded), bytes as base64. */
function csvCells(value: unknown): string[] {
  if (value instanceof Timespan) {
    if (value.isEmpty) return ['', '']
    return [
      value.isUnboundedBegin ? '' : formatUtcIsot(value.begin),
      value.isUnboundedEnd ? '' : formatUtcIsot(value.end),
    ]
  }
  if (value instanceof Uint8Array) return [Buffer.from(value).toString('base64')]
  return [value === null || value === undefined ? '' : String(value)]
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
