/**
 * Storage classes: named descriptions of the in-memory type of a dataset, its components, derived
 * components and read parameters.
 *
 * The reference implementation names Python types; ours name one of a few built-in runtime types
 * ({@link StorageClassType}) that this module knows how to check, take apart and apply read parameters
 * to. Definitions come from config (`config/storage-classes.yaml`).
 */

import { parse as parseYaml } from 'yaml'
import { ReadParameterError, StorageClassError, UnknownComponentError } from '../errors.js'
import { isArrowSchema, isArrowTable, selectArrowColumns } from './arrow-table.js'
import { describeValue } from './describe-value.js'
import { isNdArray, resolveRowSlice, sliceRows } from './ndarray.js'

/** A built-in runtime type that a storage class can name. */
export type StorageClassType =
  | 'object'
  | 'array'
  | 'string'
  | 'bytes'
  | 'integer'
  | 'number'
  | 'ndarray'
  | 'arrow-table'
  | 'arrow-schema'

/** What each built-in type knows: how to recognise it, compute derived components, apply parameters. */
interface TypeBehaviour {
  /** Human description for error messages. */
  readonly description: string
  readonly isInstance: (obj: unknown) => boolean
  readonly derived?: Readonly<Record<string, (obj: never) => unknown>>
  readonly parameters?: Readonly<Record<string, (obj: never, value: unknown) => unknown>>
}

function isPlainObject(obj: unknown): obj is Record<string, unknown> {
  if (typeof obj !== 'object' || obj === null) return false
  const proto = Object.getPrototypeOf(obj)
  return proto === Object.prototype || proto === null
}

const TYPE_BEHAVIOURS: Readonly<Record<StorageClassType, TypeBehaviour>> = {
  object: { description: 'a plain object', isInstance: isPlainObject },
  array: { description: 'an array', isInstance: Array.isArray },
  string: { description: 'a string', isInstance: (o) => typeof o === 'string' },
  bytes: { description: 'a Uint8Array', isInstance: (o) => o instanceof Uint8Array },
  integer: { description: 'an integer number', isInstance: Number.isInteger },
  number: { description: 'a number', isInstance: (o) => typeof o === 'number' },
  ndarray: {
    description: 'an NdArray',
    isInstance: isNdArray,
    derived: {
      shape: (a: { shape: readonly number[] }) => [...a.shape],
      dtype: (a: { dtype: string }) => a.dtype,
    },
    parameters: {
      slice: (a: Parameters<typeof sliceRows>[0], value: unknown) => {
        const rows = a.shape[0]
        if (rows === undefined) throw new ReadParameterError('Cannot slice rows of a 0-dimensional array')
        return sliceRows(a, ...resolveRowSlice(value, rows))
      },
    },
  },
  'arrow-table': {
    description: 'an apache-arrow Table',
    isInstance: isArrowTable,
    derived: {
      columns: (t: Parameters<typeof selectArrowColumns>[0]) => t.schema.fields.map((f) => f.name),
      rowcount: (t: Parameters<typeof selectArrowColumns>[0]) => t.numRows,
      schema: (t: Parameters<typeof selectArrowColumns>[0]) => t.schema,
    },
    parameters: { columns: selectArrowColumns },
  },
  'arrow-schema': { description: 'an apache-arrow Schema', isInstance: isArrowSchema },
}

/** Every built-in type name a storage class may use. */
export const STORAGE_CLASS_TYPES = Object.keys(TYPE_BEHAVIOURS) as readonly StorageClassType[]

/** A storage class as written in config; `type` may be omitted when `inheritsFrom` supplies it. */
export interface StorageClassDefinition {
  readonly type?: StorageClassType
  readonly doc?: string
  readonly inheritsFrom?: string
  readonly parameters?: readonly string[]
  /** Real components: name -> storage class name. */
  readonly components?: Readonly<Record<string, string>>
  /** Components computed from the whole object: name -> storage class name. */
  readonly derivedComponents?: Readonly<Record<string, string>>
}

/** Everything needed to build a {@link StorageClass}. */
export interface StorageClassOptions extends StorageClassDefinition {
  readonly name: string
  readonly type: StorageClassType
}

/** Named description of a dataset's in-memory type, components and read parameters. */
export class StorageClass {
  /** Name, unique within a factory (`NumpyArray`). */
  readonly name: string
  /** Built-in runtime type of instances. */
  readonly type: StorageClassType
  /** One-paragraph description. */
  readonly doc: string
  /** Storage class this one was derived from in config, if any. */
  readonly inheritsFrom: string | undefined
  /** Read parameters this storage class accepts. */
  readonly parameters: readonly string[]
  /** Real components (a composite can be split into and rebuilt from them): name -> storage class. */
  readonly components: Readonly<Record<string, string>>
  /** Read-only components computed from the whole object: name -> storage class. */
  readonly derivedComponents: Readonly<Record<string, string>>

  constructor(options: StorageClassOptions) {
    if (!Object.hasOwn(TYPE_BEHAVIOURS, options.type)) {
      throw new StorageClassError(
        `Storage class '${options.name}' has unknown type '${options.type}'; known types: ${STORAGE_CLASS_TYPES.join(', ')}`,
      )
    }
    this.name = options.name
    this.type = options.type
    this.doc = options.doc ?? ''
    this.inheritsFrom = options.inheritsFrom
    this.parameters = Object.freeze([...(options.parameters ?? [])])
    this.components = Object.freeze({ ...options.components })
    this.derivedComponents = Object.freeze({ ...options.derivedComponents })
  }

  /** True when this storage class has real components. */
  isComposite(): boolean {
    return Object.keys(this.components).length > 0
  }

  /** Describes the expected runtime type for messages (`an NdArray`). */
  get typeDescription(): string {
    return TYPE_BEHAVIOURS[this.type].description
  }

  /** True when `obj` is an instance of this storage class's runtime type. */
  isInstance(obj: unknown): boolean {
    return TYPE_BEHAVIOURS[this.type].isInstance(obj)
  }

  /** Throws `StorageClassError` naming the expected and actual type unless `obj` is an instance. */
  assertInstance(obj: unknown, what = 'Object'): void {
    if (!this.isInstance(obj)) {
      throw new StorageClassError(
        `${what} of type ${describeValue(obj)} is not ${this.typeDescription} as storage class '${this.name}' requires`,
      )
    }
  }

  /** Throws `ReadParameterError` listing any parameter this storage class does not accept. */
  validateParameters(params: Readonly<Record<string, unknown>> | undefined): void {
    if (!params) return
    const unknown = Object.keys(params).filter((p) => !this.parameters.includes(p))
    if (unknown.length > 0) {
      const known = this.parameters.length > 0 ? this.parameters.join(', ') : 'none'
      throw new ReadParameterError(
        `Storage class '${this.name}' does not accept read parameter(s) ${unknown.join(', ')} (accepted: ${known})`,
      )
    }
  }

  /** Returns a real or derived component of `obj`, throwing `UnknownComponentError` for other names. */
  getComponent(obj: unknown, name: string): unknown {
    if (!Object.hasOwn(this.components, name) && !Object.hasOwn(this.derivedComponents, name)) {
      throw new UnknownComponentError(`Storage class '${this.name}' has no component '${name}'`)
    }
    this.assertInstance(obj)
    const builtIn = TYPE_BEHAVIOURS[this.type].derived?.[name]
    if (builtIn) return builtIn(obj as never)
    // Like the reference's default delegate: a `get<Name>()` method, then a property.
    const target = obj as Record<string, unknown>
    const getter = target[`get${name.charAt(0).toUpperCase()}${name.slice(1)}`]
    if (typeof getter === 'function') return getter.call(obj)
    if (name in target) return target[name]
    throw new StorageClassError(`Cannot get component '${name}' of a ${describeValue(obj)} (${this.name})`)
  }

  /**
   * Applies read parameters in memory and returns the result (the input is never modified); used for
   * the parameters a formatter did not apply while reading.
   */
  handleParameters(obj: unknown, params: Readonly<Record<string, unknown>> | undefined): unknown {
    if (!params) return obj
    this.validateParameters(params)
    const handlers = TYPE_BEHAVIOURS[this.type].parameters ?? {}
    let result = obj
    for (const [name, value] of Object.entries(params)) {
      if (value === undefined) continue
      const handler = handlers[name]
      if (!handler) {
        throw new ReadParameterError(
          `Storage class '${this.name}' cannot apply read parameter '${name}' in memory`,
        )
      }
      this.assertInstance(result)
      result = handler(result as never, value)
    }
    return result
  }

  /** Returns the config definition of this storage class (after inheritance). */
  toDefinition(): StorageClassDefinition & { readonly type: StorageClassType } {
    return {
      type: this.type,
      ...(this.doc ? { doc: this.doc } : {}),
      ...(this.parameters.length > 0 ? { parameters: this.parameters } : {}),
      ...(this.isComposite() ? { components: this.components } : {}),
      ...(Object.keys(this.derivedComponents).length > 0
        ? { derivedComponents: this.derivedComponents }
        : {}),
    }
  }

  /** True when both describe the same type, parameters and components (doc is ignored). */
  equals(other: StorageClass): boolean {
    return (
      this.name === other.name &&
      this.type === other.type &&
      sameSet(this.parameters, other.parameters) &&
      sameRecord(this.components, other.components) &&
      sameRecord(this.derivedComponents, other.derivedComponents)
    )
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x))
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k])
}

/** Keys of reference-implementation definitions that have no meaning here and are ignored. */
const IGNORED_KEYS = new Set(['pytype', 'delegate', 'converters', 'converter'])
const KNOWN_KEYS = new Set(['type', 'doc', 'inheritsFrom', 'parameters', 'components', 'derivedComponents'])

/** Registry of storage classes by name, filled from config. */
export class StorageClassFactory {
  readonly #classes = new Map<string, StorageClass>()

  /**
   * Creates a factory from YAML text: a map of name -> definition, optionally under `storageClasses:`.
   *
   * @example
   * const factory = StorageClassFactory.fromYaml('storageClasses:\n  Text: { type: string }\n')
   */
  static fromYaml(text: string): StorageClassFactory {
    const factory = new StorageClassFactory()
    factory.addFromYaml(text)
    return factory
  }

  /** Creates a factory from an already-parsed config object. */
  static fromConfig(config: unknown): StorageClassFactory {
    const factory = new StorageClassFactory()
    factory.addFromConfig(config)
    return factory
  }

  /** Adds the definitions in YAML text. */
  addFromYaml(text: string): void {
    let config: unknown
    try {
      config = parseYaml(text)
    } catch (cause) {
      throw new StorageClassError(`Invalid storage class YAML: ${(cause as Error).message}`, { cause })
    }
    this.addFromConfig(config)
  }

  /** Adds definitions from a parsed config, resolving `inheritsFrom` within it and against this factory. */
  addFromConfig(config: unknown): void {
    const root =
      isPlainObject(config) && isPlainObject(config.storageClasses) ? config.storageClasses : config
    if (!isPlainObject(root))
      throw new StorageClassError('Storage class config must be a mapping of name to definition')
    const pending = new Map<string, StorageClassDefinition>()
    for (const [name, raw] of Object.entries(root)) pending.set(name, checkDefinition(name, raw))
    const resolving = new Set<string>()
    const resolve = (name: string): StorageClass => {
      const existing = this.#classes.get(name)
      const definition = pending.get(name)
      if (!definition) {
        if (existing) return existing
        throw new StorageClassError(`Unknown storage class '${name}'`)
      }
      if (resolving.has(name)) throw new StorageClassError(`Storage class '${name}' inherits from itself`)
      resolving.add(name)
      const parent = definition.inheritsFrom === undefined ? undefined : resolve(definition.inheritsFrom)
      const type = definition.type ?? parent?.type
      if (!type) throw new StorageClassError(`Storage class '${name}' needs a 'type' or 'inheritsFrom'`)
      const sc = new StorageClass({
        name,
        type,
        doc: definition.doc ?? parent?.doc ?? '',
        ...(definition.inheritsFrom === undefined ? {} : { inheritsFrom: definition.inheritsFrom }),
        parameters: [...new Set([...(parent?.parameters ?? []), ...(definition.parameters ?? [])])],
        components: { ...parent?.components, ...definition.components },
        derivedComponents: { ...parent?.derivedComponents, ...definition.derivedComponents },
      })
      pending.delete(name)
      resolving.delete(name)
      this.register(sc)
      return sc
    }
    const names = [...pending.keys()]
    for (const name of names) if (pending.has(name)) resolve(name)
    for (const name of names) {
      const sc = this.get(name)
      for (const target of [...Object.values(sc.components), ...Object.values(sc.derivedComponents)]) {
        if (!this.has(target)) {
          throw new StorageClassError(
            `Storage class '${name}' has a component of unknown storage class '${target}'`,
          )
        }
      }
    }
  }

  /** Adds a storage class; re-registering an equal definition is a no-op, a different one an error. */
  register(storageClass: StorageClass): void {
    const existing = this.#classes.get(storageClass.name)
    if (existing && !existing.equals(storageClass)) {
      throw new StorageClassError(`Storage class '${storageClass.name}' is already defined differently`)
    }
    if (!existing) this.#classes.set(storageClass.name, storageClass)
  }

  /** Returns the storage class of that name, or throws `StorageClassError` naming it. */
  get(name: string): StorageClass {
    const sc = this.#classes.get(name)
    if (!sc) throw new StorageClassError(`Unknown storage class '${name}'`)
    return sc
  }

  /** True when a storage class of that name is registered. */
  has(name: string): boolean {
    return this.#classes.has(name)
  }

  /** Names of all registered storage classes, sorted. */
  names(): string[] {
    return [...this.#classes.keys()].sort()
  }
}

function checkStringRecord(name: string, key: string, value: unknown): Record<string, string> {
  if (!isPlainObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new StorageClassError(
      `Storage class '${name}': '${key}' must map component names to storage class names`,
    )
  }
  return value as Record<string, string>
}

function checkDefinition(name: string, raw: unknown): StorageClassDefinition {
  if (raw === null || raw === undefined) raw = {}
  if (!isPlainObject(raw)) throw new StorageClassError(`Storage class '${name}' must be a mapping`)
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key) && !IGNORED_KEYS.has(key)) {
      throw new StorageClassError(`Storage class '${name}' has unknown key '${key}'`)
    }
  }
  const { type, doc, inheritsFrom, parameters, components, derivedComponents } = raw
  if (type !== undefined && !(typeof type === 'string' && Object.hasOwn(TYPE_BEHAVIOURS, type))) {
    throw new StorageClassError(
      `Storage class '${name}' has unknown type ${JSON.stringify(type)}; known types: ${STORAGE_CLASS_TYPES.join(', ')}`,
    )
  }
  if (doc !== undefined && typeof doc !== 'string')
    throw new StorageClassError(`Storage class '${name}': doc must be a string`)
  if (inheritsFrom !== undefined && typeof inheritsFrom !== 'string') {
    throw new StorageClassError(`Storage class '${name}': inheritsFrom must be a storage class name`)
  }
  if (
    parameters !== undefined &&
    !(Array.isArray(parameters) && parameters.every((p) => typeof p === 'string'))
  ) {
    throw new StorageClassError(`Storage class '${name}': parameters must be a list of names`)
  }
  return {
    ...(type === undefined ? {} : { type: type as StorageClassType }),
    ...(doc === undefined ? {} : { doc }),
    ...(inheritsFrom === undefined ? {} : { inheritsFrom }),
    ...(parameters === undefined ? {} : { parameters: parameters as string[] }),
    ...(components === undefined ? {} : { components: checkStringRecord(name, 'components', components) }),
    ...(derivedComponents === undefined
      ? {}
      : { derivedComponents: checkStringRecord(name, 'derivedComponents', derivedComponents) }),
  }
}
