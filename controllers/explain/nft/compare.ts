// Whether a value read from a packet matches the right-hand side of an nft match: a literal, an
// anonymous set, a prefix, a range or a named set. undefined when it cannot be decided (a set we
// could not read completely, a literal we do not understand).
import { canonicalIp, contains, parseCidr, parseIp } from '../../../api/ip.js';
import { intervalOf, type Interval, type ListedSet } from './listing.js';
import { PROTO_NUMBERS, type Comp, type Value } from './packet.js';

export type SetLookup = (name: string) => ListedSet | undefined;
type Tri = boolean | undefined;

/** A component as our firewall writes it inside set elements (see firewall/elements.ts). */
export function keyText(c: Comp): string {
  switch (c.t) {
    case 'ifname':
      return `"${c.v}"`;
    case 'ipv4_addr':
    case 'ipv6_addr':
      return canonicalIp(c.v) ?? c.v;
    default:
      return String(c.v);
  }
}

function ipValue(text: string): bigint | undefined {
  return parseIp(text)?.value;
}

function eqComp(c: Comp, r: unknown): Tri {
  if (r && typeof r === 'object') return inInterval(c, intervalOf(r));
  switch (c.t) {
    case 'ifname': {
      if (typeof r !== 'string') return undefined;
      // nft prints a trailing-wildcard name as "eth*"; an escaped \* is a literal star.
      if (r.endsWith('*') && !r.endsWith('\\*')) return c.v.startsWith(r.slice(0, -1));
      return c.v === r.replace(/\\\*$/, '*');
    }
    case 'ipv4_addr':
    case 'ipv6_addr': {
      if (typeof r !== 'string') return undefined;
      const a = ipValue(c.v);
      const b = ipValue(r);
      return a === undefined || b === undefined ? undefined : a === b;
    }
    case 'inet_proto':
      if (typeof r === 'number') return PROTO_NUMBERS[c.v] === r;
      return typeof r === 'string' ? c.v === r : undefined;
    case 'inet_service': {
      const n = typeof r === 'number' ? r : typeof r === 'string' && /^\d+$/.test(r) ? Number(r) : undefined;
      return n === undefined ? undefined : c.v === n;
    }
    default:
      return typeof r === 'string' ? c.v === r : undefined;
  }
}

function inInterval(c: Comp, iv: Interval | undefined): Tri {
  if (!iv) return undefined;
  if ('cidr' in iv) {
    const cidr = parseCidr(iv.cidr, false);
    const ip = (c.t === 'ipv4_addr' || c.t === 'ipv6_addr') ? parseIp(c.v) : undefined;
    return cidr && ip ? ip.family === cidr.family && contains(cidr, ip) : undefined;
  }
  if (c.t === 'inet_service') return typeof iv.from === 'number' && typeof iv.to === 'number' ? c.v >= iv.from && c.v <= iv.to : undefined;
  if (c.t === 'ipv4_addr' || c.t === 'ipv6_addr') {
    const [v, lo, hi] = [ipValue(c.v), ipValue(String(iv.from)), ipValue(String(iv.to))];
    return v === undefined || lo === undefined || hi === undefined ? undefined : v >= lo && v <= hi;
  }
  return undefined;
}

/** One element of a set (or the right side of ==) against all components of the value. */
function eqElement(comps: Comp[], r: unknown): Tri {
  if (comps.length === 1) return eqComp(comps[0]!, r);
  const parts = r && typeof r === 'object' && 'concat' in r ? (r as { concat: unknown }).concat : undefined;
  if (!Array.isArray(parts) || parts.length !== comps.length) return undefined;
  return all(comps.map((c, i) => eqComp(c, parts[i])));
}

function all(xs: Tri[]): Tri {
  if (xs.includes(false)) return false;
  return xs.includes(undefined) ? undefined : true;
}

function any(xs: Tri[]): Tri {
  if (xs.includes(true)) return true;
  return xs.includes(undefined) ? undefined : false;
}

function inNamedSet(comps: Comp[], set: ListedSet | undefined): Tri {
  if (!set || set.keyType.length !== comps.length) return undefined;
  if (set.elements.has(comps.map(keyText).join(' . '))) return true;
  if (comps.length === 1 && set.intervals.some((iv) => inInterval(comps[0]!, iv) === true)) return true;
  return set.complete ? false : undefined;
}

/** Whether the value equals (is in) the right-hand side. */
export function member(left: { comps: Comp[] }, right: unknown, lookup: SetLookup): Tri {
  if (typeof right === 'string' && right.startsWith('@')) return inNamedSet(left.comps, lookup(right.slice(1)));
  if (right && typeof right === 'object' && 'set' in right) {
    const elems = (right as { set: unknown }).set;
    return Array.isArray(elems) ? any(elems.map((e) => eqElement(left.comps, e))) : undefined;
  }
  return eqElement(left.comps, right);
}

function flagsOf(right: unknown): string[] | undefined {
  if (typeof right === 'string') return [right];
  if (Array.isArray(right) && right.every((x) => typeof x === 'string')) return right as string[];
  if (right === 0) return [];
  return undefined;
}

/** Evaluates `left OP right`; 'break' never matches, whatever the operator. */
export function compare(op: string, left: Value, right: unknown, lookup: SetLookup): Tri {
  if (left === 'break') return false;
  if (left === 'unknown') return undefined;
  if ('flags' in left) {
    const want = flagsOf(right);
    if (!want) return undefined;
    const hit = want.some((f) => left.flags.has(f));
    if (op === 'in') return hit;
    if (op === '!') return !hit;
    // `ct state established` (==) tests membership of the single state; `ct status & dnat == 0` tests emptiness.
    if (op === '==') return right === 0 ? left.flags.size === 0 : hit;
    if (op === '!=') return right === 0 ? left.flags.size > 0 : !hit;
    return undefined;
  }
  if (op === '==' || op === 'in') return member(left, right, lookup);
  if (op === '!=') {
    const m = member(left, right, lookup);
    return m === undefined ? undefined : !m;
  }
  if (['<', '>', '<=', '>='].includes(op) && left.comps.length === 1 && left.comps[0]!.t === 'inet_service' && typeof right === 'number') {
    const v = left.comps[0]!.v as number;
    return op === '<' ? v < right : op === '>' ? v > right : op === '<=' ? v <= right : v >= right;
  }
  return undefined;
}
