/**
 * Parsing of option values typed on the command line: data IDs, comma-separated lists, read
 * parameters. Everything arrives as a string; values are coerced with the dimension universe.
 */
import { InvalidArgumentError } from 'commander'
import type { DataIdValue } from '../dimensions/dimension-record.js'
import type { DimensionUniverse } from '../dimensions/dimension-universe.js'
import { InputError } from '../errors.js'

/** Commander reducer for repeatable options: appends each value. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

/** Splits repeated, comma-separated option values (`-c a,b -c c`) into one list without blanks. */
export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '')
}

/**
 * Commander reducer for `--data-id`: accepts `k=v` and `k=v,k2=v2`, merges repeated options and
 * rejects the same key given twice with different values.
 */
export function collectDataId(
  value: string,
  previous: Record<string, string> | undefined,
): Record<string, string> {
  const result = { ...(previous ?? {}) }
  for (const part of value.split(',')) {
    if (part.trim() === '') continue
    const eq = part.indexOf('=')
    if (eq <= 0)
      throw new InvalidArgumentError(`'${part}' is not KEY=VALUE (e.g. -d instrument=HSC,visit=903334)`)
    const key = part.slice(0, eq).trim()
    const v = part.slice(eq + 1).trim()
    if (key in result && result[key] !== v) {
      throw new InvalidArgumentError(`'${key}' is given twice, as '${result[key]}' and '${v}'`)
    }
    result[key] = v
  }
  return result
}

/**
 * Coerces data ID strings to the key types of the universe: digits become numbers for integer
 * dimensions. Unknown keys and wrong values are passed on unchanged, so the library rejects them
 * with its own error codes (`dimension_name`, `dimension_value`).
 */
export function coerceDataId(
  universe: DimensionUniverse,
  raw: Readonly<Record<string, string>>,
): Record<string, DataIdValue> {
  const out: Record<string, DataIdValue> = {}
  for (const [key, value] of Object.entries(raw)) {
    const element = universe.has(key) ? universe.getElement(key) : undefined
    const type = element?.isDimension ? element.primaryKey?.type : undefined
    out[key] = type === 'int' && /^-?\d+$/.test(value) ? Number(value) : value
  }
  return out
}

/**
 * Commander reducer for `--parameter KEY=VALUE`: the value is JSON when it parses as JSON
 * (`columns=["a","b"]`, `slice=[0,2]`), a plain string otherwise.
 */
export function collectParameter(
  value: string,
  previous: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const eq = value.indexOf('=')
  if (eq <= 0) throw new InvalidArgumentError(`'${value}' is not KEY=VALUE (e.g. -p 'columns=["ra","dec"]')`)
  const key = value.slice(0, eq).trim()
  const text = value.slice(eq + 1)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = text
  }
  return { ...(previous ?? {}), [key]: parsed }
}

/** Throws `InputError` when a required list option came out empty after splitting. */
export function requireNonEmpty(values: readonly string[], option: string): void {
  if (values.length === 0) throw new InputError(`${option} needs at least one value`)
}
