/**
 * The walkthrough behind `butler demo`, loaded only when the command runs (it pulls in apache-arrow).
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import { relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { createRepository, openButler } from '../../create-butler.js'
import type { DatasetRef } from '../../datasets/dataset-ref.js'
import { DatasetType } from '../../datasets/dataset-type.js'
import { isNdArray } from '../../datasets/ndarray.js'
import type { DirectButler } from '../../direct/direct-butler.js'
import { SQLITE_REGISTRY_FILE } from '../../direct/repo-config.js'
import { InputError } from '../../errors.js'
import { countByType, findRefs } from '../dataset-search.js'
import { toPlain } from '../object-files.js'
import { formatDataId, printLines, stringifyJson } from '../output.js'
import type { DemoOptions } from './demo.js'
import {
  DEMO_DATASET_TYPES,
  DEMO_INSTRUMENT,
  DEMO_RUN,
  type DemoDataset,
  demoDatasets,
  demoRecords,
} from './demo-data.js'

const STEPS = 9

/** Prints the walkthrough (unless `--json`) and collects the summary. */
class Walkthrough {
  private count = 0
  constructor(private readonly quiet: boolean) {}

  step(title: string): void {
    this.count++
    if (!this.quiet) printLines('', `[${this.count}/${STEPS}] ${title}`)
  }

  say(...lines: string[]): void {
    if (!this.quiet) printLines(...lines.map((l) => `      ${l}`))
  }
}

/** Builds the demo repository in `root`, printing each step unless `--json`; returns the summary. */
export async function runDemo(
  root: string,
  options: DemoOptions,
): Promise<Record<string, unknown> & { ok: boolean }> {
  await prepareDirectory(root, options.force ?? false)
  const w = new Walkthrough(options.json ?? false)
  const summary: Record<string, unknown> & { ok: boolean } = { ok: true, repository: root, run: DEMO_RUN }
  if (!options.json) printLines(`Data Butler demo: a repository in ${root}`)

  w.step('Create a repository')
  await createRepository(root)
  w.say(`Wrote butler.yaml (the config) and ${SQLITE_REGISTRY_FILE} (the SQLite registry).`)
  w.say('Datasets will be files under the same folder, one folder per RUN collection.')

  const butler = await openButler(root)
  try {
    await describeCamera(butler, w, summary)
    await registerTypes(butler, w, summary)
    const datasets = demoDatasets()
    const refs = await putDatasets(butler, w, datasets, summary)
    await readBack(butler, w, datasets, refs, summary)
    await findAgain(butler, w, summary)
    await showUris(butler, w, root, summary)
    await readWithParameters(butler, w, summary)
    w.step('Verify the repository: every file known, every known file there, checksums right')
    const problems = await butler.verify({ checksums: true })
    summary.verify = { problems }
    if (problems.length > 0) summary.ok = false
    w.say(
      problems.length === 0
        ? 'OK: no problems found.'
        : `${problems.length} problem(s): ${problems.map((p) => `${p.kind} ${p.path}`).join('; ')}`,
    )
  } finally {
    await butler.close()
  }

  if (!options.json) {
    const repo = relative(process.cwd(), root) || '.'
    printLines(
      '',
      'Try it yourself:',
      `  butler query-dataset-types ${repo} -v`,
      `  butler query-datasets ${repo} --collections ${DEMO_RUN}`,
      `  butler query-dimension-records ${repo} visit`,
      `  butler get ${repo} visit_summary -c ${DEMO_RUN} -d instrument=${DEMO_INSTRUMENT},visit=1001`,
      `  butler get ${repo} catalog -c ${DEMO_RUN} -d instrument=${DEMO_INSTRUMENT},visit=1002 -p 'columns=["id","flux"]'`,
      `  butler get ${repo} image -c ${DEMO_RUN} -d instrument=${DEMO_INSTRUMENT},visit=1003,detector=0 -o image.npy`,
      `  butler verify ${repo}`,
    )
    if (!summary.ok) printLines('', 'The demo found problems (see above).')
  }
  return summary
}

async function describeCamera(
  butler: DirectButler,
  w: Walkthrough,
  summary: Record<string, unknown>,
): Promise<void> {
  w.step('Describe the camera and the night: insert dimension records')
  w.say('Dimension records are the rows data IDs refer to; a data ID is valid only if its records exist.')
  const counts: Record<string, number> = {}
  await butler.transaction(async () => {
    for (const { element, records } of demoRecords()) {
      // Some universes derive an element's values from others (band from physical_filter).
      if (!butler.universe.getElement(element).hasOwnTable) continue
      counts[element] = await butler.insertDimensionRecords(element, records)
      const keys = records.map((r) => String(r.name ?? r.id)).join(', ')
      w.say(`${element.padEnd(16)} ${String(counts[element]).padStart(2)} record(s): ${keys}`)
    }
  })
  summary.records = counts
}

async function registerTypes(
  butler: DirectButler,
  w: Walkthrough,
  summary: Record<string, unknown>,
): Promise<void> {
  w.step('Register dataset types: a name, the dimensions of its data IDs and a storage class')
  for (const t of DEMO_DATASET_TYPES) {
    const type = new DatasetType(t.name, butler.universe.group(t.dimensions), t.storageClass)
    await butler.registerDatasetType(type)
    w.say(`${t.name.padEnd(14)} ${t.storageClass.padEnd(19)} {${t.dimensions.join(', ')}}  ${t.doc}`)
  }
  summary.datasetTypes = DEMO_DATASET_TYPES.map((t) => ({
    name: t.name,
    storageClass: t.storageClass,
    dimensions: t.dimensions,
  }))
}

async function putDatasets(
  butler: DirectButler,
  w: Walkthrough,
  datasets: readonly DemoDataset[],
  summary: Record<string, unknown>,
): Promise<DatasetRef[]> {
  w.step(`Put ${datasets.length} datasets into the RUN collection '${DEMO_RUN}' (one transaction)`)
  await butler.registerRun(DEMO_RUN)
  const refs = await butler.putMany(
    datasets.map((d) => ({ obj: d.obj, datasetType: d.datasetType, dataId: d.dataId })),
    { run: DEMO_RUN },
  )
  for (const [type, n] of countByType(refs)) w.say(`${type.padEnd(14)} ${String(n).padStart(2)} dataset(s)`)
  const first = refs[0]!
  w.say(
    `Each gets a UUID, e.g. ${first.datasetType.name} {${formatDataId(first.dataId.mapping)}} -> ${first.id}`,
  )
  summary.datasets = refs.map((r) => ({
    id: r.id,
    datasetType: r.datasetType.name,
    dataId: r.dataId.mapping,
  }))
  return refs
}

async function readBack(
  butler: DirectButler,
  w: Walkthrough,
  datasets: readonly DemoDataset[],
  refs: readonly DatasetRef[],
  summary: { ok: boolean } & Record<string, unknown>,
): Promise<void> {
  w.step('Get them back by dataset type and data ID, and compare with what was put')
  const values = await butler.getMany(
    datasets.map((d) => ({ datasetType: d.datasetType, dataId: d.dataId })),
    { collections: [DEMO_RUN] },
  )
  const different = datasets
    .filter((d, i) => !sameValue(d.obj, values[i]))
    .map((d) => `${d.datasetType} {${formatDataId(d.dataId)}}`)
  summary.readBack = { checked: refs.length, identical: refs.length - different.length, different }
  if (different.length > 0) summary.ok = false
  w.say(
    different.length === 0
      ? `All ${refs.length} datasets read back identical.`
      : `${different.length} dataset(s) differ: ${different.join('; ')}`,
  )
  const log = values[datasets.findIndex((d) => d.datasetType === 'observing_log')]
  w.say(`observing_log {instrument=${DEMO_INSTRUMENT}, visit=1001}: ${String(log).trim()}`)
}

async function findAgain(
  butler: DirectButler,
  w: Walkthrough,
  summary: Record<string, unknown>,
): Promise<void> {
  w.step('Find datasets without reading them')
  const dataId = { instrument: DEMO_INSTRUMENT, visit: 1002, detector: 2 }
  const ref = await butler.findDataset('image', dataId, { collections: [DEMO_RUN] })
  w.say(`findDataset('image', {${formatDataId(dataId)}}) -> id ${ref?.id ?? '(not found)'}`)
  const expanded = await butler.expandDataId({ instrument: DEMO_INSTRUMENT, visit: 1002 })
  w.say(
    `expandDataId({instrument=${DEMO_INSTRUMENT}, visit=1002}) -> {${formatDataId(expanded.mapping)}}`,
    '  (day_obs and physical_filter come from the visit record, band from the physical_filter record)',
  )
  const missing = await butler
    .findDataset('image', { ...dataId, visit: 1001, detector: 3 }, { collections: ['no/such/run'] })
    .catch((e: unknown) => e)
  w.say(`Searching a collection that does not exist: ${describeOutcome(missing)}`)
  const all = await findRefs(butler, { collections: [DEMO_RUN] })
  w.say(`searchDatasets in '${DEMO_RUN}': ${all.length} datasets`)
  summary.find = { image: ref?.id ?? null, expandedDataId: expanded.mapping, datasetsInRun: all.length }
  if (!ref) (summary as { ok: boolean }).ok = false
}

async function showUris(
  butler: DirectButler,
  w: Walkthrough,
  root: string,
  summary: Record<string, unknown>,
): Promise<void> {
  w.step('Where the files are: getURI (paths come from the file template: run/type/day_obs/band/...)')
  const uris: Record<string, string> = {}
  for (const t of DEMO_DATASET_TYPES) {
    const dataId: Record<string, string | number> = { instrument: DEMO_INSTRUMENT, visit: 1001 }
    if ((t.dimensions as readonly string[]).includes('detector')) dataId.detector = 0
    const uri = await butler.getURI(t.name, dataId, { collections: [DEMO_RUN] })
    uris[t.name] = uri
    const path = uri.startsWith('file:') ? relative(root, fileURLToPath(uri)) : uri
    w.say(`${t.name.padEnd(14)} ${path}`)
  }
  summary.uris = uris
}

async function readWithParameters(
  butler: DirectButler,
  w: Walkthrough,
  summary: Record<string, unknown>,
): Promise<void> {
  w.step('Read only part of a dataset: read parameters and derived components')
  const collections = [DEMO_RUN]
  const visit = { instrument: DEMO_INSTRUMENT, visit: 1002 }
  const table = (await butler.get('catalog', visit, {
    collections,
    parameters: { columns: ['id', 'flux'] },
  })) as {
    numRows: number
    schema: { fields: { name: string }[] }
  }
  const columns = table.schema.fields.map((f) => f.name)
  w.say(
    `catalog with columns=["id","flux"]: ${table.numRows} rows x ${columns.length} columns (${columns.join(', ')})`,
  )
  const image = await butler.get(
    'image',
    { ...visit, detector: 1 },
    { collections, parameters: { slice: [2, 5] } },
  )
  const shape = isNdArray(image) ? image.shape : []
  w.say(`image with slice=[2,5]: rows 2..4 only, shape [${shape.join(', ')}]`)
  const fullShape = await butler.get('image.shape', { ...visit, detector: 1 }, { collections })
  const rowcount = await butler.get('catalog.rowcount', visit, { collections })
  w.say(
    `image.shape -> ${stringifyJson(fullShape, 0)}, catalog.rowcount -> ${String(rowcount)} (components computed from the dataset)`,
  )
  summary.parameters = {
    catalogColumns: columns,
    catalogRows: table.numRows,
    imageSliceShape: shape,
    imageShape: fullShape,
    catalogRowcount: rowcount,
  }
}

/** Makes sure `root` is new or empty; with `force`, removes a previous demo repository there. */
async function prepareDirectory(root: string, force: boolean): Promise<void> {
  let entries: string[]
  try {
    if (!(await stat(root)).isDirectory()) throw new InputError(`'${root}' exists and is not a directory`)
    entries = await readdir(root)
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error
    await mkdir(root, { recursive: true })
    return
  }
  if (entries.length === 0) return
  if (!force) {
    throw new InputError(
      `'${root}' is not empty: choose a new folder, or pass --force to replace a previous demo there`,
    )
  }
  const demoFiles = new Set([
    'butler.yaml',
    SQLITE_REGISTRY_FILE,
    `${SQLITE_REGISTRY_FILE}-wal`,
    `${SQLITE_REGISTRY_FILE}-shm`,
    `${SQLITE_REGISTRY_FILE}-journal`,
    DEMO_RUN.split('/')[0]!,
  ])
  const foreign = entries.filter((e) => !demoFiles.has(e))
  if (!entries.includes('butler.yaml') || foreign.length > 0) {
    throw new InputError(
      `'${root}' does not look like a previous demo repository (it holds ${foreign.length > 0 ? foreign.slice(0, 3).join(', ') : 'no butler.yaml'}); --force only replaces a demo`,
    )
  }
  for (const entry of entries) await rm(resolve(root, entry), { recursive: true, force: true })
}

function sameValue(expected: unknown, actual: unknown): boolean {
  if (isNdArray(expected) && isNdArray(actual)) {
    return (
      expected.dtype === actual.dtype &&
      isDeepStrictEqual(expected.shape, actual.shape) &&
      isDeepStrictEqual(
        Array.from(expected.data as ArrayLike<unknown>),
        Array.from(actual.data as ArrayLike<unknown>),
      )
    )
  }
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected) && 'schema' in expected) {
    return stringifyJson(toPlain(expected)) === stringifyJson(toPlain(actual))
  }
  return isDeepStrictEqual(expected, actual)
}

function describeOutcome(outcome: unknown): string {
  if (outcome instanceof Error && 'code' in outcome)
    return `error [${String(outcome.code)}] ${outcome.message}`
  return outcome === undefined ? 'not found' : 'found'
}
