/**
 * Dataset types: a name, dimensions and a storage class.
 */
import type { DimensionGroup } from '../dimensions/dimension-group.js'
import { DatasetTypeError } from '../errors.js'

const NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*)*$/

/** Longest dataset type name a registry stores. */
export const DATASET_TYPE_NAME_MAX_LENGTH = 128

/** Wire form of a dataset type, as in the reference (`SerializedDatasetType`). */
export interface SerializedDatasetType {
  readonly name: string
  readonly storageClass?: string
  readonly dimensions?: readonly string[]
  readonly parentStorageClass?: string
  readonly isCalibration?: boolean
}

/** Splits `calexp.wcs` into `['calexp', 'wcs']`; a name without a component gives `[name, undefined]`. */
export function splitDatasetTypeName(name: string): [string, string | undefined] {
  const dot = name.indexOf('.')
  return dot < 0 ? [name, undefined] : [name.slice(0, dot), name.slice(dot + 1)]
}

/**
 * The kind of a dataset: its name, the dimensions of its data IDs and the storage class of its
 * in-memory objects. A name with dots names a component of a parent dataset type (`calexp.wcs`).
 * Immutable; equality compares every property.
 *
 * @example
 * const calexp = new DatasetType('calexp', universe.group(['instrument', 'visit', 'detector']), 'ArrowTable')
 */
export class DatasetType {
  readonly name: string
  readonly dimensions: DimensionGroup
  readonly storageClassName: string
  /** Storage class of the parent, for component dataset types. */
  readonly parentStorageClassName: string | undefined
  /** Whether datasets of this type may be certified into CALIBRATION collections. */
  readonly isCalibration: boolean

  constructor(
    name: string,
    dimensions: DimensionGroup,
    storageClassName: string,
    options: { readonly isCalibration?: boolean; readonly parentStorageClassName?: string | undefined } = {},
  ) {
    DatasetType.validateName(name)
    if (!storageClassName) throw new DatasetTypeError(`Dataset type '${name}' needs a storage class`)
    this.name = name
    this.dimensions = dimensions
    this.storageClassName = storageClassName
    this.isCalibration = options.isCalibration ?? false
    this.parentStorageClassName = options.parentStorageClassName
    if (this.isComponent && !this.parentStorageClassName) {
      throw new DatasetTypeError(`Component dataset type '${name}' needs its parent's storage class`)
    }
  }

  /** Throws `DatasetTypeError` unless `name` is a valid dataset type name. */
  static validateName(name: string): void {
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw new DatasetTypeError(
        `'${name}' is not a valid dataset type name: use letters, digits and underscores, not starting with a digit, with '.' only between component names`,
      )
    }
    if (name.length > DATASET_TYPE_NAME_MAX_LENGTH) {
      throw new DatasetTypeError(
        `Dataset type name '${name}' is longer than ${DATASET_TYPE_NAME_MAX_LENGTH} characters`,
      )
    }
  }

  /** The name without any component. */
  get parentName(): string {
    return splitDatasetTypeName(this.name)[0]
  }

  /** The component part of the name, if any (`wcs` for `calexp.wcs`). */
  get component(): string | undefined {
    return splitDatasetTypeName(this.name)[1]
  }

  /** Whether this names a component of another dataset type. */
  get isComponent(): boolean {
    return this.name.includes('.')
  }

  /** The dataset type of one component, with that component's storage class. */
  makeComponentDatasetType(component: string, storageClassName: string): DatasetType {
    return new DatasetType(`${this.name}.${component}`, this.dimensions, storageClassName, {
      isCalibration: this.isCalibration,
      parentStorageClassName: this.storageClassName,
    })
  }

  /** The same dataset type read as another storage class. */
  withStorageClass(storageClassName: string): DatasetType {
    if (storageClassName === this.storageClassName) return this
    return new DatasetType(this.name, this.dimensions, storageClassName, {
      isCalibration: this.isCalibration,
      parentStorageClassName: this.parentStorageClassName,
    })
  }

  /** Whether two definitions are identical. */
  equals(other: DatasetType): boolean {
    return (
      this.name === other.name &&
      this.dimensions.equals(other.dimensions) &&
      this.storageClassName === other.storageClassName &&
      this.parentStorageClassName === other.parentStorageClassName &&
      this.isCalibration === other.isCalibration
    )
  }

  /** Wire form; `dimensions` lists the required dimensions, as in the reference. */
  toJSON(): SerializedDatasetType {
    return {
      name: this.name,
      storageClass: this.storageClassName,
      dimensions: [...this.dimensions.required],
      ...(this.parentStorageClassName ? { parentStorageClass: this.parentStorageClassName } : {}),
      isCalibration: this.isCalibration,
    }
  }

  toString(): string {
    return `DatasetType('${this.name}', ${this.dimensions}, ${this.storageClassName}${this.isCalibration ? ', isCalibration=true' : ''})`
  }
}
