/** Raw byte files for the `Bytes` storage class. */

import { FormatterError } from '../errors.js'
import {
  checkDecoded,
  checkWrite,
  type Formatter,
  type FormatterReadContext,
  type FormatterWriteContext,
} from './formatter.js'

/** Options of a {@link BytesFormatter}. */
export interface BytesFormatterOptions {
  /** Extension of written files, with the dot; `.bin` when omitted. */
  readonly extension?: string
}

/**
 * Writes the bytes as they are and reads them back without copying. The extension comes from the
 * formatters config (`{ formatter: BytesFormatter, parameters: { extension: '.fits' } }`).
 */
export class BytesFormatter implements Formatter {
  readonly name = 'BytesFormatter'
  readonly extension: string
  readonly supportedExtensions: readonly string[]

  constructor(options: BytesFormatterOptions = {}) {
    const extension = options.extension ?? '.bin'
    if (!/^\.[A-Za-z0-9_.-]+$/.test(extension)) {
      throw new FormatterError(`BytesFormatter extension must start with '.', got '${extension}'`)
    }
    this.extension = extension
    this.supportedExtensions = [extension]
  }

  async toBytes(obj: unknown, ctx: FormatterWriteContext): Promise<Uint8Array[]> {
    // `extension` is consumed when the formatter is configured; it is not a serialisation option.
    checkWrite(this, obj, ctx, { types: ['bytes'], writeParameters: ['extension'] })
    return [obj as Uint8Array]
  }

  async fromBytes(
    bytes: Uint8Array,
    ctx: FormatterReadContext,
  ): Promise<{ value: unknown; appliedParameters: readonly string[] }> {
    checkDecoded(this, bytes, ctx)
    return { value: bytes, appliedParameters: [] }
  }
}
