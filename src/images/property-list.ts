/**
 * Ordered metadata (afw's `PropertyList`, the in-memory form of a FITS header): named scalar values
 * with comments, in insertion order.
 */

import { StorageClassError } from '../errors.js'
import { describeNumber, type UserErrorClass } from './validate.js'

/** A metadata value: the scalar types a FITS header card can hold (`null` is an undefined value). */
export type PropertyValue = string | number | bigint | boolean | null

/** One entry of a {@link PropertyList}. */
export interface PropertyCard {
  readonly name: string
  readonly value: PropertyValue
  /** Empty when there is none. */
  readonly comment: string
}

/**
 * The JSON form of one entry. Values JSON cannot hold are tagged: a bigint is `{ type: 'bigint',
 * value: '<decimal digits>' }` and a NaN or infinite number `{ type: 'float', value: 'NaN' |
 * 'Infinity' | '-Infinity' }`. `comment` is left out when empty.
 */
export interface PropertyCardJson {
  readonly name: string
  readonly value: string | number | boolean | null
  readonly comment?: string
  readonly type?: 'bigint' | 'float'
}

/**
 * Ordered name -> value metadata with a comment per entry. Setting an existing name replaces its value
 * in place (its position is kept); names are case-sensitive.
 *
 * @example
 * const md = new PropertyList()
 * md.set('EXPTIME', 30.0, 'exposure time (s)').set('OBJECT', 'M31')
 */
export class PropertyList {
  readonly #cards = new Map<string, { value: PropertyValue; comment: string }>()

  /** Creates a list holding `entries` (`[name, value, comment?]`), in order. */
  constructor(entries: Iterable<readonly [string, PropertyValue, string?]> = []) {
    for (const [name, value, comment] of entries) this.set(name, value, comment)
  }

  /**
   * Rebuilds a list from its {@link toJSON} form; malformed input throws `errorClass` (default
   * `StorageClassError`).
   */
  static fromJSON(json: unknown, errorClass: UserErrorClass = StorageClassError): PropertyList {
    if (!Array.isArray(json)) {
      throw new errorClass(`PropertyList JSON must be an array of cards, got ${describeNumber(json)}`)
    }
    const list = new PropertyList()
    json.forEach((card: unknown, i) => {
      if (typeof card !== 'object' || card === null || Array.isArray(card)) {
        throw new errorClass(`PropertyList JSON card ${i} must be an object`)
      }
      const { name, value, comment, type } = card as Record<string, unknown>
      if (typeof name !== 'string' || name.length === 0) {
        throw new errorClass(`PropertyList JSON card ${i} needs a non-empty string name`)
      }
      if (comment !== undefined && typeof comment !== 'string') {
        throw new errorClass(`PropertyList JSON card '${name}' has a comment that is not a string`)
      }
      let decoded: PropertyValue
      if (type === 'bigint') {
        if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
          throw new errorClass(`PropertyList JSON card '${name}': a bigint value must be a string of digits`)
        }
        decoded = BigInt(value)
      } else if (type === 'float') {
        if (value !== 'NaN' && value !== 'Infinity' && value !== '-Infinity') {
          throw new errorClass(
            `PropertyList JSON card '${name}': a float value must be NaN, Infinity or -Infinity`,
          )
        }
        decoded = Number(value)
      } else if (type !== undefined) {
        throw new errorClass(`PropertyList JSON card '${name}' has unknown type ${describeNumber(type)}`)
      } else if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
        decoded = value as PropertyValue
      } else {
        throw new errorClass(`PropertyList JSON card '${name}' has a value of type ${describeNumber(value)}`)
      }
      list.set(name, decoded, comment ?? '')
    })
    return list
  }

  /** Number of entries. */
  get size(): number {
    return this.#cards.size
  }

  /**
   * Sets `name` to `value`, appending a new entry or replacing the value of an existing one in place.
   * Without `comment` an existing entry keeps its comment. A bad name (not a non-empty string), value
   * or comment throws `StorageClassError`. Returns this list.
   */
  set(name: string, value: PropertyValue, comment?: string): this {
    if (typeof name !== 'string' || name.length === 0) {
      throw new StorageClassError(
        `A PropertyList name must be a non-empty string, got ${describeNumber(name)}`,
      )
    }
    if (!isPropertyValue(value)) {
      throw new StorageClassError(
        `PropertyList value of '${name}' must be a string, number, bigint, boolean or null, got ${describeNumber(value)}`,
      )
    }
    if (comment !== undefined && typeof comment !== 'string') {
      throw new StorageClassError(`PropertyList comment of '${name}' must be a string`)
    }
    const existing = this.#cards.get(name)
    this.#cards.set(name, { value, comment: comment ?? existing?.comment ?? '' })
    return this
  }

  /** The value of `name`, or undefined when absent. */
  get(name: string): PropertyValue | undefined {
    return this.#cards.get(name)?.value
  }

  /** The comment of `name` (empty when none), or undefined when absent. */
  getComment(name: string): string | undefined {
    return this.#cards.get(name)?.comment
  }

  /** True when `name` is present. */
  has(name: string): boolean {
    return this.#cards.has(name)
  }

  /** Removes `name`; true when it was present. */
  delete(name: string): boolean {
    return this.#cards.delete(name)
  }

  /** Names in order. */
  names(): string[] {
    return [...this.#cards.keys()]
  }

  /** `[name, value]` pairs in order. */
  entries(): [string, PropertyValue][] {
    return [...this.#cards].map(([name, card]) => [name, card.value])
  }

  /** Entries with their comments, in order. */
  cards(): PropertyCard[] {
    return [...this.#cards].map(([name, card]) => ({ name, value: card.value, comment: card.comment }))
  }

  /** Iterates over `[name, value]` pairs in order. */
  [Symbol.iterator](): IterableIterator<[string, PropertyValue]> {
    return this.entries()[Symbol.iterator]()
  }

  /** A copy (values are scalars, so nothing is shared). */
  copy(): PropertyList {
    return new PropertyList(this.cards().map((c) => [c.name, c.value, c.comment] as const))
  }

  /** The JSON form: an array of {@link PropertyCardJson} in order. */
  toJSON(): PropertyCardJson[] {
    return this.cards().map(({ name, value, comment }) => {
      const extra = comment ? { comment } : {}
      if (typeof value === 'bigint') return { name, value: value.toString(), type: 'bigint', ...extra }
      if (typeof value === 'number' && !Number.isFinite(value)) {
        return { name, value: String(value), type: 'float', ...extra }
      }
      return { name, value, ...extra }
    })
  }

  /** True when both hold the same names in the same order with the same values and comments (NaN equals NaN). */
  equals(other: PropertyList): boolean {
    const a = this.cards()
    const b = other.cards()
    return (
      a.length === b.length &&
      a.every((card, i) => {
        const o = b[i] as PropertyCard
        const sameValue = card.value === o.value || (Number.isNaN(card.value) && Number.isNaN(o.value))
        return card.name === o.name && card.comment === o.comment && sameValue
      })
    )
  }
}

/** True for a value a {@link PropertyList} can hold. */
export function isPropertyValue(value: unknown): value is PropertyValue {
  return value === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof value)
}
