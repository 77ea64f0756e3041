/**
 * Dataset references: one resolved dataset (UUID, dataset type, data ID, run).
 */
import type { DataCoordinate, SerializedDataCoordinate } from '../dimensions/data-coordinate.js'
import type { DatasetType, SerializedDatasetType } from './dataset-type.js'

/** Wire form of a ref, as in the reference (`SerializedDatasetRef`). */
export interface SerializedDatasetRef {
  readonly id: string
  readonly datasetType?: SerializedDatasetType
  readonly dataId?: SerializedDataCoordinate
  readonly run?: string
  readonly component?: string
}

/**
 * A resolved dataset: it always has a UUID and the RUN collection it was written to. Component refs
 * share their parent's UUID. Equality compares dataset type, data ID and UUID.
 */
export class DatasetRef {
  readonly id: string
  readonly datasetType: DatasetType
  readonly dataId: DataCoordinate
  readonly run: string

  constructor(datasetType: DatasetType, dataId: DataCoordinate, run: string, id: string) {
    this.datasetType = datasetType
    this.dataId = dataId
    this.run = run
    this.id = id
  }

  /** The ref of one component of this dataset (same UUID). */
  makeComponentRef(component: string, storageClassName: string): DatasetRef {
    return new DatasetRef(
      this.datasetType.makeComponentDatasetType(component, storageClassName),
      this.dataId,
      this.run,
      this.id,
    )
  }

  /** A copy with some properties replaced. */
  replace(changes: {
    readonly datasetType?: DatasetType
    readonly dataId?: DataCoordinate
    readonly run?: string
    readonly id?: string
  }): DatasetRef {
    return new DatasetRef(
      changes.datasetType ?? this.datasetType,
      changes.dataId ?? this.dataId,
      changes.run ?? this.run,
      changes.id ?? this.id,
    )
  }

  /** Whether two refs name the same dataset in the same way. */
  equals(other: DatasetRef): boolean {
    return (
      this.id === other.id && this.datasetType.equals(other.datasetType) && this.dataId.equals(other.dataId)
    )
  }

  /** Wire form. */
  toJSON(): SerializedDatasetRef {
    return {
      id: this.id,
      datasetType: this.datasetType.toJSON(),
      dataId: this.dataId.toJSON(),
      run: this.run,
    }
  }

  toString(): string {
    return `${this.datasetType.name}@${this.dataId} [sc=${this.datasetType.storageClassName}] (run=${this.run} id=${this.id})`
  }
}
