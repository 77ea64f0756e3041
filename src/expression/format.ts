/**
 * Printing of expression trees back to canonical text: upper-case keywords and function names, single
 * spaces around binary operators, and parentheses only where precedence needs them. Parsing the printed
 * text gives the same tree again (spans aside); the remote client sends expressions this way.
 */
import { InputError } from '../errors.js'
import type { BinaryOperator, ExpressionNode } from './ast.js'

// Binding strength of each construct, loosest first (mirrors the parser's precedence).
const OR = 1
const AND = 2
const NOT = 3
const OVERLAPS = 4
const EQUALITY = 5
const RELATIONAL = 6
const IN = 7
const ADDITIVE = 8
const MULTIPLICATIVE = 9
const SIGN = 10
const ATOM = 11

const BINARY_LEVELS: Readonly<Record<BinaryOperator, number>> = {
  OR,
  AND,
  OVERLAPS,
  '=': EQUALITY,
  '!=': EQUALITY,
  '<': RELATIONAL,
  '<=': RELATIONAL,
  '>': RELATIONAL,
  '>=': RELATIONAL,
  '+': ADDITIVE,
  '-': ADDITIVE,
  '*': MULTIPLICATIVE,
  '/': MULTIPLICATIVE,
  '%': MULTIPLICATIVE,
}

/** Comparison levels do not chain: both operands must bind tighter. */
const isNonAssociative = (level: number): boolean => level >= OVERLAPS && level <= RELATIONAL

function levelOf(node: ExpressionNode): number {
  switch (node.kind) {
    case 'binary':
      return BINARY_LEVELS[node.op]
    case 'unary':
      return node.op === 'NOT' ? NOT : SIGN
    case 'in':
      return IN
    default:
      return ATOM
  }
}

/** Prints `node`, in parentheses when it binds looser than `minLevel`. */
function print(node: ExpressionNode, minLevel: number): string {
  const text = printBare(node)
  return levelOf(node) < minLevel ? `(${text})` : text
}

function printBare(node: ExpressionNode): string {
  switch (node.kind) {
    case 'numeric':
      return node.text
    case 'string':
      if (/['\n]/.test(node.value)) {
        throw new InputError(`A string literal cannot hold a single quote or a line break: ${node.value}`)
      }
      return `'${node.value}'`
    case 'time':
      return `T'${node.text}'`
    case 'range':
      return `${node.start}..${node.stop}${node.stride === null ? '' : `:${node.stride}`}`
    case 'identifier':
      return node.name
    case 'bind':
      return `:${node.name}`
    case 'function':
      return `${node.name}(${node.args.map((arg) => print(arg, OR)).join(', ')})`
    case 'tuple':
      return `(${print(node.items[0], OR)}, ${print(node.items[1], OR)})`
    case 'unary': {
      if (node.op === 'NOT') return `NOT ${print(node.operand, NOT)}`
      // A sign printed right before a number or range would be read back as part of that literal.
      const kind = node.operand.kind
      const operand = print(node.operand, SIGN)
      return kind === 'numeric' || kind === 'range' ? `${node.op}(${operand})` : `${node.op}${operand}`
    }
    case 'binary': {
      const level = BINARY_LEVELS[node.op]
      const left = isNonAssociative(level) ? level + 1 : level
      return `${print(node.lhs, left)} ${node.op} ${print(node.rhs, level + 1)}`
    }
    case 'in': {
      const items = node.items.map((item) => printBare(item)).join(', ')
      return `${print(node.lhs, ADDITIVE)} ${node.negated ? 'NOT IN' : 'IN'} (${items})`
    }
  }
}

/**
 * Prints an expression tree as canonical text that parses back to an equal tree (spans aside).
 *
 * Throws `InputError` for a hand-built string literal holding a quote or line break, which the
 * language cannot express.
 *
 * @example
 * formatExpression(parseExpression("visit=1 and (band='r' or band='i')")!)
 * // "visit = 1 AND (band = 'r' OR band = 'i')"
 */
export function formatExpression(node: ExpressionNode): string {
  return print(node, OR)
}
