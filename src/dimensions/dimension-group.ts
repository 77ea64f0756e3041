/**
 * Dimension groups: dependency-closed sets of dimensions, such as the dimensions of a dataset type.
 */
import type { DimensionElement } from './dimension-element.js'
import type { DimensionUniverse } from './dimension-universe.js'

/**
 * An immutable set of dimension names closed under "requires" and "implies", interned per universe
 * (compare with `===` or `equals`).
 *
 * `required` are the dimensions not implied by any other dimension of the group: their values
 * identify a data ID. `implied` values follow from the required ones through dimension records.
 */
export class DimensionGroup {
  readonly universe: DimensionUniverse
  /** All dimension names, in universe order. */
  readonly names: readonly string[]
  /** Dimensions whose values identify a data ID, in universe order. */
  readonly required: readonly string[]
  /** Dimensions whose values follow from the required ones, in universe order. */
  readonly implied: readonly string[]
  /** Required then implied names: the order of a full data ID's values. */
  readonly dataCoordinateKeys: readonly string[]
  private readonly nameSet: ReadonlySet<string>
  private cachedElements: readonly DimensionElement[] | undefined

  /** Use `DimensionUniverse.group()`; this constructor expects closed, ordered names. */
  constructor(universe: DimensionUniverse, names: readonly string[]) {
    this.universe = universe
    this.names = names
    this.nameSet = new Set(names)
    const impliedByOthers = new Set<string>()
    for (const n of names) for (const i of universe.getElement(n).implied) impliedByOthers.add(i)
    this.required = names.filter((n) => !impliedByOthers.has(n))
    this.implied = names.filter((n) => impliedByOthers.has(n))
    this.dataCoordinateKeys = [...this.required, ...this.implied]
  }

  /** Number of dimensions. */
  get size(): number {
    return this.names.length
  }

  /** Whether the group contains this dimension. */
  has(name: string): boolean {
    return this.nameSet.has(name)
  }

  /** Every element (dimensions and join elements) whose required dimensions are all in the group. */
  get elements(): readonly DimensionElement[] {
    this.cachedElements ??= this.universe.elements.filter(
      (e) => e.required.length > 0 && e.required.every((d) => this.nameSet.has(d)),
    )
    return this.cachedElements
  }

  /** Governor dimensions of the group. */
  get governors(): readonly string[] {
    return this.names.filter((n) => this.universe.getElement(n).isGovernor)
  }

  /** Skypix dimensions of the group. */
  get skypix(): readonly string[] {
    return this.names.filter((n) => this.universe.getElement(n).skypix !== undefined)
  }

  /** Spatial families with at least one member element in the group. */
  get spatialFamilies(): readonly string[] {
    return familiesOf(this.elements, (e) => e.spatialFamily)
  }

  /** Temporal families with at least one member element in the group. */
  get temporalFamilies(): readonly string[] {
    return familiesOf(this.elements, (e) => e.temporalFamily)
  }

  /** Whether every dimension of this group is in `other`. */
  isSubsetOf(other: DimensionGroup): boolean {
    return this.names.every((n) => other.has(n))
  }

  /** Whether this group contains every dimension of `other`. */
  isSupersetOf(other: DimensionGroup): boolean {
    return other.isSubsetOf(this)
  }

  /** The group of both groups' dimensions. */
  union(other: DimensionGroup): DimensionGroup {
    return this.universe.group([...this.names, ...other.names])
  }

  /** The group of the dimensions common to both (closed again). */
  intersection(other: DimensionGroup): DimensionGroup {
    return this.universe.group(this.names.filter((n) => other.has(n)))
  }

  /** Whether two groups hold the same dimensions. */
  equals(other: DimensionGroup): boolean {
    return (
      this === other || (this.names.length === other.names.length && this.names.every((n) => other.has(n)))
    )
  }

  /** The group as a plain list of names (its wire form). */
  toJSON(): string[] {
    return [...this.names]
  }

  toString(): string {
    return `{${this.names.join(', ')}}`
  }
}

function familiesOf(
  elements: readonly DimensionElement[],
  pick: (e: DimensionElement) => string | undefined,
): string[] {
  const out: string[] = []
  for (const e of elements) {
    const f = pick(e)
    if (f && !e.skypix && !out.includes(f)) out.push(f)
  }
  return out
}
