/**
 * Error classes of the Data Butler.
 *
 * `ButlerError` is the base of everything the library throws on purpose. `ButlerUserError`s are caused
 * by input (an unknown dataset type, a bad data ID, a missing collection, ...): each has a stable `code`
 * that survives serialisation (the HTTP client rebuilds the same class from it) and that the CLI prints
 * without a stack trace. Codes match the reference implementation's where it has one.
 */

/** Base class of every error the butler raises deliberately. */
export class ButlerError extends Error {
  override name = 'ButlerError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** An error caused by the caller's input; carries a stable `code`. */
export class ButlerUserError extends ButlerError {
  override name = 'ButlerUserError'
  /** Stable machine-readable code, e.g. `dataset_not_found`. */
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** Declares a user-error class bound to one stable code. */
function userError(code: string, className: string) {
  const cls = class extends ButlerUserError {
    override name = className
    constructor(message: string, options?: { cause?: unknown }) {
      super(code, message, options)
    }
  }
  Object.defineProperty(cls, 'name', { value: className })
  USER_ERROR_CLASSES.set(code, cls)
  return cls
}

/** Every user-error class by its code, so a serialised error can be rebuilt as the same class. */
export const USER_ERROR_CLASSES = new Map<
  string,
  new (
    message: string,
    options?: { cause?: unknown },
  ) => ButlerUserError
>()

// Codes shared with the reference implementation.
export const CalibrationLookupError = userError('calibration_lookup', 'CalibrationLookupError')
export type CalibrationLookupError = InstanceType<typeof CalibrationLookupError>
export const CollectionCycleError = userError('collection_cycle', 'CollectionCycleError')
export type CollectionCycleError = InstanceType<typeof CollectionCycleError>
export const CollectionTypeError = userError('collection_type', 'CollectionTypeError')
export type CollectionTypeError = InstanceType<typeof CollectionTypeError>
export const DataIdValueError = userError('data_id_value', 'DataIdValueError')
export type DataIdValueError = InstanceType<typeof DataIdValueError>
export const DatasetNotFoundError = userError('dataset_not_found', 'DatasetNotFoundError')
export type DatasetNotFoundError = InstanceType<typeof DatasetNotFoundError>
export const DimensionNameError = userError('dimension_name', 'DimensionNameError')
export type DimensionNameError = InstanceType<typeof DimensionNameError>
export const DimensionValueError = userError('dimension_value', 'DimensionValueError')
export type DimensionValueError = InstanceType<typeof DimensionValueError>
export const InconsistentDataIdError = userError('inconsistent_data_id', 'InconsistentDataIdError')
export type InconsistentDataIdError = InstanceType<typeof InconsistentDataIdError>
export const InvalidQueryError = userError('invalid_query', 'InvalidQueryError')
export type InvalidQueryError = InstanceType<typeof InvalidQueryError>
export const MissingCollectionError = userError('missing_collection', 'MissingCollectionError')
export type MissingCollectionError = InstanceType<typeof MissingCollectionError>
export const MissingDatasetTypeError = userError('missing_dataset_type', 'MissingDatasetTypeError')
export type MissingDatasetTypeError = InstanceType<typeof MissingDatasetTypeError>
export const UnknownComponentError = userError('unknown_component', 'UnknownComponentError')
export type UnknownComponentError = InstanceType<typeof UnknownComponentError>

// Codes of our own (the reference has these as plain exceptions without codes).
export const ConflictingDefinitionError = userError('conflicting_definition', 'ConflictingDefinitionError')
export type ConflictingDefinitionError = InstanceType<typeof ConflictingDefinitionError>
export const DatasetTypeError = userError('dataset_type', 'DatasetTypeError')
export type DatasetTypeError = InstanceType<typeof DatasetTypeError>
export const StorageClassError = userError('storage_class', 'StorageClassError')
export type StorageClassError = InstanceType<typeof StorageClassError>
export const FormatterError = userError('formatter', 'FormatterError')
export type FormatterError = InstanceType<typeof FormatterError>
export const ConfigError = userError('config', 'ConfigError')
export type ConfigError = InstanceType<typeof ConfigError>
export const RepositoryError = userError('repository', 'RepositoryError')
export type RepositoryError = InstanceType<typeof RepositoryError>
export const PathEscapeError = userError('path_escape', 'PathEscapeError')
export type PathEscapeError = InstanceType<typeof PathEscapeError>
export const FileTemplateError = userError('file_template', 'FileTemplateError')
export type FileTemplateError = InstanceType<typeof FileTemplateError>
export const TimeParseError = userError('time_parse', 'TimeParseError')
export type TimeParseError = InstanceType<typeof TimeParseError>
export const ChecksumError = userError('checksum', 'ChecksumError')
export type ChecksumError = InstanceType<typeof ChecksumError>
export const OrphanedRecordError = userError('orphaned_record', 'OrphanedRecordError')
export type OrphanedRecordError = InstanceType<typeof OrphanedRecordError>
export const InputError = userError('input', 'InputError')
export type InputError = InstanceType<typeof InputError>
export const ReadParameterError = userError('read_parameter', 'ReadParameterError')
export type ReadParameterError = InstanceType<typeof ReadParameterError>
/** A stored file that is not what its format promises (truncated, corrupt, wrong kind); names the file. */
export const CorruptArtifactError = userError('corrupt_artifact', 'CorruptArtifactError')
export type CorruptArtifactError = InstanceType<typeof CorruptArtifactError>
/** No converter turns an object of one storage class into another; names both. */
export const StorageClassConversionError = userError(
  'storage_class_conversion',
  'StorageClassConversionError',
)
export type StorageClassConversionError = InstanceType<typeof StorageClassConversionError>
/** A malformed or incompatible export file; the message names the entry. */
export const ExportFileError = userError('export_file', 'ExportFileError')
export type ExportFileError = InstanceType<typeof ExportFileError>

/** True when `error` is a user error (printed without a stack trace by the CLI). */
export function isUserError(error: unknown): error is ButlerUserError {
  return error instanceof ButlerUserError
}

/**
 * A query expression that does not parse. The message quotes the offending line with a caret under
 * the problem; `line` and `column` are 1-based (0 when unknown, e.g. rebuilt from a server's reply).
 */
export class ExpressionSyntaxError extends ButlerUserError {
  override name = 'ExpressionSyntaxError'
  readonly line: number
  readonly column: number
  constructor(message: string, options?: { cause?: unknown; line?: number; column?: number }) {
    super('expression_syntax', message, options)
    this.line = options?.line ?? 0
    this.column = options?.column ?? 0
  }
}
USER_ERROR_CLASSES.set('expression_syntax', ExpressionSyntaxError)
