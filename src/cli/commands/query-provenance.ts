/**
 * `butler query-provenance REPO [DATASET_TYPE]`: the ancestors of one dataset (what it was made
 * from, and so on down to raws), or with `--derived` the datasets made from it.
 */
import { type Command, InvalidArgumentError, Option } from 'commander'
import { normaliseUuid } from '../../datasets/dataset-id.js'
import type { DatasetRef } from '../../datasets/dataset-ref.js'
import type { ProvenanceGraph, ProvenanceNode } from '../../datasets/provenance.js'
import type { DirectButler } from '../../direct/direct-butler.js'
import { DatasetNotFoundError, InputError } from '../../errors.js'
import { examples } from '../help.js'
import { coerceDataId, collect, collectDataId, splitList } from '../options.js'
import { formatDataId, formatTable, printJson, printLines } from '../output.js'
import { withButler } from '../repo.js'

interface QueryProvenanceOptions {
  readonly collections?: string[]
  readonly dataId?: Record<string, string>
  readonly id?: string
  readonly depth?: number
  readonly derived?: boolean
  readonly format?: 'table' | 'json'
  readonly json?: boolean
}

/** Adds `query-provenance` to the program. */
export function registerQueryProvenanceCommand(program: Command): void {
  program
    .command('query-provenance')
    .summary('show what a dataset was made from')
    .description(
      'Show the provenance of one dataset, found by type and data ID in the collections (first match ' +
        'wins) or by --id: the inputs recorded when it was put, their inputs, and so on until datasets ' +
        'without recorded provenance (raws), or --depth levels. Inputs no longer (or never) in this ' +
        'repository are shown with the run and dataset type recorded for them. The table lists the ' +
        'datasets as a tree (a dataset reached twice is shown once with its inputs); JSON gives the ' +
        'nodes and edges of the graph. With --derived, list the datasets made from this one instead.',
    )
    .addHelpText(
      'after',
      examples(
        'butler query-provenance ./repo calexp -c u/me/run1 -d instrument=HSC,visit=903334,detector=16',
        'butler query-provenance ./repo --id 0190c5a2-7d4e-7b7a-9f3e-2b1c4d5e6f70 --depth 1 --format json',
        'butler query-provenance ./repo raw -c HSC/raw/all -d instrument=HSC,exposure=903334,detector=16 --derived',
      ),
    )
    .argument('<REPO>', 'repository folder')
    .argument('[DATASET_TYPE]', 'dataset type of the dataset (not with --id)')
    .option('-c, --collections <C[,C...]>', 'collections searched in order (repeatable)', collect)
    .option('-d, --data-id <KEY=VALUE>', 'data ID values (repeatable, or comma-separated)', collectDataId)
    .option('--id <UUID>', 'the dataset by UUID instead of type, data ID and collections')
    .option('--depth <N>', 'follow inputs at most N levels (default: all)', parseDepth)
    .option('--derived', 'list the datasets made from this one (one level) instead of its ancestors')
    .addOption(new Option('--format <FORMAT>', 'output format (default: table)').choices(['table', 'json']))
    .addOption(new Option('--json', 'the same as --format json').conflicts('format'))
    .action(async (repo: string, datasetTypeName: string | undefined, options: QueryProvenanceOptions) => {
      const format = options.json ? 'json' : (options.format ?? 'table')
      const collections = splitList(options.collections)
      if (options.id !== undefined) {
        if (datasetTypeName !== undefined || options.dataId || collections.length > 0) {
          throw new InputError('--id names the dataset alone: give no dataset type, -d or -c with it')
        }
      } else {
        if (datasetTypeName === undefined) {
          throw new InputError('Name the dataset: a DATASET_TYPE with -d and -c, or --id UUID')
        }
        if (collections.length === 0) throw new InputError('Give the collections to search with -c')
      }
      if (options.derived && options.depth !== undefined) {
        throw new InputError('--depth applies to ancestors; --derived lists one level')
      }
      await withButler(repo, async (butler) => {
        const ref = await findDataset(butler, datasetTypeName, collections, options)
        if (options.derived) {
          printDerived(await butler.findDerived(ref), format)
          return
        }
        const graph = await butler.walkProvenance(ref, {
          ...(options.depth !== undefined ? { maxDepth: options.depth } : {}),
        })
        if (format === 'json') printJson(graph)
        else printGraph(graph, options.depth)
      })
    })
}

/** The dataset the command is about, by UUID or by type, data ID and collections. */
async function findDataset(
  butler: DirectButler,
  datasetTypeName: string | undefined,
  collections: readonly string[],
  options: QueryProvenanceOptions,
): Promise<DatasetRef> {
  if (options.id !== undefined) {
    const id = normaliseUuid(options.id)
    const [ref] = await butler.registry.getDatasets([id])
    if (!ref) throw new DatasetNotFoundError(`No dataset with UUID '${options.id}' in the repository`)
    return ref
  }
  for (const name of collections) await butler.registry.getCollection(name)
  const dataId = coerceDataId(butler.universe, options.dataId ?? {})
  const ref = await butler.findDataset(datasetTypeName!, dataId, { collections })
  if (!ref) {
    throw new DatasetNotFoundError(
      `No dataset '${datasetTypeName}' with data ID {${formatDataId(dataId)}} in collections [${collections.join(', ')}]`,
    )
  }
  return ref
}

/** The graph as a table: a tree from the root, indented by depth. */
function printGraph(graph: ProvenanceGraph, depth: number | undefined): void {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]))
  const inputsOf = new Map<string, string[]>()
  for (const edge of graph.edges) {
    const list = inputsOf.get(edge.output) ?? inputsOf.set(edge.output, []).get(edge.output)!
    list[edge.position] = edge.input
  }
  const rows: string[][] = []
  const shown = new Set<string>()
  const visit = (id: string, level: number): void => {
    const node = nodes.get(id)!
    const again = shown.has(id)
    rows.push(nodeRow(node, level, again))
    if (again) return
    shown.add(id)
    for (const input of inputsOf.get(id) ?? []) if (input !== undefined) visit(input, level + 1)
  }
  visit(graph.root, 0)
  printLines(...formatTable(['dataset type', 'run', 'id', 'data ID', 'task'], rows))
  if (graph.truncated) printLines('', `Inputs deeper than ${depth} level(s) are not shown (raise --depth).`)
}

function nodeRow(node: ProvenanceNode, level: number, again: boolean): string[] {
  const task = again ? '(shown above)' : node.hasProvenance ? (node.task ?? '') : '-'
  return [
    `${'  '.repeat(level)}${node.datasetType}`,
    node.run,
    node.id,
    node.dataId ? formatDataId(node.dataId) : '(not in this repository)',
    task,
  ]
}

function printDerived(refs: readonly DatasetRef[], format: 'table' | 'json'): void {
  if (format === 'json') {
    printJson(
      refs.map((r) => ({ id: r.id, datasetType: r.datasetType.name, run: r.run, dataId: r.dataId.required })),
    )
    return
  }
  if (refs.length === 0) {
    printLines('No datasets were made from it.')
    return
  }
  printLines(
    ...formatTable(
      ['dataset type', 'run', 'id', 'data ID'],
      refs.map((r) => [r.datasetType.name, r.run, r.id, formatDataId(r.dataId.required)]),
    ),
  )
}

function parseDepth(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`'${value}' is not a non-negative integer`)
  return Number(value.trim())
}
