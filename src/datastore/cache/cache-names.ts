/**
 * File names inside a cache directory, and who owns the private files.
 *
 * Layout of a cache root:
 * - `<uuid>[_<component>]<ext>`: cache entries (as in the reference; the first `.` starts the extension);
 * - `.incoming/<owner-tag>-<entry name>`: files being written, renamed into the root when complete;
 * - `.held/<owner-tag>-<entry name>`: hard links (or copies) that keep a found entry readable until
 *   its handle is released, even if another process evicts the entry meanwhile.
 *
 * An owner tag is `<created ms>-<pid>-<host hash>-<process token>-<random>`, so an expiry can tell
 * files of a crashed process (its pid is gone, or it is an earlier process with this same pid) from
 * files of live ones.
 */
import { createHash, randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { InputError } from '../../errors.js'

/** Sub-directory for files being written. */
export const INCOMING_DIR = '.incoming'
/** Sub-directory for files held open by handles. */
export const HELD_DIR = '.held'

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
const COMPONENT = '[A-Za-z0-9][A-Za-z0-9_-]{0,127}'
const EXTENSION = '(?:\\.[A-Za-z0-9_-]{1,32}){0,4}'
const ENTRY_PATTERN = new RegExp(`^(${UUID})(?:_(${COMPONENT}))?(${EXTENSION})$`)
const OWNED_PATTERN = /^(\d{1,16})-(\d{1,10})-([0-9a-f]{8})-([0-9a-f]{8})-[0-9a-f]{8}-(.+)$/

/** What a cache entry's file name says. */
export interface EntryName {
  readonly datasetId: string
  /** Component name, or null for a whole dataset. */
  readonly component: string | null
  /** Extension with its leading dot(s) (`.fits.gz`), or `''`. */
  readonly extension: string
}

/** Builds `<uuid>[_<component>]<ext>`; a malformed part is an `InputError` naming it. */
export function entryFileName(datasetId: string, component: string | null, extension: string): string {
  const id = normalizeDatasetId(datasetId)
  if (component !== null && !new RegExp(`^${COMPONENT}$`).test(component)) {
    throw new InputError(`Cache component name '${component}' must be letters, digits, '_' or '-'`)
  }
  if (!new RegExp(`^${EXTENSION}$`).test(extension)) {
    throw new InputError(
      `Cache file extension '${extension}' must be empty or like '.fits' or '.fits.gz' (letters, digits, '_', '-')`,
    )
  }
  return `${id}${component === null ? '' : `_${component}`}${extension}`
}

/** The dataset ID in canonical lower-case form; not a UUID is an `InputError`. */
export function normalizeDatasetId(datasetId: string): string {
  const id = typeof datasetId === 'string' ? datasetId.toLowerCase() : ''
  if (!new RegExp(`^${UUID}$`).test(id)) {
    throw new InputError(`Dataset ID '${String(datasetId)}' is not a UUID`)
  }
  return id
}

/** Parses an entry file name; undefined for anything else (temporary files, foreign files). */
export function parseEntryFileName(name: string): EntryName | undefined {
  const match = ENTRY_PATTERN.exec(name)
  if (!match) return undefined
  return { datasetId: match[1]!, component: match[2] ?? null, extension: match[3] ?? '' }
}

const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8)
const PROCESS_TOKEN = randomBytes(4).toString('hex')

/** A fresh name for a private file of this process (`.incoming` or `.held`) standing for `entry`. */
export function ownedFileName(entry: string): string {
  return `${Date.now()}-${process.pid}-${HOST_TAG}-${PROCESS_TOKEN}-${randomBytes(4).toString('hex')}-${entry}`
}

/** Owner facts of a private file name. */
export interface OwnedName {
  readonly createdMs: number
  readonly pid: number
  readonly sameHost: boolean
  /** Made by this very process. */
  readonly mine: boolean
  readonly entry: string
}

/** Parses a private file name; undefined when it is not one. */
export function parseOwnedFileName(name: string): OwnedName | undefined {
  const match = OWNED_PATTERN.exec(name)
  if (!match) return undefined
  const pid = Number(match[2])
  const sameHost = match[3] === HOST_TAG
  return {
    createdMs: Number(match[1]),
    pid,
    sameHost,
    mine: sameHost && pid === process.pid && match[4] === PROCESS_TOKEN,
    entry: match[5]!,
  }
}

/**
 * Whether the process that made a private file is known to be gone: it ran on this host and its pid
 * no longer exists, or the pid is ours but the file is from an earlier process that had it.
 * Files of other hosts or of live pids are never "gone" (age limits handle those).
 */
export function isOwnerGone(owner: OwnedName): boolean {
  if (!owner.sameHost || owner.mine) return false
  if (owner.pid === process.pid) return true
  try {
    process.kill(owner.pid, 0)
    return false
  } catch (error) {
    // EPERM: the pid exists but belongs to another user, so it is alive.
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

let lastStamp = 0

/**
 * A use time in seconds for `utimes`, strictly increasing within this process (by at least 1 µs), with
 * sub-millisecond resolution so entries touched in quick succession still sort in order of use.
 */
export function nextUseStamp(): number {
  const now = (performance.timeOrigin + performance.now()) / 1000
  lastStamp = Math.max(now, lastStamp + 1e-6)
  return lastStamp
}
