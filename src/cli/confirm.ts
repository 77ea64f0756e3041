/**
 * Interactive confirmation of destructive commands.
 */
import { createInterface } from 'node:readline/promises'
import { InputError } from '../errors.js'

/**
 * Asks a yes/no question on the terminal. With `noConfirm` it returns true at once; when stdin is
 * not a terminal it refuses with an `InputError` naming `--no-confirm`, so scripts never hang.
 */
export async function confirm(question: string, noConfirm: boolean): Promise<boolean> {
  if (noConfirm) return true
  assertCanConfirm(noConfirm)
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    const answer = await rl.question(`${question} [y/N] `)
    return /^y(es)?$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}

/**
 * Refuses at once when a confirmation will be needed but cannot be asked (stdin is not a terminal),
 * so a destructive command fails before it prints or looks anything up.
 */
export function assertCanConfirm(noConfirm: boolean): void {
  if (noConfirm || process.stdin.isTTY) return
  throw new InputError(
    'Refusing to delete without confirmation: stdin is not a terminal; pass --no-confirm to proceed',
  )
}
