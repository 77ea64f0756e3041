/**
 * Dimension records in SQL: insert (keeping the skypix overlap rows of spatial elements in step), sync,
 * fetch, and data ID expansion with batched lookups.
 */
import { DataCoordinate, type DataId } from '../../dimensions/data-coordinate.js'
import type { DimensionElement } from '../../dimensions/dimension-element.js'
import type { DimensionGroup } from '../../dimensions/dimension-group.js'
import { type DataIdValue, DimensionRecord } from '../../dimensions/dimension-record.js'
import {
  ConflictingDefinitionError,
  DataIdValueError,
  InconsistentDataIdError,
  InputError,
} from '../../errors.js'
import type { InsertRecordsOptions } from '../registry.js'
import {
  convertRecordField,
  elementColumns,
  keyColumns,
  recordToRow,
  rowToRecordObject,
} from './dimension-columns.js'
import { hasOverlapTable, overlapTableName } from './skypix.js'
import { chunked, RETRY, type SqlContext } from './sql-context.js'
import { SqlSkypixOverlaps } from './sql-skypix-overlaps.js'

type RecordInput = DimensionRecord | Readonly<Record<string, unknown>>

/** Dimension records stored one table per element, with a whole-table cache for cached elements. */
export class SqlDimensionRecords {
  private readonly ctx: SqlContext
  private readonly cache = new Map<string, Map<string, DimensionRecord>>()
  private readonly overlaps: SqlSkypixOverlaps

  constructor(ctx: SqlContext) {
    this.ctx = ctx
    this.overlaps = new SqlSkypixOverlaps(ctx)
    ctx.onReset(() => this.cache.clear())
  }

  /** Inserts records in multi-row batches; see `Registry.insertDimensionRecords`. */
  async insert(
    elementName: string,
    inputs: readonly RecordInput[],
    options: InsertRecordsOptions = {},
  ): Promise<number> {
    const element = this.tableElement(elementName)
    const rows = inputs.map((r) => recordToRow(element, this.toRecord(element, r).values))
    if (rows.length === 0) return 0
    const columns = elementColumns(element)
    const key = keyColumns(element)
    const nonKey = columns.filter((c) => !key.includes(c))
    const size = Math.floor(this.ctx.adapter.maxParameters / columns.length)
    const spatial = hasOverlapTable(element)
    // Records skipped as existing keep their overlap rows: only the inserted ones, read back, get new rows.
    const returning = spatial && !options.replace && options.skipExisting === true
    this.cache.delete(element.name)
    const inserted = await this.ctx.transaction(async () => {
      let count = 0
      for (const chunk of chunked(rows, size)) {
        if (returning) {
          count += await this.insertNew(element, chunk, key)
          continue
        }
        let q = this.ctx.db.insertInto(element.name).values(chunk)
        if (options.replace && nonKey.length > 0) {
          q = q.onConflict((oc) =>
            oc
              .columns(key)
              .doUpdateSet((eb) => Object.fromEntries(nonKey.map((c) => [c, eb.ref(`excluded.${c}`)]))),
          )
        } else if (options.replace || options.skipExisting) {
          q = q.onConflict((oc) => oc.columns(key).doNothing())
        }
        try {
          const result = await q.executeTakeFirst()
          count += Number(result.numInsertedOrUpdatedRows ?? 0n)
        } catch (error) {
          throw this.insertError(element, error)
        }
        if (spatial) await this.overlaps.write(element, chunk, options.replace === true)
      }
      return count
    }, RETRY)
    // Overlap tables get many rows per record (a visit has ~16).
    await this.ctx.noteInserted([element.name], inserted)
    if (spatial) await this.ctx.noteInserted([overlapTableName(element.name)], inserted * 16)
    return inserted
  }

  /** Inserts the rows whose keys are new, and their overlap rows; returns how many were new. */
  private async insertNew(
    element: DimensionElement,
    chunk: Record<string, unknown>[],
    key: readonly string[],
  ): Promise<number> {
    const keyOf = (row: Record<string, unknown>) => key.map((k) => String(row[k])).join('\u0000')
    let inserted: Record<string, unknown>[]
    try {
      inserted = (await this.ctx.db
        .insertInto(element.name)
        .values(chunk)
        .onConflict((oc) => oc.columns(key).doNothing())
        .returning(key)
        .execute()) as Record<string, unknown>[]
    } catch (error) {
      throw this.insertError(element, error)
    }
    const fresh = new Set(inserted.map(keyOf))
    await this.overlaps.write(
      element,
      chunk.filter((row) => fresh.has(keyOf(row))),
      false,
    )
    return inserted.length
  }

  private insertError(element: DimensionElement, error: unknown): unknown {
    if (this.ctx.adapter.isUniqueViolation(error)) {
      return new ConflictingDefinitionError(
        `A '${element.name}' record with the same key already exists (use replace or skipExisting)`,
        { cause: error },
      )
    }
    if (this.ctx.adapter.isForeignKeyViolation(error)) {
      return new DataIdValueError(
        `A '${element.name}' record refers to a ${element.requiredDependencies.join('/')} record that does not exist`,
        { cause: error },
      )
    }
    return error
  }

  /** Inserts a record if new; see `Registry.syncDimensionRecord`. */
  async sync(
    elementName: string,
    input: RecordInput,
    update: boolean,
  ): Promise<boolean | Record<string, unknown>> {
    const element = this.tableElement(elementName)
    const record = this.toRecord(element, input)
    return this.ctx.transaction(async () => {
      const [existing] = await this.fetch(element.name, record.dataId)
      if (!existing) {
        await this.insert(element.name, [record])
        return true
      }
      if (existing.equals(record)) return false
      const changed: Record<string, unknown> = {}
      for (const f of element.fields) {
        const probe = DimensionRecord.fromObject(element, {
          ...existing.values,
          [f.name]: record.values[f.name],
        })
        if (!probe.equals(existing)) changed[f.name] = existing.values[f.name]
      }
      if (!update) {
        throw new ConflictingDefinitionError(
          `Existing ${existing} differs from the new record in ${Object.keys(changed).join(', ')}`,
        )
      }
      await this.insert(element.name, [record], { replace: true })
      return changed
    }, RETRY)
  }

  /** Records of one element, all or those matching a partial data ID or field values. */
  async fetch(
    elementName: string,
    where: Readonly<Record<string, DataIdValue>> = {},
  ): Promise<DimensionRecord[]> {
    const element = this.tableElement(elementName)
    let q = this.ctx.db.selectFrom(element.name).selectAll()
    for (const [name, value] of Object.entries(where)) {
      const column = name === element.name ? element.primaryKey!.name : name
      if (!element.field(column)) {
        throw new InputError(`'${name}' is not a field of '${element.name}' records`)
      }
      q = q.where(column, '=', value)
    }
    const rows = (await q.execute()) as Record<string, unknown>[]
    return rows.map((row) => DimensionRecord.fromObject(element, rowToRecordObject(element, row)))
  }

  /** Expands one data ID (standardising it first) and checks given implied values against the records. */
  async expandDataId(
    dataId: DataId,
    options: {
      readonly dimensions?: DimensionGroup
      readonly defaults?: Readonly<Record<string, DataIdValue>>
    },
  ): Promise<DataCoordinate> {
    const coordinate = DataCoordinate.standardize(dataId, {
      universe: this.ctx.universe,
      ...(options.dimensions ? { dimensions: options.dimensions } : {}),
      ...(options.defaults ? { defaults: options.defaults } : {}),
    })
    const [expanded] = await this.expandDataIds([coordinate])
    const given = dataId instanceof DataCoordinate ? dataId.mapping : dataId
    for (const dim of coordinate.dimensions.implied) {
      const value = given[dim]
      if (value !== undefined && String(value) !== String(expanded!.get(dim))) {
        throw new InconsistentDataIdError(
          `Data ID ${coordinate} gives ${dim}=${String(value)}, but its records say ${dim}=${String(expanded!.get(dim))}`,
        )
      }
    }
    return expanded!
  }

  /** Expands data IDs of one group, fetching each element's records in batches. */
  async expandDataIds(dataIds: readonly DataCoordinate[]): Promise<DataCoordinate[]> {
    if (dataIds.length === 0) return []
    const group = dataIds[0]!.dimensions
    const known = dataIds.map((d) => d.mapping as Record<string, DataIdValue>)
    const records = dataIds.map(() => new Map<string, DimensionRecord | null>())
    let pending = group.elements.slice()
    while (pending.length > 0) {
      const ready = pending.filter((e) => known.every((k) => e.required.every((d) => k[d] !== undefined)))
      if (ready.length === 0) {
        throw new InconsistentDataIdError(
          `Cannot find values for ${pending.map((e) => e.name).join(', ')} in ${group}`,
        )
      }
      pending = pending.filter((e) => !ready.includes(e))
      for (const element of ready) await this.expandElement(element, known, records)
    }
    return dataIds.map((d, i) => d.expanded(records[i]!))
  }

  private async expandElement(
    element: DimensionElement,
    known: Record<string, DataIdValue>[],
    records: Map<string, DimensionRecord | null>[],
  ): Promise<void> {
    if (element.skypix) {
      for (const r of records) r.set(element.name, null)
      return
    }
    if (!element.hasOwnTable) {
      // An implied-union dimension (band) has no table: its record holds only its value.
      known.forEach((k, i) => {
        records[i]!.set(
          element.name,
          DimensionRecord.fromObject(element, { [element.primaryKey!.name]: k[element.name] }),
        )
      })
      return
    }
    const wanted = known.map((k) => element.required.map((d) => k[d]!))
    const found = await this.lookup(element, wanted)
    known.forEach((k, i) => {
      const record = found.get(keyString(wanted[i]!)) ?? null
      if (!record && element.isDimension) {
        throw new DataIdValueError(
          `No '${element.name}' record for ${element.required.map((d) => `${d}=${String(k[d])}`).join(', ')}`,
        )
      }
      records[i]!.set(element.name, record)
      if (!record) return
      for (const dim of element.implied) {
        const v = record.get(dim)
        if (v === null || v === undefined) continue
        if (k[dim] !== undefined && k[dim] !== v) {
          throw new InconsistentDataIdError(
            `Data ID gives ${dim}=${String(k[dim])}, but ${record} says ${dim}=${String(v)}`,
          )
        }
        k[dim] = v as DataIdValue
      }
    })
  }

  /** Records of one element by key tuples (in `element.required` order), keyed by `keyString`. */
  private async lookup(
    element: DimensionElement,
    keys: DataIdValue[][],
  ): Promise<Map<string, DimensionRecord>> {
    if (element.isCached) {
      let all = this.cache.get(element.name)
      if (!all) {
        all = new Map((await this.fetch(element.name)).map((r) => [keyString(r.keyValues), r]))
        // A rollback clears the cache (context reset hook), so it never keeps phantom records.
        this.cache.set(element.name, all)
      }
      return all
    }
    const out = new Map<string, DimensionRecord>()
    const distinct = [...new Map(keys.map((k) => [keyString(k), k])).values()]
    const columns = keyColumns(element)
    const size = Math.max(1, Math.floor(this.ctx.adapter.maxParameters / columns.length))
    for (const chunk of chunked(distinct, size)) {
      let q = this.ctx.db.selectFrom(element.name).selectAll()
      columns.forEach((c, j) => {
        q = q.where(c, 'in', [...new Set(chunk.map((k) => k[j]!))])
      })
      for (const row of (await q.execute()) as Record<string, unknown>[]) {
        const r = DimensionRecord.fromObject(element, rowToRecordObject(element, row))
        out.set(keyString(r.keyValues), r)
      }
    }
    return out
  }

  private tableElement(name: string): DimensionElement {
    const element = this.ctx.universe.getElement(name)
    if (!element.hasOwnTable) throw new InputError(`Dimension element '${name}' has no records of its own`)
    return element
  }

  private toRecord(element: DimensionElement, input: RecordInput): DimensionRecord {
    if (input instanceof DimensionRecord) {
      if (input.element.name !== element.name) {
        throw new InputError(
          `A '${input.element.name}' record cannot be inserted as a '${element.name}' record`,
        )
      }
      return input
    }
    return DimensionRecord.fromObject(element, input, convertRecordField)
  }
}

function keyString(values: readonly DataIdValue[]): string {
  return JSON.stringify(values)
}
