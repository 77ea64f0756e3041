/**
 * The runtime types storage classes can name, and the named converters between them.
 *
 * A storage class in config names a `type`; this module says what each type means at run time: how
 * to recognise an instance, compute its derived components, apply read parameters in memory, take a
 * composite apart and put it back together. Converters are named functions that turn an instance of
 * one storage class into another; config refers to them by name (`converters: { ArrowTable: arrowToRows }`).
 *
 * Modules that bring their own types (tables, images) register them here; `known-types.ts` imports
 * them all, so a factory always knows every type the package ships.
 */

import { StorageClassError } from '../errors.js'

/** What one runtime type knows. Functions receive instances already checked with `isInstance`. */
export interface StorageClassTypeBehaviour {
  /** Human description for error messages (`an apache-arrow Table`). */
  readonly description: string
  readonly isInstance: (obj: unknown) => boolean
  /** Derived (computed, read-only) components by name. */
  // biome-ignore lint/suspicious/noExplicitAny: each function takes the type's own instances
  readonly derived?: Readonly<Record<string, (obj: any) => unknown>>
  /** Read parameters that can be applied in memory, by name; each returns a new object. */
  // biome-ignore lint/suspicious/noExplicitAny: each function takes the type's own instances
  readonly parameters?: Readonly<Record<string, (obj: any, value: unknown) => unknown>>
  /** Returns a real component of a composite (`undefined` when the instance does not have it). */
  // biome-ignore lint/suspicious/noExplicitAny: each function takes the type's own instances
  readonly getComponent?: (obj: any, name: string) => unknown
  /**
   * Builds a composite from its real components; absent ones are missing from `components`. Throws a
   * user error naming what is missing when the parts are not enough.
   */
  readonly assemble?: (components: Readonly<Record<string, unknown>>) => unknown
  /** Approximate bytes an instance holds, for cache budgets (default: a small constant). */
  // biome-ignore lint/suspicious/noExplicitAny: each function takes the type's own instances
  readonly sizeOf?: (obj: any) => number
}

/** A converter: turns an object of one storage class into another (may be async, e.g. to load a library). */
export type StorageClassConverter = (obj: unknown) => unknown

const TYPES = new Map<string, StorageClassTypeBehaviour>()
const CONVERTERS = new Map<string, StorageClassConverter>()

/** Registers a runtime type; registering a different behaviour under a taken name is an error. */
export function registerStorageClassType(name: string, behaviour: StorageClassTypeBehaviour): void {
  const existing = TYPES.get(name)
  if (existing && existing !== behaviour) {
    throw new StorageClassError(`Storage class type '${name}' is already registered`)
  }
  TYPES.set(name, behaviour)
}

/** The behaviour of a registered runtime type, or undefined. */
export function storageClassTypeBehaviour(name: string): StorageClassTypeBehaviour | undefined {
  return TYPES.get(name)
}

/** Names of every registered runtime type, sorted. */
export function storageClassTypeNames(): string[] {
  return [...TYPES.keys()].sort()
}

/** Registers a named converter; registering a different function under a taken name is an error. */
export function registerConverter(name: string, converter: StorageClassConverter): void {
  const existing = CONVERTERS.get(name)
  if (existing && existing !== converter) {
    throw new StorageClassError(`Converter '${name}' is already registered`)
  }
  CONVERTERS.set(name, converter)
}

/** The converter of that name, or undefined. */
export function storageClassConverter(name: string): StorageClassConverter | undefined {
  return CONVERTERS.get(name)
}

/** Names of every registered converter, sorted. */
export function converterNames(): string[] {
  return [...CONVERTERS.keys()].sort()
}

/** True when `obj` is a plain object (`{}` literal or `Object.create(null)`). */
export function isPlainObject(obj: unknown): obj is Record<string, unknown> {
  if (typeof obj !== 'object' || obj === null) return false
  const proto = Object.getPrototypeOf(obj)
  return proto === Object.prototype || proto === null
}
