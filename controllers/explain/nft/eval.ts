// Runs a packet through nftables chains the way the kernel does: rules in order, jumps and gotos,
// verdict maps, NAT statements; a base chain ends in its policy. A match we cannot decide forks
// the evaluation (matched / not matched); when both sides end the same way the answer stands,
// else it is "unknown" and names the rule that would decide.
import { compare, keyText } from './compare.js';
import { findChain, findSet, verdictText, type Json, type ListedChain, type ListedRule, type Listing } from './listing.js';
import type { Packet, Value } from './packet.js';
import { valueOf } from './values.js';
import { xtMatch, xtTarget } from './xt.js';

export interface Decider {
  chain: ListedChain;
  /** The rule that decided; undefined when the base chain's policy did. */
  rule?: ListedRule;
}

export interface Nat {
  dnat?: { addr: string; port?: number };
  masquerade?: boolean;
  snat?: string;
}

export type Verdict = { kind: 'verdict'; verdict: 'accept' | 'drop'; by: Decider; nat?: Nat; assumed: ListedRule[] };
export type Unknown = { kind: 'unknown'; by: Decider; why: string; assumed: ListedRule[] };
type Flow = { kind: 'next'; assumed: ListedRule[] } | { kind: 'return'; assumed: ListedRule[] } | Verdict | Unknown;
export type ChainResult = Verdict | Unknown | { kind: 'return'; assumed: ListedRule[] };

const MAX_DEPTH = 16;

interface Env {
  listing: Listing;
  p: Packet;
  depth: number;
}

function withAssumed<T extends Flow>(f: T, r: ListedRule | undefined): T {
  return r ? { ...f, assumed: [r, ...f.assumed] } : f;
}

/** Statements of one rule from index i on; a match that cannot be decided forks. */
function runStatements(rule: ListedRule, chain: ListedChain, i: number, env: Env): Flow[] {
  const lookup = (name: string): ReturnType<typeof findSet> => findSet(env.listing, rule.family, rule.table, name);
  for (; i < rule.expr.length; i++) {
    const st = rule.expr[i] as Json;
    const [k, body] = Object.entries(st ?? {})[0] ?? [];
    const o = (body ?? {}) as Json;
    const by: Decider = { chain, rule };
    switch (k) {
      case 'match': {
        const left: Value = valueOf(o.left, env.p);
        const hit = compare(String(o.op), left, o.right, lookup);
        if (hit === false) return [{ kind: 'next', assumed: [] }];
        if (hit === undefined) return [...runStatements(rule, chain, i + 1, env).map((f) => withAssumed(f, rule)), { kind: 'next', assumed: [rule] }];
        continue;
      }
      case 'xt': {
        const name = String(o.name);
        if (o.type === 'target') {
          const t = xtTarget(name);
          if (t === 'drop') return [{ kind: 'verdict', verdict: 'drop', by, assumed: [] }];
          if (t === 'continue') continue;
          return [{ kind: 'unknown', by, why: `iptables target ${name}`, assumed: [] }];
        }
        const hit = xtMatch(name, rule.ipt, env.p);
        if (hit === false) return [{ kind: 'next', assumed: [] }];
        if (hit === undefined) return [...runStatements(rule, chain, i + 1, env).map((f) => withAssumed(f, rule)), { kind: 'next', assumed: [rule] }];
        continue;
      }
      case 'counter':
      case 'log':
      case 'mangle':
      case 'notrack':
      case 'set':
        continue;
      case 'accept':
        return [{ kind: 'verdict', verdict: 'accept', by, assumed: [] }];
      case 'drop':
      case 'reject':
        return [{ kind: 'verdict', verdict: 'drop', by, assumed: [] }];
      case 'return':
        return [{ kind: 'return', assumed: [] }];
      case 'continue':
        continue;
      case 'jump':
      case 'goto':
        return afterJump(k, String(o.target), rule, chain, i, env);
      case 'vmap': {
        const target = vmapVerdict(o, env, lookup);
        if (target === 'break') return [{ kind: 'next', assumed: [] }];
        if (target === undefined) return [{ kind: 'unknown', by, why: 'verdict map lookup', assumed: [] }];
        return applyVerdictText(target, rule, chain, i, env);
      }
      case 'dnat':
      case 'snat':
      case 'masquerade':
      case 'redirect': {
        const nat = natOf(k, o, env, lookup);
        if (nat === 'break') return [{ kind: 'next', assumed: [] }];
        if (nat === undefined) return [{ kind: 'unknown', by, why: `${k} statement`, assumed: [] }];
        return [{ kind: 'verdict', verdict: 'accept', by, nat, assumed: [] }];
      }
      default:
        return [{ kind: 'unknown', by, why: `statement ${k ?? '?'}`, assumed: [] }];
    }
  }
  return [{ kind: 'next', assumed: [] }];
}

function applyVerdictText(v: string, rule: ListedRule, chain: ListedChain, i: number, env: Env): Flow[] {
  const by = { chain, rule };
  if (v === 'accept' || v === 'drop') return [{ kind: 'verdict', verdict: v, by, assumed: [] }];
  if (v === 'return') return [{ kind: 'return', assumed: [] }];
  if (v === 'continue') return runStatements(rule, chain, i + 1, env);
  const [how, target] = v.split(' ');
  return afterJump(how as 'jump' | 'goto', target!, rule, chain, i, env);
}

function afterJump(how: string, target: string, rule: ListedRule, chain: ListedChain, i: number, env: Env): Flow[] {
  const next = findChain(env.listing, rule.family, rule.table, target);
  if (!next || env.depth >= MAX_DEPTH) return [{ kind: 'unknown', by: { chain, rule }, why: `${how} to ${target}`, assumed: [] }];
  const out: Flow[] = [];
  for (const r of runChain(next, { ...env, depth: env.depth + 1 })) {
    if (r.kind !== 'return') out.push(r);
    // A goto does not come back: the called chain's end is this chain's end.
    else if (how === 'goto') out.push(r);
    else out.push(...runStatements(rule, chain, i + 1, env).map((f) => ({ ...f, assumed: [...r.assumed, ...f.assumed] })));
  }
  return out;
}

type SetFinder = (name: string) => ReturnType<typeof findSet>;

/** The verdict a verdict map gives, 'break' when the key is not in it, undefined when undecidable. */
function vmapVerdict(o: Json, env: Env, lookup: SetFinder): string | 'break' | undefined {
  const key = valueOf(o.key, env.p);
  if (key === 'break') return 'break';
  if (key === 'unknown' || !('comps' in key)) return undefined;
  const data = o.data;
  const entries: [unknown, unknown][] = [];
  if (typeof data === 'string' && data.startsWith('@')) {
    const set = lookup(data.slice(1));
    if (!set) return undefined;
    const hit = set.elements.get(key.comps.map(keyText).join(' . '));
    return hit ?? (set.complete ? 'break' : undefined);
  }
  const elems = (data as { set?: unknown } | undefined)?.set;
  if (!Array.isArray(elems)) return undefined;
  for (const e of elems) if (Array.isArray(e) && e.length === 2) entries.push([e[0], e[1]]);
  for (const [k, v] of entries) {
    const hit = compare('==', key, k, lookup);
    if (hit === undefined) return undefined;
    if (hit) return verdictText(v);
  }
  return 'break';
}

/** A NAT statement's effect; 'break' when its map has no entry for the packet. */
function natOf(kind: string, o: Json, env: Env, lookup: SetFinder): Nat | 'break' | undefined {
  if (kind === 'masquerade') return { masquerade: true };
  if (kind === 'redirect') return { dnat: { addr: env.p.family === 4 ? '127.0.0.1' : '::1', ...(typeof o.port === 'number' ? { port: o.port } : {}) } };
  const addr = o.addr;
  let target: { addr: string; port?: number } | undefined;
  if (typeof addr === 'string') target = { addr, ...(typeof o.port === 'number' ? { port: o.port } : {}) };
  else if (addr && typeof addr === 'object' && 'map' in addr) {
    const m = (addr as { map: Json }).map;
    const key = valueOf(m.key, env.p);
    if (key === 'break') return 'break';
    if (key === 'unknown' || !('comps' in key) || typeof m.data !== 'string' || !m.data.startsWith('@')) return undefined;
    const set = lookup(m.data.slice(1));
    if (!set) return undefined;
    const value = set.elements.get(key.comps.map(keyText).join(' . '));
    if (value === undefined) return set.complete ? 'break' : undefined;
    const [a, port] = value.split(' . ');
    target = { addr: a!, ...(port !== undefined ? { port: Number(port) } : {}) };
  }
  if (!target) return undefined;
  return kind === 'dnat' ? { dnat: target } : { snat: target.addr };
}

/** Every way a chain can end for the packet (more than one only when a match was undecidable). */
export function runChain(chain: ListedChain, env: Env): ChainResult[] {
  return runFrom(chain, 0, env);
}

function runFrom(chain: ListedChain, start: number, env: Env): ChainResult[] {
  const out: ChainResult[] = [];
  const rules = chain.rules;
  if (start >= rules.length) return [{ kind: 'return', assumed: [] }];
  for (const f of runStatements(rules[start]!, chain, 0, env)) {
    if (f.kind === 'next') out.push(...runFrom(chain, start + 1, env).map((r) => ({ ...r, assumed: [...f.assumed, ...r.assumed] })));
    else out.push(f);
  }
  return out;
}

/** A base chain's single answer: its verdict (policy when nothing decided), or unknown when the paths disagree. */
export function evalBaseChain(chain: ListedChain, listing: Listing, p: Packet): Verdict | Unknown {
  const results = runChain(chain, { listing, p, depth: 0 }).map((r): Verdict | Unknown =>
    r.kind === 'return' ? { kind: 'verdict', verdict: chain.base?.policy ?? 'accept', by: { chain }, assumed: r.assumed } : r,
  );
  return merge(results);
}

function sameEnd(a: Verdict | Unknown, b: Verdict | Unknown): boolean {
  return a.kind === 'verdict' && b.kind === 'verdict' && a.verdict === b.verdict && JSON.stringify(a.nat ?? null) === JSON.stringify(b.nat ?? null);
}

function merge(results: (Verdict | Unknown)[]): Verdict | Unknown {
  const sorted = [...results].sort((a, b) => a.assumed.length - b.assumed.length);
  const first = sorted[0]!;
  if (sorted.every((r) => sameEnd(r, first))) return first;
  const unknown = sorted.find((r) => r.kind === 'unknown');
  if (unknown) return unknown;
  const culprit = sorted.flatMap((r) => r.assumed)[0];
  return { kind: 'unknown', by: { chain: first.by.chain, ...(culprit ? { rule: culprit } : {}) }, why: 'a match nodenet cannot evaluate', assumed: [] };
}
