// Reads our table back from the kernel (`nft -j list table inet nodenet`) into the same shape
// the desired side uses. Anything we cannot express safely again (a foreign element, an object
// kind we never create) is marked, so the planner replaces it instead of echoing it into a script.
import { ExecError } from '../../lib/exec.js';
import { nftJson } from './nft-run.js';
import { FAMILY, TABLE } from './ir.js';
import { parseElement } from './elements.js';

export interface KernelChain {
  name: string;
  base?: { type: string; hook: string; prio: number; policy: string };
  /** Rule ids (comments) in order; undefined for a rule without one (not ours). */
  ruleIds: (string | undefined)[];
}

export interface KernelSet {
  name: string;
  keyType: string[];
  valueType?: string[];
  flags: string[];
  /** Elements by key text; undefined when some element could not be parsed back. */
  elements: Map<string, string> | undefined;
}

export interface KernelTable {
  chains: Map<string, KernelChain>;
  sets: Map<string, KernelSet>;
  /** Objects of kinds we never create (counters, flowtables...). */
  foreign: string[];
}

type Json = Record<string, unknown>;

/** Our table as the kernel has it, or null when it does not exist. */
export async function readKernelTable(): Promise<KernelTable | null> {
  const argv = ['nft', '-j', 'list', 'table', FAMILY, TABLE];
  const res = await nftJson(argv.slice(2));
  if (res.code !== 0) {
    if (/No such file or directory/.test(res.stderr)) return null;
    throw new Error(`read nftables table ${FAMILY} ${TABLE}`, { cause: new ExecError(argv, res) });
  }
  try {
    return parseTableJson(res.stdout);
  } catch (cause) {
    throw new Error(`parse nft -j listing of ${FAMILY} ${TABLE}`, { cause });
  }
}

export function parseTableJson(text: string): KernelTable {
  const doc = JSON.parse(text) as { nftables?: Json[] };
  if (!Array.isArray(doc.nftables)) throw new Error('no "nftables" array');
  const table: KernelTable = { chains: new Map(), sets: new Map(), foreign: [] };
  const rules: Json[] = [];
  for (const item of doc.nftables) {
    const [kind, body] = Object.entries(item)[0] ?? [];
    const obj = (body ?? {}) as Json;
    if (kind === 'metainfo' || kind === 'table') continue;
    if (kind === 'chain') table.chains.set(String(obj.name), parseChain(obj));
    else if (kind === 'set' || kind === 'map') table.sets.set(String(obj.name), parseSet(obj, kind === 'map'));
    else if (kind === 'rule') rules.push(obj);
    else table.foreign.push(`${kind} ${String(obj.name ?? '')}`.trim());
  }
  for (const r of rules) {
    const chain = table.chains.get(String(r.chain));
    if (!chain) throw new Error(`rule in unknown chain ${JSON.stringify(r.chain)}`);
    chain.ruleIds.push(typeof r.comment === 'string' ? r.comment : undefined);
  }
  return table;
}

function parseChain(obj: Json): KernelChain {
  const chain: KernelChain = { name: String(obj.name), ruleIds: [] };
  if (typeof obj.hook === 'string') {
    chain.base = { type: String(obj.type), hook: obj.hook, prio: Number(obj.prio), policy: String(obj.policy ?? 'accept') };
  }
  return chain;
}

function typeList(t: unknown): string[] {
  if (Array.isArray(t)) return t.map(String);
  return typeof t === 'string' ? t.split(' . ') : [];
}

function parseSet(obj: Json, isMap: boolean): KernelSet {
  const keyType = typeList(obj.type);
  const valueType = isMap ? typeList(obj.map) : undefined;
  const set: KernelSet = { name: String(obj.name), keyType, valueType, flags: Array.isArray(obj.flags) ? obj.flags.map(String) : [], elements: new Map() };
  for (const e of Array.isArray(obj.elem) ? obj.elem : []) {
    const parsed = parseElement(e, keyType, valueType);
    if (!parsed) {
      set.elements = undefined;
      break;
    }
    set.elements!.set(parsed.key, parsed.value);
  }
  return set;
}
