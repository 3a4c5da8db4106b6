// Parses a transform expression with acorn into lib/transforms/types.ts's tree; anything the registry lacks is refused by name.
import { parseExpressionAt, type Node } from 'acorn';
import { REGISTRY, SUPPORTED_FUNCTIONS, SUPPORTED_OPERATORS } from './registry.js';
import { TransformError, type Expr } from './types.js';

interface AnyNode extends Node {
  [key: string]: unknown;
}

const UNARY: Record<string, string> = { '-': 'neg', '!': '!' };

function operator(op: string, args: Expr[]): Expr {
  const fn = UNARY[op] && args.length === 1 ? UNARY[op] : op;
  if (!REGISTRY[fn] || REGISTRY[fn].kind !== 'operator') {
    throw new TransformError(`operator "${op}" is not supported; supported: ${SUPPORTED_OPERATORS.map((o) => (o === 'neg' ? 'unary -' : o)).join(' ')}`);
  }
  return { t: 'call', fn, args };
}

function convert(node: AnyNode): Expr {
  switch (node.type) {
    case 'Literal':
      if (typeof node.value === 'number' || typeof node.value === 'string') return typeof node.value === 'number' ? { t: 'num', v: node.value } : { t: 'str', v: node.value };
      throw new TransformError(`literal ${String(node.raw)} is not supported (numbers and strings only)`);
    case 'Identifier':
      return { t: 'col', name: node.name as string };
    case 'BinaryExpression':
    case 'LogicalExpression':
      return operator(node.operator as string, [convert(node.left as AnyNode), convert(node.right as AnyNode)]);
    case 'UnaryExpression': {
      const arg = convert(node.argument as AnyNode);
      if (node.operator === '-' && arg.t === 'num') return { t: 'num', v: -arg.v };
      return operator(node.operator as string, [arg]);
    }
    case 'ConditionalExpression':
      return { t: 'call', fn: '?:', args: [convert(node.test as AnyNode), convert(node.consequent as AnyNode), convert(node.alternate as AnyNode)] };
    case 'CallExpression': {
      const callee = node.callee as AnyNode;
      const name = callee.type === 'Identifier' ? (callee.name as string) : null;
      if (name === null || !REGISTRY[name] || REGISTRY[name].kind !== 'function') {
        throw new TransformError(`function "${name ?? 'a computed callee'}" is not supported; supported: ${SUPPORTED_FUNCTIONS.join(', ')}`);
      }
      return { t: 'call', fn: name, args: (node.arguments as AnyNode[]).map(convert) };
    }
    default:
      throw new TransformError(`${node.type} is not supported (columns, number and string literals, the operators ${SUPPORTED_OPERATORS.filter((o) => o !== 'neg').join(' ')} and the functions ${SUPPORTED_FUNCTIONS.join(', ')})`);
  }
}

/** The expression's tree; a TransformError names what is wrong (syntax, an unsupported operator, function or construct). */
export function parseExpr(text: string): Expr {
  let node: AnyNode;
  try {
    node = parseExpressionAt(text, 0, { ecmaVersion: 2022 }) as AnyNode;
  } catch (err) {
    throw new TransformError(`cannot be parsed: ${(err as Error).message}`);
  }
  if (text.slice(node.end).trim() !== '') throw new TransformError(`cannot be parsed: unexpected "${text.slice(node.end).trim().slice(0, 20)}" after the expression`);
  return convert(node);
}
