/**
 * Independent verification of the FITS codec: files we write pass HEASARC's `fitsverify` with no errors and
 * no warnings and read back identically in astropy; files astropy writes read back identically with ours.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import type { NdArray, NdArrayData } from '../../../src/datasets/ndarray.js'
import { MemoryByteSource } from '../../../src/formatters/byte-source.js'
import {
  type FitsColumn,
  type FitsHdu,
  FitsHeader,
  type FitsTable,
  type FitsValue,
  readFitsStructure,
  readImage,
  readTable,
  recordToTable,
  writeFits,
} from '../../../src/formatters/fits/index.js'
import { concat, IMAGE_DTYPES, sampleArray } from './fits-test-utils.js'
import { astropySkip, fitsverify, fitsverifySkip, PY_DUMP, runAstropy } from './fits-tools.js'

type DumpedCard = [keyword: string, type: string, text: string, comment: string]
interface DumpedArray {
  dtype: string
  shape: number[]
  b64: string
}
interface DumpedColumn {
  name: string
  format: string
  unit: string | null
  null: string | null
  data: DumpedArray | (string | boolean)[]
}
interface DumpedHdu {
  header: DumpedCard[]
  data: DumpedArray | null
  columns?: DumpedColumn[]
}

/** Python that dumps every HDU of the file named in argv[1] as JSON. */
const PY_READ = `${PY_DUMP}
out = []
with fits.open(sys.argv[1]) as f:
    for hdu in f:
        item = {'header': dump_header(hdu.header), 'data': None}
        if isinstance(hdu, fits.BinTableHDU):
            cols = []
            for c in hdu.columns:
                d = hdu.data[c.name] if hdu.data is not None else np.zeros(0)
                if c.format.endswith('A'):
                    data = [str(x) for x in d]
                elif c.format.endswith('L'):
                    data = [bool(x) for x in np.ravel(d)]
                else:
                    data = dump_array(d)
                cols.append({'name': c.name, 'format': str(c.format), 'unit': c.unit,
                             'null': None if c.null is None else str(c.null), 'data': data})
            item['columns'] = cols
        elif hdu.data is not None:
            item['data'] = dump_array(hdu.data)
        out.append(item)
print(json.dumps(out))
`

function bytesOf(data: NdArrayData | Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

function readWithAstropy(path: string): DumpedHdu[] {
  return JSON.parse(runAstropy(PY_READ, path)) as DumpedHdu[]
}

/** Compares one of our header values with astropy's dump of it. */
function assertSameValue(ours: FitsValue | undefined, card: DumpedCard, what: string): void {
  const [, type, text] = card
  switch (type) {
    case 'null':
      assert.equal(ours, null, what)
      break
    case 'bool':
      assert.equal(ours, text === 'T', what)
      break
    case 'int':
      assert.ok(typeof ours === 'number' || typeof ours === 'bigint', `${what}: ${String(ours)}`)
      assert.equal(BigInt(ours), BigInt(text), what)
      break
    case 'float':
      assert.equal(ours, Number(text), what)
      break
    default:
      assert.equal(ours, text, what)
  }
}

/** A header using every feature fitsverify must accept (no undefined values: fitsverify warns on those). */
function richHeader(): FitsHeader {
  const h = new FitsHeader()
  h.set('OBJECT', "Andromeda's core", 'with a quote')
  h.set('EXPTIME', 30, 'seconds', { float: true })
  h.set('AIRMASS', 1.0000000000000002)
  h.set('TINY', 5e-324)
  h.set('HUGE', -1.7976931348623157e308)
  h.set('NEGINT', -123456789)
  h.set('BIGINT', 2n ** 62n + 1n, 'beyond 2^53')
  h.set('MININT', -(2n ** 63n))
  h.set('FLAG', true)
  h.set('NOFLAG', false)
  h.set('EMPTY', '')
  // Quotes, but no quote followed by a space: astropy 5.2 misreads `'' ` inside CONTINUE parts, even in
  // files it writes itself (our own round trip of such strings is tested in header.test.ts).
  h.set('LONGSTR', `A long value with it's quotes & ampersands: ${'0123456789'.repeat(22)}'`, 'continued')
  h.set('LSST BUTLER ID', '3f2e1d0c-0000-4000-8000-000000000000', 'dataset UUID')
  h.set('LSST BUTLER RUN', 'u/someone/a/rather/long/run/name/' + 'x'.repeat(120))
  h.set('LSST BUTLER DATAID VISIT', 903342)
  h.set('ESO TEL AIRM START', 1.25)
  h.set('Mixed.Case', 'kept')
  h.addComment('A comment card.')
  h.addHistory('Written by the FITS codec test; this history line is long enough to need two cards.')
  return h
}

function allColumnsTable(): FitsTable {
  const rows = 4
  const columns: FitsColumn[] = [
    { name: 'flag', values: [true, false, true, false] },
    { name: 'u8', values: Uint8Array.of(0, 255, 1, 2) },
    { name: 'i8', values: Int8Array.of(-128, 127, 0, -1) },
    { name: 'i16', values: Int16Array.of(-32768, 32767, -99, 5), nullValue: -99, unit: 'adu' },
    { name: 'u16', values: Uint16Array.of(0, 65535, 32768, 1) },
    { name: 'i32', values: Int32Array.of(-(2 ** 31), 2 ** 31 - 1, 0, 7) },
    { name: 'u32', values: Uint32Array.of(0, 2 ** 32 - 1, 2 ** 31, 3) },
    { name: 'i64', values: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n, 0n, 2n ** 53n + 1n) },
    { name: 'u64', values: BigUint64Array.of(0n, 2n ** 64n - 1n, 2n ** 63n, 1n) },
    { name: 'f32', values: Float32Array.of(1.5, Number.NaN, -3.4028234663852886e38, 1e-45), unit: 'nJy' },
    { name: 'f64', values: Float64Array.of(0.1, Number.NaN, 5e-324, -0) },
    { name: 'vec', values: Float64Array.from({ length: rows * 3 }, (_, i) => i / 7), repeat: 3, unit: 'deg' },
    { name: 'name', values: ['alpha', "it's", '', 'a much longer string'] },
  ]
  return { rows, columns }
}

function ourFile(): FitsHdu[] {
  return [
    { kind: 'image', data: null, header: richHeader() },
    ...IMAGE_DTYPES.map((dtype) => ({
      kind: 'image' as const,
      data: sampleArray(dtype, [5, 7]),
      name: dtype.toUpperCase(),
    })),
    { kind: 'image', data: sampleArray('float32', [2, 3, 4]), name: 'CUBE' },
    {
      kind: 'bintable',
      table: allColumnsTable(),
      name: 'CATALOG',
      header: new FitsHeader().set('ORIGIN', 'test'),
    },
    {
      kind: 'bintable',
      table: recordToTable({ run: 'u/someone/run', visit: 903342, exptime: 30.5, id: 2n ** 60n, ok: true }),
      name: 'METADATA',
    },
  ]
}

describe('FITS codec against independent tools', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fits-external-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const ours = join(dir, 'ours.fits')
  writeFileSync(ours, concat(writeFits(ourFile())))

  it('fitsverify reports no errors and no warnings on our files', { skip: fitsverifySkip() }, () => {
    const result = fitsverify(ours)
    assert.equal(result.errors, 0, result.output)
    assert.equal(result.warnings, 0, result.output)
    // fitsverify must actually check something: a broken file is reported.
    const broken = join(dir, 'broken.fits')
    const bytes = concat(writeFits(ourFile()))
    bytes.set(new TextEncoder().encode('NAXIS   =                    1'), 80 * 2)
    writeFileSync(broken, bytes)
    assert.ok(fitsverify(broken).errors > 0)
    // Minimal files too: a lone empty primary, and a table first (an empty primary is added).
    for (const [name, hdus] of [
      ['empty.fits', []],
      ['table-only.fits', [{ kind: 'bintable', table: allColumnsTable() }]],
    ] as [string, FitsHdu[]][]) {
      const path = join(dir, name)
      writeFileSync(path, concat(writeFits(hdus)))
      const r = fitsverify(path)
      assert.deepEqual([r.errors, r.warnings], [0, 0], r.output)
    }
  })

  it('astropy reads our headers, images and tables back identically', { skip: astropySkip() }, () => {
    const dumped = readWithAstropy(ours)
    const written = ourFile()
    assert.equal(dumped.length, written.length)

    // Headers: every card we set, as astropy sees it.
    const header = richHeader()
    const theirs = dumped[0]!.header
    for (const card of header.cards()) {
      if (card.value === undefined) continue
      const found = theirs.find(([k]) => k.toUpperCase() === card.key.toUpperCase())
      assert.ok(found, `astropy does not see ${card.key}`)
      assertSameValue(card.value, found, card.key)
      assert.equal(found[3], card.comment ?? '', `comment of ${card.key}`)
    }
    const exptime = theirs.find(([k]) => k === 'EXPTIME')!
    assert.equal(exptime[1], 'float', 'an integral float is read as a float')
    assert.deepEqual(
      theirs.filter(([k]) => k === 'COMMENT').map(([, , text]) => text),
      header.commentary('COMMENT'),
    )
    assert.equal(
      theirs
        .filter(([k]) => k === 'HISTORY')
        .map(([, , text]) => text)
        .join(''),
      header.commentary('HISTORY').join(''),
    )

    // Images: same dtype, shape and bytes.
    written.forEach((hdu, i) => {
      if (hdu.kind !== 'image' || !hdu.data) return
      const d = dumped[i]!.data!
      assert.equal(d.dtype, hdu.data.dtype, `HDU ${i}`)
      assert.deepEqual(d.shape, hdu.data.shape, `HDU ${i}`)
      assert.deepEqual(Buffer.from(d.b64, 'base64'), bytesOf(hdu.data.data), `HDU ${i} (${hdu.data.dtype})`)
    })

    // Tables: every column's values, units and nulls.
    const tableIndex = written.findIndex((h) => h.kind === 'bintable')
    for (const offset of [0, 1]) {
      const hdu = written[tableIndex + offset]!
      assert.equal(hdu.kind, 'bintable')
      const cols = (hdu as { table: FitsTable }).table.columns
      const dumpedCols = dumped[tableIndex + offset]!.columns!
      assert.deepEqual(
        dumpedCols.map((c) => c.name),
        cols.map((c) => c.name),
      )
      for (const [j, col] of cols.entries()) {
        const dc = dumpedCols[j]!
        assert.equal(dc.unit ?? undefined, col.unit, `unit of ${col.name}`)
        assert.equal(dc.null ?? undefined, col.nullValue === undefined ? undefined : String(col.nullValue))
        if (Array.isArray(col.values)) {
          assert.deepEqual(dc.data, col.values, col.name)
        } else {
          const arr = dc.data as DumpedArray
          const raw = Buffer.from(arr.b64, 'base64')
          if (col.values instanceof Int8Array) {
            // astropy applies TZERO = -128 (FITS's signed-byte convention) as general scaling: float64.
            assert.equal(arr.dtype, 'float64')
            const values = new Float64Array(new Uint8Array(raw).buffer)
            assert.deepEqual([...values], [...col.values], col.name)
            continue
          }
          assert.equal(arr.dtype, dtypeName(col.values), col.name)
          assert.deepEqual(raw, bytesOf(col.values), col.name)
        }
      }
    }
  })

  it('astropy reads undefined values and HIERARCH long strings', { skip: astropySkip() }, () => {
    const h = new FitsHeader()
    h.set('UNDEF', null, 'no value')
    h.set('LSST BUTLER PROVENANCE INPUT 0 ID', 'v'.repeat(150), 'long HIERARCH')
    const path = join(dir, 'undef.fits')
    writeFileSync(path, concat(writeFits([{ kind: 'image', data: null, header: h }])))
    const theirs = readWithAstropy(path)[0]!.header
    assert.deepEqual(
      theirs.find(([k]) => k === 'UNDEF'),
      ['UNDEF', 'null', '', 'no value'],
    )
    assert.deepEqual(
      theirs.find(([k]) => k === 'LSST BUTLER PROVENANCE INPUT 0 ID'),
      ['LSST BUTLER PROVENANCE INPUT 0 ID', 'str', 'v'.repeat(150), 'long HIERARCH'],
    )
  })

  it('we read files astropy writes: BZERO images, scaled images, tables, CONTINUE and HIERARCH', {
    skip: astropySkip(),
  }, async () => {
    const path = join(dir, 'astropy.fits')
    const script = `${PY_DUMP}
path = sys.argv[1]
h = fits.Header()
h['OBJECT'] = ("NGC 224 'core'", 'target')
h['LONGSTR'] = ('L' * 100 + " it's & more " + 'M' * 100, 'long comment')
h['HIERARCH ESO DET CHIP NAME'] = 'CCD-42'
h['HIERARCH LSST BUTLER ID'] = ('abc-def', 'butler id')
h['EXPTIME'] = (30.0, 'seconds')
h['RATIO'] = 1.0 / 3.0
h['BIGINT'] = 2 ** 62 + 1
h['FLAG'] = True
h['UNDEF'] = None
h['ZERO'] = 0
h.add_comment('astropy comment')
h.add_history('astropy history')
hdus = [fits.PrimaryHDU(header=h)]
hdus.append(fits.ImageHDU(np.arange(12, dtype=np.uint16).reshape(3, 4) * 5000, name='U16'))
hdus.append(fits.ImageHDU(np.array([-128, 0, 127, 5], dtype=np.int8), name='I8'))
hdus.append(fits.ImageHDU(np.array([[0, 2**32 - 1], [2**31, 7]], dtype=np.uint32), name='U32'))
hdus.append(fits.ImageHDU(np.array([0, 2**64 - 1, 2**63], dtype=np.uint64), name='U64'))
f32 = np.array([[1.5, np.nan, -2.0], [np.inf, 0.0, 1e-30]], dtype=np.float32)
hdus.append(fits.ImageHDU(f32, name='F32'))
scaled = fits.ImageHDU(np.array([[10.0, 10.5, 20.0], [-5.0, 0.0, 1000.0]], dtype=np.float64), name='SCALED')
scaled.scale('int16', bzero=10.0, bscale=0.5)
hdus.append(scaled)
cols = [
    fits.Column(name='id', format='K', array=np.array([1, 2**60, -5])),
    fits.Column(name='flux', format='D', unit='nJy', array=np.array([1.5, np.nan, -2.25])),
    fits.Column(name='mag', format='E', array=np.array([20.5, 21.0, np.nan], dtype=np.float32)),
    fits.Column(name='band', format='5A', array=np.array(['g', 'r', 'i'])),
    fits.Column(name='good', format='L', array=np.array([True, False, True])),
    fits.Column(name='count', format='J', null=-99, array=np.array([3, -99, 7], dtype=np.int32)),
    fits.Column(name='small', format='I', array=np.array([-1, 0, 1], dtype=np.int16)),
    fits.Column(name='byte', format='B', array=np.array([0, 128, 255], dtype=np.uint8)),
    fits.Column(name='u16', format='I', bzero=32768, array=np.array([0, 65535, 40000], dtype=np.uint16)),
    fits.Column(name='u32', format='J', bzero=2**31, array=np.array([0, 2**32 - 1, 5], dtype=np.uint32)),
    fits.Column(name='vec', format='3D', array=np.arange(9, dtype=np.float64).reshape(3, 3) / 3),
]
hdus.append(fits.BinTableHDU.from_columns(cols, name='CATALOG'))
fits.HDUList(hdus).writeto(path, overwrite=True)
`
    runAstropy(script, path)
    const dumped = readWithAstropy(path)
    const src = new MemoryByteSource(await readFile(path), 'astropy.fits')
    const hdus = await readFitsStructure(src)
    assert.equal(hdus.length, dumped.length)
    assert.deepEqual(
      hdus.map((h) => h.name ?? ''),
      ['', 'U16', 'I8', 'U32', 'U64', 'F32', 'SCALED', 'CATALOG'],
    )

    // Every valued card astropy sees, with the same value and comment.
    for (const [i, hdu] of hdus.entries()) {
      for (const card of dumped[i]!.header) {
        const [key, type] = card
        if (type === 'commentary') continue
        assertSameValue(hdu.header.get(key), card, `HDU ${i} ${key}`)
        assert.equal(hdu.header.getComment(key) ?? '', card[3], `comment of ${key}`)
      }
      const comments = dumped[i]!.header.filter(([k]) => k === 'COMMENT').map(([, , t]) => t)
      assert.deepEqual(hdu.header.commentary('COMMENT'), comments)
    }
    assert.equal(hdus[0]!.header.get('LONGSTR'), `${'L'.repeat(100)} it's & more ${'M'.repeat(100)}`)
    assert.equal(hdus[0]!.header.get('ESO DET CHIP NAME'), 'CCD-42')
    assert.equal(hdus[0]!.header.get('BIGINT'), 2n ** 62n + 1n)
    assert.equal(hdus[0]!.header.get('UNDEF'), null)

    // Images: same dtype, shape and bytes as astropy reads them (uint via BZERO, int8, scaled → float32).
    for (const [i, hdu] of hdus.entries()) {
      if (hdu.kind !== 'image' || hdu.shape.length === 0) continue
      const image = (await readImage(src, hdu)) as NdArray
      const d = dumped[i]!.data!
      assert.equal(image.dtype, d.dtype, `HDU ${i}`)
      assert.deepEqual(image.shape, d.shape)
      assert.deepEqual(bytesOf(image.data), Buffer.from(d.b64, 'base64'), `HDU ${i} ${hdu.name}`)
    }
    assert.equal(hdus[6]!.header.get('BITPIX'), 16)
    assert.equal(hdus[6]!.header.get('BSCALE'), 0.5)

    // Table: the same column values, units and nulls.
    const table = await readTable(src, hdus[7]!)
    const dumpedCols = dumped[7]!.columns!
    assert.deepEqual(
      table.columns.map((c) => c.name),
      dumpedCols.map((c) => c.name),
    )
    for (const [j, col] of table.columns.entries()) {
      const dc = dumpedCols[j]!
      assert.equal(col.unit, dc.unit ?? undefined, col.name)
      assert.equal(
        col.nullValue === undefined ? undefined : String(col.nullValue),
        dc.null ?? undefined,
        col.name,
      )
      if (Array.isArray(col.values)) assert.deepEqual(col.values, dc.data, col.name)
      else {
        const arr = dc.data as DumpedArray
        assert.equal(dtypeName(col.values), arr.dtype, col.name)
        assert.deepEqual(bytesOf(col.values), Buffer.from(arr.b64, 'base64'), col.name)
      }
    }
  })
})

function dtypeName(values: NdArrayData): string {
  return values.constructor.name
    .replace('Array', '')
    .replace('BigInt', 'int')
    .replace('BigUint', 'uint')
    .toLowerCase()
}
