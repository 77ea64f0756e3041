/**
 * Dataset provenance: which datasets a dataset was made from, by which task and quantum, with small
 * key/value facts about its production. The registry stores it (`Registry.insertProvenance`), and
 * formatters embed its flattened form (`flattenProvenance`) in file headers, as the reference's
 * `DatasetProvenance.to_flat_dict` does.
 */
import { InputError } from '../errors.js'
import { isUuid } from './dataset-id.js'
import type { DatasetRef } from './dataset-ref.js'
import { DatasetType } from './dataset-type.js'

/** A value of a provenance extra: a string, a finite number or a boolean. */
export type ProvenanceValue = string | number | boolean

/** Key/value facts about a dataset's production, or about how one input was used. */
export type ProvenanceExtras = Readonly<Record<string, ProvenanceValue>>

/**
 * One input of a dataset: enough to name it even when it is not (or no longer) in the repository
 * that holds the dataset made from it.
 */
export interface ProvenanceInput {
  /** UUID of the input dataset (canonical lowercase form). */
  readonly id: string
  /** RUN collection the input was written to. */
  readonly run: string
  /** Name of the input's (parent) dataset type. */
  readonly datasetType: string
}

/** Wire form of one input (`DatasetProvenance.toJSON`). */
export interface SerializedProvenanceInput extends ProvenanceInput {
  readonly extras?: ProvenanceExtras
}

/** Wire form of a `DatasetProvenance` (JSON, export files, zip indexes). */
export interface SerializedDatasetProvenance {
  readonly inputs: readonly SerializedProvenanceInput[]
  readonly task?: string
  readonly quantumId?: string
  readonly extras?: ProvenanceExtras
}

/** What a `DatasetProvenance` can be built from. */
export interface DatasetProvenanceOptions {
  /** Label of the task that produced the dataset. */
  readonly task?: string | undefined
  /** UUID of the quantum (one execution of the task) that produced it. */
  readonly quantumId?: string | undefined
  /** Facts about the dataset's production. */
  readonly extras?: ProvenanceExtras | undefined
  /** Inputs, as resolved refs or as id/run/dataset type triples. */
  readonly inputs?: readonly (DatasetRef | ProvenanceInput)[] | undefined
}

/** Longest task label stored. */
export const TASK_LABEL_MAX_LENGTH = 256

/** Keys an input's extras cannot use: the flattened form already uses them for the input itself. */
const RESERVED_INPUT_KEYS = new Set(['id', 'run', 'datasettype'])

const EXTRA_KEY = /^[a-z][a-z0-9_]*$/

/**
 * How a dataset came to be: its inputs (in the order given; a dataset given twice is kept once),
 * the producing task's label and quantum UUID, extras about the dataset's production, and extras
 * per input (e.g. which part of it was used). Inputs need not be in the repository that stores
 * the provenance: they are kept as UUID, run and dataset type.
 *
 * Extra keys are lowercase identifiers (`[a-z][a-z0-9_]*`), so that they survive flattening into
 * case-insensitive headers; values are strings, finite numbers or booleans.
 *
 * @example
 * const provenance = new DatasetProvenance({ task: 'isr', quantumId: uuid7() })
 * provenance.addInput(rawRef).addInput(biasRef, { amp_subset: 'all' })
 * await butler.put(image, 'postISRCCD', dataId, { provenance })
 */
export class DatasetProvenance {
  private readonly inputList: ProvenanceInput[] = []
  private readonly inputIds = new Set<string>()
  private taskLabel: string | undefined
  private quantum: string | undefined
  /** Facts about this dataset's production (see `setExtras`). */
  readonly extras: Record<string, ProvenanceValue> = {}
  /** Facts about how each input was used, by input UUID (see `addInput`). */
  readonly inputExtras = new Map<string, Record<string, ProvenanceValue>>()

  constructor(options: DatasetProvenanceOptions = {}) {
    if (options.task !== undefined) this.task = options.task
    if (options.quantumId !== undefined) this.quantumId = options.quantumId
    if (options.extras) this.setExtras(options.extras)
    for (const input of options.inputs ?? []) this.addInput(input)
  }

  /** The inputs, in the order they were added. */
  get inputs(): readonly ProvenanceInput[] {
    return this.inputList
  }

  /** Label of the producing task. */
  get task(): string | undefined {
    return this.taskLabel
  }

  set task(label: string | undefined) {
    if (label !== undefined) {
      if (typeof label !== 'string' || label === '' || label.length > TASK_LABEL_MAX_LENGTH) {
        throw new InputError(
          `A task label must be a string of 1 to ${TASK_LABEL_MAX_LENGTH} characters, not ${describe(label)}`,
        )
      }
    }
    this.taskLabel = label
  }

  /** UUID of the producing quantum. */
  get quantumId(): string | undefined {
    return this.quantum
  }

  set quantumId(id: string | undefined) {
    this.quantum = id === undefined ? undefined : checkUuid(id, 'quantum ID')
  }

  /**
   * Adds an input: a resolved ref (a component ref counts as its parent dataset) or an id/run/dataset
   * type triple. An input already present is not added again; `extras` are merged into its extras.
   * Anything but a resolved input is an `InputError`.
   */
  addInput(input: DatasetRef | ProvenanceInput, extras?: ProvenanceExtras): this {
    const checked = checkInput(input)
    if (extras) checkExtras(extras, 'input extra', RESERVED_INPUT_KEYS)
    if (!this.inputIds.has(checked.id)) {
      this.inputIds.add(checked.id)
      this.inputList.push(checked)
    }
    if (extras && Object.keys(extras).length > 0) this.addInputExtras(checked.id, extras)
    return this
  }

  /** Merges extras about how one input (by UUID, already added) was used. */
  addInputExtras(inputId: string, extras: ProvenanceExtras): this {
    const id = checkUuid(inputId, 'input ID')
    if (!this.inputIds.has(id)) throw new InputError(`${id} is not an input of this provenance`)
    const checked = checkExtras(extras, 'input extra', RESERVED_INPUT_KEYS)
    const current = this.inputExtras.get(id) ?? {}
    this.inputExtras.set(id, { ...current, ...checked })
    return this
  }

  /** Merges extras about the dataset's production. */
  setExtras(extras: ProvenanceExtras): this {
    Object.assign(this.extras, checkExtras(extras, 'extra'))
    return this
  }

  /** Whether nothing at all is recorded. */
  get isEmpty(): boolean {
    return (
      this.inputList.length === 0 &&
      this.taskLabel === undefined &&
      this.quantum === undefined &&
      Object.keys(this.extras).length === 0
    )
  }

  /** Whether two provenances record the same inputs (in order), task, quantum and extras. */
  equals(other: DatasetProvenance): boolean {
    return JSON.stringify(canonical(this.toJSON())) === JSON.stringify(canonical(other.toJSON()))
  }

  /** Wire form: inputs with their extras, then the optional fields that are set. */
  toJSON(): SerializedDatasetProvenance {
    return {
      inputs: this.inputList.map((input) => {
        const extras = this.inputExtras.get(input.id)
        return { ...input, ...(extras && Object.keys(extras).length > 0 ? { extras: { ...extras } } : {}) }
      }),
      ...(this.taskLabel !== undefined ? { task: this.taskLabel } : {}),
      ...(this.quantum !== undefined ? { quantumId: this.quantum } : {}),
      ...(Object.keys(this.extras).length > 0 ? { extras: { ...this.extras } } : {}),
    }
  }

  /** Rebuilds a provenance from its wire form; anything malformed is an `InputError` saying what. */
  static fromJSON(json: unknown): DatasetProvenance {
    if (!isPlainObject(json)) throw new InputError(`Provenance must be an object, not ${describe(json)}`)
    for (const key of Object.keys(json)) {
      if (!['inputs', 'task', 'quantumId', 'extras'].includes(key)) {
        throw new InputError(`Provenance has an unknown field '${key}'`)
      }
    }
    const extras = json.extras === undefined ? undefined : extrasObject(json.extras, 'extras')
    const provenance = new DatasetProvenance({
      task: optionalString(json.task, 'task'),
      quantumId: optionalString(json.quantumId, 'quantumId'),
      extras,
    })
    const inputs = json.inputs ?? []
    if (!Array.isArray(inputs))
      throw new InputError(`Provenance inputs must be a list, not ${describe(inputs)}`)
    inputs.forEach((raw: unknown, i) => {
      if (!isPlainObject(raw)) throw new InputError(`Provenance input ${i} must be an object`)
      for (const key of Object.keys(raw)) {
        if (!['id', 'run', 'datasetType', 'extras'].includes(key)) {
          throw new InputError(`Provenance input ${i} has an unknown field '${key}'`)
        }
      }
      const input = {
        id: requiredString(raw.id, `input ${i} id`),
        run: requiredString(raw.run, `input ${i} run`),
        datasetType: requiredString(raw.datasetType, `input ${i} datasetType`),
      }
      const inputExtras = raw.extras === undefined ? undefined : extrasObject(raw.extras, `input ${i} extras`)
      provenance.addInput(input, inputExtras)
    })
    return provenance
  }

  toString(): string {
    const parts = [`${this.inputList.length} input(s)`]
    if (this.taskLabel !== undefined) parts.push(`task=${this.taskLabel}`)
    if (this.quantum !== undefined) parts.push(`quantum=${this.quantum}`)
    return `DatasetProvenance(${parts.join(', ')})`
  }
}

/** One dataset of a provenance graph (`Butler.walkProvenance`). */
export interface ProvenanceNode {
  readonly id: string
  readonly run: string
  readonly datasetType: string
  /** Required data ID values, when the dataset is in the repository walked. */
  readonly dataId?: Readonly<Record<string, string | number>>
  /** Whether the dataset is in the repository walked (inputs may be removed or foreign). */
  readonly known: boolean
  /** Whether provenance is recorded for it (false for raws, and for unknown datasets). */
  readonly hasProvenance: boolean
  readonly task?: string
  readonly quantumId?: string
  readonly extras?: ProvenanceExtras
  /** Steps from the dataset the walk started at (0 for it). */
  readonly depth: number
}

/** One input link of a provenance graph: `output` was made from `input`. */
export interface ProvenanceEdge {
  readonly input: string
  readonly output: string
  /** Position of the input among the output's inputs. */
  readonly position: number
  readonly extras?: ProvenanceExtras
}

/** The ancestors of a dataset (`Butler.walkProvenance`). */
export interface ProvenanceGraph {
  /** UUID of the dataset the walk started at. */
  readonly root: string
  /** Every dataset reached, the root first, then by depth in the order first reached. */
  readonly nodes: readonly ProvenanceNode[]
  /** Input links, from the root outward. */
  readonly edges: readonly ProvenanceEdge[]
  /** Whether the depth limit left recorded inputs out. */
  readonly truncated: boolean
}

/** Options of `flattenProvenance`. */
export interface FlattenOptions {
  /** Put in front of every key, followed by `sep` (default none). */
  readonly prefix?: string
  /** Between the parts of a key (default `.`). */
  readonly sep?: string
  /** With more inputs than this, only `n_inputs` describes them (default: all are written). */
  readonly maxInputs?: number
  /**
   * Upper-case the whole key (default: when the prefix has letters and all are capitals, as the
   * reference decides; otherwise keys are left as built, which is lowercase but for the prefix).
   */
  readonly upper?: boolean
}

/** A flattened provenance: header-friendly keys to strings and numbers. */
export type FlatProvenance = Record<string, string | number>

/**
 * Flattens a dataset's identity and provenance into one level of keys, as the reference's
 * `to_flat_dict`: `id`, `run`, `datasettype`, `dataid.<dimension>` (required dimensions), then
 * `task`, `quantum`, `extra.<key>` when recorded, `n_inputs`, and per input N (from 0)
 * `input.N.id`, `input.N.run`, `input.N.datasettype`, `input.N.<extra>`. With more inputs than
 * `maxInputs`, only `n_inputs` is written. Booleans become the strings `true` and `false`.
 *
 * @example
 * flattenProvenance(ref, provenance, { prefix: 'LSST BUTLER', sep: ' ' })
 * // { 'LSST BUTLER ID': '…', 'LSST BUTLER RUN': 'u/me/run', …, 'LSST BUTLER INPUT 0 ID': '…' }
 */
export function flattenProvenance(
  ref: DatasetRef,
  provenance: DatasetProvenance | undefined,
  options: FlattenOptions = {},
): FlatProvenance {
  const prefix = options.prefix ?? ''
  const sep = options.sep ?? '.'
  if (sep === '') throw new InputError('The separator of flattened provenance keys cannot be empty')
  if (options.maxInputs !== undefined && !(Number.isInteger(options.maxInputs) && options.maxInputs >= 0)) {
    throw new InputError(`maxInputs must be a non-negative integer, not ${options.maxInputs}`)
  }
  const upper = options.upper ?? (/[A-Za-z]/.test(prefix) && prefix === prefix.toUpperCase())
  const key = (...parts: (string | number)[]): string => {
    const text = (prefix === '' ? '' : prefix + sep) + parts.join(sep)
    return upper ? text.toUpperCase() : text
  }
  const out: FlatProvenance = {}
  out[key('id')] = ref.id
  out[key('run')] = ref.run
  out[key('datasettype')] = ref.datasetType.name
  for (const [dim, value] of Object.entries(ref.dataId.required)) out[key('dataid', dim)] = value
  if (provenance?.task !== undefined) out[key('task')] = provenance.task
  if (provenance?.quantumId !== undefined) out[key('quantum')] = provenance.quantumId
  for (const [k, v] of Object.entries(provenance?.extras ?? {})) out[key('extra', k)] = flatValue(v)
  const inputs = provenance?.inputs ?? []
  out[key('n_inputs')] = inputs.length
  if (options.maxInputs !== undefined && inputs.length > options.maxInputs) return out
  inputs.forEach((input, i) => {
    out[key('input', i, 'id')] = input.id
    out[key('input', i, 'run')] = input.run
    out[key('input', i, 'datasettype')] = input.datasetType
    for (const [k, v] of Object.entries(provenance!.inputExtras.get(input.id) ?? {})) {
      out[key('input', i, k)] = flatValue(v)
    }
  })
  return out
}

/** One input as read back from a flattened provenance (run and type are absent when not written). */
export interface ParsedProvenanceInput {
  readonly id: string
  readonly run?: string
  readonly datasetType?: string
  readonly extras: Record<string, string | number>
}

/** A flattened provenance read back (`parseFlatProvenance`): plain values, nothing resolved. */
export interface ParsedFlatProvenance {
  /** The dataset's own UUID, run, dataset type and required data ID values, when written. */
  readonly id?: string
  readonly run?: string
  readonly datasetType?: string
  readonly dataId: Record<string, string | number>
  readonly task?: string
  readonly quantumId?: string
  readonly extras: Record<string, string | number>
  /** Number of inputs (may exceed `inputs.length` when they were left out for `maxInputs`). */
  readonly nInputs: number
  readonly inputs: ParsedProvenanceInput[]
}

/**
 * Reads back what `flattenProvenance` wrote (keys compared without case, so upper-cased header
 * keys work; keys not under `prefix` are ignored, as are unknown keys under it). Values that
 * cannot be what their key says (an ID that is not a UUID, an input beyond `n_inputs`, an input
 * without an ID) are an `InputError`.
 */
export function parseFlatProvenance(
  flat: Readonly<Record<string, unknown>>,
  options: { readonly prefix?: string; readonly sep?: string } = {},
): ParsedFlatProvenance {
  const sep = (options.sep ?? '.').toLowerCase()
  if (sep === '') throw new InputError('The separator of flattened provenance keys cannot be empty')
  const start = options.prefix ? (options.prefix + sep).toLowerCase() : ''
  const top: Record<string, unknown> = {}
  const dataId: Record<string, string | number> = {}
  const extras: Record<string, string | number> = {}
  const inputFields = new Map<number, Record<string, unknown>>()
  for (const [rawKey, value] of Object.entries(flat)) {
    const lower = rawKey.toLowerCase()
    if (!lower.startsWith(start)) continue
    const rest = lower.slice(start.length)
    const cut = rest.indexOf(sep)
    const head = cut < 0 ? rest : rest.slice(0, cut)
    const tail = cut < 0 ? '' : rest.slice(cut + sep.length)
    if (cut < 0) {
      top[head] = value
    } else if (head === 'dataid' && tail !== '') {
      dataId[tail] = scalar(value, rawKey)
    } else if (head === 'extra' && tail !== '') {
      extras[tail] = scalar(value, rawKey)
    } else if (head === 'input') {
      const cut2 = tail.indexOf(sep)
      const index = cut2 < 0 ? '' : tail.slice(0, cut2)
      const field = cut2 < 0 ? '' : tail.slice(cut2 + sep.length)
      if (!/^\d+$/.test(index) || field === '') {
        throw new InputError(`Provenance key '${rawKey}' is not input${sep}<N>${sep}<field>`)
      }
      const n = Number(index)
      const fields = inputFields.get(n) ?? inputFields.set(n, {}).get(n)!
      fields[field] = value
    }
  }
  const text = (name: string): string | undefined => {
    const v = top[name]
    if (v === undefined) return undefined
    if (typeof v !== 'string' || v.trim() === '') {
      throw new InputError(`Provenance value '${name}' must be a non-empty string, not ${describe(v)}`)
    }
    return v.trim()
  }
  const uuid = (name: string, v: string | undefined): string | undefined =>
    v === undefined ? undefined : checkUuid(v, `provenance ${name}`)
  let nInputs = inputFields.size
  if (top.n_inputs !== undefined) {
    const n = typeof top.n_inputs === 'string' ? Number(top.n_inputs.trim()) : top.n_inputs
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw new InputError(
        `Provenance n_inputs must be a non-negative integer, not ${describe(top.n_inputs)}`,
      )
    }
    nInputs = n
  }
  const inputs: ParsedProvenanceInput[] = []
  for (const n of [...inputFields.keys()].sort((a, b) => a - b)) {
    if (n >= nInputs) throw new InputError(`Provenance has input ${n} but n_inputs is ${nInputs}`)
    const fields = inputFields.get(n)!
    const id = fields.id
    if (typeof id !== 'string') throw new InputError(`Provenance input ${n} has no id`)
    const inputExtras: Record<string, string | number> = {}
    let run: string | undefined
    let datasetType: string | undefined
    for (const [field, value] of Object.entries(fields)) {
      if (field === 'run') run = String(scalar(value, `input ${n} run`))
      else if (field === 'datasettype') datasetType = String(scalar(value, `input ${n} datasettype`))
      else if (field !== 'id') inputExtras[field] = scalar(value, `input ${n} ${field}`)
    }
    inputs.push({
      id: checkUuid(id, `input ${n} id`),
      ...(run !== undefined ? { run } : {}),
      ...(datasetType !== undefined ? { datasetType } : {}),
      extras: inputExtras,
    })
  }
  const id = uuid('id', text('id'))
  const run = text('run')
  const datasetType = text('datasettype')
  const task = text('task')
  const quantumId = uuid('quantum', text('quantum'))
  return {
    ...(id !== undefined ? { id } : {}),
    ...(run !== undefined ? { run } : {}),
    ...(datasetType !== undefined ? { datasetType } : {}),
    dataId,
    ...(task !== undefined ? { task } : {}),
    ...(quantumId !== undefined ? { quantumId } : {}),
    extras,
    nInputs,
    inputs,
  }
}

/** The flattened keys `flattenProvenance` writes, removed from a header-like dictionary (a copy). */
export function stripFlatProvenance<T>(
  flat: Readonly<Record<string, T>>,
  options: { readonly prefix?: string; readonly sep?: string } = {},
): Record<string, T> {
  const sep = (options.sep ?? '.').toLowerCase()
  const start = options.prefix ? (options.prefix + sep).toLowerCase() : ''
  const ours = new Set(['id', 'run', 'datasettype', 'task', 'quantum', 'n_inputs'])
  const out: Record<string, T> = {}
  for (const [key, value] of Object.entries(flat)) {
    const lower = key.toLowerCase()
    if (lower.startsWith(start)) {
      const rest = lower.slice(start.length)
      const head = rest.includes(sep) ? rest.slice(0, rest.indexOf(sep)) : undefined
      if (ours.has(rest) || head === 'dataid' || head === 'extra' || head === 'input') continue
    }
    out[key] = value
  }
  return out
}

function checkInput(input: DatasetRef | ProvenanceInput): ProvenanceInput {
  if (input === null || typeof input !== 'object') {
    throw new InputError(`A provenance input must be a resolved dataset ref, not ${describe(input)}`)
  }
  const rawType = (input as { datasetType?: unknown }).datasetType
  const typeName = rawType instanceof DatasetType ? rawType.parentName : rawType
  const { id, run } = input as { id?: unknown; run?: unknown }
  if (typeof id !== 'string' || typeof run !== 'string' || run === '' || typeof typeName !== 'string') {
    throw new InputError(
      `A provenance input must be a resolved dataset ref (with ID, run and dataset type), not ${describe(input)}`,
    )
  }
  DatasetType.validateName(typeName)
  return { id: checkUuid(id, 'input ID'), run, datasetType: typeName }
}

function checkUuid(value: unknown, what: string): string {
  const lower = typeof value === 'string' ? value.trim().toLowerCase() : undefined
  if (lower === undefined || !isUuid(lower))
    throw new InputError(`The ${what} ${describe(value)} is not a UUID`)
  return lower
}

function checkExtras(
  extras: ProvenanceExtras,
  what: string,
  reserved?: ReadonlySet<string>,
): Record<string, ProvenanceValue> {
  if (!isPlainObject(extras)) throw new InputError(`Provenance ${what}s must be an object of key/values`)
  const out: Record<string, ProvenanceValue> = {}
  for (const [key, value] of Object.entries(extras)) {
    if (!EXTRA_KEY.test(key)) {
      throw new InputError(
        `Provenance ${what} key '${key}' must be lowercase letters, digits and underscores, starting with a letter`,
      )
    }
    if (reserved?.has(key)) throw new InputError(`Provenance ${what} key '${key}' is reserved`)
    const ok =
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value))
    if (!ok) {
      throw new InputError(
        `Provenance ${what} '${key}' must be a string, a finite number or a boolean, not ${describe(value)}`,
      )
    }
    out[key] = value
  }
  return out
}

function extrasObject(value: unknown, what: string): ProvenanceExtras {
  if (!isPlainObject(value))
    throw new InputError(`Provenance ${what} must be an object, not ${describe(value)}`)
  return value as ProvenanceExtras
}

function optionalString(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string')
    throw new InputError(`Provenance ${what} must be a string, not ${describe(value)}`)
  return value
}

function requiredString(value: unknown, what: string): string {
  if (typeof value !== 'string')
    throw new InputError(`Provenance ${what} must be a string, not ${describe(value)}`)
  return value
}

function flatValue(value: ProvenanceValue): string | number {
  return typeof value === 'boolean' ? String(value) : value
}

function scalar(value: unknown, where: string): string | number {
  if (typeof value === 'string') return value.trim()
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString()
  if (typeof value === 'boolean') return String(value)
  throw new InputError(`Provenance value '${where}' must be a string or a number, not ${describe(value)}`)
}

/** The wire form with object keys sorted, for comparisons. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical)
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical(value[k])]),
    )
  }
  return value
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)
  )
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 60)}…` : value}'`
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'value'}`
  return String(value)
}
