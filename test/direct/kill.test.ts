/**
 * Kill test: a child process writing datasets is SIGKILLed at random moments, many times (50 on
 * SQLite, 15 on PostgreSQL); after each kill every dataset the registry lists must read back intact,
 * and `verify --repair` must leave no problem behind.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { isNdArray } from '../../src/datasets/ndarray.js'
import { DatasetType, openButler } from '../../src/index.js'
import { testBackends, waitForSessionsToEnd } from './concurrent-backends.js'
import { expectedArray, expectedDict } from './kill-shared.js'

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'kill-child.js')
for (const backend of testBackends()) {
  const KILLS = backend.name === 'SQLite' ? 50 : 15
  const postgres = backend.name === 'PostgreSQL'

  describe(`kill test on ${backend.name}`, { skip: backend.skip }, () => {
    let repo: string

    before(async () => {
      repo = join(await mkdtemp(join(tmpdir(), 'butler-kill-')), 'repo')
      await backend.createRepository(repo)
      const butler = await openButler(repo)
      const u = butler.universe
      await butler.insertDimensionRecords('instrument', [
        { name: 'KillCam', detector_max: 10, visit_max: 1000 },
      ])
      await butler.insertDimensionRecords('physical_filter', [
        { instrument: 'KillCam', name: 'KC-r', band: 'r' },
      ])
      await butler.insertDimensionRecords('day_obs', [{ instrument: 'KillCam', id: 20260101 }])
      await butler.insertDimensionRecords(
        'detector',
        Array.from({ length: 10 }, (_, id) => ({ instrument: 'KillCam', id, full_name: `D${id}` })),
      )
      await butler.insertDimensionRecords(
        'visit',
        Array.from({ length: 100 }, (_, k) => ({
          instrument: 'KillCam',
          id: k + 1,
          name: `visit${k + 1}`,
          physical_filter: 'KC-r',
          day_obs: 20260101,
        })),
      )
      const dims = u.group(['instrument', 'visit', 'detector'])
      await butler.registerDatasetType(new DatasetType('kill_dict', dims, 'StructuredDataDict'))
      await butler.registerDatasetType(new DatasetType('kill_array', dims, 'NumpyArray'))
      await butler.close()
    })

    after(async () => {
      await rm(dirname(repo), { recursive: true, force: true })
    })

    it(`leaves only complete datasets after ${KILLS} SIGKILLs`, { timeout: 600_000 }, async (t) => {
      let totalChecked = 0
      let repaired = 0
      let killedMidWrite = 0
      for (let round = 0; round < KILLS; round++) {
        const run = `kill/run${round}`
        // Names the child's server sessions, so that the checks wait until the server has ended them.
        const appName = `butler-kill-${process.pid}-${round}`
        const child = spawn(process.execPath, [CHILD, repo, run, String(round * 7919 + 1)], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, PGAPPNAME: appName },
        })
        let stderr = ''
        child.stderr.on('data', (d) => {
          stderr += d
        })
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
        // The last round waits for a first committed write, so that a loaded machine (where every earlier
        // kill may land before the first commit) still checks some datasets.
        const awaited = round === KILLS - 1 ? 'wrote' : 'ready'
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (d: Buffer) => {
            if (d.toString().includes(awaited)) resolve()
          })
          child.on('exit', () => reject(new Error(`child exited before it was ${awaited}: ${stderr}`)))
        })
        // Kill somewhere in the first ~150 ms of writing, at a different moment each round.
        await new Promise((r) => setTimeout(r, 1 + ((round * 37) % 150)))
        const signalled = child.kill('SIGKILL')
        const code = await exited
        if (signalled && code === null) killedMidWrite++
        // A COMMIT the child sent just before dying may still land; look only once it cannot.
        if (postgres) await waitForSessionsToEnd(appName)

        const butler = await openButler(repo)
        try {
          for await (const page of butler.registry.searchDatasets({ collections: [run] })) {
            for (const ref of page) {
              const value = await butler.get(ref)
              const dataId = {
                visit: ref.dataId.get('visit') as number,
                detector: ref.dataId.get('detector') as number,
              }
              if (ref.datasetType.name === 'kill_dict') {
                assert.deepEqual(value, expectedDict(dataId), `${ref}`)
              } else {
                assert.ok(isNdArray(value), `${ref}`)
                assert.deepEqual(value.data, expectedArray(dataId), `${ref}`)
              }
              totalChecked++
            }
          }
          repaired += (await butler.verify({ repair: true })).length
          const remaining = await butler.verify()
          assert.deepEqual(remaining, [], `round ${round}: problems left after repair`)
        } finally {
          await butler.close()
        }
      }
      t.diagnostic(
        `${totalChecked} datasets read back intact; ${repaired} leftovers repaired; ${killedMidWrite} kills mid-write`,
      )
      assert.ok(
        killedMidWrite >= KILLS * 0.9,
        `only ${killedMidWrite} of ${KILLS} children were killed while writing`,
      )
      assert.ok(totalChecked > 0, 'no dataset was written before any kill')
    })
  })
}
