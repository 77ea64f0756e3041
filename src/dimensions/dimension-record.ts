/**
 * Dimension records: the rows describing one instrument, one visit, one detector, ...
 */
import { DimensionValueError } from '../errors.js'
import type { DimensionElement, RecordField } from './dimension-element.js'

/** A value a record field can hold (timespans and regions are model objects of their own). */
export type RecordValue = string | number | boolean | bigint | Uint8Array | null | object

/** A data ID value: dimensions have integer or string keys. */
export type DataIdValue = string | number

/** Wire form of a record, as in the reference (`SerializedDimensionRecord`). */
export interface SerializedDimensionRecord {
  readonly definition: string
  readonly record: Record<string, unknown>
}

/** Converts a non-trivial field value (timespan, region) on the way in; supplied by the caller. */
export type FieldConverter = (field: RecordField, value: unknown) => RecordValue

/**
 * One validated record of a dimension element. Field names are the element's required dimension
 * names (its own primary key under the key's name, such as `id`), implied dimensions, alternate
 * keys, metadata, then `region` and/or `timespan`.
 */
export class DimensionRecord {
  readonly element: DimensionElement
  readonly values: Readonly<Record<string, RecordValue>>

  private constructor(element: DimensionElement, values: Record<string, RecordValue>) {
    this.element = element
    this.values = values
  }

  /**
   * Validates a plain object into a record. Missing optional fields become null; unknown fields, a
   * missing key, or a value of the wrong type are `DimensionValueError`s naming the field.
   */
  static fromObject(
    element: DimensionElement,
    input: Readonly<Record<string, unknown>>,
    convert?: FieldConverter,
  ): DimensionRecord {
    const values: Record<string, RecordValue> = {}
    for (const name of Object.keys(input)) {
      if (!element.field(name) && !isTimespanAlias(element, name)) {
        throw new DimensionValueError(`Record of '${element.name}' has unknown field '${name}'`)
      }
    }
    for (const field of element.fields) {
      let raw = input[field.name]
      if (
        field.role === 'timespan' &&
        raw === undefined &&
        ('datetime_begin' in input || 'datetime_end' in input)
      ) {
        raw = { begin: input.datetime_begin ?? null, end: input.datetime_end ?? null }
      }
      values[field.name] = checkField(element, field, raw, convert)
    }
    return new DimensionRecord(element, values)
  }

  /** Value of one field (undefined if the element has no such field). */
  get(field: string): RecordValue | undefined {
    return this.values[field]
  }

  /** The record's key: its required dimension values, by dimension name. */
  get dataId(): Record<string, DataIdValue> {
    const out: Record<string, DataIdValue> = {}
    for (const dim of this.element.required) {
      const fieldName = dim === this.element.name ? this.element.primaryKey!.name : dim
      out[dim] = this.values[fieldName] as DataIdValue
    }
    return out
  }

  /** The values of the required dimensions, in order (the record's identity). */
  get keyValues(): DataIdValue[] {
    return this.element.required.map((dim) => {
      const fieldName = dim === this.element.name ? this.element.primaryKey!.name : dim
      return this.values[fieldName] as DataIdValue
    })
  }

  /** Whether two records hold the same values for the same element (by name and fields, so records of
   * equal universes in two repositories compare equal). */
  equals(other: DimensionRecord): boolean {
    if (other.element !== this.element && !sameShape(this.element, other.element)) return false
    return this.element.fields.every((f) => sameValue(this.values[f.name], other.values[f.name]))
  }

  /** Wire form (`{definition, record}`); bigint, bytes and model objects are left to the serialiser. */
  toJSON(): SerializedDimensionRecord {
    return { definition: this.element.name, record: { ...this.values } }
  }

  toString(): string {
    return `${this.element.name}(${this.keyValues.join(', ')})`
  }
}

function isTimespanAlias(element: DimensionElement, name: string): boolean {
  return element.temporalFamily !== undefined && (name === 'datetime_begin' || name === 'datetime_end')
}

function checkField(
  element: DimensionElement,
  field: RecordField,
  raw: unknown,
  convert?: FieldConverter,
): RecordValue {
  const where = `field '${field.name}' of a '${element.name}' record`
  if (raw === undefined || raw === null) {
    if (!field.nullable) throw new DimensionValueError(`Missing value for ${where}`)
    return null
  }
  if (field.role === 'region' || field.role === 'timespan')
    return convert ? convert(field, raw) : (raw as RecordValue)
  switch (field.type) {
    case 'int':
      if (typeof raw === 'number' && Number.isSafeInteger(raw)) return raw
      if (typeof raw === 'bigint') {
        if (raw >= BigInt(Number.MIN_SAFE_INTEGER) && raw <= BigInt(Number.MAX_SAFE_INTEGER))
          return Number(raw)
        return raw
      }
      break
    case 'float':
      if (typeof raw === 'number') return raw
      if (typeof raw === 'bigint') return Number(raw)
      break
    case 'bool':
      if (typeof raw === 'boolean') return raw
      if (raw === 0 || raw === 1) return raw === 1
      break
    case 'string':
      if (typeof raw === 'string') {
        if (field.length !== undefined && raw.length > field.length) {
          throw new DimensionValueError(
            `Value of ${where} is longer than ${field.length} characters: '${raw}'`,
          )
        }
        return raw
      }
      break
    case 'hash':
      if (raw instanceof Uint8Array) return raw
      if (typeof raw === 'string') return Uint8Array.from(Buffer.from(raw, 'base64'))
      break
  }
  throw new DimensionValueError(`Value of ${where} must be of type ${field.type}, not ${describe(raw)}`)
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `string '${value}'`
  if (typeof value === 'number') return `number ${value}`
  return typeof value
}

function sameShape(a: DimensionElement, b: DimensionElement): boolean {
  return (
    a.name === b.name &&
    a.fields.length === b.fields.length &&
    a.fields.every((f, i) => f.name === b.fields[i]?.name)
  )
}

function sameValue(a: RecordValue | undefined, b: RecordValue | undefined): boolean {
  if (a === b) return true
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b))
  if (
    a &&
    b &&
    typeof a === 'object' &&
    typeof b === 'object' &&
    'equals' in a &&
    typeof a.equals === 'function'
  ) {
    return (a.equals as (o: unknown) => boolean)(b)
  }
  return false
}
