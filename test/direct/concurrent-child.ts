/**
 * Child process of the concurrency test.
 *
 * argv: repository, mode, index, extra, startAt.
 * - `put`: 2,000 single puts of small dicts, visits index*10+1 .. index*10+10 × detectors 0..199,
 *   into the shared RUN `concurrent`; prints `done`.
 * - `certify`: at time `startAt` (ms since the epoch), certifies the bias dataset `extra` into the
 *   CALIBRATION collection `calib` for a range that overlaps every other child's; prints `won` or
 *   `lost <code>`.
 */
import { openButler, Timespan } from '../../src/index.js'
import { parseTime } from '../../src/time/parse-time.js'

const [repo, mode, indexText, extra, startAt] = process.argv.slice(2)
const index = Number(indexText)
const butler = await openButler(repo!, { run: 'concurrent' })
if (mode === 'put') {
  for (let visit = index * 10 + 1; visit <= index * 10 + 10; visit++) {
    for (let detector = 0; detector < 200; detector++) {
      await butler.put({ visit, detector, writer: index }, 'cdict', { instrument: 'Cam', visit, detector })
    }
  }
  process.stdout.write('done\n')
} else {
  const [ref] = await butler.registry.getDatasets([extra!])
  // Everyone starts at the same moment, so that the checks for overlaps really run side by side.
  await butler.registry.queryDatasetAssociations('cbias', { collections: ['calib'] })
  await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())))
  const begin = parseTime(`2024-01-${String(1 + index).padStart(2, '0')}T00:00:00/tai`)
  try {
    await butler.certify('calib', [ref!], new Timespan(begin, begin + 20n * 86_400_000_000_000n))
    process.stdout.write('won\n')
  } catch (error) {
    process.stdout.write(`lost ${(error as { code?: string }).code ?? (error as Error).message}\n`)
  }
}
await butler.close()
