/**
 * The runtime types every storage class config can use without extra modules: JSON-like values,
 * bytes, n-dimensional arrays and apache-arrow tables and schemas.
 */

import { ReadParameterError } from '../errors.js'
import { isArrowSchema, isArrowTable, selectArrowColumns } from './arrow-table.js'
import { isNdArray, type NdArray, resolveRowSlice, sliceRows } from './ndarray.js'
import { isPlainObject, registerStorageClassType } from './storage-class-type.js'

/**
 * Rough size in bytes of a JSON-like value, for cache budgets. Walks at most `budget` nodes and
 * extrapolates, so a huge object costs no more than a small one to measure.
 */
export function estimateJsonSize(value: unknown, budget = 2000): number {
  let nodes = 0
  const walk = (v: unknown): number => {
    if (++nodes > budget) return 16
    if (typeof v === 'string') return 16 + v.length * 2
    if (typeof v !== 'object' || v === null) return 16
    if (ArrayBuffer.isView(v)) return 64 + v.byteLength
    const entries = Array.isArray(v) ? v : Object.values(v)
    let total = 64
    let seen = 0
    for (const e of entries) {
      if (nodes > budget) break
      total += walk(e) + (Array.isArray(v) ? 8 : 40)
      seen++
    }
    // Extrapolate over the entries not visited.
    return seen > 0 && seen < entries.length ? Math.round((total * entries.length) / seen) : total
  }
  return walk(value)
}

/** Bytes held by the buffers of an apache-arrow table (duck-typed: `data[].byteLength`). */
function arrowTableSize(table: { data?: readonly { byteLength?: number }[] }): number {
  let total = 1024
  for (const d of table.data ?? []) total += typeof d.byteLength === 'number' ? d.byteLength : 0
  return total
}

registerStorageClassType('object', {
  description: 'a plain object',
  isInstance: isPlainObject,
  sizeOf: estimateJsonSize,
})
registerStorageClassType('array', {
  description: 'an array',
  isInstance: Array.isArray,
  sizeOf: estimateJsonSize,
})
registerStorageClassType('string', {
  description: 'a string',
  isInstance: (o) => typeof o === 'string',
  sizeOf: (s: string) => 16 + s.length * 2,
})
registerStorageClassType('bytes', {
  description: 'a Uint8Array',
  isInstance: (o) => o instanceof Uint8Array,
  sizeOf: (b: Uint8Array) => 64 + b.byteLength,
})
registerStorageClassType('integer', { description: 'an integer number', isInstance: Number.isInteger })
registerStorageClassType('number', { description: 'a number', isInstance: (o) => typeof o === 'number' })
registerStorageClassType('ndarray', {
  description: 'an NdArray',
  isInstance: isNdArray,
  derived: {
    shape: (a: NdArray) => [...a.shape],
    dtype: (a: NdArray) => a.dtype,
  },
  parameters: {
    slice: (a: NdArray, value: unknown) => {
      const rows = a.shape[0]
      if (rows === undefined) throw new ReadParameterError('Cannot slice rows of a 0-dimensional array')
      return sliceRows(a, ...resolveRowSlice(value, rows))
    },
  },
  sizeOf: (a: NdArray) => 128 + a.data.byteLength,
})
registerStorageClassType('arrow-table', {
  description: 'an apache-arrow Table',
  isInstance: isArrowTable,
  derived: {
    columns: (t: Parameters<typeof selectArrowColumns>[0]) => t.schema.fields.map((f) => f.name),
    rowcount: (t: Parameters<typeof selectArrowColumns>[0]) => t.numRows,
    schema: (t: Parameters<typeof selectArrowColumns>[0]) => t.schema,
  },
  parameters: { columns: selectArrowColumns },
  sizeOf: arrowTableSize,
})
registerStorageClassType('arrow-schema', { description: 'an apache-arrow Schema', isInstance: isArrowSchema })
