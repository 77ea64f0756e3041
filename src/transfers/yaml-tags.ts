/**
 * The custom YAML tags of export files: `!uuid`, `!butler_time/tai/iso`, `!lsst.daf.butler.Timespan`,
 * `!<lsst.sphgeom.*>` regions and `!!binary`, for reading and for writing.
 *
 * A tagged value that cannot be read is not a parse error: it becomes a `BadTagValue`, so the entry
 * validation that meets it can name the entry and the field.
 */
import { type CollectionTag, isMap, Scalar, type ScalarTag, type Tags, YAMLMap } from 'yaml'
import { parseTime } from '../time/parse-time.js'
import { formatTaiIso } from '../time/tai.js'
import { Timespan } from '../time/timespan.js'

/** A TAI instant (nanoseconds) read from or to be written as `!butler_time/tai/iso`. */
export class TaggedTime {
  constructor(readonly ns: bigint) {}
}

/** A UUID read from or to be written as `!uuid`. */
export class TaggedUuid {
  constructor(readonly id: string) {}
}

/** A region's sphgeom encoding, read from or to be written as `!<lsst.sphgeom.X> {encoded: hex}`. */
export class TaggedRegion {
  constructor(readonly encoded: Uint8Array) {}
}

/** A tagged value that could not be read; validation reports it with the entry it is in. */
export class BadTagValue {
  constructor(
    readonly tag: string,
    readonly problem: string,
  ) {}

  toString(): string {
    return `${this.tag}: ${this.problem}`
  }
}

/** sphgeom type codes (first byte of an encoding) and their class names. */
export const REGION_CLASSES: Readonly<Record<string, string>> = {
  p: 'ConvexPolygon',
  b: 'Box',
  c: 'Circle',
  e: 'Ellipse',
  u: 'UnionRegion',
  i: 'IntersectionRegion',
}

const TIME_TAG = '!butler_time/tai/iso'
const TIMESPAN_TAG = '!lsst.daf.butler.Timespan'

function quoted(text: string): string {
  return `'${text.replace(/'/g, "''")}'`
}

const uuidTag: ScalarTag = {
  tag: '!uuid',
  identify: (v) => v instanceof TaggedUuid,
  resolve: (str) => new TaggedUuid(str.trim()),
  stringify: (item) => quoted((item.value as TaggedUuid).id),
}

const timeTag: ScalarTag = {
  tag: TIME_TAG,
  identify: (v) => v instanceof TaggedTime,
  resolve: (str) => {
    try {
      return new TaggedTime(parseTime(str, { scale: 'tai' }))
    } catch (error) {
      return new BadTagValue(TIME_TAG, error instanceof Error ? error.message : String(error))
    }
  },
  stringify: (item) => quoted(formatTaiIso((item.value as TaggedTime).ns)),
}

const emptyTimespanTag: ScalarTag = {
  tag: TIMESPAN_TAG,
  identify: (v) => v instanceof Timespan && v.isEmpty,
  resolve: (str) =>
    str === 'EMPTY'
      ? Timespan.makeEmpty()
      : new BadTagValue(TIMESPAN_TAG, `a scalar timespan must be EMPTY, not '${str}'`),
  // Both timespan tags share a name, and the writer picks the first tag of a node's name: this one
  // hands the mapping form back to the mapping's own writer.
  stringify: (item, ctx, onComment, onChompKeep) =>
    isMap(item) ? item.toString(ctx, onComment, onChompKeep) : 'EMPTY',
}

function bound(value: unknown, name: string): bigint | null | BadTagValue {
  if (value === null || value === undefined) return null
  if (value instanceof TaggedTime) return value.ns
  if (value instanceof BadTagValue) return value
  return new BadTagValue(TIMESPAN_TAG, `'${name}' must be a ${TIME_TAG} time or null`)
}

const timespanTag: CollectionTag = {
  tag: TIMESPAN_TAG,
  collection: 'map',
  identify: (v) => v instanceof Timespan && !v.isEmpty,
  resolve: (map) => {
    const js = (map as YAMLMap).toJSON() as Record<string, unknown>
    const extra = Object.keys(js).filter((k) => k !== 'begin' && k !== 'end')
    if (extra.length > 0) return new Scalar(new BadTagValue(TIMESPAN_TAG, `unknown key '${extra[0]}'`))
    const begin = bound(js.begin, 'begin')
    const end = bound(js.end, 'end')
    if (begin instanceof BadTagValue) return new Scalar(begin)
    if (end instanceof BadTagValue) return new Scalar(end)
    return new Scalar(new Timespan(begin, end, { padInstantaneous: false }))
  },
  createNode: (schema, value) => {
    const t = value as Timespan
    const map = new YAMLMap(schema)
    map.set('begin', t.isUnboundedBegin ? null : timeScalar(t.begin))
    map.set('end', t.isUnboundedEnd ? null : timeScalar(t.end))
    return map
  },
}

function timeScalar(ns: bigint): Scalar {
  const node = new Scalar(new TaggedTime(ns))
  node.tag = TIME_TAG
  return node
}

function regionTag(className: string, code: string): CollectionTag {
  const tag = `lsst.sphgeom.${className}`
  return {
    tag,
    collection: 'map',
    identify: (v) => v instanceof TaggedRegion && String.fromCharCode(v.encoded[0] ?? 0) === code,
    resolve: (map) => {
      const encoded = isMap(map) ? map.get('encoded') : undefined
      if (typeof encoded !== 'string' || !/^(?:[0-9a-fA-F]{2})+$/.test(encoded)) {
        return new Scalar(new BadTagValue(`!<${tag}>`, "needs 'encoded': a string of hex digits"))
      }
      const bytes = Uint8Array.from(Buffer.from(encoded, 'hex'))
      if (String.fromCharCode(bytes[0]!) !== code) {
        return new Scalar(
          new BadTagValue(`!<${tag}>`, `encoding starts with type code '${String.fromCharCode(bytes[0]!)}'`),
        )
      }
      return new Scalar(new TaggedRegion(bytes))
    },
    createNode: (schema, value) => {
      const map = new YAMLMap(schema)
      map.set('encoded', Buffer.from((value as TaggedRegion).encoded).toString('hex'))
      return map
    },
  }
}

/**
 * Strings PyYAML (YAML 1.1) reads as strings though they look like numbers: `08`, `0189` (not octal).
 * The reference writes them unquoted, so they must not become integers here.
 */
const notOctalTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:str',
  default: true,
  test: /^[-+]?0[0-9_]*[89][0-9_]*$/,
  resolve: (str) => str,
}

/** Booleans as PyYAML reads them: YAML 1.1's words except `y` and `n` (so `band: y` is a string). */
const pyBoolTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  identify: (v) => typeof v === 'boolean',
  test: /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  resolve: (str) => ['yes', 'true', 'on'].includes(str.toLowerCase()),
  stringify: (item) => (item.value ? 'true' : 'false'),
}

/**
 * Floats as PyYAML reads and writes them: a dot is required (`1e5` and `e5` are strings), exponents
 * are signed, and `.inf` / `.nan` are the special values.
 */
const pyFloatTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:float',
  default: true,
  identify: (v) => typeof v === 'number',
  test: /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  resolve: (str) => {
    const text = str.replace(/_/g, '').toLowerCase()
    if (text.endsWith('.inf'))
      return text.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY
    if (text === '.nan') return Number.NaN
    return Number(text)
  },
  stringify: (item) => {
    const v = item.value as number
    if (Number.isNaN(v)) return '.nan'
    if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf'
    const text = String(v)
    if (text.includes('.')) return text
    // 1e-7 and 30 must keep a dot to stay floats for PyYAML.
    return text.includes('e') ? text.replace('e', '.0e') : `${text}.0`
  },
}

/**
 * The tags of export files, for `parse` and `stringify` with `version: '1.1'` (the reference writes
 * with PyYAML, which speaks YAML 1.1): the 1.1 schema without implicit timestamps (old files' times
 * stay strings, read later as UTC without losing digits), plus the butler's own tags.
 */
export function exportTags(tags: Tags): Tags {
  return [
    notOctalTag,
    pyBoolTag,
    ...tags.filter((t) => {
      const name = String(typeof t === 'string' ? t : t.tag)
      return !name.endsWith(':timestamp') && !name.endsWith(':bool') && !name.endsWith(':float')
    }),
    pyFloatTag,
    uuidTag,
    timeTag,
    emptyTimespanTag,
    timespanTag,
    ...Object.entries(REGION_CLASSES).map(([code, name]) => regionTag(name, code)),
  ]
}

/** Options of `parse`/`parseDocument` and `stringify` for export files. */
export const EXPORT_YAML_OPTIONS = { version: '1.1', customTags: exportTags } as const
