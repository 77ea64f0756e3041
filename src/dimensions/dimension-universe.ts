/**
 * The dimension universe: every dimension element of a repository, in a deterministic order.
 */
import { ConfigError, DimensionNameError } from '../errors.js'
import type { FieldConfig, UniverseConfig } from './dimension-config.js'
import { normaliseDimensionConfig, parseDimensionConfig } from './dimension-config.js'
import { DimensionElement, type ElementSpec } from './dimension-element.js'
import { DimensionGroup } from './dimension-group.js'

/**
 * The configurable data model of keys (instrument, visit, detector, tract, ...) with their
 * required/implied relationships, metadata, regions and timespans.
 *
 * Elements are ordered topologically in rounds (an element comes after everything it requires or
 * implies), ties broken by name; this order is used everywhere names are listed.
 *
 * @example
 * const universe = DimensionUniverse.fromYaml(text)
 * universe.group(['instrument', 'visit', 'detector']).required // ['instrument', 'detector', 'visit']
 */
export class DimensionUniverse {
  readonly version: number
  readonly namespace: string
  /** Name of the skypix dimension used to index regions (`htm7`). */
  readonly commonSkyPix: string
  /** All elements in universe order. */
  readonly elements: readonly DimensionElement[]
  /** Elements that are dimensions (have keys), in universe order. */
  readonly dimensions: readonly DimensionElement[]
  readonly spatialFamilies: Readonly<Record<string, readonly string[]>>
  readonly temporalFamilies: Readonly<Record<string, readonly string[]>>
  private readonly byName: ReadonlyMap<string, DimensionElement>
  private readonly groups = new Map<string, DimensionGroup>()
  private readonly config: UniverseConfig
  private readonly emptyGroup: DimensionGroup

  constructor(config: UniverseConfig) {
    this.config = config
    this.version = config.version
    this.namespace = config.namespace
    this.commonSkyPix = config.commonSkyPix
    this.spatialFamilies = config.spatialFamilies
    this.temporalFamilies = config.temporalFamilies
    const elements = buildElements(config)
    this.elements = elements
    this.dimensions = elements.filter((e) => e.isDimension)
    this.byName = new Map(elements.map((e) => [e.name, e]))
    if (!this.byName.has(config.commonSkyPix)) {
      throw new ConfigError(`skypix.common names '${config.commonSkyPix}', which is not a skypix dimension`)
    }
    this.emptyGroup = new DimensionGroup(this, [])
  }

  /** Builds a universe from YAML text in the reference format. */
  static fromYaml(text: string, source?: string): DimensionUniverse {
    return new DimensionUniverse(parseDimensionConfig(text, source))
  }

  /** Builds a universe from a parsed config object (reference format or normalised). */
  static fromConfig(raw: unknown, source?: string): DimensionUniverse {
    return new DimensionUniverse(normaliseDimensionConfig(raw, source))
  }

  /** The normalised config this universe was built from (stored in repositories as JSON). */
  toConfig(): UniverseConfig {
    return this.config
  }

  /** Whether an element of this name exists. */
  has(name: string): boolean {
    return this.byName.has(name)
  }

  /** The named element; throws `DimensionNameError` if there is none. */
  getElement(name: string): DimensionElement {
    const e = this.byName.get(name)
    if (!e) throw new DimensionNameError(`Unknown dimension element '${name}'`)
    return e
  }

  /** The named dimension; throws `DimensionNameError` if it is unknown or a join element. */
  getDimension(name: string): DimensionElement {
    const e = this.byName.get(name)
    if (!e?.isDimension) throw new DimensionNameError(`Unknown dimension '${name}'`)
    return e
  }

  /** The empty dimension group. */
  get empty(): DimensionGroup {
    return this.emptyGroup
  }

  /** The interned group of these dimensions plus everything they require or imply. */
  group(names: Iterable<string>): DimensionGroup {
    const input = [...names]
    const direct = input.slice().sort().join(',')
    const hit = this.groups.get(direct)
    if (hit) return hit
    const closure = new Set<string>()
    const stack = [...input]
    while (stack.length > 0) {
      const name = stack.pop()!
      if (closure.has(name)) continue
      const e = this.getDimension(name)
      closure.add(name)
      stack.push(...e.requiredDependencies, ...e.implied)
    }
    const key = [...closure].sort().join(',')
    let group = this.groups.get(key)
    if (!group) {
      const ordered = [...closure].sort((a, b) => this.byName.get(a)!.index - this.byName.get(b)!.index)
      group = new DimensionGroup(this, ordered)
      this.groups.set(key, group)
    }
    this.groups.set(direct, group)
    return group
  }

  /** Whether this universe can read data written with `other` (same namespace). */
  isCompatibleWith(other: DimensionUniverse): boolean {
    return this.namespace === other.namespace
  }

  toString(): string {
    return `DimensionUniverse(${this.namespace}, version ${this.version})`
  }
}

function buildElements(config: UniverseConfig): DimensionElement[] {
  interface Raw {
    name: string
    doc: string
    keys: readonly FieldConfig[]
    requires: readonly string[]
    implies: readonly string[]
    metadata: readonly FieldConfig[]
    governor: boolean
    cached: boolean
    alwaysJoin: boolean
    populatedBy: string | undefined
    impliedUnionTarget: string | undefined
    skypix: { system: string; level: number } | undefined
  }
  const raws = new Map<string, Raw>()
  for (const e of config.elements) {
    if (raws.has(e.name)) throw new ConfigError(`Dimension element '${e.name}' is defined twice`)
    raws.set(e.name, {
      name: e.name,
      doc: e.doc,
      keys: e.keys,
      requires: e.requires,
      implies: e.implies,
      metadata: e.metadata,
      governor: e.governor,
      cached: e.cached,
      alwaysJoin: e.alwaysJoin,
      populatedBy: e.populatedBy,
      impliedUnionTarget: e.impliedUnionTarget,
      skypix: undefined,
    })
  }
  for (const system of config.skypix) {
    for (let level = 1; level <= system.maxLevel; level++) {
      const name = `${system.name}${level}`
      raws.set(name, {
        name,
        doc: `Level ${level} pixels of the ${system.name} pixelization.`,
        keys: [{ name: 'id', type: 'int', nullable: false, doc: 'Pixel index.' }],
        requires: [],
        implies: [],
        metadata: [],
        governor: false,
        cached: false,
        alwaysJoin: false,
        populatedBy: undefined,
        impliedUnionTarget: undefined,
        skypix: { system: system.name, level },
      })
    }
  }
  for (const raw of raws.values()) {
    for (const dep of [...raw.requires, ...raw.implies]) {
      const target = raws.get(dep)
      if (!target) throw new ConfigError(`Element '${raw.name}' depends on unknown element '${dep}'`)
      if (target.keys.length === 0)
        throw new ConfigError(`Element '${raw.name}' depends on join element '${dep}'`)
    }
    if (raw.keys.length > 0 && !['int', 'string'].includes(raw.keys[0]!.type)) {
      throw new ConfigError(`Primary key of '${raw.name}' must be int or string`)
    }
    for (const member of [raw.impliedUnionTarget, raw.populatedBy]) {
      if (member !== undefined && !raws.has(member)) {
        throw new ConfigError(`Element '${raw.name}' refers to unknown element '${member}'`)
      }
    }
  }
  // Topological rounds, ties broken by name.
  const order: string[] = []
  const placed = new Set<string>()
  let remaining = [...raws.keys()].sort()
  while (remaining.length > 0) {
    const round = remaining.filter((n) =>
      [...raws.get(n)!.requires, ...raws.get(n)!.implies].every((d) => placed.has(d)),
    )
    if (round.length === 0) throw new ConfigError(`Dimension elements form a cycle: ${remaining.join(', ')}`)
    for (const n of round) placed.add(n)
    order.push(...round)
    remaining = remaining.filter((n) => !placed.has(n))
  }
  const index = new Map(order.map((n, i) => [n, i]))
  const byIndex = (a: string, b: string) => index.get(a)! - index.get(b)!
  const requiredCache = new Map<string, string[]>()
  const requiredOf = (name: string): string[] => {
    const cached = requiredCache.get(name)
    if (cached) return cached
    const raw = raws.get(name)!
    const set = new Set<string>(raw.keys.length > 0 ? [name] : [])
    for (const r of raw.requires) for (const x of requiredOf(r)) set.add(x)
    const result = [...set].sort(byIndex)
    requiredCache.set(name, result)
    return result
  }
  const familyOf = (families: Readonly<Record<string, readonly string[]>>, name: string) => {
    for (const [family, members] of Object.entries(families)) if (members.includes(name)) return family
    return undefined
  }
  for (const families of [config.spatialFamilies, config.temporalFamilies]) {
    for (const [family, members] of Object.entries(families)) {
      for (const m of members) {
        if (!raws.has(m)) throw new ConfigError(`Topology family '${family}' names unknown element '${m}'`)
      }
    }
  }
  const keyOf = (dim: string): FieldConfig => raws.get(dim)!.keys[0]!
  return order.map((name) => {
    const raw = raws.get(name)!
    const spec: ElementSpec = {
      name,
      doc: raw.doc,
      keys: raw.keys,
      required: requiredOf(name),
      implied: [...raw.implies].sort(byIndex),
      metadata: raw.metadata,
      isGovernor: raw.governor,
      isCached: raw.cached,
      alwaysJoin: raw.alwaysJoin,
      populatedBy: raw.populatedBy,
      impliedUnionTarget: raw.impliedUnionTarget,
      spatialFamily: raw.skypix ? raw.skypix.system : familyOf(config.spatialFamilies, name),
      temporalFamily: familyOf(config.temporalFamilies, name),
      skypix: raw.skypix,
      index: index.get(name)!,
    }
    return new DimensionElement(spec, keyOf)
  })
}
