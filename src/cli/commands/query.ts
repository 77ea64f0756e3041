/**
 * `butler query-datasets` (`query-collections` is in `collections.ts`): one query per matching
 * dataset type, printed one after the other (a table per type, or one CSV or JSON stream).
 */
import type { Command } from 'commander'
import type { DatasetRef } from '../../datasets/dataset-ref.js'
import type { DatasetType } from '../../datasets/dataset-type.js'
import type { DirectButler } from '../../direct/direct-butler.js'
import { InputError } from '../../errors.js'
import type { QueryResults } from '../../query/query.js'
import { checkCollections, resolveDatasetTypeNames } from '../dataset-search.js'
import { examples } from '../help.js'
import { log } from '../log.js'
import { collect, splitList } from '../options.js'
import { printLines } from '../output.js'
import {
  addQueryOptions,
  allRuns,
  outputFormat,
  type QueryCliOptions,
  queryOptions,
} from '../query-options.js'
import { createRowSink, type OutputFormat, type OutputRow } from '../query-output.js'
import { withButler } from '../repo.js'

interface QueryDatasetsOptions extends QueryCliOptions {
  readonly collections?: string[]
  readonly findFirst?: boolean
  readonly showUri?: boolean
}

/** One dataset type's search, built with the limit and warning handler given. */
interface TypeSearch {
  readonly type: DatasetType
  readonly results: (
    limit: number | undefined,
    onWarning: (message: string) => void,
  ) => QueryResults<DatasetRef>
}

/** Adds `query-datasets` to the program. */
export function registerQueryCommands(program: Command): void {
  const command = program
    .command('query-datasets')
    .summary('list datasets')
    .description(
      'List the datasets of the dataset types matching the globs (default: all) in the collections ' +
        '(default: every RUN). With -d, only dataset types that have every dimension given are searched. ' +
        'Rows are sorted by run and data ID unless --order-by says otherwise; --limit counts rows over ' +
        'all dataset types.',
    )
    .addHelpText(
      'after',
      examples(
        'butler query-datasets ./repo calexp -c u/me/run1 -d instrument=HSC --show-uri',
        `butler query-datasets ./repo 'flat*' --where "instrument = 'HSC' AND detector IN (:ids)" --bind ids=1,2,3`,
        'butler query-datasets ./repo bias -c u/me/run2,u/me/run1 --find-first --format csv',
      ),
    )
    .argument('<REPO>', 'repository folder')
    .argument('[GLOB...]', 'dataset type names or patterns (default: all)')
    .option(
      '-c, --collections <C[,C...]>',
      'collections searched in order (repeatable; default: all RUNs)',
      collect,
    )
  addQueryOptions(command, 'datasets')
    .option('--find-first', 'only the first dataset per data ID, in collection order (needs -c)')
    .option('--no-find-first', 'every dataset found in any of the collections (the default)')
    .option('--show-uri', 'also show where each artifact is')
    .action(async (repo: string, globs: string[], options: QueryDatasetsOptions) => {
      const format = outputFormat(options)
      const explicit = splitList(options.collections)
      if (options.findFirst && explicit.length === 0) {
        throw new InputError('--find-first needs the collections to search, in order, with -c')
      }
      await withButler(repo, async (butler) => {
        await checkCollections(butler, explicit)
        const collections = explicit.length > 0 ? explicit : await allRuns(butler)
        const searches = await prepareSearches(butler, globs, collections, options)
        await printDatasets(butler, searches, format, options)
      })
    })
}

/**
 * The searches of the matching dataset types, each built once now so that a bad expression, bind or
 * ordering fails before anything is printed.
 */
async function prepareSearches(
  butler: DirectButler,
  globs: readonly string[],
  collections: readonly string[],
  options: QueryDatasetsOptions,
): Promise<TypeSearch[]> {
  const names =
    globs.length > 0
      ? await resolveDatasetTypeNames(butler, globs)
      : (await butler.queryDatasetTypes()).map((t) => t.name).sort()
  const base = queryOptions(butler.universe, options)
  // Each search gets the limit left for it when it runs (see printDatasets).
  const { limit, ...withoutLimit } = base
  const keys = Object.keys(base.dataId ?? {})
  const types = (await Promise.all(names.map((n) => butler.getDatasetType(n)))).filter((t) =>
    keys.every((k) => t.dimensions.has(k)),
  )
  if (collections.length === 0) return []
  return types.map((type) => {
    const results = (left: number | undefined, onWarning: (message: string) => void) =>
      butler.queryDatasets(type.name, {
        ...withoutLimit,
        orderBy: base.orderBy ?? ['run', ...type.dimensions.required],
        collections,
        findFirst: options.findFirst === true,
        ...(left !== undefined ? { limit: left } : {}),
        onWarning,
      })
    results(limit, () => {})
    return { type, results }
  })
}

/** Runs the searches in turn and prints their rows; `--limit` counts rows over all of them. */
async function printDatasets(
  butler: DirectButler,
  searches: readonly TypeSearch[],
  format: OutputFormat,
  options: QueryDatasetsOptions,
): Promise<void> {
  const limit = options.limit ? options.limit : undefined
  const cap = limit === undefined ? undefined : Math.abs(limit)
  let remaining = cap
  let truncated = false
  const markTruncated = () => {
    truncated = true
  }
  const csvDims = unionDims(searches)
  const shared = format === 'table' ? undefined : createRowSink(format, columns(csvDims, options))
  let tables = 0
  for (const { type, results } of searches) {
    if (remaining === 0) {
      // A negative limit warns only when rows were really left out.
      truncated = limit! < 0 && (await results(undefined, markTruncated).any())
      if (truncated || limit! > 0) break
      continue
    }
    const dims = shared ? csvDims : type.dimensions.required
    const sink = shared ?? createRowSink('table', columns(dims, options))
    const sign = limit !== undefined && limit < 0 ? -1 : 1
    const query = results(remaining === undefined ? undefined : sign * remaining, markTruncated)
    for await (const page of query.pages()) {
      const uris = options.showUri ? await Promise.all(page.map((r) => butler.getURI(r))) : undefined
      sink.writePage(page.map((ref, i) => datasetRow(ref, dims, uris?.[i])))
      if (remaining !== undefined) remaining -= page.length
    }
    if (!shared && sink.count > 0) {
      if (tables > 0) printLines('')
      sink.end()
      tables += 1
    }
    if (truncated) break
  }
  shared?.end()
  if (truncated) log('WARNING', `More than ${cap} datasets matched; only the first ${cap} are shown`)
  if (format === 'table' && tables === 0) printLines('No datasets found.')
}

/** Columns of a table or CSV whose data IDs have the dimensions `dims`. */
function columns(dims: readonly string[], options: QueryDatasetsOptions): string[] {
  return ['type', 'run', 'id', ...dims, ...(options.showUri ? ['uri'] : [])]
}

/** Required dimensions of all the searched dataset types, in order of first appearance. */
function unionDims(searches: readonly TypeSearch[]): string[] {
  return [...new Set(searches.flatMap((s) => s.type.dimensions.required))]
}

/** A dataset as JSON (`id`, `datasetType`, `run`, required `dataId`, `uri`) and as cells. */
function datasetRow(ref: DatasetRef, dims: readonly string[], uri: string | undefined): OutputRow {
  const dataId = ref.dataId.required
  const json = {
    id: ref.id,
    datasetType: ref.datasetType.name,
    run: ref.run,
    dataId,
    ...(uri !== undefined ? { uri } : {}),
  }
  const cells = [
    ref.datasetType.name,
    ref.run,
    ref.id,
    ...dims.map((d) => (d in dataId ? String(dataId[d]) : '')),
    ...(uri !== undefined ? [uri] : []),
  ]
  return { json, cells }
}
