/**
 * `butler ingest-files REPO DATASET_TYPE RUN TABLE_FILE`: registers existing files listed in a table
 * (file path or URI, then data ID columns) as datasets of one dataset type.
 */
import { basename, dirname, extname, resolve } from 'node:path'
import { type Command, Option } from 'commander'
import type { IngestDatasetSpec, IngestFile } from '../../butler.js'
import { DATASET_ID_GENERATION_MODES, type DatasetIdGenerationMode } from '../../datasets/dataset-id.js'
import { TRANSFER_MODES, type TransferMode } from '../../datastore/datastore.js'
import type { DimensionUniverse } from '../../dimensions/dimension-universe.js'
import { DimensionNameError, InputError } from '../../errors.js'
import { examples } from '../help.js'
import { readInputFile } from '../object-files.js'
import { coerceDataId, collectDataId } from '../options.js'
import { printJson, printLines } from '../output.js'
import { startProgress } from '../progress.js'
import { parseCsv } from '../record-files.js'
import { withButler } from '../repo.js'

interface IngestFilesCliOptions {
  readonly formatter?: string
  readonly idGenerationMode: DatasetIdGenerationMode
  readonly dataId?: Record<string, string>
  readonly prefix?: string
  readonly transfer: TransferMode
  readonly trackFileAttrs: boolean
  readonly json?: boolean
}

/** A table of files: the header's column names and the rows' cells (all strings). */
export interface FileTable {
  readonly columns: readonly string[]
  readonly rows: readonly (readonly string[])[]
}

/** Adds `ingest-files` to the program. */
export function registerIngestFilesCommand(program: Command): void {
  program
    .command('ingest-files')
    .summary('register existing files listed in a table as datasets')
    .description(
      'Ingest the files listed in TABLE_FILE as datasets of DATASET_TYPE in the RUN collection (created ' +
        'if missing). TABLE_FILE is CSV (.csv), tab-separated (.tsv) or simple ECSV (.ecsv) with a header ' +
        'row: the first column holds file paths or file:// URIs (relative paths are resolved against ' +
        '--prefix, default the folder of TABLE_FILE); the other columns are dimension names whose cells ' +
        'make up each data ID. A file listed on several rows backs several datasets. Dimension records ' +
        'must exist already. Everything happens in one transaction: on any error nothing is ingested.',
    )
    .addHelpText(
      'after',
      examples(
        'butler ingest-files ./repo raw_summary HSC/raw/ingest files.csv -d instrument=HSC',
        'butler ingest-files ./repo notes u/me/notes table.tsv --transfer symlink --prefix /data/notes',
      ),
    )
    .argument('<REPO>', 'repository folder')
    .argument('<DATASET_TYPE>', 'registered dataset type name')
    .argument('<RUN>', 'RUN collection to ingest into')
    .argument('<TABLE_FILE>', 'table of files and data ID values (.csv, .tsv or .ecsv)')
    .option('--formatter <NAME>', 'formatter of every file (default: chosen from the file extension)')
    .addOption(
      new Option('--id-generation-mode <MODE>', 'how dataset IDs are made')
        .choices([...DATASET_ID_GENERATION_MODES])
        .default('UNIQUE'),
    )
    .option(
      '-d, --data-id <KEY=VALUE>',
      'data ID values shared by every row (repeatable, or comma-separated)',
      collectDataId,
    )
    .option('--prefix <DIR>', 'folder that relative paths in the table are relative to')
    .addOption(
      new Option('-t, --transfer <MODE>', 'how files become artifacts')
        .choices([...TRANSFER_MODES])
        .default('auto'),
    )
    .option('--no-track-file-attrs', 'do not record file sizes and checksums')
    .option('--json', 'print the new dataset refs as JSON')
    .action(
      async (
        repo: string,
        datasetTypeName: string,
        run: string,
        tableFile: string,
        options: IngestFilesCliOptions,
      ) => {
        const table = parseFileTable((await readInputFile(tableFile)).toString('utf8'), tableFile)
        await withButler(repo, async (butler) => {
          // Unknown dataset types fail here, before anything is read or written.
          await butler.getDatasetType(datasetTypeName)
          const prefix = resolve(options.prefix ?? dirname(resolve(tableFile)))
          const files = filesFromTable(table, {
            universe: butler.universe,
            datasetType: datasetTypeName,
            prefix,
            common: options.dataId ?? {},
            tableName: basename(tableFile),
            ...(options.formatter !== undefined ? { formatter: options.formatter } : {}),
          })
          const progress = startProgress('Ingesting', files.length)
          let refs: Awaited<ReturnType<typeof butler.ingest>>
          try {
            refs = await butler.ingest(files, {
              run,
              transfer: options.transfer,
              idGenerationMode: options.idGenerationMode,
              recordValidationInfo: options.trackFileAttrs,
              onProgress: (n) => progress.increment(n),
            })
          } finally {
            progress.stop()
          }
          if (options.json) printJson(refs.map((r) => r.toJSON()))
          else {
            printLines(
              `Ingested ${refs.length} dataset${refs.length === 1 ? '' : 's'} of ${datasetTypeName} from ` +
                `${files.length} file${files.length === 1 ? '' : 's'} into ${run}`,
            )
          }
        })
      },
    )
}

/**
 * Parses a table of files: CSV, TSV, or ECSV (its `#` header lines skipped, delimiter from the
 * header's `delimiter:` key, default a space). Blank lines are ignored; every row must have as many
 * cells as the header.
 */
export function parseFileTable(text: string, name: string): FileTable {
  const ext = extname(name).toLowerCase()
  let rows: string[][]
  if (ext === '.csv') rows = parseCsv(text, name)
  else if (ext === '.tsv') rows = text.split(/\r?\n/).map((line) => line.split('\t'))
  else if (ext === '.ecsv') rows = parseEcsv(text, name)
  else throw new InputError(`Cannot tell the format of '${basename(name)}': use a .csv, .tsv or .ecsv file`)
  rows = rows.filter((r) => !(r.length === 0 || (r.length === 1 && r[0]!.trim() === '')))
  const header = rows.shift()
  if (!header) throw new InputError(`'${basename(name)}' is empty: expected a header row of column names`)
  const columns = header.map((h) => h.trim())
  rows.forEach((cells, i) => {
    if (cells.length !== columns.length) {
      throw new InputError(
        `Row ${i + 1} of '${basename(name)}' has ${cells.length} cells; the header has ${columns.length}`,
      )
    }
  })
  if (rows.length === 0) throw new InputError(`'${basename(name)}' lists no files`)
  return { columns, rows: rows.map((r) => r.map((c) => c.trim())) }
}

function parseEcsv(text: string, name: string): string[][] {
  const lines = text.split(/\r?\n/)
  const meta = lines.filter((l) => l.startsWith('#'))
  const delimiterLine = meta.find((l) => /^#\s*delimiter:/.test(l))
  const delimiter = delimiterLine
    ? delimiterLine.replace(/^#\s*delimiter:\s*/, '').replace(/^['"]|['"]$/g, '')
    : ' '
  if (delimiter !== ' ' && delimiter !== ',') {
    throw new InputError(
      `'${basename(name)}' uses delimiter '${delimiter}'; only space and comma are supported`,
    )
  }
  const body = lines.filter((l) => !l.startsWith('#')).join('\n')
  if (delimiter === ',') return parseCsv(body, name)
  return lines
    .filter((l) => !l.startsWith('#'))
    .map((line) => {
      const cells: string[] = []
      for (const m of line.matchAll(/"((?:[^"]|"")*)"|(\S+)/g))
        cells.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!)
      return cells
    })
}

/** Options of `filesFromTable`. */
export interface FilesFromTableOptions {
  readonly universe: DimensionUniverse
  readonly datasetType: string
  /** Absolute folder that relative paths are resolved against. */
  readonly prefix: string
  /** Data ID values shared by every row (raw strings). */
  readonly common: Readonly<Record<string, string>>
  readonly formatter?: string
  /** How messages name the table. */
  readonly tableName: string
}

/**
 * Turns table rows into files to ingest: data ID cells coerced by dimension key type, relative paths
 * resolved against the prefix, rows naming the same file merged into one file backing several datasets.
 */
export function filesFromTable(table: FileTable, options: FilesFromTableOptions): IngestFile[] {
  const { universe } = options
  const dimensionColumns = table.columns.slice(1)
  for (const column of dimensionColumns) {
    if (!universe.has(column) || !universe.getElement(column).isDimension) {
      throw new DimensionNameError(
        `Column '${column}' of '${options.tableName}' is not a dimension; the first column holds the files, the others dimension names`,
      )
    }
    if (column in options.common) {
      throw new InputError(
        `'${column}' is given both as a column of '${options.tableName}' and with --data-id`,
      )
    }
  }
  const common = coerceDataId(universe, options.common)
  const byPath = new Map<string, { path: string; refs: IngestDatasetSpec[] }>()
  for (const row of table.rows) {
    const location = row[0]!
    if (location === '') throw new InputError(`A row of '${options.tableName}' has no file`)
    const path = /^[a-z][a-z0-9+.-]*:/i.test(location) ? location : resolve(options.prefix, location)
    const raw: Record<string, string> = {}
    dimensionColumns.forEach((c, k) => {
      raw[c] = row[k + 1]!
    })
    const dataId = { ...common, ...coerceDataId(universe, raw) }
    const entry = byPath.get(path) ?? byPath.set(path, { path, refs: [] }).get(path)!
    entry.refs.push({ datasetType: options.datasetType, dataId })
  }
  return [...byPath.values()].map((f) => ({
    path: f.path,
    refs: f.refs,
    ...(options.formatter !== undefined ? { formatter: options.formatter } : {}),
  }))
}
