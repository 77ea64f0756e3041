/**
 * Provenance for `DirectButler`: checking what `put` records, reading it back and walking a
 * dataset's ancestors through the registry's provenance tables.
 */
import type { WalkProvenanceOptions } from '../butler.js'
import { isUuid } from '../datasets/dataset-id.js'
import { DatasetRef } from '../datasets/dataset-ref.js'
import {
  DatasetProvenance,
  type ProvenanceEdge,
  type ProvenanceGraph,
  type ProvenanceNode,
} from '../datasets/provenance.js'
import { DatasetNotFoundError, InputError } from '../errors.js'
import type { Registry } from '../registry/registry.js'

/** The provenance given to a write, checked: a `DatasetProvenance` or nothing. */
export function checkPutProvenance(provenance: unknown): DatasetProvenance | undefined {
  if (provenance === undefined) return undefined
  if (!(provenance instanceof DatasetProvenance)) {
    throw new InputError('The provenance of a put must be a DatasetProvenance')
  }
  return provenance
}

/** The UUID of a ref or of a UUID string (`InputError` for anything else). */
export function datasetIdOf(ref: DatasetRef | string): string {
  if (ref instanceof DatasetRef) return ref.id
  const id = typeof ref === 'string' ? ref.trim().toLowerCase() : ''
  if (!isUuid(id)) throw new InputError(`'${String(ref)}' is neither a dataset ref nor a dataset UUID`)
  return id
}

/** The dataset's recorded provenance, or undefined. */
export async function getProvenance(
  registry: Registry,
  ref: DatasetRef | string,
): Promise<DatasetProvenance | undefined> {
  const id = datasetIdOf(ref)
  return (await registry.getProvenance([id])).get(id)
}

/** The datasets recorded as made from a dataset, sorted by dataset type, run and UUID. */
export async function findDerived(registry: Registry, ref: DatasetRef | string): Promise<DatasetRef[]> {
  const id = datasetIdOf(ref)
  const refs = (await registry.findDerived([id])).get(id) ?? []
  return refs.sort(
    (a, b) =>
      a.datasetType.name.localeCompare(b.datasetType.name) ||
      a.run.localeCompare(b.run) ||
      a.id.localeCompare(b.id),
  )
}

/**
 * Walks a dataset's ancestors breadth-first, one registry lookup of provenance and one of datasets
 * per level: each dataset's recorded inputs become nodes one level deeper (a dataset reached again,
 * including through a cycle, is not walked twice). The walk stops at datasets without provenance
 * (raws, inputs no longer or never in this repository) and after `maxDepth` levels.
 */
export async function walkProvenance(
  registry: Registry,
  ref: DatasetRef | string,
  options: WalkProvenanceOptions = {},
): Promise<ProvenanceGraph> {
  const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY
  if (!(maxDepth === Number.POSITIVE_INFINITY || (Number.isSafeInteger(maxDepth) && maxDepth >= 0))) {
    throw new InputError(`The provenance depth must be a non-negative integer, not ${maxDepth}`)
  }
  const rootId = datasetIdOf(ref)
  const [root] = await registry.getDatasets([rootId])
  if (!root) throw new DatasetNotFoundError(`Dataset ${rootId} is not in the repository`)
  /** Nodes in the order reached, without the provenance fields (filled when their level is read). */
  const nodes = new Map<string, ProvenanceNode>([[rootId, nodeOfRef(root, 0)]])
  const edges: ProvenanceEdge[] = []
  let truncated = false
  let level = [rootId]
  for (let depth = 0; level.length > 0; depth++) {
    const provenance = await registry.getProvenance(level)
    const next: string[] = []
    const reached = new Map<string, { run: string; datasetType: string }>()
    for (const id of level) {
      const p = provenance.get(id)
      const node = nodes.get(id)!
      if (!p) continue
      nodes.set(id, {
        ...node,
        hasProvenance: true,
        ...(p.task !== undefined ? { task: p.task } : {}),
        ...(p.quantumId !== undefined ? { quantumId: p.quantumId } : {}),
        ...(Object.keys(p.extras).length > 0 ? { extras: { ...p.extras } } : {}),
      })
      if (p.inputs.length === 0) continue
      if (depth >= maxDepth) {
        truncated = true
        continue
      }
      p.inputs.forEach((input, position) => {
        const extras = p.inputExtras.get(input.id)
        edges.push({
          input: input.id,
          output: id,
          position,
          ...(extras && Object.keys(extras).length > 0 ? { extras: { ...extras } } : {}),
        })
        if (nodes.has(input.id) || reached.has(input.id)) return
        reached.set(input.id, { run: input.run, datasetType: input.datasetType })
        next.push(input.id)
      })
    }
    const found = new Map((await registry.getDatasets(next)).map((r) => [r.id, r]))
    for (const id of next) {
      const known = found.get(id)
      const recorded = reached.get(id)!
      nodes.set(
        id,
        known
          ? nodeOfRef(known, depth + 1)
          : {
              id,
              run: recorded.run,
              datasetType: recorded.datasetType,
              known: false,
              hasProvenance: false,
              depth: depth + 1,
            },
      )
    }
    // Datasets not in this repository have no provenance here: nothing to look up for them.
    level = next.filter((id) => found.has(id))
  }
  return { root: rootId, nodes: [...nodes.values()], edges, truncated }
}

function nodeOfRef(ref: DatasetRef, depth: number): ProvenanceNode {
  return {
    id: ref.id,
    run: ref.run,
    datasetType: ref.datasetType.name,
    dataId: ref.dataId.required,
    known: true,
    hasProvenance: false,
    depth,
  }
}
