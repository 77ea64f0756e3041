/**
 * The recursive-descent parser of the `where` expression language (notes §6.1).
 *
 * Precedence, loosest first: `OR`, `AND` (both left-associative); prefix `NOT`, which applies to a whole
 * comparison; `OVERLAPS`; `=` `!=`; `<` `<=` `>` `>=` (each of these three levels non-associative, so
 * `a = b = c` is an error while `a < b = c` is `(a < b) = c`); `IN`/`NOT IN`; `+` `-`; `* / %` (both
 * left-associative); prefix `+` `-`. Nesting is capped so that hostile input gets an error, not a stack
 * overflow.
 */
import type { BinaryOperator, ExpressionNode, FunctionCallNode, InItemNode } from './ast.js'
import { expressionChildren } from './ast.js'
import { expressionError, quoteToken } from './errors.js'
import { checkFunctionCall } from './functions.js'
import { type Token, tokenize } from './lexer.js'
import { numericLiteral, rangeLiteral, timeLiteral } from './literals.js'

/** Deepest nesting of parentheses, function calls and prefix operators. */
export const MAX_NESTING = 200
/** Deepest syntax tree (long operator chains included), so tree walkers can recurse safely. */
export const MAX_TREE_DEPTH = 1000

/** The non-associative comparison levels, loosest first. */
const COMPARISON_LEVELS: readonly (readonly BinaryOperator[])[] = [
  ['OVERLAPS'],
  ['=', '!='],
  ['<', '<=', '>', '>='],
]

class Parser {
  private readonly tokens: Token[]
  private index = 0
  private nesting = 0

  constructor(private readonly source: string) {
    this.tokens = tokenize(source)
  }

  parse(): ExpressionNode | null {
    if (this.peek().kind === 'eof') return null
    const node = this.parseOr()
    if (this.peek().kind !== 'eof') throw this.unexpected(this.peek())
    return node
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)]!
  }

  private next(): Token {
    const token = this.peek()
    if (token.kind !== 'eof') this.index++
    return token
  }

  /** True when the current token is `value` (a keyword or punctuation). */
  private at(value: string, ahead = 0): boolean {
    const token = this.peek(ahead)
    return (token.kind === 'keyword' || token.kind === 'punct') && token.value === value
  }

  private expect(value: string): Token {
    if (!this.at(value)) throw this.unexpected(this.peek())
    return this.next()
  }

  private unexpected(token: Token): Error {
    if (token.kind === 'eof') {
      return expressionError(this.source, token.start, 'Syntax error: unexpected end of expression')
    }
    const text = this.source.slice(token.start, token.end)
    return expressionError(this.source, token.start, `Syntax error at or near ${quoteToken(text)}`)
  }

  /** Runs `body` one nesting level deeper, refusing to go beyond MAX_NESTING. */
  private nested<T>(token: Token, body: () => T): T {
    if (++this.nesting > MAX_NESTING) {
      throw expressionError(
        this.source,
        token.start,
        `Expression is nested too deeply (more than ${MAX_NESTING} levels of parentheses, calls or prefix operators)`,
      )
    }
    const result = body()
    this.nesting--
    return result
  }

  private binary(op: BinaryOperator, lhs: ExpressionNode, rhs: ExpressionNode): ExpressionNode {
    return { kind: 'binary', op, lhs, rhs, span: { start: lhs.span.start, end: rhs.span.end } }
  }

  private parseOr(): ExpressionNode {
    let node = this.parseAnd()
    while (this.at('OR')) {
      this.next()
      node = this.binary('OR', node, this.parseAnd())
    }
    return node
  }

  private parseAnd(): ExpressionNode {
    let node = this.parseNot()
    while (this.at('AND')) {
      this.next()
      node = this.binary('AND', node, this.parseNot())
    }
    return node
  }

  private parseNot(): ExpressionNode {
    if (!this.at('NOT')) return this.parseComparison(0)
    const token = this.next()
    const operand = this.nested(token, () => this.parseNot())
    return { kind: 'unary', op: 'NOT', operand, span: { start: token.start, end: operand.span.end } }
  }

  private parseComparison(level: number): ExpressionNode {
    const operators = COMPARISON_LEVELS[level]
    if (operators === undefined) return this.parsePredicate()
    const lhs = this.parseComparison(level + 1)
    const op = operators.find((candidate) => this.at(candidate))
    if (op === undefined) return lhs
    this.next()
    // Non-associative: a second operator of this level is left for the caller to reject.
    return this.binary(op, lhs, this.parseComparison(level + 1))
  }

  private parsePredicate(): ExpressionNode {
    const lhs = this.parseAdditive()
    const negated = this.at('NOT') && this.at('IN', 1)
    if (!negated && !this.at('IN')) return lhs
    if (negated) this.next()
    this.next()
    this.expect('(')
    const items = [this.parseInItem()]
    while (this.at(',')) {
      this.next()
      items.push(this.parseInItem())
    }
    const close = this.expect(')')
    return { kind: 'in', lhs, items, negated, span: { start: lhs.span.start, end: close.end } }
  }

  private parseInItem(): InItemNode {
    const token = this.peek()
    const signed = (this.at('+') || this.at('-')) && this.peek(1).kind === 'numeric'
    if (signed || ['numeric', 'string', 'time', 'range', 'identifier', 'bind'].includes(token.kind)) {
      return this.parseOperand() as InItemNode
    }
    throw this.unexpected(token)
  }

  private parseAdditive(): ExpressionNode {
    let node = this.parseMultiplicative()
    while (this.at('+') || this.at('-')) {
      const op = this.next().value as BinaryOperator
      node = this.binary(op, node, this.parseMultiplicative())
    }
    return node
  }

  private parseMultiplicative(): ExpressionNode {
    let node = this.parseUnary()
    while (this.at('*') || this.at('/') || this.at('%')) {
      const op = this.next().value as BinaryOperator
      node = this.binary(op, node, this.parseUnary())
    }
    return node
  }

  private parseUnary(): ExpressionNode {
    if (!this.at('+') && !this.at('-')) return this.parseOperand()
    if (this.peek(1).kind === 'numeric') return this.parseOperand()
    const token = this.next()
    const operand = this.nested(token, () => this.parseUnary())
    const op = token.value as '+' | '-'
    return { kind: 'unary', op, operand, span: { start: token.start, end: operand.span.end } }
  }

  /** A literal (a sign directly before a number included), name, bind, call, group or 2-tuple. */
  private parseOperand(): ExpressionNode {
    const token = this.next()
    const span = { start: token.start, end: token.end }
    switch (token.kind) {
      case 'numeric':
        return numericLiteral(token.value, span, this.source)
      case 'string':
        return { kind: 'string', value: token.value, span }
      case 'time':
        return timeLiteral(token, this.source)
      case 'range':
        return rangeLiteral(token, this.source)
      case 'qualified':
        return { kind: 'identifier', name: token.value, span }
      case 'identifier':
        return this.at('(') ? this.parseCall(token) : { kind: 'identifier', name: token.value, span }
      case 'bind':
        return { kind: 'bind', name: token.value, span }
      case 'punct':
        if (token.value === '(') return this.nested(token, () => this.parseGroup(token))
        if ((token.value === '+' || token.value === '-') && this.peek().kind === 'numeric') {
          const number = this.next()
          return numericLiteral(
            token.value + number.value,
            { start: token.start, end: number.end },
            this.source,
          )
        }
        break
    }
    throw this.unexpected(token)
  }

  private parseGroup(open: Token): ExpressionNode {
    const first = this.parseOr()
    if (!this.at(',')) {
      const close = this.expect(')')
      // No node for the parentheses: the grouped node's span takes them in.
      return { ...first, span: { start: open.start, end: close.end } }
    }
    this.next()
    const second = this.parseOr()
    const close = this.expect(')')
    return { kind: 'tuple', items: [first, second], span: { start: open.start, end: close.end } }
  }

  private parseCall(name: Token): FunctionCallNode {
    const call = this.nested(name, (): FunctionCallNode => {
      this.expect('(')
      const args: ExpressionNode[] = []
      if (!this.at(')')) {
        args.push(this.parseOr())
        while (this.at(',')) {
          this.next()
          args.push(this.parseOr())
        }
      }
      const close = this.expect(')')
      const span = { start: name.start, end: close.end }
      return { kind: 'function', name: name.value.toUpperCase(), args, span }
    })
    const problem = checkFunctionCall(call)
    if (problem) throw expressionError(this.source, problem.node.span.start, problem.message)
    return call
  }

  /** Rejects trees deeper than MAX_TREE_DEPTH (walked without recursion). */
  checkDepth(root: ExpressionNode): void {
    const stack: [ExpressionNode, number][] = [[root, 1]]
    for (let entry = stack.pop(); entry; entry = stack.pop()) {
      const [node, depth] = entry
      if (depth > MAX_TREE_DEPTH) {
        throw expressionError(
          this.source,
          node.span.start,
          `Expression is too deeply nested (more than ${MAX_TREE_DEPTH} levels); write long OR chains as IN (…)`,
        )
      }
      for (const child of expressionChildren(node)) stack.push([child, depth + 1])
    }
  }
}

/**
 * Parses a `where` expression into its syntax tree; an empty or blank text gives `null` (no constraint).
 *
 * Throws `ExpressionSyntaxError` (a user error with line, column and a caret excerpt) for any syntax
 * error, bad literal, bad call of a known function, or nesting beyond `MAX_NESTING`/`MAX_TREE_DEPTH`.
 *
 * @example
 * parseExpression("visit IN (100..200) AND band = 'i'")
 * // { kind: 'binary', op: 'AND', lhs: { kind: 'in', … }, rhs: { kind: 'binary', op: '=', … }, span: … }
 */
export function parseExpression(text: string): ExpressionNode | null {
  const parser = new Parser(text)
  const tree = parser.parse()
  if (tree) parser.checkDepth(tree)
  return tree
}
