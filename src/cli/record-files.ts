/**
 * Reading dimension records from YAML, JSON or CSV files for `insert-dimension-records`.
 */
import { basename, extname } from 'node:path'
import { parse as parseYaml } from 'yaml'
import type { DimensionElement, RecordField } from '../dimensions/dimension-element.js'
import { InputError } from '../errors.js'
import { parseTime } from '../time/parse-time.js'
import { Timespan } from '../time/timespan.js'
import { readInputFile } from './object-files.js'

/**
 * Reads the records in `path`: YAML or JSON (a list of record objects, or an object with a `records`
 * list) or CSV (a header of field names; cells coerced to the element's field types, empty cells
 * missing). Timespans may be given as `datetime_begin`/`datetime_end` time strings, or as
 * `timespan: {begin, end}` with time strings or TAI nanoseconds.
 */
export async function readRecordFile(
  path: string,
  element: DimensionElement,
): Promise<Record<string, unknown>[]> {
  const text = (await readInputFile(path)).toString('utf8')
  const ext = extname(path).toLowerCase()
  let records: Record<string, unknown>[]
  if (ext === '.csv') records = parseCsvRecords(text, element, basename(path))
  else if (ext === '.json' || ext === '.yaml' || ext === '.yml')
    records = parseStructured(text, ext, basename(path))
  else throw new InputError(`Cannot tell the format of '${basename(path)}': use a .yaml, .json or .csv file`)
  return records.map((r) => convertTimespan(r, element))
}

function parseStructured(text: string, ext: string, name: string): Record<string, unknown>[] {
  let raw: unknown
  try {
    raw = ext === '.json' ? JSON.parse(text) : parseYaml(text)
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause)
    throw new InputError(`'${name}' is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${reason}`, { cause })
  }
  const list =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'records' in raw
      ? (raw as { records: unknown }).records
      : raw
  if (!Array.isArray(list)) {
    throw new InputError(`'${name}' must hold a list of records, or a mapping with a 'records' list`)
  }
  list.forEach((r, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      throw new InputError(`Record ${i + 1} of '${name}' is not a mapping of field names to values`)
    }
  })
  return list as Record<string, unknown>[]
}

function parseCsvRecords(text: string, element: DimensionElement, name: string): Record<string, unknown>[] {
  const rows = parseCsv(text, name).filter((r) => !(r.length === 1 && r[0] === ''))
  const header = rows.shift()
  if (!header) throw new InputError(`'${name}' is empty: expected a header line of field names`)
  const fields = header.map((h) => h.trim())
  return rows.map((cells, i) => {
    if (cells.length !== fields.length) {
      throw new InputError(
        `Line ${i + 2} of '${name}' has ${cells.length} cells; the header has ${fields.length}`,
      )
    }
    const record: Record<string, unknown> = {}
    fields.forEach((f, k) => {
      const cell = cells[k]!
      if (cell === '') return
      const field = element.field(f)
      record[f] = field ? coerceCell(field, cell) : cell
    })
    return record
  })
}

/** Coerces one CSV cell; a cell that does not fit stays a string so the library names the problem. */
function coerceCell(field: RecordField, cell: string): unknown {
  if (field.role === 'timespan' || field.role === 'region') return cell
  switch (field.type) {
    case 'int':
      return /^\s*-?\d+\s*$/.test(cell) ? Number(cell) : cell
    case 'float': {
      const n = Number(cell)
      return cell.trim() !== '' && !Number.isNaN(n) ? n : cell
    }
    case 'bool':
      if (/^(true|yes|1)$/i.test(cell.trim())) return true
      if (/^(false|no|0)$/i.test(cell.trim())) return false
      return cell
    default:
      return cell
  }
}

/** Splits CSV text into rows of cells (RFC 4180: quoted cells may hold commas, quotes and newlines). */
export function parseCsv(text: string, name = 'CSV'): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  let i = 0
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text
  while (i < src.length) {
    const ch = src[i]!
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        cell += '"'
        i += 2
        continue
      }
      if (ch === '"') quoted = false
      else cell += ch
      i++
      continue
    }
    if (ch === '"' && cell === '') quoted = true
    else if (ch === ',') {
      row.push(cell)
      cell = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
    } else cell += ch
    i++
  }
  if (quoted) throw new InputError(`'${name}' ends inside a quoted cell`)
  if (cell !== '' || row.length > 0) {
    row.push(cell)
    rows.push(row)
  }
  return rows
}

/** Turns `datetime_begin`/`datetime_end` or a `{begin, end}` of time strings into a `Timespan`. */
function convertTimespan(
  record: Record<string, unknown>,
  element: DimensionElement,
): Record<string, unknown> {
  const field = element.fields.find((f) => f.role === 'timespan')
  if (!field) return record
  const out = { ...record }
  let begin: unknown
  let end: unknown
  if ('datetime_begin' in out || 'datetime_end' in out) {
    if (out[field.name] !== undefined) {
      throw new InputError(
        `A '${element.name}' record gives both '${field.name}' and datetime_begin/datetime_end`,
      )
    }
    begin = out.datetime_begin
    end = out.datetime_end
    delete out.datetime_begin
    delete out.datetime_end
  } else {
    const value = out[field.name]
    if (Array.isArray(value)) [begin, end] = value
    else if (value !== null && typeof value === 'object' && !(value instanceof Timespan)) {
      ;({ begin, end } = value as { begin?: unknown; end?: unknown })
    } else return out
  }
  out[field.name] = new Timespan(toTai(begin, field.name), toTai(end, field.name), {
    padInstantaneous: false,
  })
  return out
}

function toTai(value: unknown, fieldName: string): bigint | null {
  if (value === undefined || value === null || value === '') return null
  if (typeof value === 'bigint') return value
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value)
  // YAML turns unquoted timestamps into Dates (always UTC).
  if (value instanceof Date) return parseTime(value.toISOString().replace(/Z$/, ''))
  if (typeof value === 'string') {
    if (/^-?\d+$/.test(value.trim())) return BigInt(value.trim())
    return parseTime(value.trim())
  }
  throw new InputError(
    `Cannot read ${JSON.stringify(value)} as a time for '${fieldName}': use an ISO time string`,
  )
}
