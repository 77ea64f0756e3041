/** Plain UTF-8 text files for the `Text` storage class. */

import {
  checkDecoded,
  checkWrite,
  decodeUtf8,
  encodeUtf8,
  type Formatter,
  type FormatterReadContext,
  type FormatterWriteContext,
} from './formatter.js'

/** Writes and reads strings as UTF-8 text (a leading byte-order mark is dropped on read). */
export class TextFormatter implements Formatter {
  readonly name = 'TextFormatter'
  readonly extension = '.txt'
  readonly supportedExtensions = ['.txt'] as const

  async toBytes(obj: unknown, ctx: FormatterWriteContext): Promise<Uint8Array[]> {
    checkWrite(this, obj, ctx, { types: ['string'], writeParameters: [] })
    return [encodeUtf8(obj as string)]
  }

  async fromBytes(
    bytes: Uint8Array,
    ctx: FormatterReadContext,
  ): Promise<{ value: unknown; appliedParameters: readonly string[] }> {
    const value = decodeUtf8(this, bytes, ctx)
    checkDecoded(this, value, ctx)
    return { value, appliedParameters: [] }
  }
}
