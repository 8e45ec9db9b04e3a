// Which set elements each owner's published ports need, with a reference count per element, so
// that replacing one owner's ports is planned in O(its ports): the elements it no longer needs
// (unless another owner shares them) go, the new ones come, and a host port that another owner
// maps elsewhere is refused exactly as the full model's validation refuses it.
import { portElements, type PortElement } from './sets.js';
import { FirewallModelError, type ValidPort } from './validate.js';

interface Held {
  value: string;
  refs: number;
  /** One owner holding it (for the error message). */
  by: string;
}

/** The elements that change: per element id, what it becomes (undefined: removed). */
export interface PortDelta {
  elements: Map<string, { set: string; key: string; after: string | undefined }>;
  owners: Map<string, PortElement[]>;
  held: Map<string, Held | undefined>;
}

const idOf = (e: Pick<PortElement, 'set' | 'key'>): string => `${e.set}\0${e.key}`;

export class PortIndex {
  private readonly owners = new Map<string, PortElement[]>();
  private readonly held = new Map<string, Held>();

  /** From the unmerged valid ports of a full model (which validation found consistent). */
  static build(ports: readonly ValidPort[]): PortIndex {
    const index = new PortIndex();
    const byOwner = new Map<string, PortElement[]>();
    for (const p of ports) {
      const list = byOwner.get(p.owner) ?? [];
      byOwner.set(p.owner, list);
      list.push(...portElements(p));
    }
    for (const [owner, elements] of byOwner) {
      const unique = dedupe(elements);
      index.owners.set(owner, unique);
      for (const e of unique) {
        const h = index.held.get(idOf(e));
        if (h) h.refs++;
        else index.held.set(idOf(e), { value: e.value, refs: 1, by: owner });
      }
    }
    return index;
  }

  /** Plans replacing the ports of the owners in `changes` (an empty list removes an owner). */
  plan(changes: ReadonlyMap<string, readonly ValidPort[]>): PortDelta {
    const delta: PortDelta = { elements: new Map(), owners: new Map(), held: new Map() };
    const get = (id: string): Held | undefined => (delta.held.has(id) ? delta.held.get(id) : this.held.get(id));
    const touch = (e: PortElement, next: Held | undefined): void => {
      delta.held.set(idOf(e), next);
      delta.elements.set(idOf(e), { set: e.set, key: e.key, after: next?.value });
    };
    for (const owner of changes.keys()) {
      for (const e of this.owners.get(owner) ?? []) {
        const h = get(idOf(e))!;
        touch(e, h.refs > 1 ? { ...h, refs: h.refs - 1 } : undefined);
      }
    }
    const problems: string[] = [];
    for (const [owner, ports] of changes) {
      const elements = dedupe(ports.flatMap(portElements));
      delta.owners.set(owner, elements);
      for (const e of elements) {
        const h = get(idOf(e));
        if (!h) touch(e, { value: e.value, refs: 1, by: owner });
        else if (h.value === e.value) touch(e, { ...h, refs: h.refs + 1 });
        else problems.push(`${e.set} ${e.key} is mapped twice: to ${h.value} (${h.by}) and ${e.value} (${owner})`);
      }
    }
    if (problems.length > 0) throw new FirewallModelError(problems);
    // Elements that end as they were need no command.
    for (const [id, el] of delta.elements) if (this.held.get(id)?.value === el.after && el.after !== undefined) delta.elements.delete(id);
    return delta;
  }

  commit(delta: PortDelta): void {
    for (const [id, h] of delta.held) {
      if (h) this.held.set(id, h);
      else this.held.delete(id);
    }
    for (const [owner, elements] of delta.owners) {
      if (elements.length) this.owners.set(owner, elements);
      else this.owners.delete(owner);
    }
  }

  /** Number of owners with ports (tests). */
  size(): number {
    return this.owners.size;
  }
}

function dedupe(elements: PortElement[]): PortElement[] {
  const seen = new Map<string, PortElement>();
  for (const e of elements) if (!seen.has(idOf(e))) seen.set(idOf(e), e);
  return [...seen.values()];
}
