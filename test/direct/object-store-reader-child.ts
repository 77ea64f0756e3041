/**
 * Child process of the object-store butler tests (not a test file itself):
 * `node object-store-reader-child.js <repo> <run> <detectors json>` opens the repository, reads the
 * `summary` dataset of visit 903334 for each detector and prints the values as one JSON array.
 */
import { openButler } from '../../src/create-butler.js'

const [repo, run, detectors] = process.argv.slice(2)
const butler = await openButler(repo!, { collections: [run!], objectCache: { enabled: false } })
try {
  const out: unknown[] = []
  for (const detector of JSON.parse(detectors!) as number[]) {
    out.push(await butler.get('summary', { instrument: 'HSC', visit: 903334, detector }))
  }
  process.stdout.write(`${JSON.stringify(out)}\n`)
} finally {
  await butler.close()
}
