/**
 * Deleting and checking artifacts, the same way for every datastore that keeps its records through
 * the registry's `DatastoreBridge`: the second phase of two-phase deletion (`emptyTrash`), and
 * `verify` (pending deletes, leftovers of interrupted writes, orphans, missing or damaged artifacts).
 * A datastore supplies only the storage operations.
 */
import type { DatastoreBridge, StoredFileInfo } from '../datasets/stored-file-info.js'
import { isAbsoluteUri } from './artifact-planner.js'
import type { VerifyProblem } from './datastore.js'
import { isZipMemberPath, zipFileOf, zipMemberPath } from './file/zip-member.js'

/** How many trashed records one round of `emptyTrash` handles. */
const TRASH_PAGE = 10_000

/** What `emptyTrashWith` needs from a datastore. */
export interface TrashHost {
  readonly name: string
  readonly bridge: DatastoreBridge
  /** Member names of a stored zip (datastore-relative path); throws when it cannot be read. */
  zipMembers(zipPath: string): Promise<string[]>
  /** Deletes artifacts (datastore-relative paths, never absolute); returns how many were there. */
  remove(paths: readonly string[]): Promise<number>
  /** Told which datasets were forgotten (to drop cached copies, for instance). */
  forgotten?(datasetIds: readonly string[]): Promise<void>
}

/**
 * Deletes the artifacts of trashed datasets that no other record uses (a zip only with its last
 * dataset; artifacts recorded by absolute URI never), then forgets the records. Returns how many
 * artifacts went.
 */
export async function emptyTrashWith(host: TrashHost): Promise<number> {
  let removed = 0
  for (;;) {
    const trashed = await host.bridge.fetchTrashed(host.name, TRASH_PAGE)
    if (trashed.length === 0) return removed
    const paths = [...new Set(trashed.map((r) => r.path))]
    const inUse = await host.bridge.pathsInUse(paths)
    const unused = paths.filter((p) => !inUse.has(p) && !isAbsoluteUri(p))
    const files = await dropZipsInUse(unused, (ps) => host.bridge.pathsInUse(ps), host.zipMembers.bind(host))
    removed += await host.remove(files)
    const ids = [...new Set(trashed.map((r) => r.datasetId))]
    await host.bridge.forget(host.name, ids)
    await host.forgotten?.(ids)
  }
}

/**
 * Of the zip member paths among `paths`, drops those whose zip still has a member used by another
 * record and replaces the others by their zip's path, so a zip is deleted only with its last dataset.
 * Plain paths pass; an unreadable zip is kept (a leftover is reported by verify, deleting is final).
 */
export async function dropZipsInUse(
  paths: readonly string[],
  inUse: (paths: readonly string[]) => Promise<Set<string>>,
  zipMembers: (zipPath: string) => Promise<string[]>,
): Promise<string[]> {
  const zips = new Set<string>()
  for (const p of paths) if (isZipMemberPath(p)) zips.add(zipFileOf(p))
  if (zips.size === 0) return [...paths]
  const kept = new Set<string>()
  for (const zip of zips) {
    let members: string[]
    try {
      members = await zipMembers(zip)
    } catch {
      kept.add(zip)
      continue
    }
    const used = await inUse(members.map((m) => zipMemberPath(zip, m)))
    if (used.size > 0) kept.add(zip)
  }
  const out = new Set<string>()
  for (const p of paths) {
    if (!isZipMemberPath(p)) out.add(p)
    else if (!kept.has(zipFileOf(p))) out.add(zipFileOf(p))
  }
  return [...out]
}

/** One stored artifact (or leftover) found by listing a datastore. */
export interface StoredItem {
  /** Datastore-relative path, as reported. */
  readonly path: string
  /** What records are matched against (see `VerifyHost.ownerKey`). */
  readonly key: string
  /** A leftover of an interrupted write (temporary file, unfinished multipart upload). */
  readonly temporary: boolean
}

/** What `verifyWith` needs from a datastore. */
export interface VerifyHost extends TrashHost {
  /** Every artifact and leftover under the datastore's root (except files that are not artifacts). */
  list(): AsyncIterable<StoredItem>
  /** The listing key of what backs a record (the zip for a zip member). */
  ownerKey(record: StoredFileInfo): string
  /** Removes leftovers found by `list`. */
  removeLeftovers(items: readonly StoredItem[]): Promise<void>
  /** Size of a recorded artifact (a zip member's uncompressed size); throws when it is missing. */
  sizeOf(record: StoredFileInfo): Promise<number>
  /** Whether the artifact's bytes have the recorded checksum. */
  checksumMatches(record: StoredFileInfo): Promise<boolean>
}

/**
 * Checks artifacts against records: pending deletes (emptied with `repair`), leftovers and orphans
 * (removed with `repair`), missing artifacts, size mismatches and, with `checksums`, checksum
 * mismatches (reported only: lost data cannot be repaired).
 */
export async function verifyWith(
  host: VerifyHost,
  options: { readonly repair?: boolean; readonly checksums?: boolean } = {},
): Promise<VerifyProblem[]> {
  const problems: VerifyProblem[] = []
  const repair = options.repair ?? false
  // Pending deletes first, so their artifacts do not show up as orphans.
  const pending = await host.bridge.fetchTrashed(host.name, Number.MAX_SAFE_INTEGER)
  for (const r of pending) {
    problems.push({
      kind: 'pending-trash',
      path: r.path,
      datasetId: r.datasetId,
      repairable: true,
      repaired: repair,
    })
  }
  if (repair && pending.length > 0) await emptyTrashWith(host)
  const recorded = new Map<string, StoredFileInfo>()
  const owners = new Set<string>()
  for await (const page of host.bridge.iterateRecords(host.name)) {
    for (const r of page) {
      recorded.set(r.path, r)
      owners.add(host.ownerKey(r))
    }
  }
  const leftovers: StoredItem[] = []
  for await (const item of host.list()) {
    if (item.temporary) {
      leftovers.push(item)
      problems.push({ kind: 'temporary-file', path: item.path, repairable: true, repaired: repair })
    } else if (!recorded.has(item.path) && !owners.has(item.key)) {
      leftovers.push(item)
      problems.push({ kind: 'orphan-file', path: item.path, repairable: true, repaired: repair })
    }
  }
  if (repair && leftovers.length > 0) await host.removeLeftovers(leftovers)
  for (const r of recorded.values()) {
    const found = { path: r.path, datasetId: r.datasetId, repairable: false, repaired: false }
    let size: number
    try {
      size = await host.sizeOf(r)
    } catch {
      problems.push({ kind: 'missing-file', ...found })
      continue
    }
    if (r.fileSize >= 0 && size !== r.fileSize) {
      problems.push({ kind: 'size-mismatch', ...found })
    } else if (options.checksums && r.checksum && !(await host.checksumMatches(r))) {
      problems.push({ kind: 'checksum-mismatch', ...found })
    }
  }
  return problems
}
