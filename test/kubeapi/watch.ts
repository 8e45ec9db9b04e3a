// Watch streams: replay from a resourceVersion out of the store's event log (or synthetic ADDED
// events for the current state when none is given), then live events, filtered by namespace and
// selectors. An object that stops matching a watcher's selectors is sent as DELETED (its previous
// state, at the event's resourceVersion); one that starts matching as ADDED — the watch cache's rules.
import { gone } from './errors.js';
import { clone } from './json.js';
import { matchFields, matchLabels, type FieldSelector, type LabelSelector } from './selectors.js';
import type { Store, StoreEvent } from './store.js';
import { resourceKey, type KObject, type ResourceDef, type VersionDef } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchRequest {
  def: ResourceDef;
  version: VersionDef;
  namespace?: string;
  labels: LabelSelector;
  fields: FieldSelector;
  /** undefined or "" -> current state first; "0" -> same; "N" -> events after N. */
  resourceVersion?: string;
  sendInitialEvents: boolean;
  bookmarks: boolean;
  /** Shapes each object before it is sent (version, Table rows). */
  render: (type: WatchEventType, obj: KObject) => unknown;
  /** Sends one event line; the stream writer owns the socket. */
  write: (line: string) => void;
  end: () => void;
  /** Cuts the connection without ending the stream cleanly. */
  abort: () => void;
}

export interface OpenWatch {
  close: () => void;
  abort: () => void;
  req: WatchRequest;
}

export class WatchHub {
  private readonly open = new Set<OpenWatch>();
  private readonly bookmarkTimer: NodeJS.Timeout;

  constructor(private readonly store: Store, bookmarkIntervalMs: number) {
    this.bookmarkTimer = setInterval(() => this.bookmarkAll(), bookmarkIntervalMs);
    this.bookmarkTimer.unref();
  }

  count(): number {
    return this.open.size;
  }

  stop(): void {
    clearInterval(this.bookmarkTimer);
    this.dropAll();
  }

  /** Ends every open watch, as when an apiserver restarts or a load balancer cuts connections. */
  dropAll(): number {
    const n = this.open.size;
    for (const w of [...this.open]) w.close();
    return n;
  }

  /** Ends the watches of one resource (its CRD is gone). */
  dropResource(group: string, plural: string): void {
    for (const w of [...this.open]) if (w.req.def.group === group && w.req.def.plural === plural) w.close();
  }

  /** Destroys every open watch connection mid-stream. */
  abortAll(): number {
    const n = this.open.size;
    for (const w of [...this.open]) w.abort();
    return n;
  }

  private matches(req: WatchRequest, o: KObject | undefined): boolean {
    if (!o) return false;
    if (req.namespace !== undefined && o.metadata.namespace !== req.namespace) return false;
    return matchLabels(req.labels, o.metadata.labels) && matchFields(req.def, req.version, req.fields, o);
  }

  private send(req: WatchRequest, type: WatchEventType, obj: KObject): void {
    req.write(`${JSON.stringify({ type, object: req.render(type, obj) })}\n`);
  }

  /** Turns a store event into what this watcher sees, if anything. */
  private deliver(req: WatchRequest, e: StoreEvent): void {
    const now = this.matches(req, e.object);
    const before = e.type !== 'ADDED' && this.matches(req, e.prev);
    if (e.type === 'DELETED') {
      if (before || now) this.send(req, 'DELETED', e.object);
    } else if (now && before) this.send(req, 'MODIFIED', e.object);
    else if (now) this.send(req, 'ADDED', e.object);
    else if (before) {
      const last = clone(e.prev!);
      last.metadata.resourceVersion = e.object.metadata.resourceVersion;
      this.send(req, 'DELETED', last);
    }
  }

  private bookmark(req: WatchRequest, initialEnd: boolean): void {
    const metadata: KObject['metadata'] = { resourceVersion: String(this.store.currentRv()) };
    if (initialEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    this.send(req, 'BOOKMARK', { metadata } as KObject);
  }

  private bookmarkAll(): void {
    for (const w of this.open) if (w.req.bookmarks) this.bookmark(w.req, false);
  }

  /** Starts a watch; a resourceVersion older than the compaction point yields one ERROR 410 event. */
  start(req: WatchRequest): OpenWatch | undefined {
    const res = resourceKey(req.def.group, req.def.plural);
    const rv = req.resourceVersion;
    const fromState = rv === undefined || rv === '' || rv === '0' || req.sendInitialEvents;
    let replay: StoreEvent[] = [];
    if (fromState) {
      for (const o of this.store.list(res)) if (this.matches(req, o)) this.send(req, 'ADDED', o);
      if (req.sendInitialEvents && req.bookmarks) this.bookmark(req, true);
    } else {
      const n = Number(rv);
      const events = this.store.eventsSince(res, n);
      if (!events) {
        const err = gone(`too old resource version: ${n} (${this.store.compactedRv() + 1})`);
        req.write(`${JSON.stringify({ type: 'ERROR', object: err.status() })}\n`);
        req.end();
        return undefined;
      }
      replay = events;
    }
    for (const e of replay) this.deliver(req, e);
    let closed = false;
    const unsubscribe = this.store.onEvent((e) => {
      if (e.resource === res) this.deliver(req, e);
    });
    const finish = (how: () => void): void => {
      if (closed) return;
      closed = true;
      unsubscribe();
      this.open.delete(w);
      how();
    };
    const w: OpenWatch = { req, close: () => finish(req.end), abort: () => finish(req.abort) };
    this.open.add(w);
    return w;
  }
}
