import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import {
  createNdArray,
  NDARRAY_CONSTRUCTORS,
  type NdArray,
  type NdArrayDType,
} from '../../src/datasets/ndarray.js'
import { FormatterError, ReadParameterError, StorageClassError } from '../../src/errors.js'
import { loadDefaultStorageClasses } from '../../src/formatters/default-storage-classes.js'
import { NpyFormatter } from '../../src/formatters/npy-formatter.js'
import { pythonSkip, runPython } from './python-helper.js'

const storageClasses = loadDefaultStorageClasses()
const storageClass = storageClasses.get('NumpyArray')
const npy = new NpyFormatter()
const writeCtx = { storageClass, writeParameters: {} }
const readCtx = (readParameters: Record<string, unknown> = {}) => ({ storageClass, readParameters })

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.length
  }
  return out
}

/** A small array of each dtype with distinctive values (including negatives and extremes). */
function sample(dtype: NdArrayDType): NdArray {
  const values: Record<NdArrayDType, () => NdArray['data']> = {
    float64: () => Float64Array.from([1.5, -2.25, 1e300, Number.NaN, Number.NEGATIVE_INFINITY, 0]),
    float32: () => Float32Array.from([1.5, -2.25, 3e38, 0.1, 0, -0]),
    int8: () => Int8Array.from([-128, 127, 0, 1, -1, 5]),
    int16: () => Int16Array.from([-32768, 32767, 0, 1, -1, 5]),
    int32: () => Int32Array.from([-(2 ** 31), 2 ** 31 - 1, 0, 1, -1, 5]),
    int64: () => BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n, 0n, 1n, -1n, 5n]),
    uint8: () => Uint8Array.from([0, 255, 1, 2, 3, 4]),
    uint16: () => Uint16Array.from([0, 65535, 1, 2, 3, 4]),
    uint32: () => Uint32Array.from([0, 2 ** 32 - 1, 1, 2, 3, 4]),
    uint64: () => BigUint64Array.from([0n, 2n ** 64n - 1n, 1n, 2n, 3n, 4n]),
    bool: () => Uint8Array.from([1, 0, 0, 1, 1, 0]),
  }
  return { dtype, shape: [3, 2], data: values[dtype]() } as NdArray
}

const DTYPES = Object.keys(NDARRAY_CONSTRUCTORS) as NdArrayDType[]

describe('NpyFormatter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'npy-test-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  for (const dtype of DTYPES) {
    it(`round-trips ${dtype}`, async () => {
      const array = sample(dtype)
      const bytes = concat(await npy.toBytes(array, writeCtx))
      const { value, appliedParameters } = await npy.fromBytes(bytes, readCtx())
      assert.deepEqual(appliedParameters, [])
      assert.deepEqual(value, array)
    })
  }

  it('round-trips 0-d, 1-d, empty and 3-d shapes', async () => {
    for (const shape of [[], [5], [0], [0, 3], [2, 3, 4]]) {
      const size = shape.reduce((a, b) => a * b, 1)
      const array = createNdArray(
        Float32Array.from({ length: size }, (_, i) => i),
        shape,
      )
      const { value } = await npy.fromBytes(concat(await npy.toBytes(array, writeCtx)), readCtx())
      assert.deepEqual(value, array)
    }
  })

  it('writes a 64-byte aligned v1.0 header and the array bytes without copying', async () => {
    const array = createNdArray(new Float64Array(12), [3, 4])
    const [header, body] = await npy.toBytes(array, writeCtx)
    assert.ok(header && body)
    assert.equal(header.length % 64, 0)
    assert.equal(new TextDecoder('latin1').decode(header.subarray(0, 6)), '\x93NUMPY')
    assert.deepEqual([header[6], header[7]], [1, 0])
    const text = new TextDecoder('latin1').decode(header.subarray(10))
    assert.match(text, /^\{'descr': '<f8', 'fortran_order': False, 'shape': \(3, 4\), \} *\n$/)
    assert.equal(body.buffer, array.data.buffer, 'the data chunk is a view on the array memory')
    assert.equal(body.byteLength, 96)
  })

  it('writes a v2.0 header when the header exceeds 64 KiB', async () => {
    const shape = Array.from({ length: 30000 }, () => 1)
    const array = createNdArray(new Uint8Array(1), shape)
    const [header] = await npy.toBytes(array, writeCtx)
    assert.ok(header)
    assert.equal(header[6], 2)
    assert.equal(header.length % 64, 0)
    const { value } = await npy.fromBytes(concat(await npy.toBytes(array, writeCtx)), readCtx())
    assert.deepEqual((value as NdArray).shape, shape)
  })

  it('reads zero-copy: the result is a view on the input buffer', async () => {
    const array = createNdArray(
      Float64Array.from({ length: 1 << 20 }, (_, i) => i),
      [1024, 1024],
    )
    const bytes = concat(await npy.toBytes(array, writeCtx))
    const { value } = await npy.fromBytes(bytes, readCtx())
    const data = (value as NdArray).data
    assert.equal(data.buffer, bytes.buffer)
    assert.equal(data.byteOffset, 128)
    bytes[128] = 0xff // writing through the file bytes shows up in the array
    assert.notEqual((data as Float64Array)[0], 0)
  })

  it('applies slice natively as a view on the selected rows', async () => {
    const array = createNdArray(
      Int32Array.from({ length: 20 }, (_, i) => i),
      [5, 4],
    )
    const bytes = concat(await npy.toBytes(array, writeCtx))
    const { value, appliedParameters } = await npy.fromBytes(bytes, readCtx({ slice: [1, 3] }))
    assert.deepEqual(appliedParameters, ['slice'])
    const result = value as NdArray
    assert.deepEqual(result.shape, [2, 4])
    assert.deepEqual([...(result.data as Int32Array)], [4, 5, 6, 7, 8, 9, 10, 11])
    assert.equal(result.data.buffer, bytes.buffer)
    const tail = (await npy.fromBytes(bytes, readCtx({ slice: [-2, null] }))).value as NdArray
    assert.deepEqual([...(tail.data as Int32Array)], [12, 13, 14, 15, 16, 17, 18, 19])
    await assert.rejects(npy.fromBytes(bytes, readCtx({ slice: [0.5, 2] })), ReadParameterError)
    await assert.rejects(npy.fromBytes(bytes, readCtx({ slice: 'all' })), ReadParameterError)
  })

  it('copies only when the data is misaligned, and still reads the right values', async () => {
    const array = createNdArray(Float64Array.from([1, 2, 3, 4]), [2, 2])
    const bytes = concat(await npy.toBytes(array, writeCtx))
    const shifted = new Uint8Array(bytes.length + 1).subarray(1)
    shifted.set(bytes)
    const { value } = await npy.fromBytes(shifted, readCtx())
    assert.notEqual((value as NdArray).data.buffer, shifted.buffer)
    assert.deepEqual(value, array)
    // The same through a Node Buffer, whose slice() is a view rather than a copy.
    const pooled = Buffer.concat([Buffer.from([0]), bytes]).subarray(1)
    const before = Buffer.from(pooled)
    assert.deepEqual((await npy.fromBytes(pooled, readCtx())).value, array)
    assert.deepEqual(pooled, before, 'the input bytes are left untouched')
  })

  it('reports corrupt files as FormatterError with the reason', async () => {
    const good = concat(await npy.toBytes(createNdArray(new Float64Array(6), [3, 2]), writeCtx))
    const cases: [Uint8Array, RegExp][] = [
      [new TextEncoder().encode('not an npy file at all'), /magic/],
      [good.subarray(0, good.length - 8), /truncated/],
      [good.subarray(0, 20), /truncated/],
      [concat([good, new Uint8Array(8)]), /unexpected bytes/],
    ]
    const badDtype = good.slice()
    badDtype.set(new TextEncoder().encode("'<c16'"), 10 + "{'descr': ".length)
    cases.push([badDtype, /dtype/])
    const badVersion = good.slice()
    badVersion[6] = 9
    cases.push([badVersion, /version 9/])
    for (const [bytes, reason] of cases) {
      await assert.rejects(npy.fromBytes(bytes, readCtx()), (e: Error) => {
        assert.ok(e instanceof FormatterError, String(e))
        assert.match(e.message, reason)
        return true
      })
    }
  })

  it('refuses to write something that is not an NdArray, naming both types', async () => {
    await assert.rejects(npy.toBytes([1, 2, 3], writeCtx), (e: Error) => {
      assert.ok(e instanceof StorageClassError)
      assert.match(e.message, /array.*NdArray/)
      return true
    })
    await assert.rejects(
      npy.toBytes({ dtype: 'float64', shape: [4], data: new Float64Array(3) }, writeCtx),
      StorageClassError,
    )
    const text = storageClasses.get('Text')
    await assert.rejects(
      npy.toBytes(sample('float64'), { storageClass: text, writeParameters: {} }),
      StorageClassError,
    )
  })

  describe('against numpy', { skip: pythonSkip('numpy') }, () => {
    it('numpy loads what we write, for every dtype', async () => {
      for (const dtype of DTYPES) {
        const array = sample(dtype)
        const path = join(dir, `${dtype}.npy`)
        writeFileSync(path, concat(await npy.toBytes(array, writeCtx)))
        const out = runPython(
          `import sys, json, numpy as np
a = np.load(sys.argv[1])
print(json.dumps({"dtype": a.dtype.str, "shape": list(a.shape), "values": [repr(v) for v in a.ravel().tolist()]}))`,
          path,
        )
        const seen = JSON.parse(out) as { dtype: string; shape: number[]; values: string[] }
        assert.deepEqual(seen.shape, [3, 2], dtype)
        const expected = [...(array.data as Iterable<number | bigint>)].map((v) => {
          if (dtype === 'bool') return v ? 'True' : 'False'
          if (typeof v === 'bigint') return v.toString()
          if (Number.isNaN(v)) return 'nan'
          if (v === Number.NEGATIVE_INFINITY) return '-inf'
          return dtype.startsWith('float') ? null : String(v)
        })
        seen.values.forEach((v, i) => {
          if (expected[i] !== null) assert.equal(v, expected[i], `${dtype}[${i}]`)
          else assert.equal(Number(v), (array.data as Float64Array)[i], `${dtype}[${i}]`)
        })
      }
    })

    it('we read what numpy writes: dtypes, Fortran order, big-endian, 0-d', async () => {
      const cases: [string, string, Record<string, unknown>][] = [
        ['c_f8', 'np.arange(12, dtype="<f8").reshape(3, 4) / 8', { dtype: 'float64', shape: [3, 4] }],
        ['c_i2', 'np.arange(-3, 3, dtype="<i2").reshape(2, 3)', { dtype: 'int16', shape: [2, 3] }],
        ['c_u8', 'np.array([0, 2**64 - 1], dtype="<u8")', { dtype: 'uint64', shape: [2] }],
        ['c_b1', 'np.array([[True, False], [False, True]])', { dtype: 'bool', shape: [2, 2] }],
        [
          'f_i4',
          'np.asfortranarray(np.arange(24, dtype="<i4").reshape(2, 3, 4))',
          { dtype: 'int32', shape: [2, 3, 4] },
        ],
        ['be_f4', 'np.arange(6, dtype=">f4").reshape(3, 2)', { dtype: 'float32', shape: [3, 2] }],
        ['scalar', 'np.array(7.5)', { dtype: 'float64', shape: [] }],
      ]
      for (const [name, expr] of cases) {
        runPython(`import sys, numpy as np\nnp.save(sys.argv[1], ${expr})`, join(dir, `${name}.npy`))
      }
      const read = async (name: string, params: Record<string, unknown> = {}) =>
        (await npy.fromBytes(readFileSync(join(dir, `${name}.npy`)), readCtx(params))).value as NdArray
      for (const [name, , expected] of cases) {
        const value = await read(name)
        assert.equal(value.dtype, expected.dtype, name)
        assert.deepEqual(value.shape, expected.shape, name)
      }
      assert.deepEqual(
        [...((await read('c_f8')).data as Float64Array)],
        Array.from({ length: 12 }, (_, i) => i / 8),
      )
      assert.deepEqual([...((await read('c_i2')).data as Int16Array)], [-3, -2, -1, 0, 1, 2])
      assert.deepEqual([...((await read('c_u8')).data as BigUint64Array)], [0n, 2n ** 64n - 1n])
      assert.deepEqual([...(await read('c_b1')).data], [1, 0, 0, 1])
      // Fortran order comes back in C order with the same logical values.
      assert.deepEqual(
        [...((await read('f_i4')).data as Int32Array)],
        Array.from({ length: 24 }, (_, i) => i),
      )
      const fSlice = await read('f_i4', { slice: [1, 2] })
      assert.deepEqual(fSlice.shape, [1, 3, 4])
      assert.deepEqual(
        [...(fSlice.data as Int32Array)],
        Array.from({ length: 12 }, (_, i) => i + 12),
      )
      assert.deepEqual([...((await read('be_f4')).data as Float32Array)], [0, 1, 2, 3, 4, 5])
      assert.deepEqual([...((await read('scalar')).data as Float64Array)], [7.5])
    })
  })
})
