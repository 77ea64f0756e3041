/**
 * Dataset IDs: random UUIDv7 by default, or deterministic uuid5 values compatible with the reference.
 */
import { createHash, randomFillSync } from 'node:crypto'
import { InputError } from '../errors.js'

/** How a new dataset's UUID is made. */
export type DatasetIdGenerationMode = 'UNIQUE' | 'DATAID_TYPE' | 'DATAID_TYPE_RUN'

/** Every mode, in the reference's numbering (0, 1, 2). */
export const DATASET_ID_GENERATION_MODES: readonly DatasetIdGenerationMode[] = [
  'UNIQUE',
  'DATAID_TYPE',
  'DATAID_TYPE_RUN',
]

/** Namespace of deterministic dataset IDs: uuid5(NAMESPACE_DNS, "lsst.org"), as in the reference. */
export const DATASET_ID_NAMESPACE = '840b31d9-05cd-5161-b2c8-00d32b280d0f'

/** Namespace the reference uses to map legacy integer dataset IDs to uuid3 values. */
export const LEGACY_INTEGER_ID_NAMESPACE = '4d4851f4-2890-4d41-8779-5f38a3f5062b'

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Whether a string is a canonical lowercase UUID. */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value)
}

/** Normalises a UUID string (case, braces, missing hyphens) or throws `InputError`. */
export function normaliseUuid(value: string): string {
  const hex = value
    .trim()
    .toLowerCase()
    .replace(/^\{|\}$/g, '')
    .replace(/-/g, '')
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new InputError(`'${value}' is not a UUID`)
  return formatUuid(Buffer.from(hex, 'hex'))
}

/** Parses a mode name or its reference number (0, 1, 2). */
export function parseIdGenerationMode(value: string | number): DatasetIdGenerationMode {
  const byNumber =
    typeof value === 'number' || /^\d$/.test(value) ? DATASET_ID_GENERATION_MODES[Number(value)] : undefined
  const mode = byNumber ?? DATASET_ID_GENERATION_MODES.find((m) => m === String(value).toUpperCase())
  if (!mode)
    throw new InputError(`Unknown ID generation mode '${value}'; use UNIQUE, DATAID_TYPE or DATAID_TYPE_RUN`)
  return mode
}

const POOL_SIZE = 16 * 256
const pool = Buffer.allocUnsafe(POOL_SIZE)
let poolOffset = POOL_SIZE

/** A new random UUIDv7: 48-bit Unix milliseconds, version 7, random bits (good index locality). */
export function uuid7(now: number = Date.now()): string {
  if (poolOffset >= POOL_SIZE) {
    randomFillSync(pool)
    poolOffset = 0
  }
  const b = Buffer.from(pool.subarray(poolOffset, poolOffset + 16))
  poolOffset += 16
  b.writeUIntBE(now, 0, 6)
  b[6] = (b[6]! & 0x0f) | 0x70
  b[8] = (b[8]! & 0x3f) | 0x80
  return formatUuid(b)
}

/** A name-based UUID (version 5, SHA-1) as defined by RFC 4122. */
export function uuid5(namespace: string, name: string): string {
  return nameBased('sha1', 0x50, namespace, name)
}

/** A name-based UUID (version 3, MD5) as defined by RFC 4122. */
export function uuid3(namespace: string, name: string): string {
  return nameBased('md5', 0x30, namespace, name)
}

function nameBased(algorithm: 'sha1' | 'md5', version: number, namespace: string, name: string): string {
  const hash = createHash(algorithm)
  hash.update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
  hash.update(name, 'utf8')
  const b = hash.digest().subarray(0, 16)
  b[6] = (b[6]! & 0x0f) | version
  b[8] = (b[8]! & 0x3f) | 0x80
  return formatUuid(b)
}

function formatUuid(b: Uint8Array): string {
  const h = Buffer.from(b.buffer, b.byteOffset, 16).toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/**
 * The ID of a new dataset. Deterministic modes hash `dataset_type=<name>[,run=<run>]` followed by
 * the required data-ID items sorted by dimension name, exactly as the reference does, so the same
 * dataset gets the same UUID in every repository.
 */
export function makeDatasetId(
  mode: DatasetIdGenerationMode,
  datasetTypeName: string,
  requiredDataId: Readonly<Record<string, string | number>>,
  run: string,
): string {
  if (mode === 'UNIQUE') return uuid7()
  const items = [`dataset_type=${datasetTypeName}`]
  if (mode === 'DATAID_TYPE_RUN') items.push(`run=${run}`)
  for (const key of Object.keys(requiredDataId).sort()) items.push(`${key}=${requiredDataId[key]}`)
  return uuid5(DATASET_ID_NAMESPACE, items.join(','))
}
