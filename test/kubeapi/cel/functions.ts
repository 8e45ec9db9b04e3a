// Functions of the CEL standard library and the Kubernetes extension libraries (strings, lists,
// regex, ip/cidr) that this evaluator supports. Anything else raises CelUnsupported.
import { bits, contains as cidrContainsIp, containsCidr, formatIp, isLoopback, isLinkLocal, isUnspecified } from '../../../api/ip.js';
import { CelEvalError, CelUnsupported, CidrValue, IpValue, isCidrText, isIpText, isMap, toCidr, toIp, typeName } from './values.js';

type Fn = (target: unknown, args: unknown[]) => unknown;

const needString = (v: unknown, fn: string): string => {
  if (typeof v !== 'string') throw new CelEvalError(`no such overload: ${fn}(${typeName(v)})`);
  return v;
};

const regexCache = new Map<string, RegExp>();
function re(pattern: string): RegExp {
  let r = regexCache.get(pattern);
  if (!r) {
    try {
      r = new RegExp(pattern, 'u');
    } catch (cause) {
      throw new CelEvalError(`invalid regex ${pattern}`, { cause });
    }
    regexCache.set(pattern, r);
  }
  return r;
}

function size(v: unknown): number {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (isMap(v)) return Object.keys(v).length;
  throw new CelEvalError(`no such overload: size(${typeName(v)})`);
}

function toStringValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof IpValue || v instanceof CidrValue) return v.text;
  throw new CelEvalError(`no such overload: string(${typeName(v)})`);
}

function toInt(v: unknown): number {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  throw new CelEvalError(`no such overload: int(${typeName(v)})`);
}

const asIp = (v: unknown): IpValue => (v instanceof IpValue ? v : toIp(v));
const asCidr = (v: unknown): CidrValue => (v instanceof CidrValue ? v : toCidr(v));

/** Global functions: fn(args). */
const GLOBAL: Record<string, (args: unknown[]) => unknown> = {
  size: ([v]) => size(v),
  string: ([v]) => toStringValue(v),
  int: ([v]) => toInt(v),
  uint: ([v]) => toInt(v),
  double: ([v]) => Number(v),
  bool: ([v]) => (typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : (() => { throw new CelEvalError(`no such overload: bool(${typeName(v)})`); })()),
  dyn: ([v]) => v,
  matches: ([s, p]) => re(needString(p, 'matches')).test(needString(s, 'matches')),
  isIP: ([s]) => isIpText(s),
  ip: ([s]) => toIp(s),
  isCIDR: ([s]) => isCidrText(s),
  cidr: ([s]) => toCidr(s),
};

/** Receiver-style functions: target.fn(args). */
const METHODS: Record<string, Fn> = {
  size: (t) => size(t),
  contains: (t, [s]) => needString(t, 'contains').includes(needString(s, 'contains')),
  startsWith: (t, [s]) => needString(t, 'startsWith').startsWith(needString(s, 'startsWith')),
  endsWith: (t, [s]) => needString(t, 'endsWith').endsWith(needString(s, 'endsWith')),
  matches: (t, [p]) => re(needString(p, 'matches')).test(needString(t, 'matches')),
  lowerAscii: (t) => needString(t, 'lowerAscii').replace(/[A-Z]/g, (c) => c.toLowerCase()),
  upperAscii: (t) => needString(t, 'upperAscii').replace(/[a-z]/g, (c) => c.toUpperCase()),
  trim: (t) => needString(t, 'trim').trim(),
  split: (t, [sep]) => needString(t, 'split').split(needString(sep, 'split')),
  indexOf: (t, [s]) => (Array.isArray(t) ? t.indexOf(s) : needString(t, 'indexOf').indexOf(needString(s, 'indexOf'))),
  lastIndexOf: (t, [s]) => (Array.isArray(t) ? t.lastIndexOf(s) : needString(t, 'lastIndexOf').lastIndexOf(needString(s, 'lastIndexOf'))),
  replace: (t, [a, b]) => needString(t, 'replace').split(needString(a, 'replace')).join(needString(b, 'replace')),
  substring: (t, [a, b]) => [...needString(t, 'substring')].slice(Number(a), b === undefined ? undefined : Number(b)).join(''),
  join: (t, [sep]) => {
    if (!Array.isArray(t)) throw new CelEvalError(`no such overload: join(${typeName(t)})`);
    return t.map((x) => needString(x, 'join')).join(sep === undefined ? '' : needString(sep, 'join'));
  },
  isSorted: (t) => Array.isArray(t) && t.every((x, i) => i === 0 || (t[i - 1] as number | string) <= (x as number | string)),
  sum: (t) => (Array.isArray(t) ? t.reduce((a: number, b) => a + Number(b), 0) : 0),
  min: (t) => (Array.isArray(t) && t.length ? t.reduce((a, b) => ((b as number) < (a as number) ? b : a)) : (() => { throw new CelEvalError('min called on empty list'); })()),
  max: (t) => (Array.isArray(t) && t.length ? t.reduce((a, b) => ((b as number) > (a as number) ? b : a)) : (() => { throw new CelEvalError('max called on empty list'); })()),
  // net library: cidr.containsIP / containsCIDR / ip / masked / prefixLength, ip.family / is* predicates
  containsIP: (t, [x]) => {
    const c = asCidr(t).cidr;
    const ip = asIp(x).ip;
    return ip.family === c.family && cidrContainsIp(c, ip);
  },
  containsCIDR: (t, [x]) => {
    const outer = asCidr(t).cidr;
    const inner = asCidr(x).cidr;
    return inner.family === outer.family && containsCidr(outer, inner);
  },
  prefixLength: (t) => asCidr(t).cidr.prefix,
  ip: (t) => {
    const c = asCidr(t);
    const addr = c.text.slice(0, c.text.indexOf('/'));
    return toIp(addr);
  },
  masked: (t) => {
    const c = asCidr(t).cidr;
    const text = `${formatIp(c.family, c.base)}/${c.prefix}`;
    return toCidr(text);
  },
  family: (t) => asIp(t).ip.family,
  isUnspecified: (t) => isUnspecified(asIp(t).ip),
  isLoopback: (t) => isLoopback(asIp(t).ip),
  isLinkLocalUnicast: (t) => isLinkLocal(asIp(t).ip),
  isCanonical: (t) => {
    const v = asIp(t);
    return formatIp(v.ip.family, v.ip.value) === v.text && bits(v.ip.family) > 0;
  },
};

export function callGlobal(fn: string, args: unknown[]): unknown {
  const f = GLOBAL[fn];
  if (!f) throw new CelUnsupported(`function ${fn}() is not supported by the test server's CEL evaluator`);
  return f(args);
}

export function callMethod(fn: string, target: unknown, args: unknown[]): unknown {
  const f = METHODS[fn];
  if (!f) throw new CelUnsupported(`function .${fn}() is not supported by the test server's CEL evaluator`);
  return f(target, args);
}
