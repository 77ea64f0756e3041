/**
 * Which region overlaps a query needs. They come from three places: spatial predicates of the `where`
 * clause (an element's region against a constant, or two elements' regions), dimensions of two spatial
 * families in one query (visit/detector with tract/patch: the finest member of each family present is
 * joined to the other's, as in the reference), and a skypix dimension next to a spatial element (its
 * pixels must overlap the element's region).
 */
import type { DimensionElement } from '../../../dimensions/dimension-element.js'
import type { DimensionGroup } from '../../../dimensions/dimension-group.js'
import { InvalidQueryError } from '../../../errors.js'
import type { SpatialValue } from '../../../geometry/index.js'
import { spatialValue } from '../../../query/spatial-operands.js'
import type { SpatialPredicate } from '../../../query/tree.js'
import { hasOverlapTable, type Skypix, skypixOf } from '../skypix.js'
import type { ResolvedSearch } from './relation.js'

/** A constraint of one region against a constant: `target` is an index into `elements`, or the skypix pixel. */
export interface SpatialConstraint {
  readonly target: number | 'skypix'
  readonly value: SpatialValue
}

/** The skypix dimension of a query and what its pixels must overlap. */
export interface SkypixPart {
  readonly skypix: Skypix
  /** Whether a dataset search gives the dimension its values (else they come from the regions). */
  readonly fromDatasets: boolean
  /** Indices (into `elements`) of the elements whose regions each pixel must overlap. */
  readonly linked: readonly number[]
}

/** The overlaps of one query. */
export interface SpatialPlan {
  /** Elements whose regions the overlaps use (each has an overlap table). */
  readonly elements: readonly DimensionElement[]
  readonly constraints: readonly SpatialConstraint[]
  /** Pairs of indices into `elements` whose regions must overlap. */
  readonly joins: readonly (readonly [number, number])[]
  readonly skypix: SkypixPart | undefined
  /** The dimensions the overlaps relate: the elements' required dimensions, then the skypix dimension. */
  readonly dimensions: readonly string[]
}

/** The overlaps a query over `group` with these spatial predicates needs; undefined when none. */
export function planSpatial(
  group: DimensionGroup,
  spatial: readonly SpatialPredicate[],
  searches: ReadonlyMap<string, ResolvedSearch>,
): SpatialPlan | undefined {
  const universe = group.universe
  const skypixNames = group.skypix
  if (spatial.length === 0 && skypixNames.length === 0 && group.spatialFamilies.length < 2) return undefined
  if (skypixNames.length > 1) {
    throw new InvalidQueryError(`A query can have one skypix dimension, not ${skypixNames.join(', ')}`)
  }
  const skypixName = skypixNames[0]
  const elements: DimensionElement[] = []
  const indexOf = (e: DimensionElement): number => {
    let i = elements.indexOf(e)
    if (i < 0) i = elements.push(e) - 1
    return i
  }
  const constraints: SpatialConstraint[] = []
  const joins: [number, number][] = []
  const linked = new Set<number>()
  const connected = new Set<string>()
  const connect = (a: DimensionElement, b: DimensionElement) => {
    connected.add(`${a.spatialFamily}|${b.spatialFamily}`).add(`${b.spatialFamily}|${a.spatialFamily}`)
  }
  const relate = (a: DimensionElement, b: DimensionElement) => {
    if (a.skypix && b.skypix) {
      if (a !== b) throw new InvalidQueryError(`Cannot relate two skypix dimensions (${a.name}, ${b.name})`)
    } else if (a.skypix || b.skypix) linked.add(indexOf(a.skypix ? b : a))
    else joins.push([indexOf(a), indexOf(b)])
  }

  for (const p of spatial) {
    const [a, b] = [p.left, p.right]
    if (a.kind === 'region' && b.kind === 'region') {
      const [ea, eb] = [regionElement(group, a.element), regionElement(group, b.element)]
      relate(ea, eb)
      connect(ea, eb)
      continue
    }
    const side = a.kind === 'region' ? a : b.kind === 'region' ? b : undefined
    const other = side === a ? b : a
    if (!side || other.kind === 'region') throw new InvalidQueryError('OVERLAPS needs a region on one side')
    const e = regionElement(group, side.element)
    constraints.push({ target: e.skypix ? 'skypix' : indexOf(e), value: spatialValue(other) })
  }

  // Implicit overlaps: between the finest member of each spatial family present and the skypix dimension.
  const participants: DimensionElement[] = []
  for (const members of Object.values(universe.spatialFamilies)) {
    const chosen = members
      .map((m) => universe.getElement(m))
      .find((e) => e.hasOwnTable && e.required.every((d) => group.has(d)))
    if (chosen) participants.push(chosen)
  }
  if (skypixName) participants.push(universe.getElement(skypixName))
  for (let i = 0; i < participants.length; i++) {
    for (let j = i + 1; j < participants.length; j++) {
      const [a, b] = [participants[i]!, participants[j]!]
      if (!connected.has(`${a.spatialFamily}|${b.spatialFamily}`)) relate(a, b)
    }
  }

  const fromDatasets =
    skypixName !== undefined &&
    [...searches.values()].some((s) => s.type.datasetType.dimensions.required.includes(skypixName))
  const skypixUsed = linked.size > 0 || constraints.some((c) => c.target === 'skypix')
  if (skypixName && !skypixUsed && !fromDatasets) {
    throw new InvalidQueryError(
      `Skypix dimension '${skypixName}' needs a spatial element (visit, visit_detector_region, tract, ` +
        'patch) or a dataset type with it in the query',
    )
  }
  if (constraints.length === 0 && joins.length === 0 && !skypixUsed) return undefined
  const dims = new Set<string>()
  for (const name of group.names) if (elements.some((e) => e.required.includes(name))) dims.add(name)
  if (skypixName && skypixUsed) dims.add(skypixName)
  return {
    elements,
    constraints,
    joins,
    skypix:
      skypixName && skypixUsed
        ? { skypix: skypixOf(universe, skypixName), fromDatasets, linked: [...linked] }
        : undefined,
    dimensions: [...dims],
  }
}

/** The element of a region operand: one with an overlap table, or a skypix dimension of the query. */
function regionElement(group: DimensionGroup, name: string): DimensionElement {
  const universe = group.universe
  if (!universe.has(name)) throw new InvalidQueryError(`'${name}' is not a dimension element`)
  const e = universe.getElement(name)
  if (!e.skypix && !hasOverlapTable(e)) throw new InvalidQueryError(`'${name}' has no region`)
  return e
}
