/**
 * `butler register-dataset-type` and `butler query-dataset-types`.
 */
import type { Command } from 'commander'
import { DatasetType } from '../../datasets/dataset-type.js'
import { examples } from '../help.js'
import { formatTable, printJson, printLines } from '../output.js'
import { withButler } from '../repo.js'

/** Adds `register-dataset-type` and `query-dataset-types` to the program. */
export function registerDatasetTypeCommands(program: Command): void {
  program
    .command('register-dataset-type')
    .summary('define a dataset type')
    .description(
      'Register a dataset type: its name, storage class and dimensions. Registering an identical ' +
        'definition again is a no-op; a different one is an error.',
    )
    .addHelpText(
      'after',
      examples('butler register-dataset-type ./repo calexp NumpyArray instrument visit detector'),
    )
    .argument('<REPO>', 'repository folder')
    .argument('<NAME>', 'dataset type name (letters, digits, underscores)')
    .argument(
      '<STORAGE_CLASS>',
      'storage class of its objects (StructuredDataDict, NumpyArray, ArrowTable, ...)',
    )
    .argument('[DIMENSIONS...]', 'dimensions of its data IDs (none for a dataset type without dimensions)')
    .option('--is-calibration', 'datasets of this type may be certified into CALIBRATION collections')
    .option('--json', 'print the dataset type as JSON')
    .action(
      async (
        repo: string,
        name: string,
        storageClass: string,
        dimensions: string[],
        options: { isCalibration?: boolean; json?: boolean },
      ) => {
        await withButler(repo, async (butler) => {
          const type = new DatasetType(name, butler.universe.group(dimensions), storageClass, {
            isCalibration: options.isCalibration ?? false,
          })
          const inserted = await butler.registerDatasetType(type)
          if (options.json) printJson({ datasetType: type.toJSON(), inserted })
          else
            printLines(
              inserted ? `Registered dataset type ${type}` : `Dataset type ${type} is already registered`,
            )
        })
      },
    )

  program
    .command('query-dataset-types')
    .summary('list dataset types')
    .description('List the dataset types whose names match any of the globs (* and ?), or all of them.')
    .addHelpText('after', examples("butler query-dataset-types ./repo 'calexp*' -v"))
    .argument('<REPO>', 'repository folder')
    .argument('[GLOB...]', 'name patterns (default: all)')
    .option('-v, --verbose', 'also show dimensions, storage class and whether it is a calibration')
    .option('--json', 'print JSON')
    .action(async (repo: string, globs: string[], options: { verbose?: boolean; json?: boolean }) => {
      await withButler(repo, async (butler) => {
        const found = new Map<string, DatasetType>()
        const patterns = globs.length > 0 ? globs : [undefined]
        for (const pattern of patterns) {
          for (const type of await butler.queryDatasetTypes(pattern)) found.set(type.name, type)
        }
        const types = [...found.values()].sort((a, b) => a.name.localeCompare(b.name))
        if (options.json) {
          printJson(types.map((t) => t.toJSON()))
        } else if (options.verbose) {
          const rows = types.map((t) => [
            t.name,
            t.dimensions.required.join(', '),
            t.storageClassName,
            t.isCalibration ? 'yes' : 'no',
          ])
          printLines(...formatTable(['name', 'dimensions', 'storageClass', 'isCalibration'], rows))
        } else {
          printLines(
            ...formatTable(
              ['name'],
              types.map((t) => [t.name]),
            ),
          )
        }
      })
    })
}
