/**
 * `butler import` and `butler export`: repository content to and from export files (the reference's
 * YAML format 1.0.2).
 */
import { join } from 'node:path'
import { type Command, Option } from 'commander'
import { TRANSFER_MODES, type TransferMode } from '../../datastore/datastore.js'
import { InputError } from '../../errors.js'
import { type ExportTransferMode, exportFile } from '../../transfers/export.js'
import { importFile } from '../../transfers/import-file.js'
import { findRefs, resolveDatasetTypeNames } from '../dataset-search.js'
import { examples } from '../help.js'
import { log } from '../log.js'
import { collect, splitList } from '../options.js'
import { printJson, printLines } from '../output.js'
import { startProgress } from '../progress.js'
import { withButler } from '../repo.js'

/** Import places files itself; `none` (files already in the root) makes no sense there. */
const IMPORT_TRANSFERS = TRANSFER_MODES.filter((m) => m !== 'none')
const EXPORT_TRANSFERS: ExportTransferMode[] = ['copy', 'link', 'hardlink', 'symlink', 'relsymlink']

interface ImportCliOptions {
  readonly exportFile?: string
  readonly transfer: TransferMode
  readonly skipDimensions?: string[]
  readonly trackFileAttrs: boolean
  readonly withoutDatastore?: boolean
  readonly json?: boolean
}

interface ExportCliOptions {
  readonly collections?: string[]
  readonly datasets?: string[]
  readonly directory?: string
  readonly transfer?: ExportTransferMode
  readonly json?: boolean
  /** False with --no-provenance. */
  readonly provenance: boolean
}

/** Adds `import` and `export` to the program. */
export function registerImportExportCommands(program: Command): void {
  program
    .command('import')
    .summary('import an export file (records, collections, datasets and their files)')
    .description(
      'Import the content of an export file into a repository: dimension records, dataset types, ' +
        'collections, datasets with their IDs and files, and TAGGED / CALIBRATION memberships. Files ' +
        'written for older dimension universes are migrated. The whole file is checked first and ' +
        'imported in one transaction: a malformed file imports nothing, and the error names its entry. ' +
        'Dimension records that already exist are kept.',
    )
    .addHelpText(
      'after',
      examples(
        'butler import ./repo ./exported --transfer copy',
        'butler import ./repo . --export-file hsc-rc2-subset.yaml --without-datastore',
      ),
    )
    .argument('<REPO>', 'repository folder')
    .argument('<DIRECTORY>', 'folder the paths in the export file are relative to')
    .option('--export-file <FILE>', 'the export file (default: DIRECTORY/export.yaml)')
    .addOption(
      new Option('-t, --transfer <MODE>', 'how files get into the datastore')
        .choices(IMPORT_TRANSFERS)
        .default('auto'),
    )
    .option(
      '--skip-dimensions <ELEMENT,...>',
      'dimension elements whose records are not imported (repeatable, or comma-separated)',
      collect,
    )
    .option('--no-track-file-attrs', 'do not record file sizes and checksums of ingested files')
    .option('--without-datastore', 'import registry content only (no file is read or ingested)')
    .option('--json', 'print a JSON summary')
    .action(async (repo: string, directory: string, options: ImportCliOptions) => {
      await withButler(repo, async (butler) => {
        let progress: ReturnType<typeof startProgress> | undefined
        let reported = 0
        try {
          const summary = await importFile(butler, {
            filename: options.exportFile ?? join(directory, 'export.yaml'),
            directory,
            transfer: options.transfer,
            skipDimensions: splitList(options.skipDimensions),
            withoutDatastore: options.withoutDatastore ?? false,
            recordValidationInfo: options.trackFileAttrs,
            onProgress: (done, total) => {
              progress ??= startProgress('Importing', total, 1000)
              progress.increment(done - reported)
              reported = done
            },
          })
          progress?.stop()
          progress = undefined
          for (const warning of summary.warnings) log('WARNING', warning)
          if (options.json) {
            printJson(summary)
            return
          }
          printLines(
            `Imported ${summary.recordsInserted} new of ${summary.records} dimension records, ` +
              `${summary.datasetTypes} dataset types, ${summary.collections} collections, ` +
              `${summary.datasets} datasets (${summary.files} files), ${summary.associations} memberships` +
              (summary.provenance > 0 ? `, provenance of ${summary.provenance} datasets` : ''),
          )
        } finally {
          progress?.stop()
        }
      })
    })

  program
    .command('export')
    .summary('export datasets and collections to an export file')
    .description(
      'Write an export file (YAML format 1.0.2, readable by `butler import` here and by the reference ' +
        'butler) with the datasets of the given dataset types in the given collections, their dataset ' +
        'types, RUNs and dimension records, and the collections themselves (chains with their children, ' +
        'TAGGED and CALIBRATION memberships of the exported datasets). With --transfer, the files are ' +
        'placed in --directory under their repository paths.',
    )
    .addHelpText(
      'after',
      examples(
        'butler export ./repo export.yaml --collections HSC/calib --datasets "bias*" --datasets flat',
        'butler export ./repo ./out/export.yaml --collections u/me/run1 --directory ./out --transfer copy',
      ),
    )
    .argument('<REPO>', 'repository folder')
    .argument('<FILE>', 'export file to write')
    .option(
      '--collections <NAME|GLOB,...>',
      'collections searched and exported (repeatable, or comma-separated; default: all)',
      collect,
    )
    .option(
      '--datasets <TYPE|GLOB,...>',
      'dataset types exported (repeatable, or comma-separated; default: all)',
      collect,
    )
    .option('--directory <DIR>', 'where --transfer places the files')
    .addOption(
      new Option('-t, --transfer <MODE>', 'how files get into --directory').choices(EXPORT_TRANSFERS),
    )
    .option(
      '--no-provenance',
      'leave the provenance of the exported datasets out (our extension of the format, which the ' +
        "reference butler's import refuses)",
    )
    .option('--json', 'print a JSON summary')
    .action(async (repo: string, file: string, options: ExportCliOptions) => {
      if (options.directory && !options.transfer) {
        throw new InputError('--directory is where --transfer places files: give a transfer mode too')
      }
      await withButler(repo, async (butler) => {
        const patterns = splitList(options.collections)
        const collections = await butler.registry.queryCollections(
          patterns.length > 0 ? patterns : undefined,
          {
            flattenChains: true,
            includeChains: true,
          },
        )
        const typePatterns = splitList(options.datasets)
        const datasetTypes =
          typePatterns.length > 0 ? await resolveDatasetTypeNames(butler, typePatterns) : undefined
        const refs =
          datasetTypes?.length === 0
            ? []
            : await findRefs(butler, {
                collections: collections.map((c) => c.name),
                ...(datasetTypes ? { datasetTypes } : {}),
              })
        const unique = [...new Map(refs.map((r) => [r.id, r])).values()]
        const progress = startProgress('Exporting', unique.length, 1000)
        let exported: Awaited<ReturnType<typeof exportFile>>
        try {
          exported = await exportFile(
            butler,
            file,
            async (ctx) => {
              await ctx.saveDatasets(unique)
              for (const c of collections) await ctx.saveCollection(c.name)
            },
            {
              ...(options.directory ? { directory: options.directory } : {}),
              ...(options.transfer ? { transfer: options.transfer } : {}),
              ...(options.provenance === false ? { provenance: false } : {}),
              onProgress: (n) => progress.increment(n),
            },
          )
        } finally {
          progress.stop()
        }
        let records = 0
        let files = 0
        let collectionCount = 0
        for (const e of exported.data) {
          if (e.type === 'dimension') records += e.records.length
          if (e.type === 'dataset') files += e.files.filter((f) => f.path !== undefined).length
          if (e.type === 'collection') collectionCount++
        }
        const summary = { file, datasets: unique.length, files, records, collections: collectionCount }
        if (options.json) printJson(summary)
        else
          printLines(
            `Exported ${summary.datasets} datasets (${files} files), ${records} dimension records and ` +
              `${collectionCount} collections to ${file}`,
          )
      })
    })
}
