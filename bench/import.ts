/**
 * Import of `hsc-rc2-subset.yaml` (about 1,600 dimension records of 13 elements, no datasets) into a
 * fresh repository, registry only, with its physical baseline.
 *
 * Baseline, measured in the same run on the same disk: the same rows (the file's records, already
 * parsed) inserted with better-sqlite3 prepared statements into one plain table per element, in one
 * transaction of a fresh WAL database. The import additionally reads and checks the YAML, migrates
 * and validates every record, and checks keys and foreign keys.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createRepository, openButler } from '../src/index.js'
import { importFile } from '../src/transfers/import-file.js'
import { parseExportFile } from '../src/transfers/read-export-file.js'
import { FIXTURES } from '../test/fixtures.js'
import { cleanup, scratch, settle } from './setup.js'

/** One repetition's figures. */
export interface ImportFigures {
  readonly records: number
  /** Whole import: read, parse, check, insert, commit. */
  readonly seconds: number
  /** Raw inserts of the same rows in one transaction. */
  readonly baselineSeconds: number
}

/** The fixture file, or undefined when the shared fixtures are not beside the checkout. */
export function importFixture(): string | undefined {
  return FIXTURES ? join(FIXTURES, 'registry_data', 'hsc-rc2-subset.yaml') : undefined
}

/** Runs the import benchmark once. */
export async function runImportBench(file: string): Promise<ImportFigures> {
  const dir = await scratch('import')
  try {
    const repo = join(dir, 'repo')
    await createRepository(repo)
    const butler = await openButler(repo)
    settle()
    let t = performance.now()
    const summary = await importFile(butler, { filename: file, withoutDatastore: true })
    const seconds = (performance.now() - t) / 1000
    await butler.close()

    // Baseline rows: every record of the file as a row of its element's table.
    const parsed = parseExportFile(readFileSync(file, 'utf8'))
    const tables = new Map<string, { columns: string[]; rows: unknown[][] }>()
    for (const entry of parsed.data) {
      if (entry.type !== 'dimension') continue
      const columns = [...new Set(entry.records.flatMap((r) => Object.keys(r)))]
      const rows = entry.records.map((r) => columns.map((c) => sqlValue(r[c])))
      tables.set(entry.element, { columns, rows })
    }
    const db = new Database(join(dir, 'baseline.sqlite3'))
    db.pragma('journal_mode = WAL')
    for (const [name, { columns }] of tables) {
      db.exec(`CREATE TABLE "${name}" (${columns.map((c) => `"${c}"`).join(', ')})`)
    }
    settle()
    t = performance.now()
    db.transaction(() => {
      for (const [name, { columns, rows }] of tables) {
        const insert = db.prepare(
          `INSERT INTO "${name}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
        )
        for (const row of rows) insert.run(...row)
      }
    })()
    const baselineSeconds = (performance.now() - t) / 1000
    db.close()
    return { records: summary.records, seconds, baselineSeconds }
  } finally {
    await cleanup(dir)
  }
}

function sqlValue(value: unknown): unknown {
  if (value === undefined) return null
  if (typeof value === 'boolean') return value ? 1 : 0
  return value
}
