/**
 * Helpers of the expression tests: a compact S-expression rendering of trees (to check their shape),
 * span stripping (to compare trees), and a parse that is expected to fail.
 */
import assert from 'node:assert/strict'
import {
  type ExpressionNode,
  ExpressionSyntaxError,
  expressionChildren,
  parseExpression,
} from '../../src/expression/index.js'

/** Renders a tree as `(op lhs rhs)` S-expressions; literals print as written, calls as `NAME(…)`. */
export function sexpr(node: ExpressionNode): string {
  switch (node.kind) {
    case 'numeric':
      return node.text
    case 'string':
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
      return `${node.name}(${node.args.map(sexpr).join(' ')})`
    case 'tuple':
      return `[${sexpr(node.items[0])} ${sexpr(node.items[1])}]`
    case 'unary':
      return `(${node.op} ${sexpr(node.operand)})`
    case 'binary':
      return `(${node.op} ${sexpr(node.lhs)} ${sexpr(node.rhs)})`
    case 'in':
      return `(${node.negated ? 'NOT-IN' : 'IN'} ${sexpr(node.lhs)} {${node.items.map(sexpr).join(' ')}})`
  }
}

/** Parses `text`, which must not be blank, and renders the tree with `sexpr`. */
export function shape(text: string): string {
  const tree = parseExpression(text)
  assert.ok(tree, `expected a tree for ${text}`)
  return sexpr(tree)
}

/** A deep copy of a tree without its spans, for comparing trees parsed from different texts. */
export function stripSpans(node: ExpressionNode): unknown {
  const copy: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(node)) {
    if (key === 'span') continue
    if (Array.isArray(value)) copy[key] = value.map((item: ExpressionNode) => stripSpans(item))
    else if (typeof value === 'object' && value !== null) copy[key] = stripSpans(value as ExpressionNode)
    else copy[key] = value
  }
  return copy
}

/** Checks that every node's span lies within its parent's and covers its children. */
export function assertSpansNest(node: ExpressionNode, source: string): void {
  assert.ok(node.span.start >= 0 && node.span.start < node.span.end && node.span.end <= source.length)
  for (const child of expressionChildren(node)) {
    assert.ok(child.span.start >= node.span.start && child.span.end <= node.span.end)
    assertSpansNest(child, source)
  }
}

/** Parses `text`, which must fail with `ExpressionSyntaxError`, and returns the error. */
export function parseError(text: string): ExpressionSyntaxError {
  try {
    parseExpression(text)
  } catch (error) {
    assert.ok(error instanceof ExpressionSyntaxError, `expected ExpressionSyntaxError, got ${error}`)
    return error
  }
  assert.fail(`expected a syntax error for ${JSON.stringify(text)}`)
}
