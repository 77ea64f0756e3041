/**
 * Parsing of dimension universe configs in the reference format (versions 0 to 8).
 *
 * The output is a normalised plain object, independent of where the config came from, so it can be
 * stored in a repository (as JSON) and rebuilt into the same universe later.
 */
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { ConfigError } from '../errors.js'

/** Column types a dimension key or metadata field may have. */
export type FieldType = 'int' | 'string' | 'float' | 'bool' | 'hash'

/** One key or metadata column of a dimension element. */
export interface FieldConfig {
  readonly name: string
  readonly type: FieldType
  readonly length?: number
  readonly nbytes?: number
  readonly nullable: boolean
  readonly doc: string
}

/** One element (dimension or join element) as written in a config. */
export interface ElementConfig {
  readonly name: string
  readonly doc: string
  readonly keys: readonly FieldConfig[]
  readonly requires: readonly string[]
  readonly implies: readonly string[]
  readonly metadata: readonly FieldConfig[]
  readonly governor: boolean
  readonly cached: boolean
  readonly alwaysJoin: boolean
  readonly populatedBy?: string
  readonly impliedUnionTarget?: string
}

/** A skypix system (`htm`, `healpix`) and its levels. */
export interface SkyPixSystemConfig {
  readonly name: string
  readonly className: string
  readonly maxLevel: number
}

/** A normalised dimension universe config. */
export interface UniverseConfig {
  readonly version: number
  readonly namespace: string
  readonly commonSkyPix: string
  readonly skypix: readonly SkyPixSystemConfig[]
  readonly elements: readonly ElementConfig[]
  readonly spatialFamilies: Readonly<Record<string, readonly string[]>>
  readonly temporalFamilies: Readonly<Record<string, readonly string[]>>
  readonly packers: Readonly<
    Record<string, { readonly fixed: readonly string[]; readonly dimensions: readonly string[] }>
  >
}

const fieldSchema = z.looseObject({
  name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/),
  type: z.enum(['int', 'string', 'float', 'bool', 'hash']),
  length: z.number().int().positive().optional(),
  nbytes: z.number().int().positive().optional(),
  nullable: z.boolean().optional(),
  doc: z.string().optional(),
})

const nameList = z.array(z.string()).optional()

const elementSchema = z.looseObject({
  doc: z.string().optional(),
  keys: z.array(fieldSchema).optional(),
  requires: nameList,
  implies: nameList,
  metadata: z.array(fieldSchema).optional(),
  governor: z.boolean().optional(),
  cached: z.boolean().optional(),
  always_join: z.boolean().optional(),
  populated_by: z.string().optional(),
  implied_union_target: z.string().optional(),
  storage: z
    .looseObject({
      cls: z.string().optional(),
      nested: z.looseObject({ cls: z.string().optional(), view_of: z.string().optional() }).optional(),
    })
    .optional(),
})

const skypixSystemSchema = z.looseObject({ class: z.string(), max_level: z.number().int().positive() })

const configSchema = z.looseObject({
  version: z.number().int().nonnegative().optional(),
  namespace: z.string().optional(),
  skypix: z.record(z.string(), z.union([z.string(), skypixSystemSchema])),
  elements: z.record(z.string(), elementSchema),
  topology: z
    .looseObject({
      spatial: z.record(z.string(), z.array(z.string())).optional(),
      temporal: z.record(z.string(), z.array(z.string())).optional(),
    })
    .optional(),
  packers: z
    .record(z.string(), z.looseObject({ fixed: z.array(z.string()), dimensions: z.array(z.string()) }))
    .optional(),
})

/** Parses a dimension config from YAML (or JSON) text. */
export function parseDimensionConfig(text: string, source = 'dimension config'): UniverseConfig {
  let raw: unknown
  try {
    raw = parseYaml(text)
  } catch (error) {
    throw new ConfigError(`${source} is not valid YAML: ${(error as Error).message}`, { cause: error })
  }
  return normaliseDimensionConfig(raw, source)
}

/** Validates and normalises an already-parsed config object (reference format or our own). */
export function normaliseDimensionConfig(raw: unknown, source = 'dimension config'): UniverseConfig {
  if (isNormalised(raw)) return raw
  const parsed = configSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue ? issue.path.join('.') : ''
    throw new ConfigError(`${source} is invalid at '${where}': ${issue?.message ?? 'unknown problem'}`)
  }
  const cfg = parsed.data
  const common = cfg.skypix.common
  if (typeof common !== 'string')
    throw new ConfigError(`${source}: skypix.common must name a pixelization level`)
  const skypix: SkyPixSystemConfig[] = []
  for (const [name, value] of Object.entries(cfg.skypix)) {
    if (name === 'common') continue
    if (typeof value === 'string') throw new ConfigError(`${source}: skypix.${name} must be a mapping`)
    skypix.push({ name, className: value.class, maxLevel: value.max_level })
  }
  const elements: ElementConfig[] = Object.entries(cfg.elements).map(([name, e]) => {
    const storageCls = e.storage?.cls ?? ''
    const viewOf = e.storage?.nested?.view_of
    const governor = e.governor ?? storageCls.includes('Governor')
    const element: ElementConfig = {
      name,
      doc: (e.doc ?? '').trim(),
      keys: (e.keys ?? []).map(normaliseField),
      requires: e.requires ?? [],
      implies: e.implies ?? [],
      metadata: (e.metadata ?? []).map(normaliseField),
      governor,
      // Governors are always cached: they are tiny and needed to check every data ID.
      cached: (e.cached ?? storageCls.includes('Caching')) || governor,
      alwaysJoin: e.always_join ?? false,
      ...(e.populated_by !== undefined ? { populatedBy: e.populated_by } : {}),
      ...((e.implied_union_target ?? viewOf) !== undefined
        ? { impliedUnionTarget: (e.implied_union_target ?? viewOf) as string }
        : {}),
    }
    return element
  })
  return {
    version: cfg.version ?? 0,
    namespace: cfg.namespace ?? 'daf_butler',
    commonSkyPix: common,
    skypix,
    elements,
    spatialFamilies: cfg.topology?.spatial ?? {},
    temporalFamilies: cfg.topology?.temporal ?? {},
    packers: Object.fromEntries(
      Object.entries(cfg.packers ?? {}).map(([k, v]) => [k, { fixed: v.fixed, dimensions: v.dimensions }]),
    ),
  }
}

function normaliseField(f: z.infer<typeof fieldSchema>): FieldConfig {
  return {
    name: f.name,
    type: f.type,
    ...(f.length !== undefined ? { length: f.length } : {}),
    ...(f.nbytes !== undefined ? { nbytes: f.nbytes } : {}),
    nullable: f.nullable ?? true,
    doc: (f.doc ?? '').trim(),
  }
}

function isNormalised(raw: unknown): raw is UniverseConfig {
  return typeof raw === 'object' && raw !== null && Array.isArray((raw as { elements?: unknown }).elements)
}
