/**
 * The syntax tree of a parsed `where` expression: a discriminated union (on `kind`) of small, plain,
 * JSON-serialisable objects. Parentheses leave no node of their own: grouping is the tree's shape.
 * Every node carries the `span` of source text it was parsed from, parentheses around it included.
 */

/** A half-open range `[start, end)` of UTF-16 offsets into the expression text. */
export interface Span {
  readonly start: number
  readonly end: number
}

/**
 * A numeric literal, sign included when one was written directly before the number (`-5`, `+1.5e3`).
 *
 * `value` is a JS number for floats and for integers within `Number.MAX_SAFE_INTEGER`; an integer
 * beyond that is kept exactly as its canonical decimal string (`'-12345678901234567890'`), so no
 * precision is lost and the tree stays free of `bigint`.
 */
export interface NumericLiteralNode {
  readonly kind: 'numeric'
  /** The literal as written, sign included. */
  readonly text: string
  /** True when written without a fraction or exponent (`12`, `-3`). */
  readonly isInteger: boolean
  readonly value: number | string
  readonly span: Span
}

/** A string literal `'…'` (no escapes; the value holds neither `'` nor a newline). */
export interface StringLiteralNode {
  readonly kind: 'string'
  readonly value: string
  readonly span: Span
}

/** A time literal `T'…'`, validated at parse time. */
export interface TimeLiteralNode {
  readonly kind: 'time'
  /** The text between the quotes, e.g. `mjd/58938.515/tai` or `2020-01-01 12:00`. */
  readonly text: string
  /** The instant as TAI nanoseconds since 1970-01-01T00:00:00 TAI, in decimal (`BigInt(taiNs)`). */
  readonly taiNs: string
  readonly span: Span
}

/** An integer range `start..stop[:stride]`, inclusive at both ends; meaningful inside `IN (…)`. */
export interface RangeLiteralNode {
  readonly kind: 'range'
  readonly start: number
  readonly stop: number
  /** The step (at least 1), or `null` when none was written (meaning 1). */
  readonly stride: number | null
  readonly span: Span
}

/** A column-like name with zero, one or two dots (`visit`, `visit.day_obs`, `visit.timespan.begin`). */
export interface IdentifierNode {
  readonly kind: 'identifier'
  /** The name as written (case kept); `NULL` is an ordinary identifier at this level. */
  readonly name: string
  readonly span: Span
}

/** A bind parameter `:name`. */
export interface BindNode {
  readonly kind: 'bind'
  /** The name without its colon. */
  readonly name: string
  readonly span: Span
}

/** A function call; the known functions (POINT, CIRCLE, BOX, POLYGON, REGION, GLOB, UUID) are checked. */
export interface FunctionCallNode {
  readonly kind: 'function'
  /** The function name, upper-cased. */
  readonly name: string
  readonly args: readonly ExpressionNode[]
  readonly span: Span
}

/** A 2-tuple `(a, b)`, e.g. a time range `(T'2020-01-01', T'2020-01-02')`. */
export interface TupleNode {
  readonly kind: 'tuple'
  readonly items: readonly [ExpressionNode, ExpressionNode]
  readonly span: Span
}

/** A unary operator: logical `NOT` or arithmetic sign. */
export type UnaryOperator = 'NOT' | '+' | '-'

/** A unary operation (a sign written directly before a number makes a signed literal instead). */
export interface UnaryNode {
  readonly kind: 'unary'
  readonly op: UnaryOperator
  readonly operand: ExpressionNode
  readonly span: Span
}

/** A binary operator: logical, comparison (including `OVERLAPS`) or arithmetic. */
export type BinaryOperator =
  | 'OR'
  | 'AND'
  | 'OVERLAPS'
  | '='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'

/** A binary operation. */
export interface BinaryNode {
  readonly kind: 'binary'
  readonly op: BinaryOperator
  readonly lhs: ExpressionNode
  readonly rhs: ExpressionNode
  readonly span: Span
}

/** What an `IN (…)` list may hold: literals, simple identifiers, binds and function calls. */
export type InItemNode =
  | NumericLiteralNode
  | StringLiteralNode
  | TimeLiteralNode
  | RangeLiteralNode
  | IdentifierNode
  | BindNode
  | FunctionCallNode

/** `lhs IN (items…)`, or `lhs NOT IN (items…)` when `negated`. */
export interface InNode {
  readonly kind: 'in'
  readonly lhs: ExpressionNode
  readonly items: readonly InItemNode[]
  readonly negated: boolean
  readonly span: Span
}

/** Any node of a parsed expression. */
export type ExpressionNode =
  | NumericLiteralNode
  | StringLiteralNode
  | TimeLiteralNode
  | RangeLiteralNode
  | IdentifierNode
  | BindNode
  | FunctionCallNode
  | TupleNode
  | UnaryNode
  | BinaryNode
  | InNode

/** The direct children of a node, left to right (empty for literals, identifiers and binds). */
export function expressionChildren(node: ExpressionNode): readonly ExpressionNode[] {
  switch (node.kind) {
    case 'function':
      return node.args
    case 'tuple':
      return node.items
    case 'unary':
      return [node.operand]
    case 'binary':
      return [node.lhs, node.rhs]
    case 'in':
      return [node.lhs, ...node.items]
    default:
      return []
  }
}
