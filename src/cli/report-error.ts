/**
 * Turning a failure into one line on stderr and an exit code.
 */
import { CommanderError } from 'commander'
import { ExpressionSyntaxError, isUserError } from '../errors.js'

/** Exit code of a user error or an unexpected failure. */
export const EXIT_FAILURE = 1
/** Exit code of a command-line usage error (unknown option, missing argument). */
export const EXIT_USAGE = 2

/**
 * Reports an error and returns the exit code: a user error prints `butler: error [code]: message`
 * (one line, but for the quoted expression and caret lines of a syntax error);
 * a usage error was already printed by commander; anything else prints one line and a hint, with
 * the stack when `BUTLER_DEBUG=1`.
 */
export function reportError(error: unknown): number {
  const debug = isDebug()
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE
  if (isUserError(error)) {
    // A syntax error quotes the expression with a caret under the problem: keep those lines.
    const text = error instanceof ExpressionSyntaxError ? error.message.trimEnd() : oneLine(error.message)
    process.stderr.write(`butler: error [${error.code}]: ${text}\n`)
    if (debug) process.stderr.write(`${describeStack(error)}\n`)
    return EXIT_FAILURE
  }
  const message = error instanceof Error ? error.message : String(error)
  if (debug) {
    process.stderr.write(`butler: unexpected error: ${oneLine(message)}\n${describeStack(error)}\n`)
  } else {
    process.stderr.write(
      `butler: unexpected error: ${oneLine(message)} (run with BUTLER_DEBUG=1 for details)\n`,
    )
  }
  return EXIT_FAILURE
}

/** Whether `BUTLER_DEBUG` asks for stack traces. */
export function isDebug(): boolean {
  const value = process.env.BUTLER_DEBUG
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false'
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}

function describeStack(error: unknown): string {
  const parts: string[] = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? String(current)) : String(current))
    current = current instanceof Error ? current.cause : undefined
    if (current !== undefined) parts.push('Caused by:')
  }
  return parts.join('\n')
}
