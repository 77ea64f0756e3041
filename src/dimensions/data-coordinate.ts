/**
 * Data IDs: validated key/value pairs over a dimension group.
 */
import { DimensionNameError, DimensionValueError, InconsistentDataIdError } from '../errors.js'
import type { DimensionGroup } from './dimension-group.js'
import type { DataIdValue, DimensionRecord } from './dimension-record.js'
import type { DimensionUniverse } from './dimension-universe.js'

/** What users may pass as a data ID: a plain object of dimension values, or a `DataCoordinate`. */
export type DataId = Readonly<Record<string, DataIdValue | bigint | undefined>> | DataCoordinate

/** Options of `DataCoordinate.standardize`. */
export interface StandardizeOptions {
  /** The universe, when it cannot be taken from `dimensions` or the input. */
  readonly universe?: DimensionUniverse
  /** The dimensions wanted; inferred from the input's keys when absent. */
  readonly dimensions?: DimensionGroup
  /** Values used for missing governor dimensions (a butler's default data ID). */
  readonly defaults?: Readonly<Record<string, DataIdValue>>
  /** Accept strings for integer dimensions (`'903334'`), as typed on a command line. */
  readonly coerce?: boolean
}

/** Wire form of a data ID, as in the reference (`SerializedDataCoordinate`). */
export interface SerializedDataCoordinate {
  readonly dataId: Record<string, DataIdValue>
  readonly records: Record<string, unknown> | null
}

/**
 * A validated data ID. It always knows its required values; it may also know the implied values
 * (`hasFull`) and the dimension records of every element of its group (`hasRecords`).
 *
 * Equality uses only the group and the required values.
 *
 * @example
 * const dataId = DataCoordinate.standardize({ instrument: 'HSC', visit: 903334, detector: 16 }, { universe })
 * dataId.get('visit') // 903334
 */
export class DataCoordinate {
  readonly dimensions: DimensionGroup
  /** Values in `dimensions.dataCoordinateKeys` order: required only, or required then implied. */
  readonly values: readonly DataIdValue[]
  /** One record (or null) per element of the group, when expanded. */
  readonly records: ReadonlyMap<string, DimensionRecord | null> | undefined
  private keyCache: string | undefined

  private constructor(
    dimensions: DimensionGroup,
    values: readonly DataIdValue[],
    records: ReadonlyMap<string, DimensionRecord | null> | undefined,
  ) {
    this.dimensions = dimensions
    this.values = values
    this.records = records
  }

  /** The data ID with no dimensions. */
  static makeEmpty(universe: DimensionUniverse): DataCoordinate {
    return new DataCoordinate(universe.empty, [], undefined)
  }

  /** Builds a data ID from required values given in `group.required` order (not validated). */
  static fromRequiredValues(group: DimensionGroup, values: readonly DataIdValue[]): DataCoordinate {
    return new DataCoordinate(
      group,
      group.implied.length === 0 ? values : values.slice(0, group.required.length),
      undefined,
    )
  }

  /** Builds a data ID from full values in `group.dataCoordinateKeys` order (not validated). */
  static fromFullValues(group: DimensionGroup, values: readonly DataIdValue[]): DataCoordinate {
    return new DataCoordinate(group, values, undefined)
  }

  /**
   * Validates a data ID: every key must be a known dimension, values must have the dimension's key
   * type, and every required dimension must have a value (governors may come from `defaults`).
   * Keys outside `dimensions` are ignored; implied values are kept when all of them are given.
   */
  static standardize(input: DataId, options: StandardizeOptions = {}): DataCoordinate {
    if (input instanceof DataCoordinate) {
      if (!options.dimensions || options.dimensions === input.dimensions) return input
      if (input.dimensions.isSupersetOf(options.dimensions) && input.hasFull)
        return input.subset(options.dimensions)
      input = input.mapping
    }
    const universe = options.universe ?? options.dimensions?.universe
    if (!universe) throw new DimensionNameError('Cannot standardise a data ID without a dimension universe')
    const given = new Map<string, DataIdValue>()
    for (const [key, raw] of Object.entries(input)) {
      if (raw === undefined) continue
      if (!universe.has(key))
        throw new DimensionNameError(`Unknown dimension '${key}' in data ID ${formatObject(input)}`)
      const element = universe.getElement(key)
      if (!element.isDimension)
        throw new DimensionNameError(`'${key}' is not a dimension (data ID ${formatObject(input)})`)
      given.set(key, checkValue(key, element.primaryKey!.type, raw, options.coerce ?? false))
    }
    const group = options.dimensions ?? universe.group(given.keys())
    for (const [key, value] of Object.entries(options.defaults ?? {})) {
      if (!given.has(key) && group.has(key)) given.set(key, value)
    }
    const missing = group.required.filter((d) => !given.has(d))
    if (missing.length > 0) {
      throw new DimensionNameError(
        `Data ID ${formatObject(input)} has no value for required ${plural(missing, 'dimension')} ` +
          `${missing.map((m) => `'${m}'`).join(', ')} (dimensions ${group})`,
      )
    }
    const values = group.required.map((d) => given.get(d)!)
    if (group.implied.length > 0 && group.implied.every((d) => given.has(d))) {
      for (const d of group.implied) values.push(given.get(d)!)
    }
    return new DataCoordinate(group, values, undefined)
  }

  /** The universe of this data ID. */
  get universe(): DimensionUniverse {
    return this.dimensions.universe
  }

  /** Whether implied values are known. */
  get hasFull(): boolean {
    return this.values.length === this.dimensions.dataCoordinateKeys.length
  }

  /** Whether records are attached. */
  get hasRecords(): boolean {
    return this.records !== undefined
  }

  /** Value of a dimension, if known. */
  get(name: string): DataIdValue | undefined {
    const i = this.dimensions.dataCoordinateKeys.indexOf(name)
    return i >= 0 ? this.values[i] : undefined
  }

  /** Required values in `dimensions.required` order. */
  get requiredValues(): readonly DataIdValue[] {
    return this.values.length === this.dimensions.required.length
      ? this.values
      : this.values.slice(0, this.dimensions.required.length)
  }

  /** Required values by dimension name. */
  get required(): Record<string, DataIdValue> {
    const out: Record<string, DataIdValue> = {}
    this.dimensions.required.forEach((d, i) => {
      out[d] = this.values[i]!
    })
    return out
  }

  /** Every known value by dimension name (required, then implied if known). */
  get mapping(): Record<string, DataIdValue> {
    const out: Record<string, DataIdValue> = {}
    this.values.forEach((v, i) => {
      out[this.dimensions.dataCoordinateKeys[i]!] = v
    })
    return out
  }

  /** A string that is equal for equal data IDs (group + required values), for use as a map key. */
  get key(): string {
    this.keyCache ??= `${this.dimensions.required.join(',')}|${this.requiredValues.map(encodeValue).join('|')}`
    return this.keyCache
  }

  /** Equality on group and required values (implied values and records are ignored). */
  equals(other: DataCoordinate): boolean {
    return this.dimensions === other.dimensions && this.key === other.key
  }

  /** The record of an element of the group, when expanded. */
  record(element: string): DimensionRecord | null | undefined {
    return this.records?.get(element)
  }

  /** The data ID restricted to a subset of its dimensions (needs implied values if they are used). */
  subset(group: DimensionGroup): DataCoordinate {
    if (group === this.dimensions) return this
    const source = this.mapping
    const missing = group.required.filter((d) => !(d in source))
    if (missing.length > 0) {
      throw new DimensionNameError(
        `Data ID ${this} lacks values for ${missing.join(', ')} needed by ${group}`,
      )
    }
    const values = group.required.map((d) => source[d]!)
    if (group.implied.every((d) => d in source)) for (const d of group.implied) values.push(source[d]!)
    let records: Map<string, DimensionRecord | null> | undefined
    if (this.records) {
      records = new Map()
      for (const e of group.elements) records.set(e.name, this.records.get(e.name) ?? null)
    }
    return new DataCoordinate(group, values, records)
  }

  /**
   * Attaches records (one per element of the group, null where there is none) and fills implied
   * values from them. A given implied value that disagrees with the records is an
   * `InconsistentDataIdError`.
   */
  expanded(records: ReadonlyMap<string, DimensionRecord | null>): DataCoordinate {
    const values = this.requiredValues.slice()
    const known = this.mapping
    for (const dim of this.dimensions.implied) {
      let value: DataIdValue | undefined
      for (const e of this.dimensions.elements) {
        if (!e.implied.includes(dim)) continue
        const r = records.get(e.name)
        const v = r?.get(dim)
        if (v !== undefined && v !== null) {
          value = v as DataIdValue
          break
        }
      }
      value ??= known[dim]
      if (value === undefined) {
        throw new InconsistentDataIdError(
          `No value for implied dimension '${dim}' of data ID ${this}: no record implies it`,
        )
      }
      if (known[dim] !== undefined && known[dim] !== value) {
        throw new InconsistentDataIdError(
          `Data ID ${this} gives ${dim}=${encodeValue(known[dim]!)}, but its records say ${dim}=${encodeValue(value)}`,
        )
      }
      values.push(value)
    }
    const all = new Map<string, DimensionRecord | null>()
    for (const e of this.dimensions.elements) all.set(e.name, records.get(e.name) ?? null)
    return new DataCoordinate(this.dimensions, values, all)
  }

  /** Wire form: `{dataId, records}` as in the reference. */
  toJSON(): SerializedDataCoordinate {
    let records: Record<string, unknown> | null = null
    if (this.records) {
      records = {}
      for (const [name, r] of this.records) if (r) records[name] = r.toJSON()
    }
    return { dataId: this.mapping, records }
  }

  toString(): string {
    return formatObject(this.mapping)
  }
}

function checkValue(key: string, type: string, raw: DataIdValue | bigint, coerce: boolean): DataIdValue {
  if (type === 'int') {
    if (typeof raw === 'number' && Number.isSafeInteger(raw)) return raw
    if (
      typeof raw === 'bigint' &&
      raw <= BigInt(Number.MAX_SAFE_INTEGER) &&
      raw >= BigInt(Number.MIN_SAFE_INTEGER)
    ) {
      return Number(raw)
    }
    if (coerce && typeof raw === 'string' && /^-?\d+$/.test(raw.trim())) {
      const n = Number(raw.trim())
      if (Number.isSafeInteger(n)) return n
    }
    throw new DimensionValueError(`Dimension '${key}' takes an integer value, not ${describe(raw)}`)
  }
  if (typeof raw === 'string') return raw
  if (coerce && (typeof raw === 'number' || typeof raw === 'bigint')) return String(raw)
  throw new DimensionValueError(`Dimension '${key}' takes a string value, not ${describe(raw)}`)
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `string '${value}'`
  if (typeof value === 'number' || typeof value === 'bigint') return `number ${value}`
  return typeof value
}

function encodeValue(v: DataIdValue): string {
  return typeof v === 'number' ? String(v) : `'${v}'`
}

function formatObject(obj: Readonly<Record<string, unknown>>): string {
  const parts = Object.entries(obj)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? `'${v}'` : String(v)}`)
  return `{${parts.join(', ')}}`
}

function plural(items: readonly unknown[], word: string): string {
  return items.length === 1 ? word : `${word}s`
}
