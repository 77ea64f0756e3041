/**
 * The `cached:` section of a datastore config and the environment variables that override it.
 *
 * ```yaml
 * cached:
 *   root: null                 # null: a private temporary directory (see below)
 *   expiry: { mode: datasets, threshold: 4 }
 *   default: true              # cache datasets that no `cacheable` key matches
 *   cacheable: { Exposure: true, ExposureF: true }
 * ```
 *
 * Precedence of the cache directory: `DAF_BUTLER_CACHE_DIRECTORY` > `root` >
 * `DAF_BUTLER_CACHE_DIRECTORY_IF_UNSET` > a new private temporary directory (removed on close).
 * `DAF_BUTLER_CACHE_EXPIRATION_MODE=mode=threshold` (or `disabled`) replaces `expiry`.
 */
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ConfigError } from '../../errors.js'

/** Overrides the cache directory, whatever the config says. */
export const CACHE_DIRECTORY_ENV = 'DAF_BUTLER_CACHE_DIRECTORY'
/** Overrides the expiry policy: `mode=threshold` (e.g. `datasets=10`, `size=1000000000`) or `disabled`. */
export const CACHE_EXPIRATION_MODE_ENV = 'DAF_BUTLER_CACHE_EXPIRATION_MODE'
/** Cache directory used when neither the config nor `DAF_BUTLER_CACHE_DIRECTORY` names one. */
export const CACHE_DIRECTORY_IF_UNSET_ENV = 'DAF_BUTLER_CACHE_DIRECTORY_IF_UNSET'

/** Prefix of cache directories made in the OS temporary directory. */
export const TEMPORARY_CACHE_PREFIX = 'butler-cache-dir-'

/** How the cache decides what to evict. Units: `size` in bytes, `age` in seconds. */
export type ExpiryMode = 'disabled' | 'files' | 'datasets' | 'size' | 'age'

/** Every expiry mode, for validation and messages. */
export const EXPIRY_MODES: readonly ExpiryMode[] = ['disabled', 'files', 'datasets', 'size', 'age']

/** A validated expiry policy. */
export type ExpiryPolicy =
  | { readonly mode: 'disabled' }
  | { readonly mode: Exclude<ExpiryMode, 'disabled'>; readonly threshold: number }

/** The `cached:` config section as written in YAML (every key optional). */
export interface FileCacheConfig {
  /** Cache directory; `null` or absent for the fallback / temporary directory. */
  readonly root?: string | null
  /** Expiry policy; `mode: null` means disabled. A `mode` other than disabled needs a `threshold`. */
  readonly expiry?: { readonly mode?: ExpiryMode | null; readonly threshold?: number | null } | null
  /** Whether datasets that no `cacheable` key matches are cached (default true). */
  readonly default?: boolean
  /** Lookup key (dataset type, storage class, dimensions, `instrument<X>` section) -> cache or not. */
  readonly cacheable?: Readonly<Record<string, boolean | Readonly<Record<string, boolean>>>> | null
}

/** Where the cache directory came from; decides who creates and removes it. */
export type CacheRootKind = 'environment' | 'config' | 'fallback' | 'temporary'

/** Fully resolved cache settings. */
export interface FileCacheSettings {
  /** Absolute cache directory; undefined for `temporary` (made on first use, removed on close). */
  readonly root: string | undefined
  readonly rootKind: CacheRootKind
  readonly expiry: ExpiryPolicy
  readonly default: boolean
  readonly cacheable: Readonly<Record<string, unknown>>
}

/** The reference's defaults: expire beyond 4 datasets, cache everything. */
export const DEFAULT_CACHE_CONFIG = {
  root: null,
  expiry: { mode: 'datasets', threshold: 4 },
  default: true,
  cacheable: { Exposure: true, ExposureF: true },
} as const satisfies FileCacheConfig

const KEY = 'datastore.cached'

/**
 * Validates a `cached:` section merged over the defaults and applies the environment overrides.
 * Any problem is a `ConfigError` naming the key (or the environment variable).
 */
export function resolveCacheSettings(
  config: unknown,
  env: Readonly<Record<string, string | undefined>> = process.env,
): FileCacheSettings {
  const raw = mapping(config, KEY) ?? {}
  checkKeys(raw, KEY, ['root', 'expiry', 'default', 'cacheable'])

  const configRoot = raw.root
  if (configRoot !== undefined && configRoot !== null && (typeof configRoot !== 'string' || !configRoot)) {
    throw new ConfigError(`${KEY}.root must be a directory path or null`)
  }
  let root: string | undefined
  let rootKind: CacheRootKind
  if (env[CACHE_DIRECTORY_ENV]) {
    root = path.resolve(env[CACHE_DIRECTORY_ENV])
    rootKind = 'environment'
  } else if (typeof configRoot === 'string') {
    root = path.resolve(configRoot)
    rootKind = 'config'
  } else if (env[CACHE_DIRECTORY_IF_UNSET_ENV]) {
    root = path.resolve(env[CACHE_DIRECTORY_IF_UNSET_ENV])
    rootKind = 'fallback'
  } else {
    root = undefined
    rootKind = 'temporary'
  }

  const defaultValue = raw.default ?? DEFAULT_CACHE_CONFIG.default
  if (typeof defaultValue !== 'boolean') throw new ConfigError(`${KEY}.default must be true or false`)

  const cacheable = { ...DEFAULT_CACHE_CONFIG.cacheable, ...validateCacheable(raw.cacheable) }

  const envMode = env[CACHE_EXPIRATION_MODE_ENV]
  const expiry = envMode ? parseExpiryEnv(envMode) : parseExpiry(raw.expiry)

  return { root, rootKind, expiry, default: defaultValue, cacheable }
}

/**
 * Parses `DAF_BUTLER_CACHE_EXPIRATION_MODE`: `mode=threshold`, or `disabled` alone.
 * A bad value is a `ConfigError` naming the variable.
 */
export function parseExpiryEnv(value: string): ExpiryPolicy {
  const text = value.trim()
  if (text === 'disabled') return { mode: 'disabled' }
  const match = /^([a-z]+)=(.*)$/.exec(text)
  if (!match) {
    throw new ConfigError(
      `${CACHE_EXPIRATION_MODE_ENV}='${value}' must be 'mode=threshold' (e.g. 'datasets=4') or 'disabled'`,
    )
  }
  const threshold = match[2]!.trim()
  if (!/^\d+(\.\d+)?$/.test(threshold)) {
    throw new ConfigError(`${CACHE_EXPIRATION_MODE_ENV}='${value}': threshold must be a non-negative number`)
  }
  return makePolicy(match[1]!, Number(threshold), CACHE_EXPIRATION_MODE_ENV)
}

function parseExpiry(value: unknown): ExpiryPolicy {
  const raw = mapping(value, `${KEY}.expiry`)
  if (raw === undefined) return { ...DEFAULT_CACHE_CONFIG.expiry }
  checkKeys(raw, `${KEY}.expiry`, ['mode', 'threshold'])
  // A section with only a threshold keeps the default mode; a mode needs its own threshold, since a
  // default of 4 means something different for every mode.
  const mode = Object.hasOwn(raw, 'mode') ? raw.mode : DEFAULT_CACHE_CONFIG.expiry.mode
  if (mode === null || mode === 'disabled') return { mode: 'disabled' }
  if (typeof mode !== 'string') {
    throw new ConfigError(`${KEY}.expiry.mode must be one of ${EXPIRY_MODES.join(', ')} (got ${show(mode)})`)
  }
  const threshold = raw.threshold
  if (threshold === undefined || threshold === null) {
    throw new ConfigError(`${KEY}.expiry.threshold is required for expiry mode '${mode}'`)
  }
  if (typeof threshold !== 'number') {
    throw new ConfigError(`${KEY}.expiry.threshold must be a number (got ${show(threshold)})`)
  }
  return makePolicy(mode, threshold, `${KEY}.expiry`)
}

function makePolicy(mode: string, threshold: number, key: string): ExpiryPolicy {
  if (mode === 'disabled') return { mode: 'disabled' }
  if (mode !== 'files' && mode !== 'datasets' && mode !== 'size' && mode !== 'age') {
    throw new ConfigError(
      `${key}: unknown expiry mode '${mode}' (expected one of ${EXPIRY_MODES.join(', ')})`,
    )
  }
  if (!Number.isFinite(threshold) || threshold < 0) {
    throw new ConfigError(`${key}: threshold must be a non-negative number (got ${threshold})`)
  }
  if (mode !== 'age' && !Number.isInteger(threshold)) {
    throw new ConfigError(`${key}: threshold of mode '${mode}' must be a whole number (got ${threshold})`)
  }
  return { mode, threshold }
}

function validateCacheable(value: unknown): Record<string, unknown> {
  const raw = mapping(value, `${KEY}.cacheable`) ?? {}
  for (const [key, v] of Object.entries(raw)) {
    if (typeof v === 'boolean') continue
    if (key.startsWith('instrument<') && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [inner, w] of Object.entries(v)) {
        if (typeof w !== 'boolean') {
          throw new ConfigError(`${KEY}.cacheable.${key}.${inner} must be true or false`)
        }
      }
      continue
    }
    throw new ConfigError(`${KEY}.cacheable.${key} must be true or false`)
  }
  return raw
}

function mapping(value: unknown, key: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${key} must be a mapping`)
  return value as Record<string, unknown>
}

function checkKeys(raw: Record<string, unknown>, key: string, allowed: readonly string[]): void {
  for (const k of Object.keys(raw)) {
    if (!allowed.includes(k)) {
      throw new ConfigError(`${key}.${k} is not a known key (expected one of ${allowed.join(', ')})`)
    }
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value))
}

/**
 * Sets `DAF_BUTLER_CACHE_DIRECTORY_IF_UNSET` to a new unique path in the OS temporary directory unless
 * it is set already, so this process and every child that inherits the environment share one cache.
 * The directory itself is made (mode 0700) on first use; whoever called this removes it when done.
 * Returns whether the variable was newly set, and the directory.
 */
export function setFallbackCacheDirectoryIfUnset(env: Record<string, string | undefined> = process.env): {
  defined: boolean
  directory: string
} {
  const existing = env[CACHE_DIRECTORY_IF_UNSET_ENV]
  if (existing) return { defined: false, directory: existing }
  const directory = path.join(
    tmpdir(),
    `${TEMPORARY_CACHE_PREFIX}${process.pid}-${randomBytes(8).toString('hex')}`,
  )
  env[CACHE_DIRECTORY_IF_UNSET_ENV] = directory
  return { defined: true, directory }
}
