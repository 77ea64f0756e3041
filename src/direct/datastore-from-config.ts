/**
 * The datastore a repository's `butler.yaml` describes (`datastore.cls`): files under a local root
 * (`FileDatastore`, the default) or objects in an S3-compatible bucket (`ObjectStoreDatastore`).
 */
import { resolve } from 'node:path'
import type { StorageClassFactory } from '../datasets/storage-class.js'
import type { DatastoreBridge } from '../datasets/stored-file-info.js'
import { FileCache } from '../datastore/cache/file-cache.js'
import { CompositesPolicy } from '../datastore/composites.js'
import type { Datastore } from '../datastore/datastore.js'
import { FileDatastore } from '../datastore/file/file-datastore.js'
import type { FileTemplates } from '../datastore/file/file-template.js'
import { ObjectStoreDatastore } from '../datastore/object-store/object-store-datastore.js'
import { S3Bucket } from '../datastore/object-store/s3-bucket.js'
import { listPrefixOf, parseS3Root, rootUri } from '../datastore/object-store/s3-location.js'
import { RepositoryError } from '../errors.js'
import type { FormatterFactory } from '../formatters/formatter-factory.js'
import { expandRoot, REPO_CONFIG_FILE, type RepoConfig, SQLITE_REGISTRY_FILE } from './repo-config.js'

/** What a datastore is built from besides its config section. */
export interface DatastoreContext {
  /** The repository folder (`<butlerRoot>`). */
  readonly repo: string
  readonly bridge: DatastoreBridge
  readonly storageClasses: StorageClassFactory
  readonly formatters: FormatterFactory
  readonly templates: FileTemplates
}

/** Builds the datastore of a validated repository config. */
export function createDatastore(config: RepoConfig['datastore'], ctx: DatastoreContext): Datastore {
  const common = {
    ...(config.name ? { name: config.name } : {}),
    bridge: ctx.bridge,
    storageClasses: ctx.storageClasses,
    formatters: ctx.formatters,
    templates: ctx.templates,
    checksum: config.checksum,
    concurrency: config.concurrency,
    composites: new CompositesPolicy(config.composites),
  }
  if (config.cls === 'ObjectStoreDatastore') {
    return new ObjectStoreDatastore({
      ...common,
      root: config.root,
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      cache: FileCache.fromConfig(config.cached ?? {}),
    })
  }
  return new FileDatastore({
    ...common,
    root: resolve(ctx.repo, expandRoot(config.root, ctx.repo)),
    fsync: config.fsync,
    ignore: [
      REPO_CONFIG_FILE,
      SQLITE_REGISTRY_FILE,
      `${SQLITE_REGISTRY_FILE}-wal`,
      `${SQLITE_REGISTRY_FILE}-shm`,
      `${SQLITE_REGISTRY_FILE}-journal`,
    ],
  })
}

/**
 * Checks, before a repository is created, that its datastore's storage can be used: for an object
 * store, that the bucket exists and answers (within `timeoutMs`) and that nothing is under the
 * prefix yet (the datastore owns every object there, and `verify --repair` deletes unknown ones).
 * Problems are `RepositoryError`s naming the bucket and endpoint.
 */
export async function checkDatastoreStorage(
  config: RepoConfig['datastore'],
  timeoutMs = 10_000,
): Promise<void> {
  if (config.cls !== 'ObjectStoreDatastore') return
  const location = parseS3Root(config.root)
  const bucket = new S3Bucket({
    bucket: location.bucket,
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    connectTimeoutMs: Math.min(5000, timeoutMs),
    maxAttempts: 2,
  })
  try {
    await bucket.checkBucket(timeoutMs)
    if (await bucket.hasObjectsUnder(listPrefixOf(location))) {
      throw new RepositoryError(
        `${rootUri(location)} (${bucket.endpointLabel}) already holds objects; a new repository needs an empty prefix`,
      )
    }
  } finally {
    await bucket.close()
  }
}
