import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FormatterError, StorageClassError } from '../../src/errors.js'
import { BytesFormatter } from '../../src/formatters/bytes-formatter.js'
import { loadDefaultStorageClasses } from '../../src/formatters/default-storage-classes.js'
import { TextFormatter } from '../../src/formatters/text-formatter.js'

const storageClasses = loadDefaultStorageClasses()

describe('TextFormatter', () => {
  const text = new TextFormatter()
  const storageClass = storageClasses.get('Text')

  it('round-trips Unicode text as UTF-8', async () => {
    const value = 'line 1\nłódź — 東京 🚀\n'
    const [bytes] = await text.toBytes(value, { storageClass, writeParameters: {} })
    assert.deepEqual(bytes, new TextEncoder().encode(value))
    assert.equal((await text.fromBytes(bytes!, { storageClass, readParameters: {} })).value, value)
    assert.equal(text.extension, '.txt')
  })

  it('rejects invalid UTF-8 and non-strings', async () => {
    await assert.rejects(
      text.fromBytes(new Uint8Array([0xc3, 0x28]), { storageClass, readParameters: {} }),
      FormatterError,
    )
    await assert.rejects(text.toBytes(42, { storageClass, writeParameters: {} }), /number.*a string/)
    await assert.rejects(text.toBytes(42, { storageClass, writeParameters: {} }), StorageClassError)
  })
})

describe('BytesFormatter', () => {
  const storageClass = storageClasses.get('Bytes')

  it('writes the bytes as they are and reads them back without copying', async () => {
    const bytes = new BytesFormatter()
    const value = Uint8Array.from([0, 1, 2, 255])
    const chunks = await bytes.toBytes(value, { storageClass, writeParameters: {} })
    assert.equal(chunks[0], value)
    const { value: back } = await bytes.fromBytes(value, { storageClass, readParameters: {} })
    assert.equal(back, value)
  })

  it('takes its extension from config, .bin by default', () => {
    assert.equal(new BytesFormatter().extension, '.bin')
    assert.equal(new BytesFormatter({ extension: '.fits' }).extension, '.fits')
    assert.throws(() => new BytesFormatter({ extension: 'fits' }), FormatterError)
  })

  it('rejects non-bytes on write', async () => {
    await assert.rejects(
      new BytesFormatter().toBytes('abc', { storageClass, writeParameters: {} }),
      StorageClassError,
    )
    await assert.rejects(
      new BytesFormatter().toBytes([1, 2], { storageClass, writeParameters: {} }),
      /array.*Uint8Array/,
    )
  })
})
