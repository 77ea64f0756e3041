/**
 * Runs Python snippets for cross-checks against the reference ecosystem (NumPy, PyYAML).
 */
import { spawnSync } from 'node:child_process'

const availability = new Map<string, boolean>()

/** True when `python3 -c "import <module>"` succeeds. */
function hasModule(module: string): boolean {
  let ok = availability.get(module)
  if (ok === undefined) {
    ok = spawnSync('python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0
    availability.set(module, ok)
  }
  return ok
}

/**
 * A skip reason when a Python module is missing; in CI (which always provides it) throws instead, so the
 * test fails rather than silently skipping.
 */
export function pythonSkip(module: string): string | false {
  if (hasModule(module)) return false
  if (process.env.CI)
    throw new Error(`CI must provide the Python module '${module}' (python3 -c "import ${module}" failed)`)
  return `python3 with the '${module}' module is not available`
}

/** Runs a Python script with arguments and returns its stdout, failing with its stderr. */
export function runPython(script: string, ...args: string[]): string {
  const result = spawnSync('python3', ['-c', script, ...args], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`python3 failed (${result.status}): ${result.stderr}`)
  return result.stdout
}
