/**
 * The `where` expression language of queries (notes §6.1): `parseExpression` turns text into a
 * serialisable syntax tree, `formatExpression` prints a tree back as canonical text. No SQL here: the
 * query layer resolves identifiers and converts the tree.
 */
export {
  type BinaryNode,
  type BinaryOperator,
  type BindNode,
  type ExpressionNode,
  expressionChildren,
  type FunctionCallNode,
  type IdentifierNode,
  type InItemNode,
  type InNode,
  type NumericLiteralNode,
  type RangeLiteralNode,
  type Span,
  type StringLiteralNode,
  type TimeLiteralNode,
  type TupleNode,
  type UnaryNode,
  type UnaryOperator,
} from './ast.js'
export { type ExpressionPosition, ExpressionSyntaxError } from './errors.js'
export { formatExpression } from './format.js'
export { MAX_NESTING, MAX_TREE_DEPTH, parseExpression } from './parser.js'
