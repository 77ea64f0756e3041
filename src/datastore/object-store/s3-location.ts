/**
 * Where an object-store datastore keeps its artifacts: a bucket and a key prefix, written
 * `s3://bucket/prefix` in config. Artifact keys are `<prefix>/<datastore-relative path>`.
 */
import { ConfigError, PathEscapeError } from '../../errors.js'

/** A bucket and the key prefix under which a datastore owns every object. */
export interface S3Location {
  readonly bucket: string
  /** Key prefix without leading or trailing slash; '' for the whole bucket. */
  readonly prefix: string
}

/** Whether a string is an `s3://` URI. */
export function isS3Uri(value: string): boolean {
  return /^s3:\/\//i.test(value)
}

/** Parses a datastore root `s3://bucket[/prefix]`; anything else is a `ConfigError` naming `key`. */
export function parseS3Root(root: string, key = 'datastore.root'): S3Location {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(root.trim())
  if (!m) throw new ConfigError(`${key} '${root}' is not an S3 URI (s3://bucket/prefix)`)
  const bucket = m[1]!
  if (!/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
    throw new ConfigError(
      `${key} '${root}': '${bucket}' is not a valid bucket name (3 to 63 lowercase letters, digits, dots and hyphens)`,
    )
  }
  const prefix = (m[2] ?? '').replace(/\/+$/, '')
  if (prefix !== '') {
    try {
      checkRelativeKey(prefix)
    } catch {
      throw new ConfigError(`${key} '${root}': the prefix must be a plain path (no '.', '..' or empty parts)`)
    }
  }
  return { bucket, prefix }
}

/** The `s3://` URI of a key. */
export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`
}

/** The root URI of a location (`s3://bucket/prefix`). */
export function rootUri(location: S3Location): string {
  return location.prefix === '' ? `s3://${location.bucket}` : `s3://${location.bucket}/${location.prefix}`
}

/**
 * The object key of a datastore-relative path. The path must stay inside the prefix: no leading
 * slash, no '.', '..' or empty parts, no backslashes (`PathEscapeError` otherwise).
 */
export function keyOf(location: S3Location, path: string): string {
  checkRelativeKey(path)
  return location.prefix === '' ? path : `${location.prefix}/${path}`
}

/** The datastore-relative path of a key under the prefix, or undefined for keys outside it. */
export function relativePathOf(location: S3Location, key: string): string | undefined {
  if (location.prefix === '') return key
  const start = `${location.prefix}/`
  return key.startsWith(start) && key.length > start.length ? key.slice(start.length) : undefined
}

/** The key prefix to list a location's objects with ('' or `prefix/`). */
export function listPrefixOf(location: S3Location): string {
  return location.prefix === '' ? '' : `${location.prefix}/`
}

function checkRelativeKey(path: string): void {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) {
    throw new PathEscapeError(`Artifact path '${path}' is not a relative path inside the datastore`)
  }
  for (const part of path.split('/')) {
    if (part === '' || part === '.' || part === '..') {
      throw new PathEscapeError(
        `Artifact path '${path}' has a '${part || '(empty)'}' part; it must stay inside the datastore`,
      )
    }
  }
}
