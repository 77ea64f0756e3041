/**
 * Output of the query commands, page by page: an aligned text table (collected, to size its
 * columns), CSV (streamed: a header, then one line per row) or JSON (a streamed array, one element
 * per line, so memory stays flat however many rows match).
 */
import { formatTable, jsonReplacer } from './output.js'

/** The formats the query commands print. */
export const OUTPUT_FORMATS = ['table', 'json', 'csv'] as const

/** One of {@link OUTPUT_FORMATS}. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

/** One result row: its JSON value and its table/CSV cells (one per column). */
export interface OutputRow {
  readonly json: unknown
  readonly cells: readonly string[]
}

/** Receives rows page by page and finishes the output. */
export interface RowSink {
  /** Rows received so far. */
  readonly count: number
  /** Writes (or, for a table, keeps) a page of rows. */
  writePage(rows: readonly OutputRow[]): void
  /** Completes the output: prints the table (nothing when empty), closes the JSON array. */
  end(): void
}

/** A sink writing `format` to stdout; `columns` head the table and the CSV. */
export function createRowSink(format: OutputFormat, columns: readonly string[]): RowSink {
  switch (format) {
    case 'table':
      return new TableSink(columns)
    case 'csv':
      return new CsvSink(columns)
    case 'json':
      return new JsonSink()
  }
}

class TableSink implements RowSink {
  private readonly rows: (readonly string[])[] = []
  constructor(private readonly columns: readonly string[]) {}

  get count(): number {
    return this.rows.length
  }

  writePage(rows: readonly OutputRow[]): void {
    for (const row of rows) this.rows.push(row.cells.map(oneLine))
  }

  end(): void {
    if (this.rows.length > 0) write(formatTable(this.columns, this.rows).join('\n'))
  }
}

class CsvSink implements RowSink {
  count = 0
  constructor(columns: readonly string[]) {
    write(csvLine(columns))
  }

  writePage(rows: readonly OutputRow[]): void {
    if (rows.length === 0) return
    write(rows.map((r) => csvLine(r.cells)).join('\n'))
    this.count += rows.length
  }

  end(): void {}
}

class JsonSink implements RowSink {
  count = 0

  writePage(rows: readonly OutputRow[]): void {
    if (rows.length === 0) return
    const items = rows.map((r) => `  ${JSON.stringify(r.json, jsonReplacer)}`).join(',\n')
    process.stdout.write(this.count === 0 ? `[\n${items}` : `,\n${items}`)
    this.count += rows.length
  }

  end(): void {
    process.stdout.write(this.count === 0 ? '[]\n' : '\n]\n')
  }
}

/** One CSV record (RFC 4180): cells with commas, quotes, line breaks or edge spaces are quoted. */
export function csvLine(cells: readonly string[]): string {
  return cells.map((c) => (/[",\r\n]|^\s|\s$/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(',')
}

function oneLine(text: string): string {
  return text.replace(/[\r\n\t]/g, ' ')
}

function write(text: string): void {
  process.stdout.write(`${text}\n`)
}
