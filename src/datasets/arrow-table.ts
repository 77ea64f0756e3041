/**
 * Structural view of apache-arrow tables, so model code can check and project them without importing
 * the library (two copies of apache-arrow in one process would also defeat `instanceof`).
 */

import { ReadParameterError } from '../errors.js'
import { describeValue } from './describe-value.js'

/** The part of an apache-arrow `Schema` the butler relies on. */
export interface ArrowSchemaLike {
  readonly fields: readonly { readonly name: string }[]
  readonly metadata: ReadonlyMap<string, string>
}

/** The part of an apache-arrow `Table` the butler relies on. */
export interface ArrowTableLike {
  readonly schema: ArrowSchemaLike
  readonly numRows: number
  readonly numCols: number
  select(columnNames: string[]): ArrowTableLike
}

/** True when `obj` looks like an apache-arrow `Schema`. */
export function isArrowSchema(obj: unknown): obj is ArrowSchemaLike {
  if (typeof obj !== 'object' || obj === null) return false
  const s = obj as { fields?: unknown; metadata?: unknown }
  return Array.isArray(s.fields) && s.metadata instanceof Map
}

/** True when `obj` looks like an apache-arrow `Table`. */
export function isArrowTable(obj: unknown): obj is ArrowTableLike {
  if (typeof obj !== 'object' || obj === null) return false
  const t = obj as { schema?: unknown; numRows?: unknown; select?: unknown; getChild?: unknown }
  return (
    isArrowSchema(t.schema) &&
    typeof t.numRows === 'number' &&
    typeof t.select === 'function' &&
    typeof t.getChild === 'function'
  )
}

/** Normalises a `columns` read parameter (a name or a list of names) to a list of names. */
export function normalizeColumnsParameter(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.every((c) => typeof c === 'string')) return [...value]
  throw new ReadParameterError(
    `Read parameter 'columns' must be a column name or a list of names, got ${describeValue(value)}`,
  )
}

/** Checks that every requested column exists, naming the missing ones and the available ones. */
export function checkColumnsExist(requested: readonly string[], available: readonly string[]): void {
  const known = new Set(available)
  const missing = requested.filter((c) => !known.has(c))
  if (missing.length > 0) {
    throw new ReadParameterError(
      `Unknown column(s) ${missing.map((c) => `'${c}'`).join(', ')}; the table has ${available.map((c) => `'${c}'`).join(', ')}`,
    )
  }
}

/** Projects a table onto the given columns, in the given order. */
export function selectArrowColumns<T extends ArrowTableLike>(table: T, columns: unknown): T {
  const names = normalizeColumnsParameter(columns)
  checkColumnsExist(
    names,
    table.schema.fields.map((f) => f.name),
  )
  return table.select(names) as T
}
