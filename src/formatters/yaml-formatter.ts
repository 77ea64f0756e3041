/** YAML files for dicts and lists (and JSON-like scalars). */

import { parse, type ScalarTag, stringify, type Tags } from 'yaml'
import { FormatterError } from '../errors.js'
import {
  checkDecoded,
  checkWrite,
  decodeError,
  decodeUtf8,
  encodeUtf8,
  type Formatter,
  type FormatterReadContext,
  type FormatterWriteContext,
} from './formatter.js'

const TYPES = ['object', 'array', 'string', 'integer', 'number'] as const

// PyYAML's float needs a dot, and an exponent needs a sign: `1e3` and `1.5e3` are strings to it.
const PYYAML_EXP_FLOAT = /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*[eE][-+][0-9]+$/

const PARSE_OPTIONS = {
  version: '1.1',
  customTags: (tags: Tags): Tags =>
    tags
      .filter((t) => !(typeof t === 'object' && t.tag === 'tag:yaml.org,2002:timestamp'))
      .map((t) =>
        typeof t === 'object' && 'format' in t && t.format === 'EXP'
          ? ({ ...t, test: PYYAML_EXP_FLOAT } as ScalarTag)
          : t,
      ),
} as const

/**
 * Writes and reads YAML with YAML 1.1 rules, as PyYAML (the reference implementation's library) does:
 * strings such as `yes`, `on` or `2020-01-01` are quoted on write, and unquoted `1e3` reads as a string.
 * Unquoted timestamps are kept as strings rather than turned into `Date`s, so values stay JSON-like.
 */
export class YamlFormatter implements Formatter {
  readonly name = 'YamlFormatter'
  readonly extension = '.yaml'
  readonly supportedExtensions = ['.yaml', '.yml'] as const

  async toBytes(obj: unknown, ctx: FormatterWriteContext): Promise<Uint8Array[]> {
    checkWrite(this, obj, ctx, { types: TYPES, writeParameters: [] })
    let text: string
    try {
      text = stringify(obj, { version: '1.1', aliasDuplicateObjects: false })
    } catch (cause) {
      throw new FormatterError(`YamlFormatter cannot serialise the object: ${(cause as Error).message}`, {
        cause,
      })
    }
    return [encodeUtf8(text)]
  }

  async fromBytes(
    bytes: Uint8Array,
    ctx: FormatterReadContext,
  ): Promise<{ value: unknown; appliedParameters: readonly string[] }> {
    let value: unknown
    try {
      const text = decodeUtf8(this, bytes, ctx)
      value = parse(text, PARSE_OPTIONS)
    } catch (cause) {
      throw decodeError(this, ctx, `invalid YAML (${(cause as Error).message})`, cause)
    }
    checkDecoded(this, value, ctx)
    return { value, appliedParameters: [] }
  }
}
