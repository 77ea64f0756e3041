/**
 * Writing results to stdout: plain lines, aligned tables and JSON that survives bigints and bytes.
 */

/** Writes lines to stdout. */
export function printLines(...lines: string[]): void {
  process.stdout.write(lines.map((l) => `${l}\n`).join(''))
}

/** Writes a value as indented JSON (see {@link toJsonValue}). */
export function printJson(value: unknown): void {
  process.stdout.write(`${stringifyJson(value)}\n`)
}

/** JSON text with bigints as numbers (or strings beyond 2^53), bytes as base64, maps as objects. */
export function stringifyJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, jsonReplacer, indent)
}

/** The `JSON.stringify` replacer behind {@link stringifyJson}. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString()
  }
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>)
  if (value instanceof Map) return Object.fromEntries(value)
  return value
}

/** Formats rows as a text table with a header and columns padded to their widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)]
}

/** A data ID mapping as `k=v, k=v` (the same syntax `--data-id` accepts). */
export function formatDataId(mapping: Readonly<Record<string, unknown>>): string {
  return Object.entries(mapping)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ')
}
