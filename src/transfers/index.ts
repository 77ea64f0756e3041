/**
 * Export files: reading, writing, importing into and exporting from a repository.
 */

export { type ExportOptions, type ExportTransferMode, exportFile, RepoExportContext } from './export.js'
export type * from './export-file.js'
export { EXPORT_DESCRIPTION, EXPORT_FORMAT_VERSION } from './export-file.js'
export { type ImportOptions, type ImportSummary, importFile } from './import-file.js'
export { parseExportFile } from './read-export-file.js'
export { formatExportFile } from './write-export-file.js'
