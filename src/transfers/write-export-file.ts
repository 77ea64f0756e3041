/**
 * Writing an export file: the in-memory `ExportFile` to YAML text in the layout of the reference's
 * writer (format 1.0.2), readable by the reference.
 */
import { stringify } from 'yaml'
import type { DatasetProvenance } from '../datasets/provenance.js'
import type { ExportEntry, ExportFile, RecordObject } from './export-file.js'
import { EXPORT_YAML_OPTIONS, TaggedRegion, TaggedTime, TaggedUuid } from './yaml-tags.js'

/** Formats an export file as YAML text. */
export function formatExportFile(file: ExportFile): string {
  const doc = {
    description: file.description,
    version: file.version,
    universe_version: file.universeVersion,
    universe_namespace: file.universeNamespace,
    data: file.data.map(entryToYaml),
  }
  return stringify(doc, {
    ...EXPORT_YAML_OPTIONS,
    // No folding: long region encodings and paths stay on one line, as the reference writes them.
    lineWidth: 0,
    indentSeq: false,
    singleQuote: true,
  })
}

function entryToYaml(entry: ExportEntry): Record<string, unknown> {
  switch (entry.type) {
    case 'dimension':
      return { type: 'dimension', element: entry.element, records: entry.records.map(recordToYaml) }
    case 'collection': {
      const out: Record<string, unknown> = {
        type: 'collection',
        collection_type: entry.collectionType,
        name: entry.name,
      }
      if (entry.doc) out.doc = entry.doc
      if (entry.collectionType === 'RUN') {
        out.host = entry.host
        out.timespan_begin = time(entry.timespanBegin)
        out.timespan_end = time(entry.timespanEnd)
      } else if (entry.collectionType === 'CHAINED') {
        out.children = [...entry.children]
      }
      return out
    }
    case 'dataset_type':
      return {
        type: 'dataset_type',
        name: entry.name,
        dimensions: [...entry.dimensions],
        storage_class: entry.storageClass,
        is_calibration: entry.isCalibration,
      }
    case 'dataset':
      return {
        type: 'dataset',
        dataset_type: entry.datasetType,
        run: entry.run,
        records: entry.files.map((f) => {
          const out: Record<string, unknown> = {
            dataset_id: f.datasetIds.map((id) => new TaggedUuid(id)),
            data_id: f.dataIds.map((d) => ({ ...d })),
          }
          if (f.path !== undefined) out.path = f.path
          if (f.formatter !== undefined) out.formatter = f.formatter
          return out
        }),
      }
    case 'associations':
      if (entry.collectionType === 'TAGGED') {
        return {
          type: 'associations',
          collection: entry.collection,
          collection_type: 'TAGGED',
          dataset_ids: entry.datasetIds.map((id) => new TaggedUuid(id)),
        }
      }
      return {
        type: 'associations',
        collection: entry.collection,
        collection_type: 'CALIBRATION',
        validity_ranges: entry.validityRanges.map((r) => ({
          timespan: r.timespan,
          dataset_ids: r.datasetIds.map((id) => new TaggedUuid(id)),
        })),
      }
    case 'provenance':
      return { type: 'provenance', records: entry.records.map(provenanceToYaml) }
  }
}

/** One dataset's provenance: the wire form in snake_case, UUIDs tagged, empty fields left out. */
function provenanceToYaml(record: {
  datasetId: string
  provenance: DatasetProvenance
}): Record<string, unknown> {
  const p = record.provenance
  const out: Record<string, unknown> = { dataset_id: new TaggedUuid(record.datasetId) }
  if (p.task !== undefined) out.task = p.task
  if (p.quantumId !== undefined) out.quantum_id = new TaggedUuid(p.quantumId)
  if (Object.keys(p.extras).length > 0) out.extras = { ...p.extras }
  out.inputs = p.inputs.map((input) => {
    const extras = p.inputExtras.get(input.id)
    return {
      id: new TaggedUuid(input.id),
      run: input.run,
      dataset_type: input.datasetType,
      ...(extras && Object.keys(extras).length > 0 ? { extras: { ...extras } } : {}),
    }
  })
  return out
}

function recordToYaml(record: RecordObject): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(record)) {
    if (key === 'datetime_begin' || key === 'datetime_end') out[key] = time(value as bigint | null)
    else if (key === 'region' && value instanceof Uint8Array) out[key] = new TaggedRegion(value)
    else if (value instanceof Uint8Array) out[key] = Buffer.from(value)
    else out[key] = value
  }
  return out
}

function time(ns: bigint | null | undefined): TaggedTime | null {
  return ns === null || ns === undefined ? null : new TaggedTime(ns)
}
