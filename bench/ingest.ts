/**
 * Ingest benchmark: 10,000 small JSON files (1 KiB) ingested with `copy` and with `link` into fresh
 * repositories, in files per second, with `Butler.ingest` (data ID expansion, registry rows, file
 * transfer, datastore records, one transaction).
 *
 * Baselines, measured in the same run on the same disk, on the same files:
 * - `cp -r` / `cp -rl` (GNU cp copying or hard-linking the whole folder, one process);
 * - a node loop of `copyFileSync` / `linkSync` per file into a fresh folder.
 * Neither baseline makes its copies durable; the butler's copies are (one syncfs for the batch), so
 * a third copy baseline adds one `sync -f` after the node loop. The butler spreads files over its
 * template's folder tree (a folder per visit here), which costs much more than one flat folder on
 * this disk, so a fourth copies the same files into the same tree (node loop, then `sync -f`).
 *
 * Run alone with `node dist/bench/ingest.js`; `bench/run.ts` includes it.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, linkSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { IngestFile, TransferMode } from '../src/index.js'
import { cleanup, dataIds, makeRepo, median, scratch, settle } from './setup.js'

/** Number of files ingested per measurement. */
export const INGEST_FILES = 10_000

/** One repetition's figures, all in files per second. */
export interface IngestFigures {
  readonly copyPerSecond: number
  readonly linkPerSecond: number
  /** `cp -r` of the source folder. */
  readonly cpPerSecond: number
  /** `cp -rl` (hard links) of the source folder. */
  readonly lnPerSecond: number
  /** Node loop of `copyFileSync`. */
  readonly nodeCopyPerSecond: number
  /** Node loop of `copyFileSync`, then one `sync -f` (as durable as the butler's copies). */
  readonly nodeDurableCopyPerSecond: number
  /** Node loop of `copyFileSync` into the butler's folder tree, then one `sync -f`. */
  readonly treeCopyPerSecond: number
  /** Node loop of `linkSync`. */
  readonly nodeLinkPerSecond: number
}

/** Runs the ingest benchmark once: source files, two fresh repositories, baselines. */
export async function runIngestBench(): Promise<IngestFigures> {
  const dir = await scratch('ingest')
  try {
    const ids = dataIds().slice(0, INGEST_FILES)
    const source = join(dir, 'source')
    mkdirSync(source)
    const files = ids.map((dataId, i) => {
      const path = join(source, `f${i}.json`)
      writeFileSync(path, payload1k(i))
      return { path, dataId }
    })
    const items: IngestFile[] = files.map((f) => ({
      path: f.path,
      refs: [{ datasetType: 'bench_dict', dataId: f.dataId }],
    }))

    /** Ingests every file; returns files/s and the artifacts' paths relative to the root. */
    const timeIngest = async (mode: TransferMode): Promise<{ perSecond: number; layout: string[] }> => {
      const repoDir = join(dir, `repo-${mode}`)
      mkdirSync(repoDir)
      const butler = await makeRepo(repoDir, `bench/ingest-${mode}`)
      try {
        settle()
        const t = performance.now()
        const refs = await butler.ingest(items, { run: `bench/ingest-${mode}`, transfer: mode })
        const perSecond = INGEST_FILES / ((performance.now() - t) / 1000)
        const layout = (await butler.datastore.artifacts(refs)).map((a) => a.path)
        return { perSecond, layout }
      } finally {
        await butler.close()
      }
    }
    const timed = (fn: () => void): number => {
      settle()
      const t = performance.now()
      fn()
      return INGEST_FILES / ((performance.now() - t) / 1000)
    }
    const nodeLoop =
      (name: string, op: (from: string, to: string) => void, sync = false) =>
      () => {
        const target = join(dir, name)
        mkdirSync(target)
        for (let i = 0; i < files.length; i++) op(files[i]!.path, join(target, `f${i}.json`))
        if (sync) spawnSync('sync', ['--file-system', target], { stdio: 'ignore' })
      }

    const copied = await timeIngest('copy')
    const copyPerSecond = copied.perSecond
    // The same copies into the butler's folder tree (one folder per visit here), made durable alike.
    const treeCopyPerSecond = timed(() => {
      const made = new Set<string>()
      for (let i = 0; i < files.length; i++) {
        const target = join(dir, 'tree', copied.layout[i]!)
        const folder = dirname(target)
        if (!made.has(folder)) {
          mkdirSync(folder, { recursive: true })
          made.add(folder)
        }
        copyFileSync(files[i]!.path, target)
      }
      spawnSync('sync', ['--file-system', join(dir, 'tree')], { stdio: 'ignore' })
    })
    const cpPerSecond = timed(() => execFileSync('cp', ['-r', source, join(dir, 'cp')]))
    const nodeCopyPerSecond = timed(nodeLoop('node-copy', copyFileSync))
    const nodeDurableCopyPerSecond = timed(nodeLoop('node-copy-sync', copyFileSync, true))
    const linkPerSecond = (await timeIngest('link')).perSecond
    const lnPerSecond = timed(() => execFileSync('cp', ['-rl', source, join(dir, 'ln')]))
    const nodeLinkPerSecond = timed(nodeLoop('node-link', linkSync))
    return {
      copyPerSecond,
      linkPerSecond,
      cpPerSecond,
      lnPerSecond,
      nodeCopyPerSecond,
      nodeDurableCopyPerSecond,
      treeCopyPerSecond,
      nodeLinkPerSecond,
    }
  } finally {
    await cleanup(dir)
  }
}

/** A JSON document of about 1 KiB, different per file. */
function payload1k(i: number): string {
  const doc: Record<string, unknown> = { index: i, values: [] as number[] }
  let text = JSON.stringify(doc)
  const values = doc.values as number[]
  while (text.length < 1000) {
    values.push((i * 7919 + values.length * 104729) % 1_000_003)
    text = JSON.stringify(doc)
  }
  return text
}

/** Median figures of several repetitions. */
export function medianIngestFigures(all: readonly IngestFigures[]): IngestFigures {
  const pick = (k: keyof IngestFigures) => median(all.map((f) => f[k]))
  return {
    copyPerSecond: pick('copyPerSecond'),
    linkPerSecond: pick('linkPerSecond'),
    cpPerSecond: pick('cpPerSecond'),
    lnPerSecond: pick('lnPerSecond'),
    nodeCopyPerSecond: pick('nodeCopyPerSecond'),
    nodeDurableCopyPerSecond: pick('nodeDurableCopyPerSecond'),
    treeCopyPerSecond: pick('treeCopyPerSecond'),
    nodeLinkPerSecond: pick('nodeLinkPerSecond'),
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const repeat = Number(process.env.BENCH_REPEAT ?? 3)
  const all: IngestFigures[] = []
  for (let i = 0; i < repeat; i++) {
    process.stderr.write(`ingest repetition ${i + 1}/${repeat}\n`)
    const f = await runIngestBench()
    process.stderr.write(
      `  ${JSON.stringify(Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Math.round(v)])))}\n`,
    )
    all.push(f)
  }
  const m = medianIngestFigures(all)
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
  process.stdout.write(
    [
      `ingest copy: ${fmt(m.copyPerSecond)} files/s (cp -r ${fmt(m.cpPerSecond)}, node copyFile ${fmt(m.nodeCopyPerSecond)}, ` +
        `node copyFile + sync ${fmt(m.nodeDurableCopyPerSecond)}, same into the butler's tree + sync ${fmt(m.treeCopyPerSecond)}); ` +
        `time vs cp -r: ${(m.cpPerSecond / m.copyPerSecond).toFixed(2)}x, vs the same tree: ${(m.treeCopyPerSecond / m.copyPerSecond).toFixed(2)}x, ` +
        `vs node copyFile: ${(m.nodeCopyPerSecond / m.copyPerSecond).toFixed(2)}x`,
      `ingest link: ${fmt(m.linkPerSecond)} files/s (cp -rl ${fmt(m.lnPerSecond)}, node link ${fmt(m.nodeLinkPerSecond)}); ` +
        `target >= 5,000 files/s`,
      JSON.stringify(m),
    ].join('\n') + '\n',
  )
}
