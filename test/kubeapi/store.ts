// Object storage with one global, monotonically increasing resourceVersion (like etcd's revision),
// an event log for watch replay, and compaction: events at or below compactedRv are forgotten, so a
// watch or an exact list from an older resourceVersion gets 410 Expired.
import { clone } from './json.js';
import type { KObject } from './types.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  rv: number;
  resource: string;
  type: EventType;
  object: KObject;
  /** The object before this event (undefined for ADDED); watchers with selectors need it. */
  prev?: KObject;
}

export type StoreListener = (e: StoreEvent) => void;

function objKey(o: KObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

export class Store {
  private rv = 0;
  private compacted = 0;
  private readonly data = new Map<string, Map<string, KObject>>();
  private readonly log: StoreEvent[] = [];
  private readonly listeners = new Set<StoreListener>();

  constructor(private readonly window: number) {}

  currentRv(): number {
    return this.rv;
  }

  compactedRv(): number {
    return this.compacted;
  }

  /** Forgets every event so far: any resourceVersion older than the current one is too old. */
  compact(): void {
    this.log.length = 0;
    this.compacted = this.rv;
  }

  onEvent(l: StoreListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get(resource: string, namespace: string | undefined, name: string): KObject | undefined {
    const o = this.data.get(resource)?.get(`${namespace ?? ''}/${name}`);
    return o && clone(o);
  }

  /** Current objects of a resource, sorted by namespace/name like the apiserver's list. */
  list(resource: string): KObject[] {
    const m = this.data.get(resource);
    if (!m) return [];
    return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => clone(o));
  }

  /** The objects as they were at resourceVersion rv, rebuilt by undoing later events. */
  listAt(resource: string, rv: number): KObject[] | undefined {
    if (rv < this.compacted) return undefined;
    const m = new Map<string, KObject>();
    for (const o of this.list(resource)) m.set(objKey(o), o);
    for (let i = this.log.length - 1; i >= 0; i--) {
      const e = this.log[i]!;
      if (e.rv <= rv) break;
      if (e.resource !== resource) continue;
      if (e.type === 'ADDED') m.delete(objKey(e.object));
      else m.set(objKey(e.prev!), clone(e.prev!));
    }
    return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
  }

  /** Events of a resource after rv, or undefined when rv is older than the compaction point. */
  eventsSince(resource: string, rv: number): StoreEvent[] | undefined {
    if (rv < this.compacted) return undefined;
    return this.log.filter((e) => e.rv > rv && e.resource === resource);
  }

  /** Writes an object (create or update), assigning the next resourceVersion; returns the stored copy. */
  put(resource: string, obj: KObject): KObject {
    let m = this.data.get(resource);
    if (!m) this.data.set(resource, (m = new Map()));
    const key = objKey(obj);
    const prev = m.get(key);
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    m.set(key, stored);
    this.emit({ rv: this.rv, resource, type: prev ? 'MODIFIED' : 'ADDED', object: stored, ...(prev ? { prev } : {}) });
    return clone(stored);
  }

  /** Removes an object; the DELETED event carries its last state (finalState when given) at a new resourceVersion. */
  remove(resource: string, obj: KObject, finalState?: KObject): KObject | undefined {
    const m = this.data.get(resource);
    const key = objKey(obj);
    const prev = m?.get(key);
    if (!m || !prev) return undefined;
    m.delete(key);
    const last = clone(finalState ?? prev);
    last.metadata.resourceVersion = String(++this.rv);
    this.emit({ rv: this.rv, resource, type: 'DELETED', object: last, prev });
    return clone(last);
  }

  /** Drops all objects of a resource without events (used when a CRD disappears after its cleanup). */
  dropResource(resource: string): void {
    this.data.delete(resource);
  }

  private emit(e: StoreEvent): void {
    this.log.push(e);
    while (this.log.length > this.window) this.compacted = this.log.shift()!.rv;
    for (const l of this.listeners) l(e);
  }
}
