/**
 * Dimension elements: the tables and keys of the dimension data model.
 */
import type { FieldConfig } from './dimension-config.js'

/** A column of a dimension record: key, foreign key, metadata, region or timespan. */
export interface RecordField extends FieldConfig {
  /** How the field relates to the element. */
  readonly role: 'required' | 'primaryKey' | 'implied' | 'alternateKey' | 'metadata' | 'region' | 'timespan'
}

/** Everything needed to construct an element; built by `DimensionUniverse`. */
export interface ElementSpec {
  readonly name: string
  readonly doc: string
  readonly keys: readonly FieldConfig[]
  /** All required dimensions, transitively, in universe order; includes the element itself if it is a dimension. */
  readonly required: readonly string[]
  /** Directly implied dimensions, in universe order. */
  readonly implied: readonly string[]
  readonly metadata: readonly FieldConfig[]
  readonly isGovernor: boolean
  readonly isCached: boolean
  readonly alwaysJoin: boolean
  readonly populatedBy: string | undefined
  readonly impliedUnionTarget: string | undefined
  readonly spatialFamily: string | undefined
  readonly temporalFamily: string | undefined
  readonly skypix: { readonly system: string; readonly level: number } | undefined
  readonly index: number
}

/**
 * One element of a universe: a dimension (it has keys and a data-ID value) or a join element (records
 * keyed only by its required dimensions, such as `visit_detector_region`).
 */
export class DimensionElement {
  readonly name: string
  readonly doc: string
  /** Position in universe order. */
  readonly index: number
  /** All required dimension names, transitively (includes itself for a dimension). */
  readonly required: readonly string[]
  /** Directly implied dimension names. */
  readonly implied: readonly string[]
  /** Primary key then alternate keys (empty for join elements). */
  readonly keys: readonly FieldConfig[]
  readonly metadata: readonly FieldConfig[]
  readonly isGovernor: boolean
  readonly isCached: boolean
  readonly alwaysJoin: boolean
  readonly populatedBy: string | undefined
  /** For an implied-union dimension (`band`), the element whose column supplies its values. */
  readonly impliedUnionTarget: string | undefined
  readonly spatialFamily: string | undefined
  readonly temporalFamily: string | undefined
  /** Set for skypix dimensions (`htm7`): their system and level. */
  readonly skypix: { readonly system: string; readonly level: number } | undefined
  /** Record fields in a fixed order (see `DimensionRecord`). */
  readonly fields: readonly RecordField[]
  private readonly fieldIndex: ReadonlyMap<string, RecordField>

  constructor(spec: ElementSpec, keyOf: (dimension: string) => FieldConfig) {
    this.name = spec.name
    this.doc = spec.doc
    this.index = spec.index
    this.required = spec.required
    this.implied = spec.implied
    this.keys = spec.keys
    this.metadata = spec.metadata
    this.isGovernor = spec.isGovernor
    this.isCached = spec.isCached
    this.alwaysJoin = spec.alwaysJoin
    this.populatedBy = spec.populatedBy
    this.impliedUnionTarget = spec.impliedUnionTarget
    this.spatialFamily = spec.spatialFamily
    this.temporalFamily = spec.temporalFamily
    this.skypix = spec.skypix
    const fields: RecordField[] = []
    for (const dim of spec.required) {
      if (dim === this.name) fields.push({ ...spec.keys[0]!, nullable: false, role: 'primaryKey' })
      else fields.push({ ...keyOf(dim), name: dim, nullable: false, role: 'required' })
    }
    for (const dim of spec.implied) fields.push({ ...keyOf(dim), name: dim, nullable: true, role: 'implied' })
    // Alternate keys identify records as the primary key does, so they are required too.
    for (const key of spec.keys.slice(1)) fields.push({ ...key, nullable: false, role: 'alternateKey' })
    for (const m of spec.metadata) fields.push({ ...m, role: 'metadata' })
    if (spec.spatialFamily)
      fields.push({ name: 'region', type: 'string', nullable: true, doc: '', role: 'region' })
    if (spec.temporalFamily)
      fields.push({ name: 'timespan', type: 'int', nullable: true, doc: '', role: 'timespan' })
    this.fields = fields
    this.fieldIndex = new Map(fields.map((f) => [f.name, f]))
  }

  /** Whether this element has a data-ID value of its own (it has keys). */
  get isDimension(): boolean {
    return this.keys.length > 0
  }

  /** The primary key field of a dimension (`id` or `name`). */
  get primaryKey(): FieldConfig | undefined {
    return this.keys[0]
  }

  /** Whether records of this element are stored in a table of their own. */
  get hasOwnTable(): boolean {
    return this.skypix === undefined && this.impliedUnionTarget === undefined
  }

  /** Required dimensions other than the element itself. */
  get requiredDependencies(): readonly string[] {
    return this.required.filter((d) => d !== this.name)
  }

  /** The named record field, if the element has it. */
  field(name: string): RecordField | undefined {
    return this.fieldIndex.get(name)
  }

  toString(): string {
    return this.name
  }
}
