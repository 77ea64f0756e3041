import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { NdArray } from '../../../src/datasets/ndarray.js'
import { FormatterError, ReadParameterError } from '../../../src/errors.js'
import { MemoryByteSource } from '../../../src/formatters/byte-source.js'
import {
  FitsHeader,
  findHdu,
  readFits,
  readFitsStructure,
  readImage,
  writeFits,
} from '../../../src/formatters/fits/index.js'
import { concat, crop, IMAGE_DTYPES, RecordingSource, rng, sampleArray } from './fits-test-utils.js'

function source(chunks: Uint8Array[], location = 'test.fits'): MemoryByteSource {
  return new MemoryByteSource(concat(chunks), location)
}

/** Builds a primary image HDU by hand: header cards and big-endian stored values. */
function handMade(cards: [string, number | bigint | boolean | string][], data: Uint8Array): MemoryByteSource {
  const h = new FitsHeader()
  for (const [k, v] of cards) h.set(k, v)
  const padded = new Uint8Array(Math.ceil(data.length / 2880) * 2880)
  padded.set(data)
  return new MemoryByteSource(concat([h.toBytes(), padded]), 'hand.fits')
}

describe('FITS images', () => {
  for (const dtype of IMAGE_DTYPES) {
    it(`round-trips ${dtype} with extreme values, in the primary HDU and an extension`, async () => {
      const primary = sampleArray(dtype, [3, 7])
      const ext = sampleArray(dtype, [2, 3, 4])
      const src = source(
        writeFits([
          { kind: 'image', data: primary },
          { kind: 'image', data: ext, name: 'EXT' },
        ]),
      )
      assert.equal(src.size % 2880, 0)
      const hdus = await readFitsStructure(src)
      assert.equal(hdus.length, 2)
      assert.deepEqual(await readImage(src, hdus[0]!), primary)
      assert.deepEqual(await readImage(src, hdus[1]!), ext)
      assert.deepEqual(hdus[1]!.shape, [2, 3, 4])
      assert.equal(hdus[1]!.name, 'EXT')
    })
  }

  it('writes the unsigned conventions through BZERO and a plain BITPIX otherwise', async () => {
    const expected = {
      uint8: [8, undefined],
      int8: [8, -128],
      int16: [16, undefined],
      uint16: [16, 32768],
      int32: [32, undefined],
      uint32: [32, 2147483648],
      int64: [64, undefined],
      uint64: [64, 9223372036854775808n],
      float32: [-32, undefined],
      float64: [-64, undefined],
    } as const
    for (const dtype of IMAGE_DTYPES) {
      const src = source(writeFits([{ kind: 'image', data: sampleArray(dtype, [2, 2]) }]))
      const [hdu] = await readFitsStructure(src)
      const [bitpix, bzero] = expected[dtype as keyof typeof expected]
      assert.equal(hdu!.header.get('BITPIX'), bitpix, dtype)
      assert.equal(hdu!.header.get('BZERO'), bzero, dtype)
      assert.equal(hdu!.header.get('BSCALE'), bzero === undefined ? undefined : 1, dtype)
    }
  })

  it('stores big-endian values (checked against hand-computed bytes)', async () => {
    const data: NdArray = { dtype: 'uint16', shape: [1, 2], data: Uint16Array.of(0, 65535) }
    const bytes = concat(writeFits([{ kind: 'image', data }]))
    // stored = value - 32768: -32768 = 0x8000, 32767 = 0x7fff
    assert.deepEqual([...bytes.subarray(2880, 2884)], [0x80, 0x00, 0x7f, 0xff])
    const f: NdArray = { dtype: 'float64', shape: [1], data: Float64Array.of(1) }
    const fb = concat(writeFits([{ kind: 'image', data: f }]))
    assert.deepEqual([...fb.subarray(2880, 2888)], [0x3f, 0xf0, 0, 0, 0, 0, 0, 0])
    assert.equal(fb.length, 5760)
    assert.ok(
      fb.subarray(2888).every((b) => b === 0),
      'data padding is zeros',
    )
  })

  it('writes bool as BITPIX 8 (read back as uint8) and rejects bytes other than 0/1', async () => {
    const data: NdArray = { dtype: 'bool', shape: [3], data: Uint8Array.of(1, 0, 1) }
    const src = source(writeFits([{ kind: 'image', data }]))
    const [hdu] = await readFitsStructure(src)
    assert.deepEqual(await readImage(src, hdu!), { dtype: 'uint8', shape: [3], data: Uint8Array.of(1, 0, 1) })
    assert.throws(
      () => writeFits([{ kind: 'image', data: { dtype: 'bool', shape: [1], data: Uint8Array.of(2) } }]),
      FormatterError,
    )
  })

  it('handles NAXIS = 0, empty axes and many axes', async () => {
    const zero: NdArray = { dtype: 'float32', shape: [0, 5], data: new Float32Array(0) }
    const four = sampleArray('int16', [2, 1, 3, 2])
    const src = source(
      writeFits([
        { kind: 'image', data: null },
        { kind: 'image', data: zero },
        { kind: 'image', data: four },
      ]),
    )
    const hdus = await readFitsStructure(src)
    assert.equal(hdus[0]!.header.get('NAXIS'), 0)
    assert.equal(hdus[0]!.header.get('EXTEND'), true)
    assert.equal(hdus[0]!.dataSize, 0)
    assert.equal(await readImage(src, hdus[0]!), null)
    assert.deepEqual(await readImage(src, hdus[1]!), zero)
    assert.deepEqual(await readImage(src, hdus[2]!), four)
    assert.equal(hdus[2]!.header.get('NAXIS1'), 2)
    assert.equal(hdus[2]!.header.get('NAXIS4'), 2)
    // A lone empty primary has no EXTEND.
    const lone = await readFitsStructure(source(writeFits([])))
    assert.equal(lone.length, 1)
    assert.equal(lone[0]!.header.get('EXTEND'), undefined)
  })

  it('rejects arrays FITS cannot hold', () => {
    const bad = [
      { dtype: 'float32', shape: [], data: new Float32Array(1) },
      { dtype: 'float32', shape: [3], data: new Float32Array(2) },
      { dtype: 'float32', shape: [2], data: new Float64Array(2) },
      { dtype: 'complex', shape: [2], data: new Float64Array(2) },
    ]
    for (const data of bad) {
      assert.throws(() => writeFits([{ kind: 'image', data: data as unknown as NdArray }]), FormatterError)
    }
  })

  it('writes the mandatory cards first and the caller’s cards after, ignoring structural ones', async () => {
    const user = new FitsHeader()
    user.set('BITPIX', 99).set('NAXIS', 7).set('BZERO', 5).set('XTENSION', 'TABLE').set('SIMPLE', false)
    user.set('EXTNAME', 'FROM_HEADER').set('OBSERVER', 'Hubble', 'who').addHistory('made by a test')
    user.set('CHECKSUM', 'stale').set('LSST BUTLER ID', 'abc')
    const data = sampleArray('uint16', [2, 3])
    const src = source(
      writeFits([
        { kind: 'image', data: sampleArray('float32', [1, 1]), header: user },
        { kind: 'image', data, header: user, name: 'IMAGE' },
      ]),
    )
    const [p, e] = await readFitsStructure(src)
    assert.deepEqual(
      p!.header.cards().map((c) => c.key),
      [
        'SIMPLE',
        'BITPIX',
        'NAXIS',
        'NAXIS1',
        'NAXIS2',
        'EXTEND',
        'EXTNAME',
        'OBSERVER',
        'HISTORY',
        'LSST BUTLER ID',
      ],
    )
    assert.equal(p!.header.get('EXTNAME'), 'FROM_HEADER')
    assert.deepEqual(
      e!.header.cards().map((c) => c.key),
      [
        'XTENSION',
        'BITPIX',
        'NAXIS',
        'NAXIS1',
        'NAXIS2',
        'PCOUNT',
        'GCOUNT',
        'BZERO',
        'BSCALE',
        'EXTNAME',
        'OBSERVER',
        'HISTORY',
        'LSST BUTLER ID',
      ],
    )
    assert.equal(e!.header.get('XTENSION'), 'IMAGE')
    assert.equal(e!.header.get('EXTNAME'), 'IMAGE')
    assert.equal(e!.kind, 'image')
    assert.deepEqual(await readImage(src, e!), data)
    assert.equal(findHdu([p!, e!], 'image'), e)
    assert.equal(findHdu([p!, e!], 'image', 2), undefined)
  })

  it('rewrites a header read from a file without duplicating its structural cards', async () => {
    const first = source(writeFits([{ kind: 'image', data: sampleArray('int8', [2, 2]), name: 'A' }]))
    const all = await readFits(first)
    const again = source(writeFits(all))
    assert.deepEqual(await readFits(again), all)
    assert.deepEqual(concat([await again.readAll()]), await first.readAll())
  })

  it('applies BSCALE/BZERO: float32 for BITPIX 8/16/-32, float64 for 32/64/-64, BLANK → NaN', async () => {
    const be16 = new Uint8Array(8)
    const v16 = new DataView(be16.buffer)
    for (const [i, x] of [-32768, -2, 0, 100].entries()) v16.setInt16(i * 2, x)
    const s16 = handMade(
      [
        ['SIMPLE', true],
        ['BITPIX', 16],
        ['NAXIS', 1],
        ['NAXIS1', 4],
        ['BSCALE', 0.5],
        ['BZERO', 10],
        ['BLANK', -32768],
      ],
      be16,
    )
    const [h16] = await readFitsStructure(s16)
    assert.deepEqual(await readImage(s16, h16!), {
      dtype: 'float32',
      shape: [4],
      data: Float32Array.of(Number.NaN, 9, 10, 60),
    })

    const be8 = Uint8Array.of(0, 1, 255)
    const s8 = handMade(
      [
        ['SIMPLE', true],
        ['BITPIX', 8],
        ['NAXIS', 1],
        ['NAXIS1', 3],
        ['BZERO', 1.5],
      ],
      be8,
    )
    assert.deepEqual(await readImage(s8, (await readFitsStructure(s8))[0]!), {
      dtype: 'float32',
      shape: [3],
      data: Float32Array.of(1.5, 2.5, 256.5),
    })

    const be64 = new Uint8Array(16)
    const v64 = new DataView(be64.buffer)
    v64.setBigInt64(0, 3n)
    v64.setBigInt64(8, -(2n ** 63n))
    const s64 = handMade(
      [
        ['SIMPLE', true],
        ['BITPIX', 64],
        ['NAXIS', 1],
        ['NAXIS1', 2],
        ['BSCALE', 2],
        ['BLANK', -(2n ** 63n)],
      ],
      be64,
    )
    assert.deepEqual(await readImage(s64, (await readFitsStructure(s64))[0]!), {
      dtype: 'float64',
      shape: [2],
      data: Float64Array.of(6, Number.NaN),
    })

    // A BZERO that is not exactly the unsigned offset, or a BSCALE ≠ 1 with it, is general scaling.
    const be32 = new Uint8Array(4)
    new DataView(be32.buffer).setInt32(0, -7)
    for (const [bscale, bzero, expected] of [
      [1, 2147483647, 2147483640],
      [2, 2147483648, 2147483634],
    ] as const) {
      const s32 = handMade(
        [
          ['SIMPLE', true],
          ['BITPIX', 32],
          ['NAXIS', 1],
          ['NAXIS1', 1],
          ['BSCALE', bscale],
          ['BZERO', bzero],
        ],
        be32,
      )
      assert.deepEqual(await readImage(s32, (await readFitsStructure(s32))[0]!), {
        dtype: 'float64',
        shape: [1],
        data: Float64Array.of(expected),
      })
    }

    const bef = new Uint8Array(4)
    new DataView(bef.buffer).setFloat32(0, 2)
    const sf = handMade(
      [
        ['SIMPLE', true],
        ['BITPIX', -32],
        ['NAXIS', 1],
        ['NAXIS1', 1],
        ['BSCALE', 3],
        ['BZERO', 1],
      ],
      bef,
    )
    assert.deepEqual(await readImage(sf, (await readFitsStructure(sf))[0]!), {
      dtype: 'float32',
      shape: [1],
      data: Float32Array.of(7),
    })
  })

  it('keeps a caller’s BLANK for unscaled integer images only', async () => {
    const h = new FitsHeader().set('BLANK', -1)
    const src = source(
      writeFits([
        { kind: 'image', data: sampleArray('int32', [2]), header: h },
        { kind: 'image', data: sampleArray('float32', [2]), header: h },
        { kind: 'image', data: sampleArray('uint16', [2]), header: h },
      ]),
    )
    const hdus = await readFitsStructure(src)
    assert.deepEqual(
      hdus.map((x) => x.header.get('BLANK')),
      [-1, undefined, undefined],
    )
  })

  describe('box reads', () => {
    for (const dtype of ['float32', 'uint16', 'int8', 'float64', 'uint64'] as const) {
      it(`equal cropping the full read (${dtype}, random boxes including edges)`, async () => {
        const random = rng(dtype.length * 7919)
        const [height, width] = [37, 53]
        const array = sampleArray(dtype, [height, width])
        // Make every pixel distinct so a shifted crop cannot pass.
        const d = array.data as unknown as { [i: number]: number | bigint }
        for (let i = 0; i < width * height; i++) d[i] = typeof d[i] === 'bigint' ? BigInt(i * 3) : i - 100
        const bytes = concat(
          writeFits([
            { kind: 'image', data: sampleArray('int16', [2, 2]) },
            { kind: 'image', data: array },
          ]),
        )
        const hdu = (await readFitsStructure(new MemoryByteSource(bytes)))[1]!
        const full = (await readImage(new MemoryByteSource(bytes), hdu))!
        assert.deepEqual(full, array)
        const boxes = [
          { x0: 0, y0: 0, width, height },
          { x0: 0, y0: 0, width: 1, height: 1 },
          { x0: width - 1, y0: height - 1, width: 1, height: 1 },
          { x0: 0, y0: height - 5, width, height: 5 },
          { x0: width - 3, y0: 0, width: 3, height },
          { x0: 5, y0: 5, width: 0, height: 3 },
          { x0: 5, y0: 5, width: 3, height: 0 },
        ]
        for (let i = 0; i < 40; i++) {
          const x0 = Math.floor(random() * width)
          const y0 = Math.floor(random() * height)
          boxes.push({
            x0,
            y0,
            width: Math.floor(random() * (width - x0 + 1)),
            height: Math.floor(random() * (height - y0 + 1)),
          })
        }
        for (const box of boxes) {
          const src = new RecordingSource(bytes)
          const got = await readImage(src, hdu, box)
          assert.deepEqual(got, crop(full, box.x0, box.y0, box.width, box.height), JSON.stringify(box))
          // One read of exactly the rows under the box.
          const rowBytes = width * (Math.abs(hdu.bitpix) / 8)
          assert.deepEqual(src.reads, [[hdu.dataOffset + box.y0 * rowBytes, box.height * rowBytes]])
        }
      })
    }

    it('apply scaling like the full read', async () => {
      const be = new Uint8Array(2 * 3 * 2)
      const view = new DataView(be.buffer)
      for (let i = 0; i < 6; i++) view.setInt16(i * 2, i * 10 - 20)
      const src = handMade(
        [
          ['SIMPLE', true],
          ['BITPIX', 16],
          ['NAXIS', 2],
          ['NAXIS1', 3],
          ['NAXIS2', 2],
          ['BSCALE', 0.25],
          ['BZERO', -1],
        ],
        be,
      )
      const [hdu] = await readFitsStructure(src)
      const full = (await readImage(src, hdu!))!
      assert.deepEqual(
        await readImage(src, hdu!, { x0: 1, y0: 0, width: 2, height: 2 }),
        crop(full, 1, 0, 2, 2),
      )
    })

    it('reject boxes outside the image, non-2-D images and non-images', async () => {
      const src = source(
        writeFits([
          { kind: 'image', data: sampleArray('float32', [4, 5]) },
          { kind: 'image', data: sampleArray('float32', [2, 2, 2]) },
          { kind: 'bintable', table: { rows: 0, columns: [] } },
        ]),
      )
      const [img, cube, table] = await readFitsStructure(src)
      for (const box of [
        { x0: -1, y0: 0, width: 1, height: 1 },
        { x0: 0, y0: 0, width: 6, height: 1 },
        { x0: 4, y0: 0, width: 2, height: 1 },
        { x0: 0, y0: 3, width: 1, height: 2 },
        { x0: 0.5, y0: 0, width: 1, height: 1 },
        { x0: 0, y0: 0, width: Number.NaN, height: 1 },
      ]) {
        await assert.rejects(readImage(src, img!, box), ReadParameterError, JSON.stringify(box))
      }
      await assert.rejects(readImage(src, cube!, { x0: 0, y0: 0, width: 1, height: 1 }), ReadParameterError)
      await assert.rejects(readImage(src, table!), /HDU 2 is a BINTABLE extension, not an image/)
    })
  })

  it('reads only the headers when listing HDUs', async () => {
    const big = sampleArray('float32', [512, 512])
    const bytes = concat(
      writeFits([
        { kind: 'image', data: big },
        { kind: 'image', data: big, name: 'B' },
        { kind: 'bintable', table: { rows: 1, columns: [{ name: 'x', values: Float64Array.of(1) }] } },
      ]),
    )
    const src = new RecordingSource(bytes)
    const hdus = await readFitsStructure(src)
    assert.equal(hdus.length, 3)
    assert.ok(src.bytesRead < 64 * 1024, `read ${src.bytesRead} of ${bytes.length} bytes`)
  })

  it('reads from unaligned memory', async () => {
    for (const dtype of ['int16', 'uint32', 'float64', 'uint64'] as const) {
      const array = sampleArray(dtype, [6, 5])
      const file = concat(writeFits([{ kind: 'image', data: array }]))
      const holder = new Uint8Array(file.length + 3)
      holder.set(file, 3)
      const src = new MemoryByteSource(holder.subarray(3))
      const [hdu] = await readFitsStructure(src)
      assert.deepEqual(await readImage(src, hdu!), array)
      assert.deepEqual(
        await readImage(src, hdu!, { x0: 1, y0: 1, width: 3, height: 4 }),
        crop(array, 1, 1, 3, 4),
      )
    }
  })

  it('does not modify the bytes of the source it reads', async () => {
    const bytes = Buffer.from(concat(writeFits([{ kind: 'image', data: sampleArray('uint32', [8, 8]) }])))
    const before = Buffer.from(bytes)
    const src = new MemoryByteSource(bytes)
    const [hdu] = await readFitsStructure(src)
    await readImage(src, hdu!)
    await readImage(src, hdu!, { x0: 0, y0: 2, width: 8, height: 3 })
    assert.deepEqual(bytes, before)
    assert.deepEqual(await readImage(src, hdu!), sampleArray('uint32', [8, 8]))
  })
})
