import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CorruptArtifactError } from '../../../src/errors.js'
import { MemoryByteSource, RelabelledSource } from '../../../src/formatters/byte-source.js'
import {
  FitsHduScanner,
  FitsHeader,
  readFitsStructure,
  readImage,
  writeFits,
} from '../../../src/formatters/fits/index.js'
import { concat, RecordingSource, sampleArray } from './fits-test-utils.js'

/** A primary image and three image extensions A, B, C of 64×64 float32 pixels (16 KiB of data each). */
function fourHdus(): Uint8Array {
  const data = sampleArray('float32', [64, 64])
  return concat(
    writeFits([
      { kind: 'image', data },
      { kind: 'image', data, name: 'A' },
      { kind: 'image', data, name: 'B' },
      { kind: 'image', data, name: 'C' },
    ]),
  )
}

describe('FitsHduScanner', () => {
  it('reads the headers only up to the HDU asked for', async () => {
    const bytes = fourHdus()
    const hdus = await readFitsStructure(new MemoryByteSource(bytes))
    const src = new RecordingSource(bytes)
    const scan = new FitsHduScanner(src)
    assert.equal(src.reads.length, 0, 'nothing is read before a method asks')
    const a = await scan.findExtension('a')
    assert.equal(a?.index, 1)
    assert.equal(scan.complete, false)
    for (const [offset, length] of src.reads) {
      assert.ok(offset + length <= hdus[2]!.headerOffset, `read ${offset}+${length} goes past HDU 1`)
    }
    const before = src.reads.length
    assert.equal((await scan.at(1))?.name, 'A')
    assert.equal((await scan.at(0))?.index, 0)
    assert.equal(src.reads.length, before, 'HDUs already seen are not read again')
    assert.equal((await scan.at(3))?.name, 'C')
    assert.equal(await scan.at(4), undefined)
    assert.equal(await scan.findExtension('D'), undefined)
    assert.equal(scan.complete, true)
  })

  it('lists the same HDUs as readFitsStructure, which the codec reads from', async () => {
    const bytes = fourHdus()
    const src = new MemoryByteSource(bytes, 'four.fits')
    const all = await new FitsHduScanner(src).all()
    assert.deepEqual(all, await readFitsStructure(src))
    assert.deepEqual(
      all.map((h) => [h.index, h.name ?? null, h.shape]),
      [
        [0, null, [64, 64]],
        [1, 'A', [64, 64]],
        [2, 'B', [64, 64]],
        [3, 'C', [64, 64]],
      ],
    )
    assert.deepEqual(await readImage(src, all[2]!), sampleArray('float32', [64, 64]))
  })

  it('reads each header once when calls overlap', async () => {
    const bytes = fourHdus()
    const src = new RecordingSource(bytes)
    const scan = new FitsHduScanner(src)
    const [c, first, b, all] = await Promise.all([
      scan.at(3),
      scan.at(0),
      scan.findExtension('B'),
      scan.all(),
    ])
    assert.equal(c?.name, 'C')
    assert.equal(first?.index, 0)
    assert.equal(b?.index, 2)
    assert.deepEqual(
      all.map((h) => h.index),
      [0, 1, 2, 3],
    )
    const headerReads = src.reads.filter(([offset, length]) => length === 2880 && offset % 2880 === 0)
    assert.deepEqual(
      headerReads.map(([offset]) => offset),
      all.map((h) => h.headerOffset),
    )
  })

  it('reads a long header a block at a time, then in growing chunks', async () => {
    const header = new FitsHeader()
    for (let i = 0; i < 1000; i++) header.set(`KEY${i}`, i)
    const bytes = concat(writeFits([{ kind: 'image', data: sampleArray('int16', [200, 200]), header }]))
    const src = new RecordingSource(bytes)
    const [primary] = await new FitsHduScanner(src).all()
    assert.equal(primary!.header.get('KEY999'), 999)
    // After the 8-byte probe for the SIMPLE card: 1006 cards are 28 blocks, found in 4 single blocks and
    // reads of 2, 4, 8 and 16 blocks.
    const blocks = src.reads.filter(([offset, n]) => offset < primary!.dataOffset && n >= 2880)
    assert.deepEqual(
      blocks.map(([, n]) => n / 2880),
      [1, 1, 1, 1, 2, 4, 8, 16],
    )
  })

  it('finds damage only where it reads, naming the location given', async () => {
    const bytes = fourHdus()
    const hdus = await readFitsStructure(new MemoryByteSource(bytes))
    const damaged = bytes.slice()
    damaged.fill(0x41, hdus[2]!.headerOffset, hdus[2]!.headerOffset + 80)
    const scan = new FitsHduScanner(new RelabelledSource(new MemoryByteSource(damaged, 'inner'), 'x.fits'))
    assert.equal((await scan.at(1))?.name, 'A')
    for (const attempt of [() => scan.at(2), () => scan.all()]) {
      await assert.rejects(attempt(), (e: unknown) => {
        assert.ok(e instanceof CorruptArtifactError, String(e))
        assert.match(
          e.message,
          /^x\.fits HDU 2: .* after HDU 1 do not start an extension \(no XTENSION card\)$/,
        )
        return true
      })
    }
  })
})
