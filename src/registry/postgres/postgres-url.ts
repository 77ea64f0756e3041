/**
 * Parsing `postgresql://user[:password]@host:port/db` registry URLs and describing them without the
 * password (for messages and for `butler.yaml`).
 */
import { RepositoryError } from '../../errors.js'

/** The parts of a PostgreSQL registry URL. */
export interface PostgresTarget {
  readonly host: string
  readonly port: number
  readonly database: string
  readonly user: string | undefined
  /** Password from the URL; otherwise `pg` reads `PGPASSWORD` or `~/.pgpass`. */
  readonly password: string | undefined
}

/** Schema names accepted as a registry namespace (plain identifiers, so they need no quoting rules). */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/** Whether a registry location is a PostgreSQL URL rather than a SQLite path. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location)
}

/**
 * Parses a PostgreSQL URL (`postgresql://user[:password]@host[:port]/db`; the port defaults to 5432,
 * the database to `postgres`).
 *
 * @throws RepositoryError for anything else.
 */
export function parsePostgresUrl(url: string): PostgresTarget {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new RepositoryError(`Not a PostgreSQL URL: ${redactUrl(url)}`)
  }
  if (!isPostgresUrl(url) || parsed.hostname === '') {
    throw new RepositoryError(
      `Not a PostgreSQL URL: ${redactUrl(url)} (expected postgresql://user@host:port/db)`,
    )
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres'
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : 5432,
    database,
    user: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
  }
}

/** Checks a schema (namespace) name. @throws RepositoryError when it is not a plain identifier. */
export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new RepositoryError(
      `Invalid registry namespace '${schema}': use letters, digits and underscores, not starting with a digit`,
    )
  }
  return schema
}

/** `postgresql://user@host:port/db`, without any password. */
export function describeTarget(target: PostgresTarget, schema?: string): string {
  const user = target.user === undefined ? '' : `${encodeURIComponent(target.user)}@`
  const where = `postgresql://${user}${target.host}:${target.port}/${target.database}`
  return schema === undefined ? where : `${where} (schema ${schema})`
}

/** A URL with any password removed; unparsable text is returned up to its `@`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:@/]*):[^@/]*@/i, '$1@')
}
