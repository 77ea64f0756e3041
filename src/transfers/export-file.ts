/**
 * The in-memory form of a repository export file (the reference's YAML format 1.0.2), independent of
 * the YAML text it is read from or written to.
 */
import type { DatasetProvenance } from '../datasets/provenance.js'
import type { Timespan } from '../time/timespan.js'

/** The export format version this package writes. */
export const EXPORT_FORMAT_VERSION = '1.0.2'

/** The description line the reference writes at the top of every export file. */
export const EXPORT_DESCRIPTION = 'Butler Data Repository Export'

/**
 * One dimension record as written in a file: field names as in the reference (`datetime_begin` and
 * `datetime_end` instead of `timespan`). Times are `bigint` TAI nanoseconds; a `region` holds its sphgeom
 * encoding and a hash its bytes (`Uint8Array`s); other values are numbers, strings, booleans or null.
 */
export type RecordObject = Record<string, unknown>

/** A `dimension` entry: records of one element. */
export interface DimensionEntry {
  readonly type: 'dimension'
  readonly element: string
  readonly records: RecordObject[]
  /** For entries made by a migration rather than read: what made them (used in messages). */
  readonly origin?: string
}

/** A `collection` entry (the legacy `run` entry is read as a RUN collection). */
export type CollectionEntry =
  | {
      readonly type: 'collection'
      readonly collectionType: 'RUN'
      readonly name: string
      readonly doc?: string
      readonly host: string | null
      readonly timespanBegin: bigint | null
      readonly timespanEnd: bigint | null
    }
  | {
      readonly type: 'collection'
      readonly collectionType: 'TAGGED' | 'CALIBRATION'
      readonly name: string
      readonly doc?: string
    }
  | {
      readonly type: 'collection'
      readonly collectionType: 'CHAINED'
      readonly name: string
      readonly doc?: string
      readonly children: string[]
    }

/** A `dataset_type` entry; `dimensions` may list implied dimensions too (the reference writes all). */
export interface DatasetTypeEntry {
  readonly type: 'dataset_type'
  readonly name: string
  readonly dimensions: string[]
  readonly storageClass: string
  readonly isCalibration: boolean
}

/** One file of a `dataset` entry: the datasets it holds (parallel lists) and where it is. */
export interface FileEntry {
  readonly datasetIds: string[]
  /** Required dimension values of each dataset. */
  readonly dataIds: Record<string, string | number>[]
  /** Relative to the export's directory (or an absolute path / URI); absent for registry-only exports. */
  readonly path?: string
  readonly formatter?: string
}

/** A `dataset` entry: files of one dataset type in one RUN. */
export interface DatasetEntry {
  readonly type: 'dataset'
  readonly datasetType: string
  readonly run: string
  readonly files: FileEntry[]
}

/** An `associations` entry: membership of TAGGED or CALIBRATION collections. */
export type AssociationsEntry =
  | {
      readonly type: 'associations'
      readonly collectionType: 'TAGGED'
      readonly collection: string
      readonly datasetIds: string[]
    }
  | {
      readonly type: 'associations'
      readonly collectionType: 'CALIBRATION'
      readonly collection: string
      readonly validityRanges: { readonly timespan: Timespan; readonly datasetIds: string[] }[]
    }

/**
 * A `provenance` entry (our extension of format 1.0.2, written only when exported datasets have
 * provenance; the reference does not read it): how datasets of the file, or of the repository they
 * are imported into, were made.
 */
export interface ProvenanceFileEntry {
  readonly type: 'provenance'
  readonly records: { readonly datasetId: string; readonly provenance: DatasetProvenance }[]
}

/** Any entry of the `data` list. */
export type ExportEntry =
  | DimensionEntry
  | CollectionEntry
  | DatasetTypeEntry
  | DatasetEntry
  | AssociationsEntry
  | ProvenanceFileEntry

/** A whole export file. */
export interface ExportFile {
  readonly description: string
  /** Format version as written (`0` is read as `1.0.0`). */
  readonly version: string
  readonly universeVersion: number
  readonly universeNamespace: string
  readonly data: ExportEntry[]
}
