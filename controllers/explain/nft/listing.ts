// The whole nftables ruleset as the kernel has it (`nft -j list ruleset`, one process): every
// table's chains with their rules (handles, expressions, comments) and every named set with its
// elements in the canonical text our own firewall uses. Read-only; explain and the host checks
// evaluate packets against it.
import { ExecError, run } from '../../lib/exec.js';
import { parseElement } from '../../dataplane/firewall/elements.js';

export type Json = Record<string, unknown>;

export interface BaseInfo {
  type: string;
  hook: string;
  prio: number;
  policy: 'accept' | 'drop';
}

export interface ListedRule {
  family: string;
  table: string;
  chain: string;
  handle: number;
  comment?: string;
  expr: unknown[];
  /** The rule as `iptables -S` prints it, for tables iptables-nft manages (resolves xt matches). */
  ipt?: string;
}

export interface ListedChain {
  family: string;
  table: string;
  name: string;
  handle: number;
  base?: BaseInfo;
  rules: ListedRule[];
}

export type Interval = { cidr: string } | { from: string | number; to: string | number };

export interface ListedSet {
  family: string;
  table: string;
  name: string;
  keyType: string[];
  /** 'verdict' for verdict maps. */
  valueType?: string[];
  /** Exact elements by canonical key text (value text for maps, '' for sets). */
  elements: Map<string, string>;
  /** Interval elements (prefixes/ranges) of single-value sets. */
  intervals: Interval[];
  /** False when some element could not be read back: lookups in this set are undecidable. */
  complete: boolean;
}

export interface Listing {
  chains: ListedChain[];
  sets: ListedSet[];
}

export function findChain(l: Listing, family: string, table: string, name: string): ListedChain | undefined {
  return l.chains.find((c) => c.family === family && c.table === table && c.name === name);
}

export function findSet(l: Listing, family: string, table: string, name: string): ListedSet | undefined {
  return l.sets.find((s) => s.family === family && s.table === table && s.name === name);
}

export async function readListing(): Promise<Listing> {
  const argv = ['nft', '-j', 'list', 'ruleset'];
  const res = await run({ argv, timeoutMs: 30_000 });
  if (res.code !== 0) throw new Error('read the nftables ruleset', { cause: new ExecError(argv, res) });
  try {
    return parseListing(res.stdout);
  } catch (cause) {
    throw new Error('parse nft -j list ruleset', { cause });
  }
}

export function parseListing(text: string): Listing {
  const doc = JSON.parse(text) as { nftables?: Json[] };
  if (!Array.isArray(doc.nftables)) throw new Error('no "nftables" array');
  const out: Listing = { chains: [], sets: [] };
  const rules: ListedRule[] = [];
  for (const item of doc.nftables) {
    const [kind, body] = Object.entries(item)[0] ?? [];
    const o = (body ?? {}) as Json;
    if (kind === 'chain') out.chains.push(parseChain(o));
    else if (kind === 'set' || kind === 'map') out.sets.push(parseSet(o, kind === 'map'));
    else if (kind === 'rule') {
      rules.push({
        family: String(o.family),
        table: String(o.table),
        chain: String(o.chain),
        handle: Number(o.handle),
        ...(typeof o.comment === 'string' ? { comment: o.comment } : {}),
        expr: Array.isArray(o.expr) ? o.expr : [],
      });
    }
  }
  for (const r of rules) findChain(out, r.family, r.table, r.chain)?.rules.push(r);
  return out;
}

function parseChain(o: Json): ListedChain {
  const c: ListedChain = { family: String(o.family), table: String(o.table), name: String(o.name), handle: Number(o.handle), rules: [] };
  if (typeof o.hook === 'string') {
    c.base = { type: String(o.type), hook: o.hook, prio: Number(o.prio), policy: o.policy === 'drop' ? 'drop' : 'accept' };
  }
  return c;
}

function typeList(t: unknown): string[] {
  if (Array.isArray(t)) return t.map(String);
  return typeof t === 'string' ? t.split(' . ') : [];
}

/** A verdict as map value text: "accept", "drop", "jump X", "goto X". */
export function verdictText(v: unknown): string | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const [k, body] = Object.entries(v as Json)[0] ?? [];
  if (k === 'accept' || k === 'drop' || k === 'return' || k === 'continue') return k;
  if ((k === 'jump' || k === 'goto') && body && typeof body === 'object') return `${k} ${String((body as Json).target)}`;
  return undefined;
}

function parseSet(o: Json, isMap: boolean): ListedSet {
  const keyType = typeList(o.type);
  const valueType = isMap ? typeList(o.map) : undefined;
  const set: ListedSet = { family: String(o.family), table: String(o.table), name: String(o.name), keyType, ...(valueType ? { valueType } : {}), elements: new Map(), intervals: [], complete: true };
  for (const e of Array.isArray(o.elem) ? o.elem : []) {
    if (!addElement(set, e)) set.complete = false;
  }
  return set;
}

function addElement(set: ListedSet, e: unknown): boolean {
  if (set.valueType?.[0] === 'verdict') {
    if (!Array.isArray(e) || e.length !== 2) return false;
    const key = parseElement(e[0], set.keyType, undefined)?.key;
    const value = verdictText(e[1]);
    if (key === undefined || value === undefined) return false;
    set.elements.set(key, value);
    return true;
  }
  const parsed = parseElement(e, set.keyType, set.valueType);
  if (parsed) {
    set.elements.set(parsed.key, parsed.value);
    return true;
  }
  const interval = !set.valueType && set.keyType.length === 1 ? intervalOf(e) : undefined;
  if (interval) set.intervals.push(interval);
  return interval !== undefined;
}

/** {"prefix": {addr, len}} or {"range": [lo, hi]}. */
export function intervalOf(e: unknown): Interval | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const o = e as Json;
  if (o.prefix && typeof o.prefix === 'object') {
    const p = o.prefix as Json;
    return { cidr: `${String(p.addr)}/${Number(p.len)}` };
  }
  const r = o.range;
  if (Array.isArray(r) && r.length === 2 && r.every((x) => typeof x === 'string' || typeof x === 'number')) return { from: r[0] as string | number, to: r[1] as string | number };
  return undefined;
}

/** Every table except skip's, one listing per table: how the host checks avoid reading our (large) table. */
export async function readListingExcept(skip: { family: string; name: string }): Promise<Listing> {
  const tables = await run({ argv: ['nft', '-j', 'list', 'tables'], timeoutMs: 10_000 });
  if (tables.code !== 0) throw new Error('list nftables tables', { cause: new ExecError(['nft', '-j', 'list', 'tables'], tables) });
  const out: Listing = { chains: [], sets: [] };
  const doc = JSON.parse(tables.stdout) as { nftables?: Json[] };
  for (const item of doc.nftables ?? []) {
    const t = item.table as Json | undefined;
    if (!t || (t.family === skip.family && t.name === skip.name)) continue;
    const argv = ['nft', '-j', 'list', 'table', String(t.family), String(t.name)];
    const res = await run({ argv, timeoutMs: 10_000 });
    // A table deleted between the two listings is simply gone.
    if (res.code !== 0) continue;
    const one = parseListing(res.stdout);
    out.chains.push(...one.chains);
    out.sets.push(...one.sets);
  }
  return out;
}
