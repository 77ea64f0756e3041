/** JSON files for JSON-like storage classes (dicts, lists, strings, integers and floats). */

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

// Python's json module writes these tokens for non-finite floats; accept and write them for scalars.
const NON_FINITE: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  Infinity: Infinity,
  '-Infinity': -Infinity,
}

/**
 * Writes and reads JSON (UTF-8). Write parameter `indent` (spaces) pretty-prints. A top-level
 * non-finite float is written as Python writes it (`NaN`, `Infinity`); nested ones are refused rather
 * than silently turned into `null`.
 */
export class JsonFormatter implements Formatter {
  readonly name = 'JsonFormatter'
  readonly extension = '.json'
  readonly supportedExtensions = ['.json'] as const

  async toBytes(obj: unknown, ctx: FormatterWriteContext): Promise<Uint8Array[]> {
    checkWrite(this, obj, ctx, { types: TYPES, writeParameters: ['indent'] })
    const indent = ctx.writeParameters.indent
    if (indent !== undefined && !(Number.isSafeInteger(indent) && (indent as number) >= 0)) {
      throw new FormatterError(`JsonFormatter write parameter 'indent' must be a non-negative integer`)
    }
    if (typeof obj === 'number' && !Number.isFinite(obj)) return [encodeUtf8(String(obj))]
    let text: string
    try {
      text = JSON.stringify(obj, rejectNonFinite, indent as number | undefined)
    } catch (cause) {
      if (cause instanceof FormatterError) throw cause
      throw new FormatterError(`JsonFormatter cannot serialise the object: ${(cause as Error).message}`, {
        cause,
      })
    }
    return [encodeUtf8(text)]
  }

  async fromBytes(
    bytes: Uint8Array,
    ctx: FormatterReadContext,
  ): Promise<{ value: unknown; appliedParameters: readonly string[] }> {
    const text = decodeUtf8(this, bytes, ctx)
    let value: unknown
    const trimmed = text.trim()
    if (ctx.storageClass.type === 'number' && Object.hasOwn(NON_FINITE, trimmed)) {
      value = NON_FINITE[trimmed]
    } else {
      try {
        value = JSON.parse(text)
      } catch (cause) {
        throw decodeError(this, ctx, `invalid JSON (${(cause as Error).message})`, cause)
      }
    }
    checkDecoded(this, value, ctx)
    return { value, appliedParameters: [] }
  }
}

function rejectNonFinite(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new FormatterError(`JsonFormatter cannot write the non-finite number ${value} at key '${key}'`)
  }
  if (typeof value === 'bigint') {
    throw new FormatterError(
      `JsonFormatter cannot write the bigint ${value} at key '${key}' (convert it to a number or string)`,
    )
  }
  return value
}
