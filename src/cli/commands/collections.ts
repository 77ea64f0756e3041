/**
 * The collection commands: `butler query-collections`, `butler collection-chain`, `butler associate`
 * and `butler certify-calibrations`.
 */
import { type Command, InvalidArgumentError, Option } from 'commander'
import type { DirectButler } from '../../direct/direct-butler.js'
import { CollectionTypeError, InputError, MissingCollectionError } from '../../errors.js'
import type { CollectionInfo, CollectionRecord, CollectionType } from '../../registry/registry.js'
import { parseTime } from '../../time/parse-time.js'
import { Timespan } from '../../time/timespan.js'
import { checkCollections, findRefs, resolveDatasetTypeNames } from '../dataset-search.js'
import { examples } from '../help.js'
import { coerceDataId, collect, collectDataId, splitList } from '../options.js'
import { formatTable, printJson, printLines } from '../output.js'
import { withButler } from '../repo.js'

/** How `query-collections` shows chains (the reference's `--chains` values). */
export const CHAINS_MODES = [
  'TABLE',
  'INVERSE-TABLE',
  'TREE',
  'INVERSE-TREE',
  'FLATTEN',
  'NO-CHILDREN',
] as const
type ChainsMode = (typeof CHAINS_MODES)[number]

const COLLECTION_TYPES: readonly CollectionType[] = ['RUN', 'TAGGED', 'CHAINED', 'CALIBRATION']
const CHAIN_EDIT_MODES = ['redefine', 'extend', 'prepend', 'remove', 'pop'] as const
type ChainEditMode = (typeof CHAIN_EDIT_MODES)[number]

interface QueryCollectionsOptions {
  readonly collectionType?: CollectionType[]
  readonly chains: ChainsMode
  readonly json?: boolean
}

interface CollectionChainOptions {
  readonly mode: ChainEditMode
  readonly flatten?: boolean
  readonly doc?: string
  readonly json?: boolean
}

interface AssociateOptions {
  readonly collections?: string[]
  readonly datasets?: string[]
  readonly dataId?: Record<string, string>
  readonly findFirst?: boolean
  readonly json?: boolean
}

interface CertifyOptions {
  readonly beginDate?: string
  readonly endDate?: string
  readonly searchAllInputs?: boolean
  readonly json?: boolean
}

/** Adds `query-collections`, `collection-chain`, `associate` and `certify-calibrations` to the program. */
export function registerCollectionCommands(program: Command): void {
  registerQueryCollections(program)
  registerCollectionChain(program)
  registerAssociate(program)
  registerCertifyCalibrations(program)
}

function registerQueryCollections(program: Command): void {
  program
    .command('query-collections')
    .summary('list collections')
    .description(
      'List the collections whose names match any of the globs (default: all). By default CHAINED ' +
        'collections are shown as a tree of their children; --chains picks another view.',
    )
    .addHelpText(
      'after',
      examples(
        "butler query-collections ./repo 'u/me/*'",
        'butler query-collections ./repo HSC/defaults --chains FLATTEN',
        'butler query-collections ./repo --collection-type CALIBRATION --chains TABLE',
      ),
    )
    .argument('<REPO>', 'repository folder')
    .argument('[GLOB...]', 'names or patterns (default: all)')
    .addOption(
      new Option(
        '--collection-type <TYPE>',
        `only collections of this type (${COLLECTION_TYPES.join(', ')}; repeatable or comma-separated)`,
      ).argParser(collectCollectionTypes),
    )
    .addOption(
      new Option(
        '--chains <MODE>',
        'TREE: chains with their children, recursively; INVERSE-TREE: collections with their parent ' +
          'chains, recursively; TABLE / INVERSE-TABLE: one level of children / parents in a column; ' +
          'FLATTEN: the flattened search order (chains replaced by their children); NO-CHILDREN: names only',
      )
        .default('TREE')
        .argParser(parseChainsMode),
    )
    .option('--json', 'print JSON (chains with their children, or parents for the INVERSE modes)')
    .action(async (repo: string, globs: string[], options: QueryCollectionsOptions) => {
      await withButler(repo, async (butler) => {
        const mode = options.chains
        const inverse = mode === 'INVERSE-TREE' || mode === 'INVERSE-TABLE'
        const types = options.collectionType
        const selected = await butler.queryCollections(globs.length > 0 ? globs : undefined, {
          ...(types ? { types } : {}),
          ...(mode === 'FLATTEN' ? { flattenChains: true } : {}),
          ...(inverse ? { includeParents: true } : {}),
        })
        if (options.json) {
          printJson(selected.map((info) => collectionJson(info, mode)))
          return
        }
        if (selected.length === 0) return
        if (mode === 'TREE' || mode === 'INVERSE-TREE') {
          // Children and parents may be of any type and match no glob: look them up among all.
          const all = await butler.queryCollections(undefined, inverse ? { includeParents: true } : {})
          const byName = new Map(all.map((info) => [info.name, info]))
          printLines(...formatTable(['name', 'type'], treeRows(selected, byName, inverse)))
        } else if (mode === 'TABLE' || mode === 'INVERSE-TABLE') {
          printLines(...relativesTable(selected, inverse))
        } else {
          printLines(
            ...formatTable(
              ['name', 'type'],
              selected.map((info) => [info.name, info.type]),
            ),
          )
        }
      })
    })
}

/** The JSON form of one collection: children for chains (not when flattened), parents when inverse. */
function collectionJson(info: CollectionInfo, mode: ChainsMode): Record<string, unknown> {
  const out: Record<string, unknown> = { name: info.name, type: info.type, doc: info.doc }
  const showChildren = mode === 'TREE' || mode === 'TABLE'
  if (showChildren && info.type === 'CHAINED') out.children = info.children
  if (info.parents) out.parents = info.parents
  return out
}

/** Rows of the tree views: each collection, then its children (or parents) indented, recursively. */
function treeRows(
  roots: readonly CollectionInfo[],
  byName: ReadonlyMap<string, CollectionInfo>,
  inverse: boolean,
): string[][] {
  const rows: string[][] = []
  const add = (info: CollectionInfo, path: readonly string[]) => {
    rows.push([`${'  '.repeat(path.length)}${info.name}`, info.type])
    // The registry refuses cycles; the path check only keeps a damaged database from looping.
    if (path.includes(info.name)) return
    const next = inverse ? [...(info.parents ?? [])].sort() : info.children
    for (const name of next) {
      const relative = byName.get(name)
      if (relative) add(relative, [...path, info.name])
    }
  }
  for (const info of roots) add(info, [])
  return rows
}

/**
 * The table views: name, type and one child (or parent) per row, the name and type only on the
 * first row of each collection; the third column is left out when no collection has any.
 */
function relativesTable(infos: readonly CollectionInfo[], inverse: boolean): string[] {
  const rows: string[][] = []
  for (const info of infos) {
    const relatives = inverse ? [...(info.parents ?? [])].sort() : info.children
    if (relatives.length === 0) rows.push([info.name, info.type, ''])
    relatives.forEach((name, i) => {
      rows.push(i === 0 ? [info.name, info.type, name] : ['', '', name])
    })
  }
  const hasRelatives = inverse
    ? rows.some((row) => row[2] !== '')
    : infos.some((info) => info.type === 'CHAINED')
  if (!hasRelatives) {
    return formatTable(
      ['name', 'type'],
      rows.map((row) => row.slice(0, 2)),
    )
  }
  return formatTable(['name', 'type', inverse ? 'parents' : 'children'], rows)
}

function registerCollectionChain(program: Command): void {
  program
    .command('collection-chain')
    .summary('create or edit a CHAINED collection')
    .description(
      'Create or edit the CHAINED collection PARENT and print its children afterwards. redefine ' +
        '(default), extend and prepend create PARENT when it does not exist; remove and pop need it. ' +
        'CHILDREN may also be comma-separated. pop takes positions (default 0, the first; negative ' +
        'ones count from the end and go after `--`). A chain that would contain itself is refused.',
    )
    .addHelpText(
      'after',
      examples(
        'butler collection-chain ./repo HSC/defaults HSC/raw/all,HSC/calib --doc "default search path"',
        'butler collection-chain ./repo HSC/defaults u/me/run2 --mode prepend',
        'butler collection-chain ./repo HSC/defaults --mode pop -- -1',
      ),
    )
    .argument('<REPO>', 'repository folder')
    .argument('<PARENT>', 'the CHAINED collection')
    .argument('[CHILDREN...]', 'child collections (for pop: positions)')
    .addOption(
      new Option('--mode <MODE>', 'how CHILDREN change the chain')
        .choices(CHAIN_EDIT_MODES)
        .default('redefine'),
    )
    .option('--flatten', 'store the flattened, non-CHAINED members of CHILDREN (redefine, extend, prepend)')
    .option('--doc <TEXT>', 'documentation of the chain')
    .option('--json', 'print the new children as JSON')
    .action(async (repo: string, parent: string, rawChildren: string[], options: CollectionChainOptions) => {
      const children = splitList(rawChildren)
      const { mode } = options
      if (mode !== 'pop' && children.length === 0) {
        throw new InputError(`--mode ${mode} needs at least one child collection`)
      }
      if (options.flatten && (mode === 'remove' || mode === 'pop')) {
        throw new InputError(`--flatten cannot be used with --mode ${mode}`)
      }
      const positions = mode === 'pop' ? children.map(parsePosition) : []
      await withButler(repo, async (butler) => {
        const chain = await butler.transaction(async () => {
          const existing = (await findCollection(butler, parent)) !== undefined
          if (!existing && mode !== 'remove' && mode !== 'pop') {
            await butler.registerCollection(parent, 'CHAINED', options.doc ?? '')
          } else if (existing && options.doc !== undefined) {
            await butler.setCollectionDocumentation(parent, options.doc)
          }
          return butler.editCollectionChain(
            parent,
            mode === 'pop'
              ? { mode, ...(positions.length > 0 ? { positions } : {}) }
              : { mode, children, ...(options.flatten ? { flatten: true } : {}) },
          )
        })
        if (options.json) printJson(chain)
        else printLines(`[${chain.join(', ')}]`)
      })
    })
}

function registerAssociate(program: Command): void {
  program
    .command('associate')
    .summary('tag datasets into a TAGGED collection')
    .description(
      'Find datasets (the query options are those of query-datasets) and add them to the TAGGED ' +
        'collection COLLECTION, which is created if needed. A TAGGED collection holds at most one ' +
        'dataset per dataset type and data ID: tagging a second one is refused. Prints the count.',
    )
    .addHelpText(
      'after',
      examples(
        'butler associate ./repo u/me/best -c u/me/run1 --datasets calexp -d visit=903334',
        'butler associate ./repo u/me/best -c u/me/run2,u/me/run1 --find-first',
      ),
    )
    .argument('<REPO>', 'repository folder')
    .argument('<COLLECTION>', 'the TAGGED collection')
    .option('-c, --collections <C[,C...]>', 'collections searched (repeatable; default: all RUNs)', collect)
    .option('--datasets <TYPE[,TYPE...]>', 'dataset type names or globs (repeatable; default: all)', collect)
    .option('-d, --data-id <KEY=VALUE>', 'only datasets whose data ID has these values', collectDataId)
    .option('--find-first', 'only the first match per dataset type and data ID, in collection order')
    .option('--json', 'print a JSON summary')
    .action(async (repo: string, collection: string, options: AssociateOptions) => {
      await withButler(repo, async (butler) => {
        const collections = splitList(options.collections)
        await checkCollections(butler, collections)
        const target = await findCollection(butler, collection)
        if (target && target.type !== 'TAGGED') {
          throw new CollectionTypeError(
            `Collection '${collection}' is a ${target.type} collection; datasets can only be associated with a TAGGED one`,
          )
        }
        const patterns = splitList(options.datasets)
        const datasetTypes = patterns.length > 0 ? await resolveDatasetTypeNames(butler, patterns) : undefined
        const refs =
          datasetTypes?.length === 0
            ? []
            : await findRefs(butler, {
                ...(datasetTypes ? { datasetTypes } : {}),
                ...(collections.length > 0 ? { collections } : {}),
                ...(options.dataId ? { dataId: coerceDataId(butler.universe, options.dataId) } : {}),
                ...(options.findFirst ? { findFirst: true } : {}),
              })
        if (refs.length > 0) await butler.associate(collection, refs)
        if (options.json) printJson({ collection, associated: refs.length, ids: refs.map((r) => r.id) })
        else if (refs.length === 0) printLines('No datasets found; nothing associated.')
        else printLines(`Associated ${refs.length} dataset(s) with '${collection}'.`)
      })
    })
}

function registerCertifyCalibrations(program: Command): void {
  program
    .command('certify-calibrations')
    .summary('certify calibration datasets into a CALIBRATION collection for a validity range')
    .description(
      'Find the datasets of DATASET_TYPE in the collection INPUT and certify them into the CALIBRATION ' +
        'collection OUTPUT (created if needed) for the validity range [--begin-date, ' +
        '--end-date), unbounded on a side whose date is not given. Dates are TAI (ISO 8601, or any form ' +
        'the query language accepts). When INPUT is a chain only its first child is searched, ' +
        'unless --search-all-inputs. A range overlapping an existing one for the same data ID is refused.',
    )
    .addHelpText(
      'after',
      examples(
        'butler certify-calibrations ./repo HSC/calib/run1 HSC/calib bias --begin-date 2024-01-01T00:00:00',
        'butler certify-calibrations ./repo HSC/calib/run2 HSC/calib flat --begin-date 2024-01-01 --end-date 2024-06-01',
      ),
    )
    .argument('<REPO>', 'repository folder')
    .argument('<INPUT>', 'the collection holding the datasets (RUN, TAGGED or CHAINED)')
    .argument('<OUTPUT>', 'the CALIBRATION collection')
    .argument('<DATASET_TYPE>', 'the calibration dataset type')
    .option('--begin-date <ISO>', 'start of the validity range, TAI (default: unbounded)')
    .option('--end-date <ISO>', 'end of the validity range, exclusive, TAI (default: unbounded)')
    .option('--search-all-inputs', 'search every child of a CHAINED INPUT, not just the first')
    .option('--json', 'print a JSON summary')
    .action(
      async (repo: string, input: string, output: string, datasetType: string, options: CertifyOptions) => {
        const begin = options.beginDate === undefined ? null : parseTime(options.beginDate, { scale: 'tai' })
        const end = options.endDate === undefined ? null : parseTime(options.endDate, { scale: 'tai' })
        if (begin !== null && end !== null && begin >= end) {
          throw new InputError(
            `--begin-date ${options.beginDate} is not before --end-date ${options.endDate}: the range is empty`,
          )
        }
        const timespan = new Timespan(begin, end)
        await withButler(repo, async (butler) => {
          const type = await butler.getDatasetType(datasetType)
          const inputType = (await butler.registry.getCollection(input)).type
          let source = input
          if (inputType === 'CALIBRATION') {
            throw new CollectionTypeError(
              `Input collection '${input}' is a CALIBRATION collection; certify from a RUN, TAGGED or CHAINED one`,
            )
          }
          if (inputType === 'CHAINED' && !options.searchAllInputs) {
            const first = (await butler.getCollectionChain(input))[0]
            if (first === undefined) throw new InputError(`Input chain '${input}' has no children`)
            source = first
          }
          const refs = await findRefs(butler, { datasetTypes: [type.name], collections: [source] })
          if (refs.length === 0) {
            throw new InputError(
              `No datasets of type '${type.name}' found in '${source}'; nothing to certify`,
            )
          }
          await butler.certify(output, refs, timespan)
          if (options.json) {
            printJson({
              collection: output,
              datasetType: type.name,
              certified: refs.length,
              timespan: {
                begin: timespan.toSimple()[0],
                end: timespan.toSimple()[1],
                text: String(timespan),
              },
              ids: refs.map((r) => r.id),
            })
          } else {
            printLines(
              `Certified ${refs.length} '${type.name}' dataset(s) from '${source}' into '${output}' for ${timespan}.`,
            )
          }
        })
      },
    )
}

/** Validates and normalises a `--chains` value (case-insensitive, as in the reference). */
function parseChainsMode(value: string): ChainsMode {
  const upper = value.toUpperCase() as ChainsMode
  if (!CHAINS_MODES.includes(upper)) {
    throw new InvalidArgumentError(`expected one of ${CHAINS_MODES.join(', ')}`)
  }
  return upper
}

/** Commander reducer for `--collection-type`: repeatable, comma-separated, case-insensitive. */
function collectCollectionTypes(value: string, previous: CollectionType[] | undefined): CollectionType[] {
  const out = [...(previous ?? [])]
  for (const part of splitList([value])) {
    const upper = part.toUpperCase() as CollectionType
    if (!COLLECTION_TYPES.includes(upper)) {
      throw new InvalidArgumentError(`'${part}' is not one of ${COLLECTION_TYPES.join(', ')}`)
    }
    if (!out.includes(upper)) out.push(upper)
  }
  return out
}

/** A `pop` position: an integer, negative ones counting from the end. */
function parsePosition(text: string): number {
  if (!/^-?\d+$/.test(text)) {
    throw new InputError(`--mode pop takes positions (integers), not '${text}'`)
  }
  return Number(text)
}

/** The named collection, or undefined when there is none. */
async function findCollection(butler: DirectButler, name: string): Promise<CollectionRecord | undefined> {
  try {
    return await butler.registry.getCollection(name)
  } catch (error) {
    if (error instanceof MissingCollectionError) return undefined
    throw error
  }
}
