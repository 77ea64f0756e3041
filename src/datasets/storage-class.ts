/**
 * Storage classes: named descriptions of the in-memory type of a dataset, its components, derived
 * components and read parameters.
 *
 * The reference implementation names Python types; ours name one of a few built-in runtime types
 * ({@link StorageClassType}) that this module knows how to check, take apart and apply read parameters
 * to. Definitions come from config (`config/storage-classes.yaml`).
 */

import { parse as parseYaml } from 'yaml'
import {
  ReadParameterError,
  StorageClassConversionError,
  StorageClassError,
  UnknownComponentError,
} from '../errors.js'
import { describeValue } from './describe-value.js'
import './known-types.js'
import {
  isPlainObject,
  type StorageClassTypeBehaviour,
  storageClassConverter,
  storageClassTypeBehaviour,
  storageClassTypeNames,
} from './storage-class-type.js'

/** Name of a registered runtime type (`object`, `ndarray`, `arrow-table`, `image`, ...). */
export type StorageClassType = string

function behaviourOf(type: string, owner: string): StorageClassTypeBehaviour {
  const behaviour = storageClassTypeBehaviour(type)
  if (!behaviour) {
    throw new StorageClassError(
      `Storage class '${owner}' has unknown type '${type}'; known types: ${storageClassTypeNames().join(', ')}`,
    )
  }
  return behaviour
}

/** Every built-in type name a storage class may use. */
export const STORAGE_CLASS_TYPES: readonly StorageClassType[] = storageClassTypeNames()

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
  /**
   * Storage classes whose objects can be turned into this one: source storage class name -> name of
   * a registered converter (see `registerConverter`).
   */
  readonly converters?: Readonly<Record<string, string>>
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
  /** Runtime type of instances (see `storage-class-type.ts`). */
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
  /** Source storage class name -> converter name, for objects that can be turned into this class. */
  readonly converters: Readonly<Record<string, string>>
  readonly #behaviour: StorageClassTypeBehaviour

  constructor(options: StorageClassOptions) {
    this.#behaviour = behaviourOf(options.type, options.name)
    this.name = options.name
    this.type = options.type
    this.doc = options.doc ?? ''
    this.inheritsFrom = options.inheritsFrom
    this.parameters = Object.freeze([...(options.parameters ?? [])])
    this.components = Object.freeze({ ...options.components })
    this.derivedComponents = Object.freeze({ ...options.derivedComponents })
    this.converters = Object.freeze({ ...options.converters })
    for (const [source, converter] of Object.entries(this.converters)) {
      if (!storageClassConverter(converter)) {
        throw new StorageClassError(
          `Storage class '${this.name}' names unknown converter '${converter}' (from '${source}')`,
        )
      }
    }
  }

  /** True when this storage class has real components. */
  isComposite(): boolean {
    return Object.keys(this.components).length > 0
  }

  /** Describes the expected runtime type for messages (`an NdArray`). */
  get typeDescription(): string {
    return this.#behaviour.description
  }

  /** True when `obj` is an instance of this storage class's runtime type. */
  isInstance(obj: unknown): boolean {
    return this.#behaviour.isInstance(obj)
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

  /** The storage class name of a real or derived component, or throws `UnknownComponentError`. */
  componentClassName(name: string): string {
    const target = Object.hasOwn(this.components, name)
      ? this.components[name]
      : Object.hasOwn(this.derivedComponents, name)
        ? this.derivedComponents[name]
        : undefined
    if (target === undefined) {
      const known = [...Object.keys(this.components), ...Object.keys(this.derivedComponents)]
      throw new UnknownComponentError(
        `Storage class '${this.name}' has no component '${name}' (components: ${known.length > 0 ? known.join(', ') : 'none'})`,
      )
    }
    return target
  }

  /** Returns a real or derived component of `obj`, throwing `UnknownComponentError` for other names. */
  getComponent(obj: unknown, name: string): unknown {
    this.componentClassName(name)
    this.assertInstance(obj)
    const derived = this.#behaviour.derived?.[name]
    if (derived) return derived(obj)
    if (this.#behaviour.getComponent && Object.hasOwn(this.components, name)) {
      return this.#behaviour.getComponent(obj, name)
    }
    // Like the reference's default delegate: a `get<Name>()` method, then a property.
    const target = obj as Record<string, unknown>
    const getter = target[`get${name.charAt(0).toUpperCase()}${name.slice(1)}`]
    if (typeof getter === 'function') return getter.call(obj)
    if (name in target) return target[name]
    throw new StorageClassError(`Cannot get component '${name}' of a ${describeValue(obj)} (${this.name})`)
  }

  /**
   * Splits a composite into its real components (absent ones are left out), for writing them to
   * separate files.
   */
  disassemble(obj: unknown): Record<string, unknown> {
    this.assertInstance(obj)
    const out: Record<string, unknown> = {}
    for (const name of Object.keys(this.components)) {
      const value = this.getComponent(obj, name)
      if (value !== undefined && value !== null) out[name] = value
    }
    return out
  }

  /** Rebuilds a composite from its real components (see `StorageClassTypeBehaviour.assemble`). */
  assemble(components: Readonly<Record<string, unknown>>): unknown {
    const assemble = this.#behaviour.assemble
    if (!assemble) {
      throw new StorageClassError(`Storage class '${this.name}' (type ${this.type}) cannot be assembled`)
    }
    const obj = assemble(components)
    this.assertInstance(obj, 'Assembled object')
    return obj
  }

  /**
   * Applies read parameters in memory and returns the result (the input is never modified); used for
   * the parameters a formatter did not apply while reading.
   */
  handleParameters(obj: unknown, params: Readonly<Record<string, unknown>> | undefined): unknown {
    if (!params) return obj
    this.validateParameters(params)
    const handlers = this.#behaviour.parameters ?? {}
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
      result = handler(result, value)
    }
    return result
  }

  /** Approximate bytes held by an instance (for cache budgets). */
  sizeOf(obj: unknown): number {
    return this.#behaviour.sizeOf ? this.#behaviour.sizeOf(obj) : 64
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
      ...(Object.keys(this.converters).length > 0 ? { converters: this.converters } : {}),
    }
  }

  /** True when both describe the same type, parameters, components and converters (doc is ignored). */
  equals(other: StorageClass): boolean {
    return (
      this.name === other.name &&
      this.type === other.type &&
      sameSet(this.parameters, other.parameters) &&
      sameRecord(this.components, other.components) &&
      sameRecord(this.derivedComponents, other.derivedComponents) &&
      sameRecord(this.converters, other.converters)
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
const IGNORED_KEYS = new Set(['pytype', 'delegate', 'converter'])
const KNOWN_KEYS = new Set([
  'type',
  'doc',
  'inheritsFrom',
  'parameters',
  'components',
  'derivedComponents',
  'converters',
])

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
        converters: { ...parent?.converters, ...definition.converters },
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
      for (const source of Object.keys(sc.converters)) {
        if (!this.has(source)) {
          throw new StorageClassError(
            `Storage class '${name}' converts from unknown storage class '${source}'`,
          )
        }
      }
    }
  }

  /**
   * The converter that turns objects of `from` into `to`: identity when both have the same runtime
   * type, else the one `to` declares for `from` or for a storage class `from` inherits from.
   */
  #converter(from: StorageClass, to: StorageClass): ((obj: unknown) => unknown) | undefined {
    if (from.type === to.type) return (obj) => obj
    for (let sc: StorageClass | undefined = from; sc; ) {
      const name = to.converters[sc.name]
      if (name) return storageClassConverter(name)
      sc = sc.inheritsFrom && this.has(sc.inheritsFrom) ? this.get(sc.inheritsFrom) : undefined
    }
    return undefined
  }

  /** True when objects of storage class `from` can be returned as (or stored as) `to`. */
  canConvert(from: StorageClass | string, to: StorageClass | string): boolean {
    const src = typeof from === 'string' ? this.get(from) : from
    const dst = typeof to === 'string' ? this.get(to) : to
    return this.#converter(src, dst) !== undefined
  }

  /**
   * Converts `obj`, an instance of `from`, into an instance of `to`; throws
   * `StorageClassConversionError` naming both when no converter exists. The input is not modified.
   */
  async convert(obj: unknown, from: StorageClass | string, to: StorageClass | string): Promise<unknown> {
    const src = typeof from === 'string' ? this.get(from) : from
    const dst = typeof to === 'string' ? this.get(to) : to
    const converter = this.#converter(src, dst)
    if (!converter) {
      const sources = Object.keys(dst.converters)
      throw new StorageClassConversionError(
        `Cannot convert storage class '${src.name}' to '${dst.name}'` +
          (sources.length > 0 ? ` ('${dst.name}' converts from ${sources.join(', ')})` : ` (no converters)`),
      )
    }
    const result = await converter(obj)
    dst.assertInstance(result, `Converter from '${src.name}' to '${dst.name}': result`)
    return result
  }

  /**
   * Makes `obj` an instance of `to` for writing: returned as is when it already is one, else converted
   * from the first storage class in `to.converters` it is an instance of. Throws `StorageClassError`
   * (naming the expected type) when it is neither.
   */
  async coerceForWrite(obj: unknown, to: StorageClass | string, what = 'Object'): Promise<unknown> {
    const dst = typeof to === 'string' ? this.get(to) : to
    if (dst.isInstance(obj)) return obj
    for (const source of Object.keys(dst.converters)) {
      const src = this.get(source)
      if (src.isInstance(obj)) return this.convert(obj, src, dst)
    }
    const sources = Object.keys(dst.converters)
    throw new StorageClassError(
      `${what} of type ${describeValue(obj)} is not ${dst.typeDescription} as storage class '${dst.name}' requires` +
        (sources.length > 0 ? `, nor an instance of a class it converts from (${sources.join(', ')})` : ''),
    )
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
  const { type, doc, inheritsFrom, parameters, components, derivedComponents, converters } = raw
  if (type !== undefined && !(typeof type === 'string' && storageClassTypeBehaviour(type))) {
    throw new StorageClassError(
      `Storage class '${name}' has unknown type ${JSON.stringify(type)}; known types: ${storageClassTypeNames().join(', ')}`,
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
    ...(converters === undefined ? {} : { converters: ownConverters(name, converters) }),
  }
}

/**
 * The converters of a definition. Entries of reference configs (a Python type mapped to a Python
 * function, both dotted paths) mean nothing here and are skipped.
 */
function ownConverters(name: string, value: unknown): Record<string, string> {
  const all = checkStringRecord(name, 'converters', value)
  return Object.fromEntries(Object.entries(all).filter(([k, v]) => !k.includes('.') && !v.includes('.')))
}
