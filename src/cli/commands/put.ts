/**
 * `butler put REPO DATASET_TYPE FILE`: stores the object in a file as a dataset.
 */
import type { Command } from 'commander'
import { examples } from '../help.js'
import { readObjectFile } from '../object-files.js'
import { coerceDataId, collectDataId } from '../options.js'
import { formatDataId, printJson, printLines } from '../output.js'
import { withButler } from '../repo.js'

interface PutOptions {
  readonly run: string
  readonly dataId?: Record<string, string>
  readonly json?: boolean
}

/** Adds `put` to the program. */
export function registerPutCommand(program: Command): void {
  program
    .command('put')
    .summary('store an object read from a file as a dataset')
    .description(
      'Read an object from FILE and store it as a dataset of DATASET_TYPE in the RUN collection ' +
        '(created if missing). The object is read by extension: .json, .yaml/.yml (parsed), .npy ' +
        '(NumPy array), .parquet/.parq (Arrow table); a Text dataset type takes any file as text and a ' +
        'Bytes one as raw bytes. Nothing is written unless the object fits the storage class.',
    )
    .addHelpText(
      'after',
      examples(
        'butler put ./repo calexp image.npy --run u/me/run1 -d instrument=HSC,visit=903334,detector=16',
      ),
    )
    .argument('<REPO>', 'repository folder')
    .argument('<DATASET_TYPE>', 'registered dataset type name')
    .argument('<FILE>', 'file holding the object')
    .requiredOption('--run <RUN>', 'RUN collection to write to')
    .option(
      '-d, --data-id <KEY=VALUE>',
      'data ID values (repeatable, or comma-separated: -d instrument=HSC,visit=1)',
      collectDataId,
    )
    .option('--json', 'print the new dataset ref as JSON')
    .action(async (repo: string, datasetTypeName: string, file: string, options: PutOptions) => {
      await withButler(repo, async (butler) => {
        const datasetType = await butler.getDatasetType(datasetTypeName)
        const sc = butler.storageClasses.get(datasetType.storageClassName)
        const obj = await readObjectFile(file, sc, butler.storageClasses)
        const dataId = coerceDataId(butler.universe, options.dataId ?? {})
        // Registering the run in the same transaction as the put leaves no empty run behind on failure.
        const ref = await butler.transaction(async () => {
          await butler.registerRun(options.run)
          return butler.put(obj, datasetTypeName, dataId, { run: options.run })
        })
        if (options.json) printJson(ref.toJSON())
        else {
          printLines(
            `Stored ${ref.datasetType.name} {${formatDataId(ref.dataId.mapping)}} in run ${ref.run}`,
            `  id: ${ref.id}`,
          )
        }
      })
    })
}
