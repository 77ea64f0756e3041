/**
 * The CLI's logger: one-line messages on stderr, filtered by `--log-level`.
 */
import { InputError } from '../errors.js'

/** Log levels, as the reference CLI names them (Python `logging`). */
export const LOG_LEVELS = ['DEBUG', 'VERBOSE', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number]

let threshold = LOG_LEVELS.indexOf('WARNING')

/**
 * Applies `--log-level` values: `LEVEL` sets the CLI's level; `COMPONENT=LEVEL` is accepted for
 * compatibility with the reference and applies when the component is `butler` or `.` (the root).
 */
export function setLogLevels(values: readonly string[]): void {
  for (const value of values) {
    const eq = value.indexOf('=')
    const component = eq < 0 ? '' : value.slice(0, eq)
    const level = parseLevel(eq < 0 ? value : value.slice(eq + 1))
    if (component === '' || component === '.' || component === 'butler' || component.startsWith('butler.')) {
      threshold = LOG_LEVELS.indexOf(level)
    }
  }
}

/** Parses a level name case-insensitively (`warn` is accepted for `WARNING`). */
export function parseLevel(text: string): LogLevel {
  const upper = text.trim().toUpperCase()
  const level = upper === 'WARN' ? 'WARNING' : upper
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new InputError(`Unknown log level '${text}': use one of ${LOG_LEVELS.join(', ')}`)
  }
  return level as LogLevel
}

/** Writes a message to stderr when `level` passes the threshold. */
export function log(level: LogLevel, message: string): void {
  if (LOG_LEVELS.indexOf(level) < threshold) return
  process.stderr.write(`butler ${level}: ${message}\n`)
}
