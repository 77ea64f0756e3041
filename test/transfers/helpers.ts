/**
 * Helpers of the import/export tests: fresh repositories, independent record counts of export files,
 * and a comparable snapshot of everything a registry holds.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { createRepository, type DirectButler, openButler, Timespan } from '../../src/index.js'

/** A temporary folder and a way to remove it. */
export async function tempDir(
  prefix = 'butler-transfers-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** Creates a repository at `dir/name` and opens it. */
export async function freshRepo(dir: string, name = 'repo'): Promise<DirectButler> {
  const root = join(dir, name)
  await createRepository(root)
  return openButler(root)
}

/**
 * Records per element in an export file, counted from the plain YAML (custom tags left unresolved),
 * without the code under test.
 */
export async function countRecords(path: string): Promise<Map<string, number>> {
  const doc = parse(await readFile(path, 'utf8'), { version: '1.1', logLevel: 'silent' }) as {
    data?: { type: string; element?: string; records?: unknown[] }[]
  }
  const counts = new Map<string, number>()
  for (const entry of doc.data ?? []) {
    if (entry.type !== 'dimension') continue
    counts.set(entry.element!, (counts.get(entry.element!) ?? 0) + (entry.records?.length ?? 0))
  }
  return counts
}

/** Number of records of every element with a table. */
export async function recordCounts(butler: DirectButler): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  for (const element of butler.universe.elements) {
    if (!element.hasOwnTable) continue
    const n = (await butler.registry.fetchDimensionRecords(element.name)).length
    if (n > 0) counts.set(element.name, n)
  }
  return counts
}

function plain(value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (value instanceof Uint8Array) return `hex:${Buffer.from(value).toString('hex')}`
  if (value instanceof Timespan) return value.isEmpty ? 'empty' : `[${value.begin}, ${value.end})`
  if (typeof value === 'bigint') return `${value}n`
  return value
}

/** Everything a registry holds, as sorted plain data that `deepEqual` can compare. */
export async function snapshot(butler: DirectButler): Promise<Record<string, unknown>> {
  const registry = butler.registry
  const records: Record<string, unknown[]> = {}
  for (const element of butler.universe.elements) {
    if (!element.hasOwnTable) continue
    const rows = (await registry.fetchDimensionRecords(element.name)).map((r) =>
      Object.fromEntries(element.fields.map((f) => [f.name, plain(r.get(f.name))])),
    )
    if (rows.length > 0) records[element.name] = rows.map((r) => JSON.stringify(r)).sort()
  }
  const types = await registry.queryDatasetTypes()
  const datasetTypes = types
    .map((t) => `${t.name}|${t.dimensions}|${t.storageClassName}|${t.isCalibration}`)
    .sort()
  const collections = (await registry.queryCollections())
    .map((c) => ({ name: c.name, type: c.type, doc: c.doc, children: [...c.children] }))
    .sort((a, b) => a.name.localeCompare(b.name))
  const datasets: string[] = []
  for await (const page of registry.searchDatasets({})) {
    for (const ref of page) {
      datasets.push(`${ref.id}|${ref.datasetType.name}|${ref.run}|${JSON.stringify(ref.dataId.required)}`)
    }
  }
  const memberships: string[] = []
  for (const t of types) {
    for (const a of await registry.queryDatasetAssociations(t.name, {
      collectionTypes: ['TAGGED', 'CALIBRATION'],
    })) {
      memberships.push(`${a.collection}|${a.ref.id}|${a.timespan ? plain(a.timespan) : ''}`)
    }
  }
  return { records, datasetTypes, collections, datasets: datasets.sort(), memberships: memberships.sort() }
}
