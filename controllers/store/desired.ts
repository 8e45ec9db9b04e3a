// The desired store: every valid object the sources know, indexed by what depends on what, plus
// the cross-object conflicts among them. Sources apply batches; listeners get the changed keys.
import type { FieldError, Origin, Resource, Attachment } from '../../api/v1alpha1/types.js';
import { keyOf, sandboxKeyOf } from './keys.js';
import { ConflictTracker, type CrossValidator, type ResourcesOf } from './conflicts.js';

export interface DesiredObject {
  key: string;
  object: Resource;
  origin: Origin;
  specHash: string;
}

export interface Change {
  key: string;
  old?: DesiredObject;
  new?: DesiredObject;
  /** The spec did not change; only its report must be refreshed (conflicts or problems changed). */
  reportOnly?: boolean;
}

/** Decides conflicts that span objects; returns the losers with their errors. */
export type { CrossValidator } from './conflicts.js';

export class DesiredStore {
  private readonly objects = new Map<string, DesiredObject>();
  /** The same objects per kind, in the same order: list(kind) without a walk over everything. */
  private readonly byKind = new Map<string, Map<string, DesiredObject>>();
  private readonly byNetwork = new Map<string, Set<string>>();
  private readonly bySandbox = new Map<string, Set<string>>();
  /** Attachments with aliases, per network: what every hosts file on that network lists. */
  private readonly aliasedByNetwork = new Map<string, Set<string>>();
  private readonly staticV4 = new Map<string, Map<string, string>>();
  private readonly conflicts: ConflictTracker;
  private readonly listeners: ((changes: Change[]) => void)[] = [];

  /** `resources` lets a batch re-judge only the objects it can affect (see ConflictTracker). */
  constructor(crossValidate: CrossValidator, resources?: ResourcesOf) {
    this.conflicts = new ConflictTracker(crossValidate, resources);
  }

  get(key: string): DesiredObject | undefined {
    return this.objects.get(key);
  }

  keys(): string[] {
    return [...this.objects.keys()];
  }

  list<K extends Resource['kind']>(kind: K): DesiredObject[] {
    return [...(this.byKind.get(kind)?.values() ?? [])];
  }

  attachmentsOfNetwork(network: string): string[] {
    return [...(this.byNetwork.get(network) ?? [])];
  }

  /** Attachments of a network that declare aliases (a subset of attachmentsOfNetwork). */
  aliasedOfNetwork(network: string): string[] {
    return [...(this.aliasedByNetwork.get(network) ?? [])];
  }

  attachmentsOfSandbox(sandboxKey: string): string[] {
    return [...(this.bySandbox.get(sandboxKey) ?? [])];
  }

  /** Static IPv4 addresses requested on a network by attachments other than `except`. */
  staticRequests(network: string, except?: string): Set<string> {
    const out = new Set<string>();
    for (const [key, ip] of this.staticV4.get(network) ?? []) if (key !== except) out.add(ip);
    return out;
  }

  conflictsOf(key: string): FieldError[] {
    return this.conflicts.get(key) ?? [];
  }

  onChange(fn: (changes: Change[]) => void): void {
    this.listeners.push(fn);
  }

  /**
   * Applies a batch from a source; unchanged objects produce no change. `touched` names objects
   * whose report must be refreshed although their spec did not change (e.g. a new invalid version).
   */
  apply(puts: readonly DesiredObject[], deletes: readonly string[], touched: readonly string[] = []): Change[] {
    const changes: Change[] = [];
    for (const key of deletes) {
      const old = this.objects.get(key);
      if (!old) continue;
      this.unindex(old);
      this.objects.delete(key);
      this.byKind.get(old.object.kind)?.delete(key);
      changes.push({ key, old });
    }
    for (const obj of puts) {
      const old = this.objects.get(obj.key);
      if (old && old.specHash === obj.specHash && sameMeta(old, obj)) {
        old.origin = obj.origin;
        continue;
      }
      if (old) this.unindex(old);
      if (old && old.object.kind !== obj.object.kind) this.byKind.get(old.object.kind)?.delete(obj.key);
      this.objects.set(obj.key, obj);
      (this.byKind.get(obj.object.kind) ?? this.byKind.set(obj.object.kind, new Map()).get(obj.object.kind)!).set(obj.key, obj);
      this.index(obj);
      changes.push({ key: obj.key, old, new: obj });
    }
    if (changes.length > 0) changes.push(...this.recomputeConflicts(new Set(changes.map((c) => c.key))));
    for (const key of touched) {
      const cur = this.objects.get(key);
      if (cur && !changes.some((c) => c.key === key)) changes.push({ key, old: cur, new: cur, reportOnly: true });
    }
    if (changes.length > 0) for (const l of this.listeners) l(changes);
    return changes;
  }

  private recomputeConflicts(already: Set<string>): Change[] {
    const changed: Change[] = [];
    for (const key of this.conflicts.update(this.objects, already).keys()) {
      if (already.has(key)) continue;
      const cur = this.objects.get(key);
      if (cur) changed.push({ key, old: cur, new: cur, reportOnly: true });
    }
    return changed;
  }

  private index(o: DesiredObject): void {
    if (o.object.kind !== 'Attachment') return;
    const a = o.object;
    addTo(this.byNetwork, a.spec.network, o.key);
    addTo(this.bySandbox, sandboxKeyOf(a), o.key);
    if (a.spec.aliases?.length) addTo(this.aliasedByNetwork, a.spec.network, o.key);
    if (a.spec.ipv4Address) {
      let m = this.staticV4.get(a.spec.network);
      if (!m) this.staticV4.set(a.spec.network, (m = new Map()));
      m.set(o.key, a.spec.ipv4Address);
    }
  }

  private unindex(o: DesiredObject): void {
    if (o.object.kind !== 'Attachment') return;
    const a: Attachment = o.object;
    removeFrom(this.byNetwork, a.spec.network, o.key);
    removeFrom(this.bySandbox, sandboxKeyOf(a), o.key);
    removeFrom(this.aliasedByNetwork, a.spec.network, o.key);
    this.staticV4.get(a.spec.network)?.delete(o.key);
  }
}

function sameMeta(a: DesiredObject, b: DesiredObject): boolean {
  const ma = a.object.metadata;
  const mb = b.object.metadata;
  return (
    ma.generation === mb.generation &&
    ma.deletionTimestamp === mb.deletionTimestamp &&
    JSON.stringify(ma.labels ?? {}) === JSON.stringify(mb.labels ?? {}) &&
    keyOf(a.object) === keyOf(b.object)
  );
}

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function removeFrom(m: Map<string, Set<string>>, k: string, v: string): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}
