/**
 * How dimension record fields map to table columns, and back.
 */
import type { DimensionElement, RecordField } from '../../dimensions/dimension-element.js'
import type { RecordValue } from '../../dimensions/dimension-record.js'
import { Timespan } from '../../time/timespan.js'

/** Name of the begin column of a timespan. */
export const TIMESPAN_BEGIN = 'timespan_begin'
/** Name of the end column of a timespan. */
export const TIMESPAN_END = 'timespan_end'

/** The table columns of an element's records, in field order (a timespan takes two). */
export function elementColumns(element: DimensionElement): string[] {
  const out: string[] = []
  for (const f of element.fields) {
    if (f.role === 'timespan') out.push(TIMESPAN_BEGIN, TIMESPAN_END)
    else out.push(f.name)
  }
  return out
}

/** The key columns of an element's table: its required dimensions, its own under its key name. */
export function keyColumns(element: DimensionElement): string[] {
  return element.required.map((d) => (d === element.name ? element.primaryKey!.name : d))
}

/** Converts a record's values into one row of the element's table. */
export function recordToRow(
  element: DimensionElement,
  values: Readonly<Record<string, RecordValue>>,
): Record<string, unknown> {
  const row: Record<string, unknown> = {}
  for (const f of element.fields) {
    const v = values[f.name] ?? null
    if (f.role === 'timespan') {
      const t = v as { begin?: unknown; end?: unknown } | null
      row[TIMESPAN_BEGIN] = t === null ? null : toBigint(t.begin)
      row[TIMESPAN_END] = t === null ? null : toBigint(t.end)
    } else if (f.type === 'bool' && typeof v === 'boolean') {
      row[f.name] = v ? 1 : 0
    } else {
      row[f.name] = v
    }
  }
  return row
}

/** Converts one row of an element's table into the plain object `DimensionRecord.fromObject` takes. */
export function rowToRecordObject(
  element: DimensionElement,
  row: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of element.fields) {
    if (f.role === 'timespan') {
      const b = row[TIMESPAN_BEGIN]
      const e = row[TIMESPAN_END]
      out[f.name] =
        b === null && e === null ? null : new Timespan(toBigint(b), toBigint(e), { padInstantaneous: false })
    } else {
      out[f.name] = fromColumn(f, row[f.name])
    }
  }
  return out
}

/** Turns timespan-like input (a `Timespan` or `{begin, end}`) into a `Timespan`; passes others on. */
export function convertRecordField(field: RecordField, value: unknown): RecordValue {
  if (
    field.role === 'timespan' &&
    value !== null &&
    typeof value === 'object' &&
    !(value instanceof Timespan)
  ) {
    const t = value as { begin?: unknown; end?: unknown }
    return new Timespan(toBigint(t.begin), toBigint(t.end), { padInstantaneous: false })
  }
  if (field.role === 'region' && value instanceof Uint8Array) return value
  return value as RecordValue
}

function fromColumn(field: RecordField, v: unknown): unknown {
  if (v === null || v === undefined) return null
  if (field.type === 'bool') return v === 1 || v === 1n || v === true
  // The driver returns Buffers; records hold plain Uint8Arrays.
  if (v instanceof Uint8Array) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
  return v
}

function toBigint(v: unknown): bigint | null {
  if (v === null || v === undefined) return null
  if (typeof v === 'bigint') return v
  if (typeof v === 'number') return BigInt(v)
  if (typeof v === 'string') return BigInt(v)
  throw new TypeError(`Not a TAI nanosecond value: ${String(v)}`)
}
