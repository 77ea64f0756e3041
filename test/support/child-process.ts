/**
 * Running a compiled test script in a child Node.js process (concurrency and multi-process tests).
 */
import { spawn } from 'node:child_process'

/** Runs `node script ...args`; resolves with its stdout, rejects with its stderr on a non-zero exit. */
export function runNodeScript(script: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    p.stdout.on('data', (d) => {
      out += d
    })
    p.stderr.on('data', (d) => {
      err += d
    })
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}: ${err}`))))
  })
}
