/**
 * The storage operations behind `emptyTrash` and `verify` of an object-store datastore: listing the
 * prefix (objects, and multipart uploads left unfinished), sizes, deletes in batches.
 */
import type { DatastoreBridge } from '../../datasets/stored-file-info.js'
import { ButlerError } from '../../errors.js'
import type { StoredItem, VerifyHost } from '../artifact-upkeep.js'
import type { FileCache } from '../cache/file-cache.js'
import { splitZipPath, zipFileOf } from '../file/zip-member.js'
import { missing, type ObjectStoreReader } from './object-store-reader.js'
import type { S3Bucket } from './s3-bucket.js'
import { keyOf, listPrefixOf, relativePathOf, type S3Location } from './s3-location.js'

/** Unfinished multipart uploads older than this are leftovers; younger ones may be in progress. */
const STALE_UPLOAD_MS = 60 * 60 * 1000

/** What the upkeep operations work on. */
export interface ObjectStoreUpkeepContext {
  readonly name: string
  readonly bridge: DatastoreBridge
  readonly bucket: S3Bucket
  readonly location: S3Location
  readonly reader: ObjectStoreReader
  readonly cache: FileCache | undefined
}

/** A `VerifyHost` over the objects under a prefix (one per `verify` or `emptyTrash` call). */
export function objectStoreUpkeepHost(ctx: ObjectStoreUpkeepContext): VerifyHost {
  const { bucket, location, reader } = ctx
  // Sizes from the listing, so checking records costs no request per object.
  const sizes = new Map<string, number>()
  const key = (path: string) => keyOf(location, path)
  return {
    name: ctx.name,
    bridge: ctx.bridge,
    zipMembers: async (zip) => {
      const members = await reader.zipMembers(zip)
      if (!members) throw new ButlerError(`Zip ${zip} is not in ${ctx.name}`)
      return [...members.keys()]
    },
    remove: async (paths) => {
      const keys = paths.map(key)
      reader.forget(keys)
      return bucket.deleteMany(keys)
    },
    forgotten: async (ids) => {
      const cache = ctx.cache
      if (cache?.root === undefined) return
      for (const id of ids) await cache.remove(id)
    },
    async *list(): AsyncGenerator<StoredItem> {
      const prefix = listPrefixOf(location)
      for await (const o of bucket.list(prefix)) {
        const path = relativePathOf(location, o.key)
        if (path === undefined) continue
        sizes.set(path, o.size)
        yield { path, key: path, temporary: false }
      }
      // Uploads started within the hour may be in progress in another process.
      const cutoff = Date.now() - STALE_UPLOAD_MS
      for (const u of await bucket.listPendingUploads(prefix)) {
        if (u.initiated !== undefined && u.initiated.getTime() > cutoff) continue
        const path = relativePathOf(location, u.key) ?? u.key
        yield { path, key: `upload:${u.uploadId}:${u.key}`, temporary: true }
      }
    },
    ownerKey: (r) => zipFileOf(r.path),
    removeLeftovers: async (items) => {
      const orphans: string[] = []
      for (const item of items) {
        const upload = /^upload:([^:]+):(.*)$/s.exec(item.key)
        if (upload) await bucket.abortUpload(upload[2]!, upload[1]!)
        else orphans.push(key(item.path))
      }
      await bucket.deleteMany(orphans)
    },
    sizeOf: async (r) => {
      const zip = splitZipPath(r.path)
      if (zip) {
        const members = await reader.zipMembers(zip.zip)
        if (!members) throw missing(r)
        const size = members.get(zip.member)
        if (size === undefined) throw new ButlerError(`Zip ${zip.zip} has no member '${zip.member}'`)
        return size
      }
      const listed = sizes.get(r.path)
      if (listed !== undefined) return listed
      const head = await bucket.head(key(r.path))
      if (!head) throw missing(r)
      return head.size
    },
    checksumMatches: (r) => reader.checksumMatches(r),
  }
}
