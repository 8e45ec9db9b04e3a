// The difference between the desired ruleset and the kernel's table, as nft command lines for
// one transaction. Ports only ever produce element lines; networks change whole chains (flush
// and refill); anything we cannot change in place safely rebuilds the table in the same
// transaction, so the kernel never sees a half-applied state.
import { isValidIfname } from './validate.js';
import { TABLE_REF, type Chain, type NftSet, type Ruleset } from './ir.js';
import { addChainCommand, addRuleCommands, addSetCommand, createCommands, elementCommands, sortedElements } from './render.js';
import type { KernelChain, KernelSet, KernelTable } from './kernel.js';

export interface NftPlan {
  commands: string[];
  /** Rule, chain, set and element changes (each element counts once). */
  changes: number;
  /** What the table will look like once the commands are applied: the next cache. */
  after: KernelTable;
  /** True when the plan deletes and recreates the whole table. */
  rebuild: boolean;
}

export function planNft(desired: Ruleset, kernel: KernelTable | null): NftPlan {
  const after = asKernel(desired);
  if (kernel && !rebuildReason(desired, kernel)) {
    const { commands, changes } = incremental(desired, kernel);
    return { commands, changes, after, rebuild: false };
  }
  const commands = kernel ? [`delete table ${TABLE_REF}`, ...createCommands(desired)] : createCommands(desired);
  const elements = desired.sets.reduce((n, s) => n + s.elements.size, 0);
  const rules = desired.chains.reduce((n, c) => n + c.rules.length, 0);
  return { commands, changes: 1 + desired.sets.length + desired.chains.length + rules + elements, after, rebuild: kernel !== null };
}

const INTO = /^into_(.+)$/;

/** Why the table cannot be adjusted in place (undefined when it can). */
export function rebuildReason(desired: Ruleset, kernel: KernelTable): string | undefined {
  if (kernel.foreign.length > 0) return `objects we do not manage: ${kernel.foreign.join(', ')}`;
  const wanted = new Map(desired.sets.map((s) => [s.name, s]));
  for (const ks of kernel.sets.values()) {
    const ds = wanted.get(ks.name);
    if (!ds) return `unexpected set ${ks.name}`;
    if (!sameSetShape(ds, ks)) return `set ${ks.name} has another type`;
  }
  const chains = new Map(desired.chains.map((c) => [c.name, c]));
  for (const kc of kernel.chains.values()) {
    const dc = chains.get(kc.name);
    if (!dc && !isValidIfname(INTO.exec(kc.name)?.[1])) return `unexpected chain ${kc.name}`;
    if (dc && !sameBase(dc, kc)) return `chain ${kc.name} has another hook, type, priority or policy`;
  }
  return undefined;
}

function sameSetShape(d: NftSet, k: KernelSet): boolean {
  const eq = (a: string[] | undefined, b: string[] | undefined): boolean => (a ?? []).join(' . ') === (b ?? []).join(' . ');
  return eq(d.keyType, k.keyType) && !!d.valueType === !!k.valueType && eq(d.valueType, k.valueType) && k.flags.length === 0;
}

function sameBase(d: Chain, k: KernelChain): boolean {
  if (!d.base || !k.base) return !d.base && !k.base;
  const { type, hook, prio, policy } = d.base;
  return type === k.base.type && hook === k.base.hook && prio === k.base.prio && policy === k.base.policy;
}

function sameRules(d: Chain, k: KernelChain): boolean {
  return d.rules.length === k.ruleIds.length && d.rules.every((r, i) => r.id === k.ruleIds[i]);
}

function incremental(desired: Ruleset, kernel: KernelTable): { commands: string[]; changes: number } {
  const wanted = new Set(desired.chains.map((c) => c.name));
  const stale = [...kernel.chains.values()].filter((k) => !wanted.has(k.name));
  const missing = desired.chains.filter((c) => !kernel.chains.has(c.name));
  const refill = desired.chains.filter((c) => {
    const k = kernel.chains.get(c.name);
    return k !== undefined && !sameRules(c, k);
  });
  // Order matters inside the transaction: rules that jump to a stale chain go before the chain
  // does, and every chain exists before a rule (or verdict map) names it.
  const commands = [
    ...[...refill.map((c) => c.name), ...stale.filter((k) => k.ruleIds.length > 0).map((k) => k.name)].map((n) => `flush chain ${TABLE_REF} ${n}`),
    ...stale.map((k) => `delete chain ${TABLE_REF} ${k.name}`),
  ];
  let changes = commands.length;
  const sets = desired.sets.map((s) => setCommands(s, kernel.sets.get(s.name)));
  commands.push(...sets.flatMap((s) => s.commands), ...missing.map(addChainCommand));
  const rules = [...missing, ...refill].flatMap(addRuleCommands);
  commands.push(...rules);
  changes += sets.reduce((n, s) => n + s.changes, 0) + missing.length + rules.length;
  return { commands, changes };
}

function setCommands(d: NftSet, k: KernelSet | undefined): { commands: string[]; changes: number } {
  if (!k) {
    return { commands: [addSetCommand(d), ...elementCommands('add', d, sortedElements(d))], changes: 1 + d.elements.size };
  }
  if (!k.elements) {
    // Something we did not write is in the set: start it over rather than echo it back.
    const flush = `flush ${d.valueType ? 'map' : 'set'} ${TABLE_REF} ${d.name}`;
    return { commands: [flush, ...elementCommands('add', d, sortedElements(d))], changes: 1 + d.elements.size };
  }
  const have = k.elements;
  const gone = [...have.keys()].filter((key) => d.elements.get(key) !== have.get(key));
  const added = [...d.elements.keys()].filter((key) => have.get(key) !== d.elements.get(key));
  // A map key whose value changed is deleted and added again: nft refuses to overwrite it.
  const del = elementCommands('delete', d, [...gone].sort());
  const add = elementCommands('add', d, sortedElements(d, added));
  return { commands: [...del, ...add], changes: gone.length + added.length };
}

/** The kernel's view of a ruleset once it has been applied. */
export function asKernel(rs: Ruleset): KernelTable {
  const chains = new Map<string, KernelChain>();
  for (const c of rs.chains) {
    const kc: KernelChain = { name: c.name, ruleIds: c.rules.map((r) => r.id) };
    if (c.base) kc.base = { type: c.base.type, hook: c.base.hook, prio: c.base.prio, policy: c.base.policy };
    chains.set(c.name, kc);
  }
  const sets = new Map<string, KernelSet>();
  for (const s of rs.sets) sets.set(s.name, { name: s.name, keyType: [...s.keyType], valueType: s.valueType ? [...s.valueType] : undefined, flags: [], elements: new Map(s.elements) });
  return { chains, sets, foreign: [] };
}
