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
export const CollectionCycleError = userError('collection_cycle', 'CollectionCycleError')
export const CollectionTypeError = userError('collection_type', 'CollectionTypeError')
export const DataIdValueError = userError('data_id_value', 'DataIdValueError')
export const DatasetNotFoundError = userError('dataset_not_found', 'DatasetNotFoundError')
export const DimensionNameError = userError('dimension_name', 'DimensionNameError')
export const DimensionValueError = userError('dimension_value', 'DimensionValueError')
export const InconsistentDataIdError = userError('inconsistent_data_id', 'InconsistentDataIdError')
export const InvalidQueryError = userError('invalid_query', 'InvalidQueryError')
export const MissingCollectionError = userError('missing_collection', 'MissingCollectionError')
export const MissingDatasetTypeError = userError('missing_dataset_type', 'MissingDatasetTypeError')
export const UnknownComponentError = userError('unknown_component', 'UnknownComponentError')

// Codes of our own (the reference has these as plain exceptions without codes).
export const ConflictingDefinitionError = userError('conflicting_definition', 'ConflictingDefinitionError')
export const DatasetTypeError = userError('dataset_type', 'DatasetTypeError')
export const StorageClassError = userError('storage_class', 'StorageClassError')
export const FormatterError = userError('formatter', 'FormatterError')
export const ConfigError = userError('config', 'ConfigError')
export const RepositoryError = userError('repository', 'RepositoryError')
export const PathEscapeError = userError('path_escape', 'PathEscapeError')
export const FileTemplateError = userError('file_template', 'FileTemplateError')
export const TimeParseError = userError('time_parse', 'TimeParseError')
export const ChecksumError = userError('checksum', 'ChecksumError')
export const OrphanedRecordError = userError('orphaned_record', 'OrphanedRecordError')
export const InputError = userError('input', 'InputError')
export const ReadParameterError = userError('read_parameter', 'ReadParameterError')

/** True when `error` is a user error (printed without a stack trace by the CLI). */
export function isUserError(error: unknown): error is ButlerUserError {
  return error instanceof ButlerUserError
}
