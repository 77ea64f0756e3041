/** Describes a value's runtime type for error messages: `Float64Array`, `array`, `null`, `string`, ... */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name
    return typeof name === 'string' && name !== 'Object' ? name : 'object'
  }
  return typeof value
}
