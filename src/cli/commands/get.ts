/**
 * `butler get REPO DATASET_TYPE`: reads a dataset and writes it to a file or stdout.
 */
import type { Command } from 'commander'
import { examples } from '../help.js'
import { writeObjectFile, writeObjectToStdout } from '../object-files.js'
import { coerceDataId, collect, collectDataId, collectParameter, splitList } from '../options.js'
import { printLines } from '../output.js'
import { withButler } from '../repo.js'

interface GetOptions {
  readonly collections: string[]
  readonly dataId?: Record<string, string>
  readonly parameter?: Record<string, unknown>
  readonly output?: string
  readonly storageClass?: string
}

/** Adds `get` to the program. */
export function registerGetCommand(program: Command): void {
  program
    .command('get')
    .summary('read a dataset and write it to a file or stdout')
    .description(
      'Find a dataset by type and data ID in the collections (first match wins) and write it to FILE in ' +
        'the format its extension names (.json, .yaml, .npy, .parquet; text and bytes as they are), or ' +
        'to stdout: text as it is, bytes raw (never to a terminal), anything else as JSON. A component ' +
        'is read with a dotted name (e.g. image.shape).',
    )
    .addHelpText(
      'after',
      examples(
        'butler get ./repo calexp -c u/me/run1 -d instrument=HSC,visit=903334,detector=16 -o calexp.npy',
        `butler get ./repo catalog -c run1 -d instrument=HSC,visit=1 -p 'columns=["ra","dec"]'`,
        'butler get ./repo calexp.shape -c u/me/run1 -d instrument=HSC,visit=903334,detector=16',
        'butler get ./repo catalog -c run1 -d instrument=HSC,visit=1 --storage-class ArrowRows -o rows.json',
      ),
    )
    .argument('<REPO>', 'repository folder')
    .argument('<DATASET_TYPE>', 'dataset type name (parent.component for a component)')
    .requiredOption('-c, --collections <C[,C...]>', 'collections searched in order (repeatable)', collect)
    .option('-d, --data-id <KEY=VALUE>', 'data ID values (repeatable, or comma-separated)', collectDataId)
    .option(
      '-p, --parameter <KEY=VALUE>',
      'read parameter, value as JSON (repeatable): columns, slice, ...',
      collectParameter,
    )
    .option(
      '--storage-class <NAME>',
      'return the dataset as this storage class, converted (e.g. ArrowRows for an ArrowTable)',
    )
    .option('-o, --output <FILE>', 'write to FILE instead of stdout')
    .action(async (repo: string, datasetTypeName: string, options: GetOptions) => {
      await withButler(repo, async (butler) => {
        const datasetType = await butler.getDatasetType(datasetTypeName)
        const dataId = coerceDataId(butler.universe, options.dataId ?? {})
        const value = await butler.get(datasetTypeName, dataId, {
          collections: splitList(options.collections),
          ...(options.parameter ? { parameters: options.parameter } : {}),
          ...(options.storageClass ? { storageClass: options.storageClass } : {}),
        })
        if (options.output) {
          await writeObjectFile(
            options.output,
            value,
            butler.storageClasses.get(options.storageClass ?? datasetType.storageClassName),
          )
          printLines(`Wrote ${datasetTypeName} to ${options.output}`)
        } else {
          writeObjectToStdout(value)
        }
      })
    })
}
