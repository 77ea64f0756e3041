/**
 * Parse-time checks of the known functions of the expression language (notes §6.1): their number of
 * arguments and the kinds of argument they take. Unknown functions pass here; query conversion rejects them.
 */
import type { ExpressionNode, FunctionCallNode } from './ast.js'

/** Argument kinds a numeric argument (coordinate, radius, size) may take: numbers, names, binds, arithmetic. */
const NUMERIC_KINDS = new Set<ExpressionNode['kind']>(['numeric', 'identifier', 'bind', 'binary', 'unary'])

/** A problem with a call, and the node it is about. */
export interface FunctionProblem {
  readonly node: ExpressionNode
  readonly message: string
}

const UUID_HEX = /^[0-9a-f]{32}$/i

/** True for the spellings Python's `uuid.UUID` accepts: hex digits with optional hyphens, braces, `urn:uuid:`. */
function isUuidText(text: string): boolean {
  const bare = text
    .trim()
    .replace(/^urn:/i, '')
    .replace(/^uuid:/i, '')
    .replace(/^\{(.*)\}$/, '$1')
    .replaceAll('-', '')
  return UUID_HEX.test(bare)
}

function arity(call: FunctionCallNode, count: number, names: string): FunctionProblem | undefined {
  if (call.args.length === count) return undefined
  const plural = count === 1 ? 'argument' : 'arguments'
  return {
    node: call,
    message: `${call.name}() takes ${count} ${plural} (${names}), got ${call.args.length}`,
  }
}

function numericArgs(call: FunctionCallNode): FunctionProblem | undefined {
  const bad = call.args.find((arg) => !NUMERIC_KINDS.has(arg.kind))
  if (bad === undefined) return undefined
  return { node: bad, message: `${call.name}() arguments must be numeric expressions or bind names` }
}

/** Checks a call of a known function; returns the first problem found, or undefined when it is fine. */
export function checkFunctionCall(call: FunctionCallNode): FunctionProblem | undefined {
  const [first, second] = call.args
  switch (call.name) {
    case 'POINT':
      return arity(call, 2, 'ra, dec')
    case 'CIRCLE':
      return arity(call, 3, 'ra, dec, radius') ?? numericArgs(call)
    case 'BOX':
      return arity(call, 4, 'ra, dec, width, height') ?? numericArgs(call)
    case 'POLYGON':
      if (call.args.length < 6 || call.args.length % 2 !== 0) {
        const message = `POLYGON() takes an even number of arguments, at least 6 (ra1, dec1, ra2, dec2, ra3, dec3, …), got ${call.args.length}`
        return { node: call, message }
      }
      return numericArgs(call)
    case 'REGION':
      if (call.args.length !== 1) return arity(call, 1, 'an IVOA SIAv2 POS string')
      if (first && !['string', 'bind', 'identifier'].includes(first.kind)) {
        return { node: first, message: 'REGION() takes a string or a bind name' }
      }
      return undefined
    case 'GLOB':
      if (call.args.length !== 2) return arity(call, 2, 'expression, pattern')
      if (first?.kind !== 'identifier') {
        return { node: first ?? call, message: 'GLOB() takes an identifier as its first argument' }
      }
      if (second?.kind !== 'string' && second?.kind !== 'bind') {
        return { node: second ?? call, message: 'GLOB() takes a string or a bind name as its pattern' }
      }
      return undefined
    case 'UUID':
      if (call.args.length !== 1) return arity(call, 1, 'a UUID string')
      if (first?.kind !== 'string') return { node: first ?? call, message: 'UUID() takes a string literal' }
      if (!isUuidText(first.value)) return { node: first, message: `'${first.value}' is not a valid UUID` }
      return undefined
    default:
      return undefined
  }
}
