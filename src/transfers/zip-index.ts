/**
 * The index of a zip of dataset artifacts (`_butler_zip_index.json`), as the reference writes it:
 * the datasets as a compact ref container, and which zip member holds which datasets' artifact.
 */
import { z } from 'zod'
import { DATASET_ID_NAMESPACE, isUuid, uuid5 } from '../datasets/dataset-id.js'
import { DatasetRef } from '../datasets/dataset-ref.js'
import { DatasetType } from '../datasets/dataset-type.js'
import { DatasetProvenance, type SerializedDatasetProvenance } from '../datasets/provenance.js'
import { DataCoordinate } from '../dimensions/data-coordinate.js'
import type { DimensionRecord } from '../dimensions/dimension-record.js'
import type { DimensionUniverse } from '../dimensions/dimension-universe.js'
import { ButlerUserError, InputError } from '../errors.js'
import { Timespan } from '../time/timespan.js'

/** Name of the index member inside the zip. */
export const ZIP_INDEX_NAME = '_butler_zip_index.json'

const dataIdValue = z.union([z.string(), z.number().int()])

const storedFileInfo = z.object({
  path: z.string().min(1),
  formatter: z.string().min(1),
  storage_class: z.string().min(1),
  component: z.string().nullable().optional(),
  checksum: z.string().nullable().optional(),
  file_size: z.number().int(),
})

const zipIndexSchema = z.object({
  index_version: z.literal('V1'),
  refs: z.object({
    container_version: z.literal('V1'),
    universe_version: z.number().int(),
    universe_namespace: z.string(),
    dataset_types: z.record(
      z.string(),
      z.object({
        name: z.string(),
        storageClass: z.string(),
        dimensions: z.array(z.string()),
        isCalibration: z.boolean().optional(),
        parentStorageClass: z.string().nullable().optional(),
      }),
    ),
    compact_refs: z.record(
      z.string(),
      z.object({
        dataset_type_name: z.string(),
        run: z.string().min(1),
        data_id: z.record(z.string(), dataIdValue),
      }),
    ),
    dimension_records: z
      .record(z.string(), z.array(z.record(z.string(), z.unknown())))
      .nullable()
      .optional(),
  }),
  artifact_map: z.record(
    z.string(),
    z.object({
      info: storedFileInfo,
      ids: z.array(z.string()).min(1),
    }),
  ),
  /** Our extension: recorded provenance of the zipped datasets, by UUID (checked by `parseZipIndex`). */
  provenance: z.record(z.string(), z.custom<SerializedDatasetProvenance>()).optional(),
})

/** The parsed index (wire form, snake_case as in the reference). */
export type ZipIndex = z.infer<typeof zipIndexSchema>

/** One stored file of the index: what the datastore records for each dataset in it. */
export type ZipFileInfo = ZipIndex['artifact_map'][string]['info']

/** One artifact to put into a zip: the member name and the datasets it holds. */
export interface ZipArtifact {
  readonly member: string
  readonly info: ZipFileInfo
  readonly ids: readonly string[]
}

/** Builds an index for refs whose artifacts become the given members. */
export function buildZipIndex(
  universe: DimensionUniverse,
  refs: readonly DatasetRef[],
  artifacts: readonly ZipArtifact[],
  records?: ReadonlyMap<string, readonly DimensionRecord[]>,
  provenance?: ReadonlyMap<string, DatasetProvenance>,
): ZipIndex {
  const datasetTypes: ZipIndex['refs']['dataset_types'] = {}
  const compact: ZipIndex['refs']['compact_refs'] = {}
  for (const ref of refs) {
    const t = ref.datasetType
    datasetTypes[t.name] ??= {
      name: t.name,
      storageClass: t.storageClassName,
      dimensions: [...t.dimensions.required],
      isCalibration: t.isCalibration,
    }
    compact[ref.id] = { dataset_type_name: t.name, run: ref.run, data_id: ref.dataId.required }
  }
  const artifactMap: ZipIndex['artifact_map'] = {}
  for (const a of artifacts) artifactMap[a.member] = { info: a.info, ids: [...a.ids] }
  let dimensionRecords: Record<string, Record<string, unknown>[]> | undefined
  if (records && records.size > 0) {
    dimensionRecords = {}
    for (const [element, list] of records) dimensionRecords[element] = list.map(recordToJson)
  }
  return {
    index_version: 'V1',
    refs: {
      container_version: 'V1',
      universe_version: universe.version,
      universe_namespace: universe.namespace,
      dataset_types: datasetTypes,
      compact_refs: compact,
      ...(dimensionRecords ? { dimension_records: dimensionRecords } : {}),
    },
    artifact_map: artifactMap,
    ...(provenance && provenance.size > 0
      ? { provenance: Object.fromEntries([...provenance].map(([id, p]) => [id, p.toJSON()])) }
      : {}),
  }
}

/**
 * Validates index JSON text: its shape, that every id is a UUID of a listed ref whose dataset type is
 * listed, and that every ref has exactly one artifact. Problems are `InputError`s naming the entry.
 */
export function parseZipIndex(text: string, source = ZIP_INDEX_NAME): ZipIndex {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (cause) {
    throw new InputError(`${source} is not valid JSON`, { cause })
  }
  const result = zipIndexSchema.safeParse(raw)
  if (!result.success) {
    const issue = result.error.issues[0]!
    throw new InputError(`${source}: ${issue.path.join('.') || '(top)'}: ${issue.message}`)
  }
  const index = result.data
  for (const [id, ref] of Object.entries(index.refs.compact_refs)) {
    if (!isUuid(id)) throw new InputError(`${source}: compact_refs has '${id}', which is not a UUID`)
    if (!index.refs.dataset_types[ref.dataset_type_name]) {
      throw new InputError(
        `${source}: dataset ${id} has dataset type '${ref.dataset_type_name}', which is not listed`,
      )
    }
  }
  const seen = new Set<string>()
  for (const [member, entry] of Object.entries(index.artifact_map)) {
    checkMemberName(member, source)
    for (const id of entry.ids) {
      if (!index.refs.compact_refs[id]) {
        throw new InputError(
          `${source}: member '${member}' lists dataset ${id}, which is not in compact_refs`,
        )
      }
      if (seen.has(id)) throw new InputError(`${source}: dataset ${id} is listed by more than one member`)
      seen.add(id)
    }
  }
  const missing = Object.keys(index.refs.compact_refs).find((id) => !seen.has(id))
  if (missing) throw new InputError(`${source}: dataset ${missing} has no artifact in artifact_map`)
  provenanceOfZipIndex(index, source)
  return index
}

/** The recorded provenance of an index's datasets, by UUID (`InputError` naming a bad record). */
export function provenanceOfZipIndex(
  index: ZipIndex,
  source = ZIP_INDEX_NAME,
): Map<string, DatasetProvenance> {
  const out = new Map<string, DatasetProvenance>()
  for (const [id, json] of Object.entries(index.provenance ?? {})) {
    if (!index.refs.compact_refs[id]) {
      throw new InputError(`${source}: provenance of dataset ${id}, which is not in compact_refs`)
    }
    try {
      out.set(id, DatasetProvenance.fromJSON(json))
    } catch (error) {
      if (error instanceof ButlerUserError)
        throw new InputError(`${source}: provenance of ${id}: ${error.message}`)
      throw error
    }
  }
  return out
}

/** Rebuilds the refs of an index in a universe (the index's universe must be compatible). */
export function refsOfZipIndex(index: ZipIndex, universe: DimensionUniverse): DatasetRef[] {
  if (index.refs.universe_namespace !== universe.namespace) {
    throw new InputError(
      `The zip's datasets use dimension universe '${index.refs.universe_namespace}', not '${universe.namespace}'`,
    )
  }
  const types = new Map<string, DatasetType>()
  for (const [name, t] of Object.entries(index.refs.dataset_types)) {
    types.set(
      name,
      new DatasetType(t.name, universe.group(t.dimensions), t.storageClass, {
        isCalibration: t.isCalibration ?? false,
      }),
    )
  }
  return Object.entries(index.refs.compact_refs).map(([id, r]) => {
    const type = types.get(r.dataset_type_name)!
    const dataId = DataCoordinate.standardize(r.data_id, { dimensions: type.dimensions })
    return new DatasetRef(type, dataId, r.run, id)
  })
}

/** The zip's file name: uuid5 of its sorted member names, as the reference names it (deterministic). */
export function zipFileName(members: readonly string[]): string {
  return `${uuid5(DATASET_ID_NAMESPACE, [...members].sort().join(','))}.zip`
}

/** Plain JSON for one dimension record: timespans as `{begin, end}` TAI ns strings, bytes as hex. */
function recordToJson(record: DimensionRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(record.values)) {
    if (value instanceof Timespan) {
      const [begin, end] = value.toSimple()
      out[key] = { begin, end }
    } else if (value instanceof Uint8Array) {
      out[key] = { encoded: Buffer.from(value).toString('hex') }
    } else if (typeof value === 'bigint') {
      out[key] = Number.isSafeInteger(Number(value)) ? Number(value) : value.toString()
    } else out[key] = value
  }
  return out
}

/** The inverse of `recordToJson`, giving what `insertDimensionRecords` takes. */
export function recordFromJson(json: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(json)) {
    if (value !== null && typeof value === 'object' && 'encoded' in value) {
      const hex = String((value as { encoded: unknown }).encoded)
      if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new InputError(`Field '${key}' is not hex-encoded bytes`)
      out[key] = new Uint8Array(Buffer.from(hex, 'hex'))
    } else out[key] = value
  }
  return out
}

/** A member name must be a plain relative name: no folders that leave the zip, no absolute paths. */
function checkMemberName(member: string, source: string): void {
  if (
    member === '' ||
    member === ZIP_INDEX_NAME ||
    member.startsWith('/') ||
    member.includes('\\') ||
    member.includes('\0') ||
    member.split('/').some((part) => part === '..' || part === '.' || part === '')
  ) {
    throw new InputError(`${source}: '${member}' is not an acceptable member name`)
  }
}
