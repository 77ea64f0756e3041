/**
 * Chooses the formatter for a dataset from the formatters config, and finds the formatter that wrote a
 * file from the name recorded with it.
 *
 * Config keys follow the reference lookup order (dataset type, parent dataset type, `a+b` dimensions,
 * storage class, with `instrument<NAME>` sections overriding); values are a formatter name or
 * `{ formatter, parameters }`. As in the reference, the `default` key holds per-formatter default write
 * parameters (`default: { ParquetFormatter: { compression: zstd } }`); a `default` that is itself an
 * entry (a name or `{ formatter }`) is the fallback formatter instead. Without a matching entry the
 * built-in default of the storage class (or of its runtime type) applies.
 */

import type { LookupSubject } from '../datasets/lookup-keys.js'
import { lookupConfig } from '../datasets/lookup-keys.js'
import type { StorageClassFactory, StorageClassType } from '../datasets/storage-class.js'
import { FormatterError } from '../errors.js'
import { BytesFormatter } from './bytes-formatter.js'
import { FitsFormatter } from './fits-formatter.js'
import type { Formatter } from './formatter.js'
import { JsonFormatter } from './json-formatter.js'
import { NpyFormatter } from './npy-formatter.js'
import { ParquetFormatter } from './parquet-formatter.js'
import { TextFormatter } from './text-formatter.js'
import { YamlFormatter } from './yaml-formatter.js'

/** Creates a formatter from the parameters of its config entry. */
export type FormatterCreator = (parameters: Readonly<Record<string, unknown>>) => Formatter

/** One value of the formatters config. */
export type FormatterConfigEntry =
  | string
  | { readonly formatter: string; readonly parameters?: Readonly<Record<string, unknown>> }

/** The formatter chosen for a dataset, with the write parameters to pass in its context. */
export interface FormatterSelection {
  readonly formatter: Formatter
  readonly writeParameters: Readonly<Record<string, unknown>>
}

/** Options of a {@link FormatterFactory}. */
export interface FormatterFactoryOptions {
  /** The `formatters` section of the datastore config. */
  readonly config?: Readonly<Record<string, unknown>>
  /** Storage classes, so classes without a built-in default fall back to their runtime type's. */
  readonly storageClasses?: StorageClassFactory
  /** Extra formatters by name (plug-ins such as FITS), in addition to the built-in ones. */
  readonly formatters?: Readonly<Record<string, FormatterCreator>>
  /** Extra aliases: another name (e.g. a reference Python class) -> one of the formatter names. */
  readonly aliases?: Readonly<Record<string, string>>
}

/** The built-in formatters by name. */
export const BUILT_IN_FORMATTERS: Readonly<Record<string, FormatterCreator>> = {
  JsonFormatter: () => new JsonFormatter(),
  YamlFormatter: () => new YamlFormatter(),
  TextFormatter: () => new TextFormatter(),
  BytesFormatter: (p) =>
    new BytesFormatter(typeof p.extension === 'string' ? { extension: p.extension } : {}),
  NpyFormatter: () => new NpyFormatter(),
  ParquetFormatter: () => new ParquetFormatter(),
  FitsFormatter: () => new FitsFormatter(),
}

/** Reference (Python) formatter class names that read and write the same files as one of ours. */
export const REFERENCE_FORMATTER_ALIASES: Readonly<Record<string, string>> = {
  'lsst.daf.butler.formatters.json.JsonFormatter': 'JsonFormatter',
  'lsst.daf.butler.formatters.jsonFormatter.JsonFormatter': 'JsonFormatter',
  'lsst.daf.butler.formatters.yaml.YamlFormatter': 'YamlFormatter',
  'lsst.daf.butler.formatters.yamlFormatter.YamlFormatter': 'YamlFormatter',
  'lsst.daf.butler.formatters.parquet.ParquetFormatter': 'ParquetFormatter',
  'lsst.daf.butler.formatters.parquetFormatter.ParquetFormatter': 'ParquetFormatter',
  'lsst.obs.base.formatters.fitsExposure.FitsExposureFormatter': 'FitsFormatter',
  'lsst.obs.base.formatters.fitsExposure.FitsImageFormatter': 'FitsFormatter',
  'lsst.obs.base.formatters.fitsExposure.FitsMaskFormatter': 'FitsFormatter',
  'lsst.obs.base.formatters.fitsExposure.FitsMaskedImageFormatter': 'FitsFormatter',
}

/** Built-in default formatter per storage class name. */
const DEFAULT_BY_STORAGE_CLASS: Readonly<Record<string, string>> = {
  StructuredDataDict: 'JsonFormatter',
  StructuredDataList: 'JsonFormatter',
  Text: 'TextFormatter',
  Bytes: 'BytesFormatter',
  int: 'JsonFormatter',
  float: 'JsonFormatter',
  NumpyArray: 'NpyFormatter',
  ArrowTable: 'ParquetFormatter',
  // Parts of a disassembled Exposure that may hold NaN (JSON cannot), in YAML as the reference does.
  ExposureSummaryStats: 'YamlFormatter',
  VisitInfo: 'YamlFormatter',
  PhotoCalib: 'YamlFormatter',
}

/** Built-in default formatter per runtime type, for storage classes not listed by name. */
const DEFAULT_BY_TYPE: Readonly<Partial<Record<StorageClassType, string>>> = {
  object: 'JsonFormatter',
  array: 'JsonFormatter',
  string: 'TextFormatter',
  bytes: 'BytesFormatter',
  integer: 'JsonFormatter',
  number: 'JsonFormatter',
  ndarray: 'NpyFormatter',
  'arrow-table': 'ParquetFormatter',
  // Written as Parquet through a conversion to ArrowTable (see `Formatter.defaultStorageClass`).
  'arrow-rows': 'ParquetFormatter',
  'arrow-columns': 'ParquetFormatter',
  // The image model, as FITS (see `fits-formatter.ts`).
  image: 'FitsFormatter',
  mask: 'FitsFormatter',
  'masked-image': 'FitsFormatter',
  exposure: 'FitsFormatter',
  wcs: 'FitsFormatter',
  psf: 'FitsFormatter',
  'property-list': 'FitsFormatter',
}

interface ResolvedEntry {
  readonly name: string
  readonly parameters: Readonly<Record<string, unknown>>
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Selects formatters by the reference lookup rules and resolves recorded formatter names.
 *
 * @example
 * const factory = new FormatterFactory({ config: { calexp: 'NpyFormatter' }, storageClasses })
 * const { formatter, writeParameters } = factory.getFormatter(subject)
 */
export class FormatterFactory {
  readonly #creators: Map<string, FormatterCreator>
  readonly #aliases: Map<string, string>
  readonly #entries: Record<string, unknown>
  readonly #defaultParameters = new Map<string, Readonly<Record<string, unknown>>>()
  readonly #storageClasses: StorageClassFactory | undefined
  readonly #instances = new Map<string, Formatter>()

  constructor(options: FormatterFactoryOptions = {}) {
    this.#creators = new Map(Object.entries({ ...BUILT_IN_FORMATTERS, ...options.formatters }))
    this.#aliases = new Map(Object.entries({ ...REFERENCE_FORMATTER_ALIASES, ...options.aliases }))
    for (const [alias, target] of this.#aliases) {
      if (!this.#creators.has(target))
        throw new FormatterError(`Formatter alias '${alias}' names unknown formatter '${target}'`)
    }
    this.#storageClasses = options.storageClasses
    const { default: defaults, ...entries } = options.config ?? {}
    this.#entries = entries
    if (defaults !== undefined) {
      if (typeof defaults === 'string' || (isRecord(defaults) && 'formatter' in defaults)) {
        this.#entries.default = defaults
      } else if (isRecord(defaults)) {
        for (const [name, params] of Object.entries(defaults)) {
          if (!isRecord(params))
            throw new FormatterError(
              `Formatters config 'default.${name}' must be a mapping of write parameters`,
            )
          this.#defaultParameters.set(this.#canonicalName(name, 'default'), params)
        }
      } else {
        throw new FormatterError(
          `Formatters config 'default' must be a formatter or a mapping of write parameters`,
        )
      }
    }
    // Fail on typos now rather than at the first put of an affected dataset type.
    for (const [key, value] of Object.entries(this.#entries)) {
      if (key.startsWith('instrument<')) {
        if (!isRecord(value)) throw new FormatterError(`Formatters config section '${key}' must be a mapping`)
        for (const [inner, entry] of Object.entries(value)) this.#resolveEntry(entry, `${key}.${inner}`)
      } else {
        this.#resolveEntry(value, key)
      }
    }
  }

  /** Chooses the formatter for a dataset type by the lookup rules, falling back to built-in defaults. */
  getFormatter(subject: LookupSubject): FormatterSelection {
    const entry = lookupConfig<unknown>(this.#entries, subject)
    let resolved: ResolvedEntry
    if (entry !== undefined) {
      resolved = this.#resolveEntry(entry, subject.datasetTypeName)
    } else {
      const name = this.#builtInDefault(subject.storageClassName)
      if (!name) {
        throw new FormatterError(
          `No formatter configured for dataset type '${subject.datasetTypeName}' (storage class '${subject.storageClassName}')`,
        )
      }
      resolved = { name, parameters: {} }
    }
    return {
      formatter: this.#instance(resolved),
      writeParameters: { ...this.#defaultParameters.get(resolved.name), ...resolved.parameters },
    }
  }

  /** Returns the formatter recorded as `name` (ours or an equivalent reference class name), to read a file. */
  getByName(name: string): Formatter {
    return this.#instance({ name: this.#canonicalName(name, 'recorded'), parameters: {} })
  }

  /** Canonical names of every formatter this factory can create, sorted. */
  names(): string[] {
    return [...this.#creators.keys()].sort()
  }

  #builtInDefault(storageClassName: string): string | undefined {
    const byName = DEFAULT_BY_STORAGE_CLASS[storageClassName]
    if (byName) return byName
    if (this.#storageClasses?.has(storageClassName)) {
      return DEFAULT_BY_TYPE[this.#storageClasses.get(storageClassName).type]
    }
    return undefined
  }

  #canonicalName(name: string, where: string): string {
    if (this.#creators.has(name)) return name
    const alias = this.#aliases.get(name)
    if (alias) return alias
    throw new FormatterError(
      `Unknown formatter '${name}' (${where}); known formatters: ${this.names().join(', ')}`,
    )
  }

  #resolveEntry(entry: unknown, key: string): ResolvedEntry {
    if (typeof entry === 'string')
      return { name: this.#canonicalName(entry, `config key '${key}'`), parameters: {} }
    if (isRecord(entry) && typeof entry.formatter === 'string') {
      const parameters = entry.parameters ?? {}
      if (!isRecord(parameters))
        throw new FormatterError(`Formatters config '${key}.parameters' must be a mapping`)
      return { name: this.#canonicalName(entry.formatter, `config key '${key}'`), parameters }
    }
    throw new FormatterError(
      `Formatters config '${key}' must be a formatter name or { formatter, parameters }`,
    )
  }

  #instance({ name, parameters }: ResolvedEntry): Formatter {
    const cacheKey = `${name}\0${JSON.stringify(parameters)}`
    let formatter = this.#instances.get(cacheKey)
    if (!formatter) {
      const create = this.#creators.get(name)
      if (!create) throw new FormatterError(`Unknown formatter '${name}'`)
      formatter = create(parameters)
      this.#instances.set(cacheKey, formatter)
    }
    return formatter
  }
}
