/**
 * File templates: how a dataset's path inside a file datastore is built from its run, dataset type
 * and data ID, in the reference implementation's template syntax.
 *
 * A template is Python `str.format` text with named fields only, plus three extensions: `{a|b|c}`
 * alternates (the first whose dimension is in the data ID wins), `:?` optional fields (a missing one is
 * dropped with the literal text before it, unless that text holds a `/`), and `:/` keeping `/` inside a
 * value (otherwise it becomes `_`). Expansion returns a relative POSIX path without extension.
 */
import { type LookupSubject, lookupConfig } from '../../datasets/lookup-keys.js'
import { FileTemplateError } from '../../errors.js'
import { type FormatSpec, formatWithSpec, parseFormatSpec } from './format-spec.js'

/** Everything a template needs to expand for one dataset; no dependency on the model classes. */
export interface TemplateContext {
  readonly run: string
  /** Parent dataset type name. */
  readonly datasetType: string
  readonly component?: string | undefined
  /** Dataset UUID. */
  readonly id: string
  /** Required and implied data ID values. */
  readonly dataId: Readonly<Record<string, string | number>>
  /** Dimension records by element name (`null` when the element has none); absent when not expanded. */
  readonly records?: Readonly<Record<string, Readonly<Record<string, unknown>> | null>>
  /** Name of the skypix dimension in the data ID (`htm7`, `healpix11`, ...), if any. */
  readonly skypix?: string | undefined
}

/** Outcome of checking a template against a dataset type's dimensions. */
export interface FileTemplateValidation {
  readonly isValid: boolean
  /** One sentence per problem; empty when valid. */
  readonly problems: readonly string[]
}

/** What `validate` knows about the dataset type besides its required dimensions. */
export interface FileTemplateValidationOptions {
  /** Implied dimensions (they may be used by the template but need not be). */
  readonly impliedDimensions?: readonly string[]
  /** Whether the dataset type is a component (`calexp.wcs`). */
  readonly isComponent?: boolean
  /** Name of the dataset type's skypix dimension, which the template may call `skypix`. */
  readonly skypix?: string
}

/** Fields that never name a dimension. */
export const SPECIAL_TEMPLATE_FIELDS: ReadonlySet<string> = new Set(['run', 'id', 'datasetType', 'component'])

/** The reference implementation's default templates (a `FileTemplates` config). */
export const DEFAULT_FILE_TEMPLATES: Readonly<Record<string, string>> = {
  default:
    '{run:/}/{datasetType}.{component:?}/{tract:?}/{patch:?}/{day_obs|visit.day_obs|exposure.day_obs:?}/{band:?}/' +
    '{subfilter:?}/{physical_filter:?}/{visit:?}/{exposure.obs_id|group:?}/{datasetType}_{component:?}_' +
    '{instrument:?}_{tract:?}_{patch:?}_{band:?}_{physical_filter:?}_{visit:?}_{exposure.obs_id|group:?}_' +
    '{detector.full_name:?}_{skymap:?}_{skypix:?}_{ssp_hypothesis_table:?}_{ssp_hypothesis_bundle:?}_' +
    '{ssp_balanced_index:?}_{run}',
  'physical_filter+detector+exposure':
    '{run:/}/{datasetType}.{component:?}/{day_obs|exposure.day_obs}/{exposure.obs_id}/{datasetType}_' +
    '{component:?}_{instrument:?}_{physical_filter}_{exposure.obs_id}_{detector.full_name}_{run}',
}

interface FieldRef {
  /** As written: `visit` or `visit.day_obs`. */
  readonly name: string
  /** The dimension (or special field) it depends on. */
  readonly primary: string
  /** The record attribute, for `element.attribute`. */
  readonly attribute: string | undefined
}

interface Field {
  readonly alternates: readonly FieldRef[]
  readonly optional: boolean
  readonly keepSlash: boolean
  readonly spec: FormatSpec
  /** Whether a `/` appears in the template text after this field (so it is not in the file name). */
  readonly inDirectory: boolean
}

interface Piece {
  /** Literal text before the field (or trailing text when `field` is absent). */
  readonly literal: string
  readonly field: Field | undefined
}

type Value = string | number | bigint

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/
// Characters that are awkward or unsafe in file names; control characters (NUL included) go too.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it matches
const UNSAFE_CHARS_RE = /[ <>:"\\|?*\u0000-\u001f\u007f]/g

/**
 * A parsed file template.
 *
 * @example
 * ```ts
 * const t = new FileTemplate('{run:/}/{datasetType}/{visit:08d}')
 * t.format({ run: 'r1', datasetType: 'calexp', id, dataId: { visit: 903334 } }) // 'r1/calexp/00903334'
 * ```
 */
export class FileTemplate {
  /** The template text as given. */
  readonly template: string
  readonly #pieces: readonly Piece[]

  /** Parses and checks a template; throws `FileTemplateError` when it is malformed or cannot be unique. */
  constructor(template: string) {
    if (typeof template !== 'string' || template === '') {
      throw new FileTemplateError('A file template must be a non-empty string')
    }
    this.template = template
    this.#pieces = parseTemplate(template)
    this.#checkBasics()
  }

  /** Names used by the template: dimensions, record parents (`visit` for `visit.day_obs`) and specials. */
  fields(options: { readonly optionals?: boolean; readonly subfields?: boolean } = {}): Set<string> {
    const names = new Set<string>()
    for (const { field } of this.#pieces) {
      if (!field || (field.optional && options.optionals === false)) continue
      for (const ref of field.alternates) names.add(options.subfields ? ref.name : ref.primary)
    }
    return names
  }

  /** Expands the template for one dataset into a relative POSIX path without extension. */
  format(ctx: TemplateContext): string {
    const values = new Map<string, Value>()
    for (const [k, v] of Object.entries(ctx.dataId)) values.set(k, v)
    if (ctx.skypix !== undefined) {
      const pixel = ctx.dataId[ctx.skypix]
      if (pixel !== undefined) values.set('skypix', pixel)
    }
    values.set('datasetType', ctx.datasetType)
    if (ctx.component !== undefined) values.set('component', ctx.component)
    values.set('run', ctx.run)
    values.set('id', ctx.id)

    let usedComponent = false
    let output = ''
    for (const { literal, field } of this.#pieces) {
      if (!field) {
        output += literal
        continue
      }
      // The first alternate whose dimension is known wins; otherwise the first one decides.
      const ref = field.alternates.find((a) => values.has(a.primary)) ?? field.alternates[0]!
      if (ref.name === 'component') usedComponent = true
      const value = this.#lookup(ref, values, ctx)
      if (value === undefined) {
        if (!field.optional) {
          throw new FileTemplateError(
            `File template '${this.template}' needs '${ref.name}', which dataset type ` +
              `'${ctx.datasetType}' with data ID ${JSON.stringify(ctx.dataId)} does not have`,
          )
        }
        if (literal.includes('/')) output += literal
        continue
      }
      output += literal + this.#formatValue(value, field, ref)
    }
    if (ctx.component !== undefined && !usedComponent) {
      throw new FileTemplateError(
        `File template '${this.template}' has no {component} but dataset type ` +
          `'${ctx.datasetType}.${ctx.component}' is a component`,
      )
    }
    return normalisePath(output, this.template)
  }

  /**
   * Reports whether the template makes unique, formattable paths for a dataset type with these
   * required dimensions: every required dimension must appear (directly, as an alternate, or as the
   * parent of a record field), unless the file name holds `{id}`; every non-optional field must be
   * resolvable from the dataset type's dimensions; components need `{component}`.
   */
  validate(
    requiredDimensions: readonly string[],
    options: FileTemplateValidationOptions = {},
  ): FileTemplateValidation {
    const problems: string[] = []
    const all = this.fields()
    const available = new Set([
      ...requiredDimensions,
      ...(options.impliedDimensions ?? []),
      ...SPECIAL_TEMPLATE_FIELDS,
    ])
    if (options.skypix !== undefined && available.has(options.skypix)) available.add('skypix')
    if (options.isComponent === false) available.delete('component')

    if (options.isComponent && !all.has('component')) {
      problems.push(`template '${this.template}' has no {component} but the dataset type is a component`)
    }
    if (!this.#hasIdInFileName()) {
      for (const dim of requiredDimensions) {
        const viaSkypix = dim === options.skypix && all.has('skypix')
        if (!all.has(dim) && !viaSkypix) {
          problems.push(`dimension '${dim}' is not used by template '${this.template}', so paths may clash`)
        }
      }
    }
    for (const { field } of this.#pieces) {
      if (!field || field.optional) continue
      if (!field.alternates.some((a) => available.has(a.primary))) {
        const names = field.alternates.map((a) => a.name).join('|')
        problems.push(
          `template '${this.template}' requires '${names}', which the dataset type cannot provide`,
        )
      }
    }
    return { isValid: problems.length === 0, problems }
  }

  /** The template text. */
  toString(): string {
    return this.template
  }

  #lookup(ref: FieldRef, values: ReadonlyMap<string, Value>, ctx: TemplateContext): Value | undefined {
    if (ref.attribute === undefined) return values.get(ref.name)
    if (!values.has(ref.primary)) return undefined
    if (ctx.records === undefined) {
      throw new FileTemplateError(
        `File template field '${ref.name}' needs dimension records, but the data ID of ` +
          `'${ctx.datasetType}' was not expanded`,
      )
    }
    const element = ref.primary === 'skypix' && ctx.skypix !== undefined ? ctx.skypix : ref.primary
    const record = ctx.records[element]
    if (!record || !Object.hasOwn(record, ref.attribute)) return undefined
    return toValue(record[ref.attribute])
  }

  #formatValue(value: Value, field: Field, ref: FieldRef): string {
    let v = value
    if (typeof v === 'string') {
      v = v.replace(UNSAFE_CHARS_RE, '_')
      if (!field.keepSlash) v = v.replaceAll('/', '_')
    }
    try {
      return formatWithSpec(v, field.spec)
    } catch (error) {
      throw new FileTemplateError(
        `File template '${this.template}' cannot format '${ref.name}': ${(error as Error).message}`,
        { cause: error },
      )
    }
  }

  #hasIdInFileName(): boolean {
    return this.#pieces.some(
      ({ field }) => field && !field.inDirectory && field.alternates.some((a) => a.name === 'id'),
    )
  }

  #checkBasics(): void {
    const all = this.fields()
    if (all.has('collection')) {
      throw new FileTemplateError(`File template '${this.template}' uses {collection}; use {run} instead`)
    }
    if (!all.has('run') && !all.has('id')) {
      throw new FileTemplateError(`File template '${this.template}' must use {run} or {id}`)
    }
    const hasDimension = [...all].some((name) => !SPECIAL_TEMPLATE_FIELDS.has(name))
    if (!hasDimension && !all.has('id')) {
      throw new FileTemplateError(`File template '${this.template}' uses no dimension (and no {id})`)
    }
    if (all.has('id') && !this.#hasIdInFileName()) {
      throw new FileTemplateError(`File template '${this.template}' uses {id} but not in the file name`)
    }
    for (const { literal } of this.#pieces) {
      if (literal.split('/').includes('..')) {
        throw new FileTemplateError(`File template '${this.template}' must not contain '..'`)
      }
    }
  }
}

/** A template per dataset type, dimensions key or storage class, chosen by the standard lookup. */
export type FileTemplatesConfig = Readonly<
  Record<string, string | false | null | Readonly<Record<string, string | false | null>>>
>

/** A set of file templates chosen by the reference lookup order (dataset type, dimensions, storage class, default). */
export class FileTemplates {
  readonly #templates: Readonly<
    Record<string, FileTemplate | false | Readonly<Record<string, FileTemplate | false>>>
  >

  /** Parses every template of the config up front, so a bad one fails at configuration time. */
  constructor(config: FileTemplatesConfig = DEFAULT_FILE_TEMPLATES) {
    const parsed: Record<string, FileTemplate | false | Record<string, FileTemplate | false>> = {}
    for (const [key, value] of Object.entries(config)) {
      if (value !== null && typeof value === 'object') {
        if (!key.startsWith('instrument<')) {
          throw new FileTemplateError(`File template config key '${key}' must map to a template string`)
        }
        const section: Record<string, FileTemplate | false> = {}
        for (const [k, v] of Object.entries(value)) section[k] = parseEntry(k, v)
        parsed[key] = section
      } else {
        parsed[key] = parseEntry(key, value)
      }
    }
    this.#templates = parsed
  }

  /** The template for a dataset; throws `FileTemplateError` when none applies (no default). */
  select(subject: LookupSubject): FileTemplate {
    const found = lookupConfig<FileTemplate | false>(this.#templates, subject)
    if (!found) {
      throw new FileTemplateError(`No file template for dataset type '${subject.datasetTypeName}'`)
    }
    return found
  }
}

function parseEntry(key: string, value: unknown): FileTemplate | false {
  if (value === false || value === null || value === '') return false
  if (typeof value !== 'string') {
    throw new FileTemplateError(`File template config key '${key}' must map to a template string`)
  }
  try {
    return new FileTemplate(value)
  } catch (error) {
    throw new FileTemplateError(`Bad file template for '${key}': ${(error as Error).message}`, {
      cause: error,
    })
  }
}

function toValue(raw: unknown): Value | undefined {
  if (raw === null || raw === undefined) return undefined
  if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'bigint') return raw
  if (typeof raw === 'boolean') return raw ? 'True' : 'False'
  if (raw instanceof Date) return raw.toISOString()
  return String(raw)
}

/** Splits template text into literal + field pieces (Python `string.Formatter().parse` rules). */
function parseTemplate(template: string): Piece[] {
  const pieces: Piece[] = []
  let literal = ''
  let i = 0
  const fail = (why: string): never => {
    throw new FileTemplateError(`Malformed file template '${template}': ${why}`)
  }
  const pending: { literal: string; body: string }[] = []
  while (i < template.length) {
    const c = template[i]!
    if (c === '{' && template[i + 1] === '{') {
      literal += '{'
      i += 2
    } else if (c === '}' && template[i + 1] === '}') {
      literal += '}'
      i += 2
    } else if (c === '}') {
      fail("single '}'")
    } else if (c === '{') {
      const end = template.indexOf('}', i + 1)
      if (end < 0) fail("unclosed '{'")
      const body = template.slice(i + 1, end)
      if (body.includes('{')) fail('nested fields are not supported')
      pending.push({ literal, body })
      literal = ''
      i = end + 1
    } else {
      literal += c
      i++
    }
  }
  const trailing = literal
  for (let k = 0; k < pending.length; k++) {
    const { literal: before, body } = pending[k]!
    const laterText = pending
      .slice(k + 1)
      .map((p) => p.literal)
      .join('')
    pieces.push({
      literal: before,
      field: parseField(body, laterText.includes('/') || trailing.includes('/'), fail),
    })
  }
  if (trailing !== '') pieces.push({ literal: trailing, field: undefined })
  return pieces
}

function parseField(body: string, inDirectory: boolean, fail: (why: string) => never): Field {
  const colon = body.indexOf(':')
  const namePart = colon < 0 ? body : body.slice(0, colon)
  let specText = colon < 0 ? '' : body.slice(colon + 1)
  if (namePart.includes('!')) fail(`conversions are not supported ('${body}')`)
  if (namePart === '') fail('fields must be named')
  const alternates = namePart.split('|').map((name): FieldRef => {
    const parts = name.split('.')
    if (parts.length > 2 || !parts.every((p) => NAME_RE.test(p))) fail(`bad field name '${name}'`)
    const [primary = '', attribute] = parts
    if (attribute !== undefined && SPECIAL_TEMPLATE_FIELDS.has(primary))
      fail(`'${primary}' has no attributes`)
    return { name, primary, attribute }
  })
  const optional = specText.includes('?')
  const keepSlash = specText.includes('/')
  specText = specText.replaceAll('?', '').replaceAll('/', '')
  let spec: FormatSpec
  try {
    spec = parseFormatSpec(specText)
  } catch (error) {
    return fail(`field '${namePart}': ${(error as Error).message}`)
  }
  return { alternates, optional, keepSlash, spec, inDirectory }
}

/**
 * Turns expanded text into a safe relative path: the file name's `.` become `_` and `#` become `HASH`
 * (as the reference does), empty and `.` segments go (its `normpath`), and a `..` segment becomes `__`
 * (where the reference would climb out of the directory, possibly out of the datastore).
 */
function normalisePath(output: string, template: string): string {
  const slash = output.lastIndexOf('/')
  const head = output.slice(0, slash + 1)
  const tail = output
    .slice(slash + 1)
    .replaceAll('.', '_')
    .replaceAll('#', 'HASH')
  const segments: string[] = []
  for (const segment of (head + tail).split('/')) {
    if (segment === '' || segment === '.') continue
    segments.push(segment === '..' ? '__' : segment)
  }
  if (segments.length === 0)
    throw new FileTemplateError(`File template '${template}' expanded to an empty path`)
  return segments.join('/')
}
