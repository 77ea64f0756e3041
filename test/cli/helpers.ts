/**
 * Helpers of the CLI tests: run the built `butler` binary in a child process, make repositories,
 * and snapshot a repository to prove a failed command left it unchanged.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const BUILD_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
/**
 * The `butler` bin as users run it: the bundle `npm run build` writes (dist/butler.mjs), or the
 * compiled entry point when the tests were compiled elsewhere without a bundle.
 */
export const BIN = existsSync(join(BUILD_ROOT, 'butler.mjs'))
  ? join(BUILD_ROOT, 'butler.mjs')
  : join(BUILD_ROOT, 'src', 'cli', 'main.js')

/** What a run of the binary produced. */
export interface RunResult {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `butler ARGS...` in `cwd` with stdin closed (never a terminal) and returns its output. */
export function butler(
  cwd: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): RunResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, BUTLER_DEBUG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  })
  if (result.error) throw result.error
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Runs a command that must succeed and returns its stdout. */
export function ok(cwd: string, args: readonly string[]): string {
  const r = butler(cwd, args)
  assert.equal(r.status, 0, `butler ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`)
  return r.stdout
}

/** Runs a command that must succeed and parses its stdout as JSON. */
export function okJson<T = unknown>(cwd: string, args: readonly string[]): T {
  return JSON.parse(ok(cwd, args)) as T
}

/** Asserts a user error: exit 1, exactly one `butler: error [code]: ...` line on stderr, no stack. */
export function assertUserError(r: RunResult, code: string): void {
  assert.equal(r.status, 1, `expected exit 1, got ${r.status}; stderr:\n${r.stderr}`)
  const lines = r.stderr.split('\n').filter((l) => l !== '')
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`)
  assert.match(lines[0]!, new RegExp(`^butler: error \\[${code}\\]: \\S.*$`))
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
}

/** Asserts a usage error from commander: exit 2 and a message on stderr. */
export function assertUsageError(r: RunResult, pattern: RegExp): void {
  assert.equal(r.status, 2, `expected exit 2, got ${r.status}; stderr:\n${r.stderr}`)
  assert.match(r.stderr, pattern)
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
}

/** A new temporary folder, removed by the returned function. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'butler-cli-'))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Writes a text file and returns its path. */
export function writeText(dir: string, name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

/** Every file under `root` (relative path -> sha256 of the content), SQLite side files excluded. */
export function fileListing(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (!/-(wal|shm|journal)$/.test(name)) {
        out[relative(root, path)] = createHash('sha256').update(readFileSync(path)).digest('hex')
      }
    }
  }
  walk(root)
  return out
}

/** What the repository holds, as the CLI reports it: collections, dataset types and datasets. */
export function contents(cwd: string, repo: string): unknown {
  return {
    collections: okJson(cwd, ['query-collections', repo, '--json']),
    datasetTypes: okJson(cwd, ['query-dataset-types', repo, '--json']),
    datasets: okJson(cwd, ['query-datasets', repo, '--json']),
  }
}

/**
 * Snapshot of a repository: its files with their content hashes (the registry database included, so
 * any committed change shows) and the datasets the CLI finds.
 */
export function snapshot(cwd: string, repo: string): unknown {
  return { files: fileListing(join(cwd, repo)), datasets: okJson(cwd, ['query-datasets', repo, '--json']) }
}

/**
 * Builds a repository `repo` in `cwd` through the CLI: one instrument (HSC), two physical filters,
 * three detectors, one day_obs and two visits, and dataset types of several storage classes.
 */
export function makeRepo(cwd: string, repo = 'repo'): string {
  ok(cwd, ['create', repo])
  writeText(
    cwd,
    'instrument.yaml',
    'records:\n  - name: HSC\n    detector_max: 200\n    visit_max: 9999999\n',
  )
  ok(cwd, ['insert-dimension-records', repo, 'instrument', 'instrument.yaml'])
  writeText(
    cwd,
    'filters.json',
    JSON.stringify([
      { instrument: 'HSC', name: 'HSC-G', band: 'g' },
      { instrument: 'HSC', name: 'HSC-R', band: 'r' },
    ]),
  )
  ok(cwd, ['insert-dimension-records', repo, 'physical_filter', 'filters.json'])
  writeText(
    cwd,
    'detectors.csv',
    'instrument,id,full_name,purpose\nHSC,10,1_10,SCIENCE\nHSC,11,1_11,SCIENCE\nHSC,12,"1_12",FOCUS\n',
  )
  ok(cwd, ['insert-dimension-records', repo, 'detector', 'detectors.csv'])
  writeText(
    cwd,
    'day-obs.yaml',
    '- instrument: HSC\n  id: 20240101\n  datetime_begin: "2024-01-01T12:00:00"\n  datetime_end: "2024-01-02T12:00:00"\n',
  )
  ok(cwd, ['insert-dimension-records', repo, 'day_obs', 'day-obs.yaml'])
  writeText(
    cwd,
    'visits.csv',
    'instrument,id,name,day_obs,physical_filter,exposure_time,datetime_begin,datetime_end\n' +
      'HSC,903334,v903334,20240101,HSC-R,30.5,2024-01-02T01:00:00,2024-01-02T01:00:30\n' +
      'HSC,903336,v903336,20240101,HSC-G,30,2024-01-02T02:00:00,2024-01-02T02:00:30\n',
  )
  ok(cwd, ['insert-dimension-records', repo, 'visit', 'visits.csv'])
  ok(cwd, ['register-dataset-type', repo, 'summary', 'StructuredDataDict', 'instrument', 'visit'])
  ok(cwd, ['register-dataset-type', repo, 'ids', 'StructuredDataList', 'instrument', 'visit'])
  ok(cwd, ['register-dataset-type', repo, 'notes', 'Text', 'instrument', 'visit'])
  ok(cwd, ['register-dataset-type', repo, 'blob', 'Bytes', 'instrument', 'visit', 'detector'])
  ok(cwd, ['register-dataset-type', repo, 'image', 'NumpyArray', 'instrument', 'visit', 'detector'])
  ok(cwd, ['register-dataset-type', repo, 'table', 'ArrowTable', 'instrument', 'visit'])
  return repo
}
