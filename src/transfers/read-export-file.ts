/**
 * Reading an export file: YAML text to the checked in-memory `ExportFile`. Every problem is an
 * `ExportFileError` naming the entry (`data[12] (dimension 'visit')`) and what is wrong with it.
 */
import { isMap, isSeq, parseDocument } from 'yaml'
import { DatasetProvenance } from '../datasets/provenance.js'
import { DatasetTypeError, ExportFileError, InputError } from '../errors.js'
import { Timespan } from '../time/timespan.js'
import type {
  AssociationsEntry,
  CollectionEntry,
  DatasetEntry,
  DatasetTypeEntry,
  DimensionEntry,
  ExportEntry,
  ExportFile,
  FileEntry,
  ProvenanceFileEntry,
  RecordObject,
} from './export-file.js'
import {
  allowKeys,
  dataId,
  datasetId,
  isObject,
  list,
  optionalTime,
  type Raw,
  show,
  str,
  time,
  Where,
} from './read-values.js'
import { BadTagValue, EXPORT_YAML_OPTIONS, TaggedRegion, TaggedTime, TaggedUuid } from './yaml-tags.js'

/** The newest format minor version this reader understands (the format is 1.0.2). */
const READER_MAJOR = 1
const READER_MINOR = 0

/**
 * Parses and checks a whole export file (format 1.x, `version: 0` read as 1.0.0). Integer dataset
 * IDs of old files become the reference's uuid3 values; YAML 1.1 timestamps of old files are read as
 * UTC. Dimension records are checked against a universe only on import.
 */
export function parseExportFile(text: string): ExportFile {
  const doc = parseDocument(text, { ...EXPORT_YAML_OPTIONS, uniqueKeys: true })
  const dataNode = isMap(doc.contents) ? doc.contents.get('data', true) : undefined
  const entryAt = (offset: number | undefined): string => {
    if (offset === undefined || !isSeq(dataNode)) return ''
    // The first entry ending after the offset holds it (a tag or anchor precedes its node's range).
    const i = dataNode.items.findIndex((item) => {
      const range = (item as { range?: [number, number, number] }).range
      return range !== undefined && offset <= range[2]
    })
    return i >= 0 ? ` in data[${i}]` : ''
  }
  const problem = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED')
  if (problem) {
    const line = problem.linePos?.[0]
    const where = `${line ? ` at line ${line.line}, column ${line.col}` : ''}${entryAt(problem.pos[0])}`
    const first = problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
    throw new ExportFileError(`Export file is not valid${where}: ${first}`)
  }
  const top = doc.toJS({ maxAliasCount: -1 }) as unknown
  const root: Where = new Where('header')
  if (!isObject(top)) root.fail('the file must be a mapping with version and data')
  const version = readVersion(top.version, root)
  const universeVersion = top.universe_version ?? 0
  if (typeof universeVersion !== 'number' || !Number.isInteger(universeVersion) || universeVersion < 0) {
    root.fail(`universe_version must be a non-negative integer, not ${show(universeVersion)}`)
  }
  const universeNamespace = top.universe_namespace ?? 'daf_butler'
  if (typeof universeNamespace !== 'string') root.fail('universe_namespace must be a string')
  const description = top.description ?? ''
  if (typeof description !== 'string') root.fail('description must be a string')
  const rawData = top.data ?? []
  if (!Array.isArray(rawData)) root.fail("'data' must be a list of entries")
  const data = rawData.map((raw: unknown, i: number) => readEntry(raw, i))
  return { description, version, universeVersion, universeNamespace, data }
}

function readVersion(raw: unknown, where: Where): string {
  if (raw === 0) return '1.0.0'
  if (raw === undefined) where.fail("missing 'version'")
  const text = String(raw)
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text)
  if (!m) where.fail(`version '${text}' is not MAJOR.MINOR.PATCH`)
  const major = Number(m[1])
  const minor = Number(m[2] ?? 0)
  if (major !== READER_MAJOR) {
    where.fail(`cannot read format version ${text} (${READER_MAJOR}.x.x required)`)
  }
  if (minor > READER_MINOR) {
    where.fail(`cannot read format version ${text} (${READER_MAJOR}.${READER_MINOR}.x or older required)`)
  }
  return `${major}.${minor}.${Number(m[3] ?? 0)}`
}

/** A short label of an entry for messages, from whatever of it could be read. */
export function describeEntry(raw: unknown, i: number): string {
  if (!isObject(raw)) return `data[${i}]`
  const q = (v: unknown) => (typeof v === 'string' ? `'${v}'` : show(v))
  switch (raw.type) {
    case 'dimension':
      return `data[${i}] (dimension ${q(raw.element)})`
    case 'collection':
    case 'run':
      return `data[${i}] (${raw.type} ${q(raw.name)})`
    case 'dataset_type':
      return `data[${i}] (dataset_type ${q(raw.name)})`
    case 'dataset':
      return `data[${i}] (dataset ${q(raw.dataset_type)} in run ${q(raw.run)})`
    case 'associations':
      return `data[${i}] (associations of ${q(raw.collection)})`
    case 'provenance':
      return `data[${i}] (provenance)`
    default:
      return `data[${i}]`
  }
}

function readEntry(raw: unknown, i: number): ExportEntry {
  const where: Where = new Where(describeEntry(raw, i))
  if (!isObject(raw)) where.fail('an entry must be a mapping with a type')
  switch (raw.type) {
    case 'dimension':
      return readDimension(raw, where)
    case 'collection':
      return readCollection(raw, where)
    case 'run':
      // The legacy form of a RUN: no doc, host or timespan.
      allowKeys(raw, ['type', 'name'], where)
      return {
        type: 'collection',
        collectionType: 'RUN',
        name: str(raw, 'name', where),
        host: null,
        timespanBegin: null,
        timespanEnd: null,
      }
    case 'dataset_type':
      return readDatasetType(raw, where)
    case 'dataset':
      return readDataset(raw, where)
    case 'associations':
      return readAssociations(raw, where)
    case 'provenance':
      return readProvenance(raw, where)
    default:
      return where.fail(
        `unknown entry type ${show(raw.type)} (dimension, collection, run, dataset_type, dataset, associations or provenance)`,
      )
  }
}

function readDimension(raw: Raw, where: Where): DimensionEntry {
  allowKeys(raw, ['type', 'element', 'records'], where)
  const element = str(raw, 'element', where)
  const records = list(raw, 'records', where).map((r, k) => readRecord(r, where.at(`, records[${k}]`)))
  return { type: 'dimension', element, records }
}

function readRecord(raw: unknown, where: Where): RecordObject {
  if (!isObject(raw)) where.fail('a record must be a mapping of field names to values')
  const out: RecordObject = {}
  for (const [key, value] of Object.entries(raw)) {
    const at: Where = where.at(` field '${key}'`)
    if (value instanceof BadTagValue) at.fail(value.toString())
    if (value instanceof TaggedTime) out[key] = value.ns
    else if (value instanceof TaggedRegion) out[key] = value.encoded
    else if (value instanceof TaggedUuid) out[key] = value.id
    else if (value instanceof Uint8Array) out[key] = new Uint8Array(value)
    else if ((key === 'datetime_begin' || key === 'datetime_end') && typeof value === 'string') {
      // Old files used YAML 1.1 timestamps: UTC datetimes.
      out[key] = time(value, at, 'utc')
    } else if (value !== null && typeof value === 'object') {
      at.fail(`unexpected ${Array.isArray(value) ? 'list' : 'mapping'} value`)
    } else out[key] = value
  }
  return out
}

function readCollection(raw: Raw, where: Where): CollectionEntry {
  const name = str(raw, 'name', where)
  const doc = raw.doc === undefined || raw.doc === null ? undefined : str(raw, 'doc', where)
  const withDoc = doc === undefined ? {} : { doc }
  const type = raw.collection_type
  switch (type) {
    case 'RUN': {
      allowKeys(
        raw,
        ['type', 'collection_type', 'name', 'doc', 'host', 'timespan_begin', 'timespan_end'],
        where,
      )
      const host = raw.host === undefined || raw.host === null ? null : str(raw, 'host', where)
      return {
        type: 'collection',
        collectionType: 'RUN',
        name,
        ...withDoc,
        host,
        timespanBegin: optionalTime(raw.timespan_begin, where.at(' timespan_begin')),
        timespanEnd: optionalTime(raw.timespan_end, where.at(' timespan_end')),
      }
    }
    case 'TAGGED':
    case 'CALIBRATION':
      allowKeys(raw, ['type', 'collection_type', 'name', 'doc'], where)
      return { type: 'collection', collectionType: type, name, ...withDoc }
    case 'CHAINED': {
      allowKeys(raw, ['type', 'collection_type', 'name', 'doc', 'children'], where)
      const children = list(raw, 'children', where).map((child, k) => {
        // Very old files restricted a child to dataset types: [name, restriction]; only the name counts.
        const value = Array.isArray(child) ? child[0] : child
        if (typeof value !== 'string' || value === '') where.fail(`children[${k}] must be a collection name`)
        return value
      })
      return { type: 'collection', collectionType: 'CHAINED', name, ...withDoc, children }
    }
    default:
      return where.fail(`collection_type must be RUN, TAGGED, CHAINED or CALIBRATION, not ${show(type)}`)
  }
}

function readDatasetType(raw: Raw, where: Where): DatasetTypeEntry {
  allowKeys(raw, ['type', 'name', 'dimensions', 'storage_class', 'is_calibration'], where)
  const dimensions = list(raw, 'dimensions', where).map((d, k) => {
    if (typeof d !== 'string') where.fail(`dimensions[${k}] must be a dimension name`)
    return d
  })
  const isCalibration = raw.is_calibration ?? false
  if (typeof isCalibration !== 'boolean') where.fail('is_calibration must be true or false')
  return {
    type: 'dataset_type',
    name: str(raw, 'name', where),
    dimensions,
    storageClass: str(raw, 'storage_class', where),
    isCalibration,
  }
}

function readDataset(raw: Raw, where: Where): DatasetEntry {
  allowKeys(raw, ['type', 'dataset_type', 'run', 'records'], where)
  const datasetType = str(raw, 'dataset_type', where)
  const run = str(raw, 'run', where)
  const files = list(raw, 'records', where).map((r, k): FileEntry => {
    const at: Where = where.at(`, records[${k}]`)
    if (!isObject(r)) at.fail('a record must be a mapping with dataset_id, data_id and path')
    allowKeys(r, ['dataset_id', 'data_id', 'path', 'formatter'], at)
    if (r.dataset_id === undefined) at.fail("missing 'dataset_id'")
    if (r.data_id === undefined) at.fail("missing 'data_id'")
    const ids = (Array.isArray(r.dataset_id) ? r.dataset_id : [r.dataset_id]).map((id, j) =>
      datasetId(id, at.at(` dataset_id[${j}]`)),
    )
    const dataIds = (Array.isArray(r.data_id) ? r.data_id : [r.data_id]).map((d, j) =>
      dataId(d, at.at(` data_id[${j}]`)),
    )
    if (ids.length !== dataIds.length) {
      at.fail(`${ids.length} dataset_id values but ${dataIds.length} data_id values`)
    }
    if (ids.length === 0) at.fail('no datasets')
    const path = r.path === undefined || r.path === null ? undefined : str(r, 'path', at)
    const formatter = r.formatter === undefined || r.formatter === null ? undefined : str(r, 'formatter', at)
    return {
      datasetIds: ids,
      dataIds,
      ...(path === undefined ? {} : { path }),
      ...(formatter === undefined ? {} : { formatter }),
    }
  })
  return { type: 'dataset', datasetType, run, files }
}

function readAssociations(raw: Raw, where: Where): AssociationsEntry {
  const collection = str(raw, 'collection', where)
  const ids = (value: unknown, at: Where): string[] => {
    if (!Array.isArray(value)) at.fail('dataset_ids must be a list')
    return value.map((id, j) => datasetId(id, at.at(`[${j}]`)))
  }
  switch (raw.collection_type) {
    case 'TAGGED':
      allowKeys(raw, ['type', 'collection', 'collection_type', 'dataset_ids'], where)
      return {
        type: 'associations',
        collectionType: 'TAGGED',
        collection,
        datasetIds: ids(raw.dataset_ids, where.at(' dataset_ids')),
      }
    case 'CALIBRATION': {
      allowKeys(raw, ['type', 'collection', 'collection_type', 'validity_ranges'], where)
      const validityRanges = list(raw, 'validity_ranges', where).map((range, k) => {
        const at: Where = where.at(`, validity_ranges[${k}]`)
        if (!isObject(range)) at.fail('a validity range must be a mapping')
        let timespan: Timespan
        if ('timespan' in range) {
          allowKeys(range, ['timespan', 'dataset_ids'], at)
          const t = range.timespan
          if (t instanceof BadTagValue) at.fail(t.toString())
          if (!(t instanceof Timespan)) at.fail('timespan must be a !lsst.daf.butler.Timespan')
          timespan = t
        } else {
          // The legacy form: begin and end beside the dataset IDs.
          allowKeys(range, ['begin', 'end', 'dataset_ids'], at)
          timespan = new Timespan(
            optionalTime(range.begin, at.at(' begin')),
            optionalTime(range.end, at.at(' end')),
            {
              padInstantaneous: false,
            },
          )
        }
        return { timespan, datasetIds: ids(range.dataset_ids, at.at(' dataset_ids')) }
      })
      return { type: 'associations', collectionType: 'CALIBRATION', collection, validityRanges }
    }
    default:
      return where.fail(`collection_type must be TAGGED or CALIBRATION, not ${show(raw.collection_type)}`)
  }
}

/** A `provenance` entry (our extension): records of dataset ID, task, quantum, extras and inputs. */
function readProvenance(raw: Raw, where: Where): ProvenanceFileEntry {
  allowKeys(raw, ['type', 'records'], where)
  const seen = new Set<string>()
  const records = list(raw, 'records', where).map((r, k) => {
    const at: Where = where.at(`, records[${k}]`)
    if (!isObject(r)) at.fail('a record must be a mapping with dataset_id and inputs')
    allowKeys(r, ['dataset_id', 'task', 'quantum_id', 'extras', 'inputs'], at)
    if (r.dataset_id === undefined) at.fail("missing 'dataset_id'")
    const id = datasetId(r.dataset_id, at.at(' dataset_id'))
    if (seen.has(id)) at.fail(`dataset ${id} has another provenance record in this entry`)
    seen.add(id)
    const inputs = r.inputs === undefined || r.inputs === null ? [] : list(r, 'inputs', at)
    const provenance = inProvenance(at, () => {
      const p = new DatasetProvenance({
        task: r.task === undefined || r.task === null ? undefined : str(r, 'task', at),
        quantumId:
          r.quantum_id === undefined || r.quantum_id === null
            ? undefined
            : datasetId(r.quantum_id, at.at(' quantum_id')),
        extras: r.extras === undefined || r.extras === null ? undefined : extras(r.extras, at.at(' extras')),
      })
      inputs.forEach((input, j) => {
        const ia: Where = at.at(`, inputs[${j}]`)
        if (!isObject(input)) ia.fail('an input must be a mapping with id, run and dataset_type')
        allowKeys(input, ['id', 'run', 'dataset_type', 'extras'], ia)
        if (input.id === undefined) ia.fail("missing 'id'")
        const ref = {
          id: datasetId(input.id, ia.at(' id')),
          run: str(input, 'run', ia),
          datasetType: str(input, 'dataset_type', ia),
        }
        const inputExtras =
          input.extras === undefined || input.extras === null
            ? undefined
            : extras(input.extras, ia.at(' extras'))
        inProvenance(ia, () => p.addInput(ref, inputExtras))
      })
      return p
    })
    return { datasetId: id, provenance }
  })
  return { type: 'provenance', records }
}

function extras(raw: unknown, where: Where): Record<string, string | number | boolean> {
  if (!isObject(raw)) where.fail('must be a mapping of keys to values')
  return raw as Record<string, string | number | boolean>
}

/** Runs `fn`; an `InputError` (bad provenance value) becomes an `ExportFileError` naming the entry. */
function inProvenance<T>(where: Where, fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof InputError || error instanceof DatasetTypeError) return where.fail(error.message)
    throw error
  }
}
