/** Formatters: one file format each, plus the factory that picks them by the lookup rules. */

export { RelabelledSource } from './byte-source.js'
export { BytesFormatter, type BytesFormatterOptions } from './bytes-formatter.js'
export { DEFAULT_STORAGE_CLASSES_PATH, loadDefaultStorageClasses } from './default-storage-classes.js'
export { FitsHduScanner } from './fits/hdu-scanner.js'
export {
  FITS_PROVENANCE_PREFIX,
  FITS_STORAGE_CLASS_TYPES,
  FitsFormatter,
  readFitsProvenance,
} from './fits-formatter.js'
export {
  checkDecoded,
  checkWrite,
  decodeError,
  type Formatter,
  type FormatterReadContext,
  type FormatterWriteContext,
  readWithParameters,
} from './formatter.js'
export {
  BUILT_IN_FORMATTERS,
  type FormatterConfigEntry,
  type FormatterCreator,
  FormatterFactory,
  type FormatterFactoryOptions,
  type FormatterSelection,
  REFERENCE_FORMATTER_ALIASES,
} from './formatter-factory.js'
export { JsonFormatter } from './json-formatter.js'
export { encodeNpyHeader, NpyFormatter, npyDescr } from './npy-formatter.js'
export {
  PARQUET_COMPRESSIONS,
  PARQUET_PROVENANCE_PREFIX,
  ParquetFormatter,
  readParquetKeyValueMetadata,
} from './parquet-formatter.js'
export { TextFormatter } from './text-formatter.js'
export { YamlFormatter } from './yaml-formatter.js'
