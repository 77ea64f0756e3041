import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Worker } from 'node:worker_threads'
import { CorruptArtifactError, FormatterError } from '../../../src/errors.js'
import { MemoryByteSource } from '../../../src/formatters/byte-source.js'
import {
  FitsHeader,
  readFitsStructure,
  readHdu,
  readImage,
  readTable,
  writeFits,
} from '../../../src/formatters/fits/index.js'
import { concat, sampleArray } from './fits-test-utils.js'
import type { FuzzReport } from './fuzz-worker.js'

const FUZZ_TIME_LIMIT_MS = 120_000

function hdu(cards: [string, number | bigint | boolean | string][], dataBytes = 0): Uint8Array {
  const h = new FitsHeader()
  for (const [k, v] of cards) h.set(k, v)
  return concat([h.toBytes(), new Uint8Array(Math.ceil(dataBytes / 2880) * 2880)])
}

const PRIMARY: [string, number | boolean][] = [
  ['SIMPLE', true],
  ['BITPIX', 8],
  ['NAXIS', 0],
  ['EXTEND', true],
]

function ext(extra: [string, number | bigint | boolean | string][] = [], xtension = 'IMAGE') {
  return [
    ['XTENSION', xtension],
    ['BITPIX', 16],
    ['NAXIS', 2],
    ['NAXIS1', 3],
    ['NAXIS2', 2],
    ['PCOUNT', 0],
    ['GCOUNT', 1],
    ...extra,
  ] as [string, number | bigint | boolean | string][]
}

async function structureError(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  await assert.rejects(readFitsStructure(new MemoryByteSource(bytes, 'bad.fits')), (e: unknown) => {
    assert.ok(e instanceof CorruptArtifactError, String(e))
    assert.match(e.message, pattern)
    assert.match(e.message, /bad\.fits/)
    return true
  })
}

describe('FITS corrupt input', () => {
  it('recognises non-FITS input', async () => {
    await structureError(new Uint8Array(0), /is not a FITS file/)
    await structureError(new TextEncoder().encode('{"json": true}'), /is not a FITS file/)
    await structureError(new Uint8Array(2880).fill(0x20), /is not a FITS file/)
    await structureError(
      hdu([
        ['SIMPLE', false],
        ['BITPIX', 8],
        ['NAXIS', 0],
      ]),
      /HDU 0: SIMPLE is not T/,
    )
    const png = new Uint8Array(5760)
    png.set([0x89, 0x50, 0x4e, 0x47])
    await structureError(png, /is not a FITS file/)
  })

  it('names the HDU for bad mandatory keywords', async () => {
    await structureError(concat([hdu(PRIMARY), hdu(ext([['XTENSION', 5]]))]), /HDU 1: bad XTENSION/)
    await structureError(
      concat([hdu(PRIMARY), hdu([['NOTXTEN', 'IMAGE'], ...ext().slice(1)])]),
      /HDU 1: .*do not start an extension/,
    )
    await structureError(
      hdu([
        ['SIMPLE', true],
        ['BITPIX', 7],
        ['NAXIS', 0],
      ]),
      /HDU 0: invalid BITPIX "7"/,
    )
    await structureError(
      hdu([
        ['SIMPLE', true],
        ['BITPIX', 16],
        ['NAXIS', 2],
        ['NAXIS1', 4],
      ]),
      /HDU 0: NAXIS2 is missing/,
    )
    await structureError(
      hdu([
        ['SIMPLE', true],
        ['BITPIX', 16],
        ['NAXIS', 1],
        ['NAXIS1', -4],
      ]),
      /HDU 0: NAXIS1 must be an integer/,
    )
    await structureError(
      hdu([
        ['SIMPLE', true],
        ['BITPIX', 16],
        ['NAXIS', 1000],
      ]),
      /HDU 0: NAXIS must be/,
    )
    await structureError(
      concat([hdu(PRIMARY), hdu(ext([['PCOUNT', 4]]), 12)]),
      /HDU 1: an IMAGE extension needs PCOUNT = 0/,
    )
    await structureError(
      concat([
        hdu(PRIMARY),
        hdu([
          ['XTENSION', 'IMAGE'],
          ['BITPIX', 8],
          ['NAXIS', 0],
          ['GCOUNT', 1],
        ]),
      ]),
      /HDU 1: PCOUNT is missing/,
    )
    await structureError(
      hdu([
        ['SIMPLE', true],
        ['BITPIX', 8],
        ['NAXIS', 3],
        ['NAXIS1', 2 ** 30],
        ['NAXIS2', 2 ** 30],
        ['NAXIS3', 2 ** 30],
      ]),
      /absurdly large/,
    )
    await structureError(
      concat([hdu(PRIMARY), hdu(ext([], 'BINTABLE'))]),
      /HDU 1: a BINTABLE needs BITPIX = 8/,
    )
  })

  it('detects truncated data and headers', async () => {
    const good = concat(writeFits([{ kind: 'image', data: sampleArray('float64', [30, 30]) }]))
    await structureError(
      good.subarray(0, 2880 + 100),
      /HDU 0: the data is truncated \(needs 7200 bytes at offset 2880; the file has 2980\)/,
    )
    await structureError(good.subarray(0, 2000), /is not a FITS file/)
    const two = concat(
      writeFits([
        { kind: 'image', data: null },
        { kind: 'image', data: sampleArray('int8', [5]) },
      ]),
    )
    await structureError(two.subarray(0, 2880 + 1000), /HDU 1: the header is truncated/)
    const longHeader = new FitsHeader()
    for (let i = 0; i < 60; i++) longHeader.set(`KEY${i}`, i)
    const multiBlock = concat(
      writeFits([
        { kind: 'image', data: null },
        { kind: 'image', data: null, header: longHeader },
      ]),
    )
    await structureError(multiBlock.subarray(0, 2 * 2880), /HDU 1: the header is truncated/)
  })

  it('is lenient about missing final padding and trailing zero blocks, not about trailing garbage', async () => {
    const file = concat(writeFits([{ kind: 'image', data: sampleArray('int16', [2, 2]) }]))
    const unpadded = file.subarray(0, 2880 + 8)
    const src = new MemoryByteSource(unpadded)
    const [h] = await readFitsStructure(src)
    assert.deepEqual(await readImage(src, h!), sampleArray('int16', [2, 2]))
    assert.equal(
      (await readFitsStructure(new MemoryByteSource(concat([file, new Uint8Array(2880)])))).length,
      1,
    )
    const junk = new Uint8Array(2880).fill(0x41)
    await structureError(
      concat([file, junk]),
      /HDU 1: 2880 bytes at offset 5760 after HDU 0 do not start an extension/,
    )
    await structureError(concat([file, Uint8Array.of(1, 2, 3)]), /do not start an extension/)
  })

  it('lists but does not read ASCII tables, unknown extensions and random groups', async () => {
    const file = concat([
      hdu(PRIMARY),
      hdu(
        [
          ['XTENSION', 'TABLE'],
          ['BITPIX', 8],
          ['NAXIS', 2],
          ['NAXIS1', 10],
          ['NAXIS2', 3],
          ['PCOUNT', 0],
          ['GCOUNT', 1],
          ['TFIELDS', 0],
        ],
        30,
      ),
      hdu(
        [
          ['XTENSION', 'FOREIGN'],
          ['BITPIX', 8],
          ['NAXIS', 1],
          ['NAXIS1', 100],
          ['PCOUNT', 20],
          ['GCOUNT', 2],
        ],
        240,
      ),
      hdu(ext([['EXTNAME', 'AFTER']]), 12),
    ])
    const src = new MemoryByteSource(file, 'mixed.fits')
    const hdus = await readFitsStructure(src)
    assert.deepEqual(
      hdus.map((x) => [x.kind, x.xtension, x.dataSize]),
      [
        ['image', undefined, 0],
        ['table', 'TABLE', 30],
        ['other', 'FOREIGN', 240],
        ['image', 'IMAGE', 12],
      ],
    )
    assert.equal(hdus[3]!.name, 'AFTER')
    await assert.rejects(
      readTable(src, hdus[1]!),
      /mixed\.fits HDU 1 is a TABLE extension, not a binary table/,
    )
    await assert.rejects(readHdu(src, hdus[2]!), FormatterError)
    const groups = hdu(
      [
        ['SIMPLE', true],
        ['BITPIX', 16],
        ['NAXIS', 2],
        ['NAXIS1', 0],
        ['NAXIS2', 3],
        ['GROUPS', true],
        ['PCOUNT', 1],
        ['GCOUNT', 2],
      ],
      16,
    )
    const [g] = await readFitsStructure(new MemoryByteSource(groups))
    assert.deepEqual([g!.kind, g!.dataSize], ['other', 16])
  })

  it('refuses absurd zero-width tables instead of looping over them', async () => {
    const file = concat([
      hdu(PRIMARY),
      hdu([
        ['XTENSION', 'BINTABLE'],
        ['BITPIX', 8],
        ['NAXIS', 2],
        ['NAXIS1', 0],
        ['NAXIS2', 2 ** 50],
        ['PCOUNT', 0],
        ['GCOUNT', 1],
        ['TFIELDS', 1],
        ['TFORM1', '0A'],
      ]),
    ])
    const src = new MemoryByteSource(file)
    const hdus = await readFitsStructure(src)
    await assert.rejects(readTable(src, hdus[1]!), CorruptArtifactError)
  })

  it('fuzz: truncations, header byte flips and garbage give a valid result or a user error, within a time bound', {
    timeout: FUZZ_TIME_LIMIT_MS + 10_000,
  }, async () => {
    const worker = new Worker(new URL('./fuzz-worker.js', import.meta.url), {
      workerData: { seed: 20260101 },
    })
    let timer: NodeJS.Timeout | undefined
    try {
      const report = await new Promise<FuzzReport>((resolve, reject) => {
        timer = setTimeout(() => {
          reject(
            new Error(`fuzzing did not finish within ${FUZZ_TIME_LIMIT_MS} ms (a hang on corrupt input?)`),
          )
        }, FUZZ_TIME_LIMIT_MS)
        worker.once('message', resolve)
        worker.once('error', reject)
        worker.once('exit', (code) => reject(new Error(`fuzz worker exited with code ${code}`)))
      })
      assert.deepEqual(report.failures.slice(0, 10), [])
      assert.ok(report.cases > 3500, `${report.cases} cases`)
      assert.ok(report.ok > 100, `${report.ok} valid results`)
      assert.ok(report.userErrors > 1000, `${report.userErrors} user errors`)
    } finally {
      clearTimeout(timer)
      await worker.terminate()
    }
  })
})
