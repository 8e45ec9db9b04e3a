// The element commands for a change of some owners' published ports, planned against the cached
// kernel table: a set element is added, deleted, or (a map key whose value changes) deleted and
// added again. O(changed ports): no rule, chain or other owner's element is looked at.
import { elementText } from './ir.js';
import type { KernelSet, KernelTable } from './kernel.js';
import type { PortDelta, PortIndex } from './port-index.js';
import { elementCommands } from './render.js';
import { NoPortBaseError, type FwPort } from './types.js';
import { cmp, validateOwnerPorts, type PortContext, type ValidPort } from './validate.js';

export interface PortPlan {
  commands: string[];
  /** Element changes (each added or deleted element counts once). */
  changes: number;
  delta: PortDelta;
}

export function planPortDelta(base: { index: PortIndex; ctx: PortContext }, table: KernelTable, changes: ReadonlyMap<string, readonly FwPort[]>): PortPlan {
  const valid = new Map<string, ValidPort[]>();
  for (const [owner, ports] of changes) valid.set(owner, validateOwnerPorts(ports, base.ctx));
  const delta = base.index.plan(valid);
  const dels = new Map<string, string[]>();
  const adds = new Map<string, string[]>();
  const push = (m: Map<string, string[]>, set: string, item: string): void => void (m.get(set) ?? m.set(set, []).get(set)!).push(item);
  for (const { set, key, after } of delta.elements.values()) {
    const ks = kernelSet(table, set);
    const before = ks.elements!.get(key);
    if (before === after) continue;
    if (before !== undefined) push(dels, set, key);
    if (after !== undefined) push(adds, set, elementText(ks, key, after));
  }
  const commands: string[] = [];
  let count = 0;
  // Deletions first: a retargeted map key must be gone before it is added again.
  for (const [m, verb] of [[dels, 'delete'], [adds, 'add']] as const) {
    for (const set of [...m.keys()].sort(cmp)) {
      const items = m.get(set)!.sort(cmp);
      count += items.length;
      commands.push(...elementCommands(verb, { name: set, keyType: [], elements: new Map() }, items));
    }
  }
  return { commands, changes: count, delta };
}

function kernelSet(table: KernelTable, name: string): KernelSet {
  const ks = table.sets.get(name);
  // A set we do not have, or hold something we did not write: only a complete sync can fix it.
  if (!ks?.elements) throw new NoPortBaseError();
  return ks;
}

/** Advances the cached table by an applied delta (the cache must equal the kernel again). */
export function applyPortDeltaToCache(table: KernelTable, delta: PortDelta): void {
  for (const { set, key, after } of delta.elements.values()) {
    const elements = table.sets.get(set)?.elements;
    if (!elements) continue;
    if (after === undefined) elements.delete(key);
    else elements.set(key, after);
  }
}

