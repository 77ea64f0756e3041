/**
 * The options the query commands share (`query-datasets`, `query-data-ids`,
 * `query-dimension-records`): `--where`, `--bind`, `-d`, `--order-by`, `--limit`, `--format`, and
 * their conversion into the query API's options.
 */
import { type Command, InvalidArgumentError, Option } from 'commander'
import type { DimensionUniverse } from '../dimensions/dimension-universe.js'
import type { DirectButler } from '../direct/direct-butler.js'
import { InputError } from '../errors.js'
import type { DataIdQueryOptions, QueryOptions } from '../query/query.js'
import { checkCollections } from './dataset-search.js'
import { log } from './log.js'
import { coerceDataId, collect, collectDataId, splitList } from './options.js'
import { OUTPUT_FORMATS, type OutputFormat } from './query-output.js'

/** The shared options as commander parses them. */
export interface QueryCliOptions {
  readonly where?: string
  readonly bind?: Record<string, unknown>
  readonly dataId?: Record<string, string>
  readonly orderBy?: string[]
  readonly limit?: number
  readonly format?: OutputFormat
  readonly json?: boolean
}

/** The shared options plus `--datasets` and `-c` (`query-data-ids`, `query-dimension-records`). */
export interface DataIdCliOptions extends QueryCliOptions {
  readonly datasets?: string[]
  readonly collections?: string[]
}

/** Adds the shared options to a query command; `rows` names what it lists ("datasets"). */
export function addQueryOptions(command: Command, rows: string): Command {
  return command
    .option('--where <EXPR>', `only ${rows} matching this query expression (see docs/queries.md)`)
    .option(
      '--bind <KEY=VALUE>',
      'value of :KEY in --where (repeatable); 12 and 1.5 are numbers, a,b,c and JSON [1,2] are lists ' +
        'for IN (...), JSON \'"12"\' is a string',
      collectBind,
    )
    .option('-d, --data-id <KEY=VALUE>', `only ${rows} with these data ID values (repeatable)`, collectDataId)
    .option('--order-by <COL[,COL...]>', 'sort by these columns; -COL sorts descending (repeatable)', collect)
    .option(
      '--limit <N>',
      'at most N rows; a negative N shows at most -N and warns when more matched; 0: no limit',
      parseLimit,
    )
    .addOption(new Option('--format <FORMAT>', 'output format (default: table)').choices([...OUTPUT_FORMATS]))
    .addOption(new Option('--json', 'the same as --format json').conflicts('format'))
}

/** The output format chosen with `--format` or `--json`. */
export function outputFormat(options: QueryCliOptions): OutputFormat {
  return options.json ? 'json' : (options.format ?? 'table')
}

/**
 * The query API's options for the shared command-line options: data ID values coerced to the
 * universe's key types, a limit of 0 dropped, warnings logged on stderr.
 */
export function queryOptions(universe: DimensionUniverse, options: QueryCliOptions): QueryOptions {
  const orderBy = splitList(options.orderBy)
  return {
    ...(options.where !== undefined && options.where.trim() !== '' ? { where: options.where } : {}),
    ...(options.bind ? { bind: options.bind } : {}),
    ...(options.dataId ? { dataId: coerceDataId(universe, options.dataId) } : {}),
    ...(orderBy.length > 0 ? { orderBy } : {}),
    ...(options.limit ? { limit: options.limit } : {}),
    onWarning: (message) => log('WARNING', message),
  }
}

/** Names of every RUN collection, the default search of the query commands. */
export async function allRuns(butler: DirectButler): Promise<string[]> {
  return (await butler.queryCollections(undefined, { types: ['RUN'] })).map((c) => c.name)
}

/**
 * Commander reducer for `--bind KEY=VALUE`: KEY is a bind name; VALUE is parsed by
 * {@link parseBindValue}. The same key given twice with different values is a usage error.
 */
export function collectBind(
  value: string,
  previous: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const eq = value.indexOf('=')
  const key = eq < 0 ? '' : value.slice(0, eq).trim()
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
    throw new InvalidArgumentError(`'${value}' is not NAME=VALUE with a bind name (e.g. --bind ids=1,2,3)`)
  }
  const parsed = parseBindValue(value.slice(eq + 1))
  const result = { ...(previous ?? {}) }
  if (key in result && JSON.stringify(result[key]) !== JSON.stringify(parsed)) {
    throw new InvalidArgumentError(`Bind '${key}' is given twice with different values`)
  }
  result[key] = parsed
  return result
}

/**
 * A bind value typed on the command line: a JSON array (`[1, 2]`, `["a", "b"]`) or JSON string
 * (`"12"`) as JSON; text with commas as a list of its comma-separated items; integers and decimal
 * numbers as numbers (integers beyond 2^53 as bigints); anything else as the string itself.
 */
export function parseBindValue(text: string): unknown {
  const trimmed = text.trim()
  if (trimmed.startsWith('[') || trimmed.startsWith('"')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(trimmed)
    } catch {
      throw new InvalidArgumentError(`'${text}' starts like JSON but is not valid JSON`)
    }
    const items = Array.isArray(parsed) ? parsed : [parsed]
    if (!items.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) {
      throw new InvalidArgumentError(`'${text}' must be a JSON string or a list of strings and numbers`)
    }
    return parsed
  }
  if (trimmed.includes(',')) return trimmed.split(',').map((item) => scalar(item.trim()))
  return scalar(trimmed)
}

function scalar(text: string): string | number | bigint {
  if (/^[+-]?\d+$/.test(text)) {
    const n = Number(text)
    return Number.isSafeInteger(n) ? n : BigInt(text)
  }
  if (/^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text)
  return text
}

/** Commander parser of `--limit`: an integer. */
export function parseLimit(value: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(value)) throw new InvalidArgumentError(`'${value}' is not an integer`)
  return Number(value)
}

/** Adds `--datasets` and `-c` to `query-data-ids` or `query-dimension-records`. */
export function addDatasetOptions(command: Command, rows: string): Command {
  return command
    .option('--datasets <TYPE[,TYPE...]>', `only ${rows} with datasets of these types (repeatable)`, collect)
    .option(
      '-c, --collections <C[,C...]>',
      'collections searched for --datasets (default: all RUNs)',
      collect,
    )
}

/**
 * The dataset constraint of `--datasets` and `-c` (checked: the types and collections must exist),
 * `{}` without `--datasets`, or undefined when nothing can match (no collection to search).
 */
export async function datasetConstraint(
  butler: DirectButler,
  options: DataIdCliOptions,
): Promise<Pick<DataIdQueryOptions, 'datasets' | 'collections'> | undefined> {
  const datasets = splitList(options.datasets)
  const explicit = splitList(options.collections)
  if (datasets.length === 0) {
    if (explicit.length > 0) throw new InputError('-c/--collections only applies with --datasets')
    return {}
  }
  for (const name of datasets) await butler.getDatasetType(name)
  await checkCollections(butler, explicit)
  const collections = explicit.length > 0 ? explicit : await allRuns(butler)
  return collections.length > 0 ? { datasets, collections } : undefined
}
