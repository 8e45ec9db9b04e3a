// Kubernetes Events (core/v1, what `kubectl describe` and `kubectl events` show) on nodenet
// objects. Like client-go's recorder: an event repeated within the dedupe window bumps the count
// of the first one instead of creating another, and each object has a token bucket so a flapping
// object cannot flood the API. Sending never blocks or fails the caller.
import { randomBytes } from 'node:crypto';
import type { CoreV1Event } from '@kubernetes/client-node';
import { API_VERSION, type Kind } from '../../../api/v1alpha1/types.js';
import { errorText, log } from '../../lib/log.js';
import { apiCode, type KubeApi } from './api.js';
import type { KubeObject } from './resources.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  api: KubeApi;
  node: string;
  /** Identical events within this window are counted on the first one (default 10 min). */
  dedupeMs?: number;
  /** Per object: burst and refill interval of the token bucket (default 10, one per 30 s). */
  burst?: number;
  refillMs?: number;
  now?: () => number;
}

interface Sent {
  namespace: string;
  name: string;
  count: number;
  /** When the first one was created: the dedupe window starts there. */
  at: number;
  patchPending?: boolean;
}

const MESSAGE_MAX = 1024;

export class EventRecorder {
  private readonly sent = new Map<string, Sent>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private chain: Promise<void> = Promise.resolve();
  /** Events dropped by the rate limit (for tests and metrics). */
  dropped = 0;

  constructor(private readonly opts: EventRecorderOptions) {}

  record(kind: Kind, obj: KubeObject, type: EventType, reason: string, message: string): void {
    const uid = obj.metadata.uid ?? `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const now = this.now();
    const text = message.length > MESSAGE_MAX ? message.slice(0, MESSAGE_MAX - 3) + '...' : message;
    const dedupeKey = `${uid}\0${type}\0${reason}\0${text}`;
    const prev = this.sent.get(dedupeKey);
    const repeat = prev !== undefined && now - prev.at < (this.opts.dedupeMs ?? 600_000);
    // A repeat is always counted; whether it is sent (as a count patch) is up to the bucket.
    if (repeat) prev.count++;
    if (!this.take(uid, now)) {
      this.dropped++;
      return;
    }
    if (repeat) {
      // One patch in flight carries every repeat recorded until it is sent.
      if (!prev.patchPending) {
        prev.patchPending = true;
        this.chain = this.chain.then(() => this.patchCount(prev, dedupeKey, now));
      }
      return;
    }
    // Known at once, so repeats recorded before it is sent count on it.
    const namespace = obj.metadata.namespace ?? 'default';
    const sent: Sent = { namespace, name: `${obj.metadata.name}.${randomBytes(8).toString('hex')}`, count: 1, at: now };
    this.sent.set(dedupeKey, sent);
    this.prune(now);
    // Sent one at a time: events are few, and ordering them keeps counts monotonic.
    this.chain = this.chain.then(() => this.create({ kind, obj, type, reason, message: text, dedupeKey, now }, sent));
  }

  /** Resolves when every event recorded so far was sent (or failed). */
  async flushed(): Promise<void> {
    await this.chain;
  }

  private async patchCount(prev: Sent, dedupeKey: string, now: number): Promise<void> {
    prev.patchPending = false;
    try {
      await this.opts.api.patchEvent(prev.namespace, prev.name, { count: prev.count, lastTimestamp: new Date(now).toISOString() });
    } catch (err) {
      // Gone (expired by the API server's event TTL): the next repeat creates a new one.
      if (apiCode(err) === 404) this.sent.delete(dedupeKey);
      log.debug('event not updated', { event: prev.name, err: errorText(err) });
    }
  }

  private async create(e: { kind: Kind; obj: KubeObject; type: EventType; reason: string; message: string; dedupeKey: string; now: number }, sent: Sent): Promise<void> {
    const ts = new Date(e.now).toISOString();
    try {
      // Events of cluster-scoped objects live in "default", as kubectl expects.
      await this.opts.api.createEvent(sent.namespace, this.build(e, sent.namespace, sent.name, ts));
    } catch (err) {
      // A lost event is only a lost hint; status carries the truth.
      if (this.sent.get(e.dedupeKey) === sent) this.sent.delete(e.dedupeKey);
      log.debug('event not recorded', { reason: e.reason, object: e.obj.metadata.name, err: errorText(err) });
    }
  }

  private build(e: { kind: Kind; obj: KubeObject; type: EventType; reason: string; message: string }, namespace: string, name: string, ts: string): CoreV1Event {
    const m = e.obj.metadata;
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: API_VERSION,
        kind: e.kind,
        name: m.name,
        ...(m.namespace ? { namespace: m.namespace } : {}),
        ...(m.uid ? { uid: m.uid } : {}),
      },
      type: e.type,
      reason: e.reason,
      message: e.message,
      source: { component: 'nodenet-agent', host: this.opts.node },
      reportingComponent: 'nodenet.io/agent',
      reportingInstance: this.opts.node,
      count: 1,
      firstTimestamp: new Date(ts),
      lastTimestamp: new Date(ts),
    } as CoreV1Event;
  }

  private take(uid: string, now: number): boolean {
    const burst = this.opts.burst ?? 10;
    const refill = this.opts.refillMs ?? 30_000;
    const b = this.buckets.get(uid) ?? { tokens: burst, at: now };
    const gained = Math.floor((now - b.at) / refill);
    if (gained > 0) {
      b.tokens = Math.min(burst, b.tokens + gained);
      b.at += gained * refill;
    }
    this.buckets.set(uid, b);
    if (b.tokens <= 0) return false;
    b.tokens--;
    return true;
  }

  private prune(now: number): void {
    const window = this.opts.dedupeMs ?? 600_000;
    if (this.sent.size < 1000) return;
    for (const [k, b] of this.buckets) if (b.tokens >= (this.opts.burst ?? 10) && now - b.at > window) this.buckets.delete(k);
    for (const [k, s] of this.sent) if (now - s.at >= window) this.sent.delete(k);
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }
}
