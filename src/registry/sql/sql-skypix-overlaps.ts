/**
 * Upkeep of the `<element>_skypix_overlap` tables: for every record of a spatial element, one row per
 * common skypix pixel (`htm7`) that may overlap its region (see `overlapIndices`). Rows are written
 * with the records themselves (same transaction), and a replaced record's rows are rewritten.
 */
import type { DimensionElement } from '../../dimensions/dimension-element.js'
import { decodeRegion } from '../../geometry/index.js'
import { keyColumns } from './dimension-columns.js'
import { commonSkypix, overlapIndices, overlapTableName, type Skypix } from './skypix.js'
import { chunked, type SqlContext } from './sql-context.js'

/** Writes the overlap rows of spatial records. */
export class SqlSkypixOverlaps {
  private readonly ctx: SqlContext
  private readonly common: Skypix

  constructor(ctx: SqlContext) {
    this.ctx = ctx
    this.common = commonSkypix(ctx.universe)
  }

  /**
   * Writes the overlap rows of records just inserted (rows of the element's table, holding the region
   * bytes under `region`); with `replace`, the records' old overlap rows are deleted first. A record
   * without a region has no overlap rows; malformed region bytes raise an `InputError`.
   */
  async write(
    element: DimensionElement,
    rows: readonly Record<string, unknown>[],
    replace: boolean,
  ): Promise<void> {
    if (rows.length === 0) return
    const table = overlapTableName(element.name)
    const keys = keyColumns(element)
    const dims = element.required
    const keyOf = (row: Record<string, unknown>) => keys.map((k) => row[k])
    if (replace) await this.deleteRows(table, dims, rows.map(keyOf))
    const out: Record<string, unknown>[] = []
    for (const row of rows) {
      const bytes = row.region
      if (!(bytes instanceof Uint8Array)) continue
      const key = keyOf(row)
      for (const index of overlapIndices(this.common, decodeRegion(bytes))) {
        const o: Record<string, unknown> = {}
        dims.forEach((d, i) => {
          o[d] = key[i]
        })
        o.skypix_system = this.common.system
        o.skypix_level = this.common.level
        o.skypix_index = index
        out.push(o)
      }
    }
    for (const chunk of chunked(out, Math.floor(this.ctx.adapter.maxParameters / (dims.length + 3)))) {
      await this.ctx.db.insertInto(table).values(chunk).execute()
    }
  }

  /**
   * Deletes the overlap rows of the records with these keys (values in `dims` order). Keys are grouped
   * by all but their last value so each statement is `d1 = ? and ... and dn in (...)`: PostgreSQL
   * cannot type the parameters of a `(d1, ..., dn) in (values ...)` list, and SQLite has no row-value
   * lists outside a subquery.
   */
  private async deleteRows(
    table: string,
    dims: readonly string[],
    keys: readonly unknown[][],
  ): Promise<void> {
    const last = dims.length - 1
    const groups = new Map<string, { prefix: unknown[]; values: unknown[] }>()
    for (const key of keys) {
      const prefix = key.slice(0, last)
      const id = JSON.stringify(prefix)
      const group = groups.get(id) ?? { prefix, values: [] }
      group.values.push(key[last])
      groups.set(id, group)
    }
    for (const { prefix, values } of groups.values()) {
      for (const chunk of chunked(values, this.ctx.adapter.maxParameters - prefix.length)) {
        let q = this.ctx.db.deleteFrom(table).where(dims[last]!, 'in', chunk)
        prefix.forEach((value, i) => {
          q = q.where(dims[i]!, '=', value)
        })
        await q.execute()
      }
    }
  }
}
