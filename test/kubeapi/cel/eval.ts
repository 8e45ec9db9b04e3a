// Evaluates a parsed CEL expression over JSON values. Logical operators absorb errors the way CEL
// does (true || error == true); macros has/all/exists/exists_one/map/filter are expanded here.
import { callGlobal, callMethod } from './functions.js';
import type { Node } from './parser.js';
import { CelEvalError, CelUnsupported, celEqual, isMap, typeName } from './values.js';

export type Env = Record<string, unknown>;

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

function select(on: unknown, field: string): unknown {
  if (!isMap(on)) throw new CelEvalError(`no such key: ${field} (receiver is ${typeName(on)})`);
  if (!Object.hasOwn(on, field) || on[field] === undefined) throw new CelEvalError(`no such key: ${field}`);
  return on[field];
}

function index(on: unknown, i: unknown): unknown {
  if (Array.isArray(on)) {
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= on.length) throw new CelEvalError(`index out of range: ${String(i)}`);
    return on[i];
  }
  if (isMap(on)) return select(on, String(i));
  throw new CelEvalError(`no such overload: ${typeName(on)}[${typeName(i)}]`);
}

function truthy(v: unknown): boolean {
  if (typeof v !== 'boolean') throw new CelEvalError(`no matching overload: expected bool, got ${typeName(v)}`);
  return v;
}

function attempt(n: Node, env: Env): { v?: unknown; err?: unknown } {
  try {
    return { v: evaluate(n, env) };
  } catch (err) {
    if (err instanceof CelUnsupported) throw err;
    return { err };
  }
}

function logical(op: '&&' | '||', l: Node, r: Node, env: Env): boolean {
  const short = op === '||';
  const a = attempt(l, env);
  if (a.err === undefined && truthy(a.v) === short) return short;
  const b = attempt(r, env);
  if (b.err === undefined && truthy(b.v) === short) return short;
  if (a.err !== undefined) throw a.err;
  if (b.err !== undefined) throw b.err;
  return !short;
}

function compare(op: string, a: unknown, b: unknown): boolean {
  const same = (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string') || (typeof a === 'boolean' && typeof b === 'boolean');
  if (!same) throw new CelEvalError(`no such overload: ${typeName(a)} ${op} ${typeName(b)}`);
  const x = a as number;
  const y = b as number;
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

function arith(op: string, a: unknown, b: unknown): unknown {
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (op === '+' && Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (typeof a !== 'number' || typeof b !== 'number') throw new CelEvalError(`no such overload: ${typeName(a)} ${op} ${typeName(b)}`);
  const ints = Number.isInteger(a) && Number.isInteger(b);
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/':
      if (ints && b === 0) throw new CelEvalError('division by zero');
      return ints ? Math.trunc(a / b) : a / b;
    default:
      if (b === 0) throw new CelEvalError('modulus by zero');
      return a % b;
  }
}

function binary(op: string, l: Node, r: Node, env: Env): unknown {
  if (op === '&&' || op === '||') return logical(op, l, r, env);
  const a = evaluate(l, env);
  const b = evaluate(r, env);
  switch (op) {
    case '==': return celEqual(a, b);
    case '!=': return !celEqual(a, b);
    case '<': case '<=': case '>': case '>=': return compare(op, a, b);
    case 'in':
      if (Array.isArray(b)) return b.some((x) => celEqual(x, a));
      if (isMap(b)) return typeof a === 'string' && Object.hasOwn(b, a);
      throw new CelEvalError(`no such overload: ${typeName(a)} in ${typeName(b)}`);
    default: return arith(op, a, b);
  }
}

function has(arg: Node, env: Env): boolean {
  if (arg.t !== 'sel') throw new CelEvalError('invalid argument to has() macro');
  const on = evaluate(arg.on, env);
  if (!isMap(on)) throw new CelEvalError(`invalid type for field selection: ${typeName(on)}`);
  return Object.hasOwn(on, arg.field) && on[arg.field] !== undefined;
}

function macro(fn: string, target: unknown, args: Node[], env: Env): unknown {
  const v = args[0];
  if (!v || v.t !== 'id') throw new CelEvalError(`${fn}() macro needs a variable name`);
  const items = Array.isArray(target) ? target : isMap(target) ? Object.keys(target) : undefined;
  if (!items) throw new CelEvalError(`no such overload: ${typeName(target)}.${fn}()`);
  const run = (n: Node, x: unknown): unknown => evaluate(n, { ...env, [v.name]: x });
  switch (fn) {
    case 'all': {
      let err: unknown;
      for (const x of items) {
        const r = attempt(args[1]!, { ...env, [v.name]: x });
        if (r.err !== undefined) err ??= r.err;
        else if (!truthy(r.v)) return false;
      }
      if (err !== undefined) throw err;
      return true;
    }
    case 'exists': {
      let err: unknown;
      for (const x of items) {
        const r = attempt(args[1]!, { ...env, [v.name]: x });
        if (r.err !== undefined) err ??= r.err;
        else if (truthy(r.v)) return true;
      }
      if (err !== undefined) throw err;
      return false;
    }
    case 'exists_one': return items.filter((x) => truthy(run(args[1]!, x))).length === 1;
    case 'filter': return items.filter((x) => truthy(run(args[1]!, x)));
    default:
      return args.length === 3 ? items.filter((x) => truthy(run(args[1]!, x))).map((x) => run(args[2]!, x)) : items.map((x) => run(args[1]!, x));
  }
}

export function evaluate(n: Node, env: Env): unknown {
  switch (n.t) {
    case 'lit': return n.v;
    case 'id':
      if (!Object.hasOwn(env, n.name)) throw new CelUnsupported(`undeclared reference to '${n.name}'`);
      return env[n.name];
    case 'sel': return select(evaluate(n.on, env), n.field);
    case 'idx': return index(evaluate(n.on, env), evaluate(n.index, env));
    case 'list': return n.items.map((x) => evaluate(x, env));
    case 'map': return Object.fromEntries(n.entries.map(([k, v]) => [String(evaluate(k, env)), evaluate(v, env)]));
    case 'un': {
      const x = evaluate(n.x, env);
      if (n.op === '!') return !truthy(x);
      if (typeof x !== 'number') throw new CelEvalError(`no such overload: -${typeName(x)}`);
      return -x;
    }
    case 'bin': return binary(n.op, n.l, n.r, env);
    case 'cond': return truthy(evaluate(n.c, env)) ? evaluate(n.a, env) : evaluate(n.b, env);
    case 'call':
      if (n.fn === 'has' && !n.target) return has(n.args[0]!, env);
      if (n.target && MACROS.has(n.fn) && n.args[0]?.t === 'id' && n.args.length >= 2) return macro(n.fn, evaluate(n.target, env), n.args, env);
      if (n.target) return callMethod(n.fn, evaluate(n.target, env), n.args.map((a) => evaluate(a, env)));
      return callGlobal(n.fn, n.args.map((a) => evaluate(a, env)));
  }
}
