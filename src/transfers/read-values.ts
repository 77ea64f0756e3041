/**
 * Checked reading of the values inside export file entries: strings, lists, UUIDs, data IDs and
 * times, each failing with an `ExportFileError` that says where the value is.
 */
import { isUuid, LEGACY_INTEGER_ID_NAMESPACE, uuid3 } from '../datasets/dataset-id.js'
import { ExportFileError } from '../errors.js'
import { parseTime } from '../time/parse-time.js'
import { BadTagValue, TaggedTime, TaggedUuid } from './yaml-tags.js'

export type Raw = Record<string, unknown>

/** Where a value is, for messages: `data[3] (dataset 'bias' in run 'r'), records[2]`. */
export class Where {
  constructor(readonly text: string) {}

  at(suffix: string): Where {
    return new Where(`${this.text}${suffix}`)
  }

  fail(problem: string): never {
    throw new ExportFileError(`Export file ${this.text}: ${problem}`)
  }
}

/** A dataset ID: a `!uuid`, a UUID string, or a legacy integer ID (as its uuid3). */
export function datasetId(raw: unknown, where: Where): string {
  if (raw instanceof BadTagValue) where.fail(raw.toString())
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) {
    return uuid3(LEGACY_INTEGER_ID_NAMESPACE, String(raw))
  }
  const text = raw instanceof TaggedUuid ? raw.id : raw
  if (typeof text === 'string') {
    const lower = text.toLowerCase()
    if (isUuid(lower)) return lower
    where.fail(`'${text}' is not a UUID`)
  }
  return where.fail(`must be a !uuid or a legacy integer ID, not ${show(raw)}`)
}

/** A data ID: a mapping of dimension names to integers or strings. */
export function dataId(raw: unknown, where: Where): Record<string, string | number> {
  if (!isObject(raw)) where.fail('must be a mapping of dimension names to values')
  const out: Record<string, string | number> = {}
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string' || (typeof value === 'number' && Number.isSafeInteger(value))) {
      out[key] = value
    } else {
      where.fail(`value of '${key}' must be an integer or a string, not ${show(value)}`)
    }
  }
  return out
}

/** A `!butler_time/tai/iso` time, an old untagged UTC time string, or null. */
export function optionalTime(raw: unknown, where: Where): bigint | null {
  if (raw === undefined || raw === null) return null
  if (raw instanceof BadTagValue) where.fail(raw.toString())
  if (raw instanceof TaggedTime) return raw.ns
  if (typeof raw === 'string') return time(raw, where, 'utc')
  return where.fail(`must be a !butler_time/tai/iso time or null, not ${show(raw)}`)
}

/** A time string in the given scale. */
export function time(text: string, where: Where, scale: 'utc' | 'tai'): bigint {
  try {
    return parseTime(text, { scale })
  } catch (error) {
    return where.fail(error instanceof Error ? error.message : String(error))
  }
}

/** A required non-empty string field. */
export function str(raw: Raw, key: string, where: Where): string {
  const value = raw[key]
  if (value === undefined) where.fail(`missing '${key}'`)
  if (typeof value !== 'string' || value === '') {
    where.fail(`'${key}' must be a non-empty string, not ${show(value)}`)
  }
  return value
}

/** A required list field. */
export function list(raw: Raw, key: string, where: Where): unknown[] {
  const value = raw[key]
  if (value === undefined) where.fail(`missing '${key}'`)
  if (!Array.isArray(value)) where.fail(`'${key}' must be a list, not ${show(value)}`)
  return value
}

/** Fails on keys an entry of this kind does not have. */
export function allowKeys(raw: Raw, keys: readonly string[], where: Where): void {
  for (const key of Object.keys(raw)) {
    if (!keys.includes(key)) where.fail(`unknown key '${key}' (expected ${keys.join(', ')})`)
  }
}

/** Whether a value is a plain mapping. */
export function isObject(value: unknown): value is Raw {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    Object.getPrototypeOf(value) === Object.prototype
  )
}

/** A value as messages show it. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (typeof value === 'string') return `'${value}'`
  if (Array.isArray(value)) return 'a list'
  if (value instanceof Uint8Array) return 'binary data'
  if (typeof value === 'object') return 'a mapping'
  return String(value)
}
