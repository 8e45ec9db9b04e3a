// Kube-mode status: the engine's reports go to each object's status subresource, with the same
// content file mode writes to its status files. Every write is a fresh GET and a PUT carrying
// that resourceVersion; a 409 (someone wrote in between) repeats both, so nothing is lost.
//   Sandbox:    .status = the report (only the sandbox's node writes it).
//   Attachment: .status = the report + nodeName (which node claims it: its sandbox's node).
//   Network:    .status.nodes[node] = the report, plus a summary (kube-network-status.ts).
import type { Condition, Kind, NetworkStatus } from '../../api/v1alpha1/types.js';
import { apiCode, type KubeApi } from '../source/kube/api.js';
import type { EventRecorder } from '../source/kube/events.js';
import { isDeleting, type KubeObject } from '../source/kube/resources.js';
import { specHash, stableStringify } from '../source/file/spec-hash.js';
import { parseKey } from '../store/keys.js';
import { log } from '../lib/log.js';
import { conditionOf, setConditions } from './conditions.js';
import { entryOf, withNodeEntry } from './kube-network-status.js';
import { BackgroundWriter } from './kube-writer.js';
import type { StatusRecord, StatusSink } from './record.js';

/** What the source knows that decides whether a removed report should be erased from the API. */
export interface ClusterView {
  /** The object exists, is not being deleted, and is meant for this node. */
  isMine(key: string): boolean;
  /** The source reports this key itself (InvalidSpec, NamespaceNotAllowed). */
  hasProblem(key: string): boolean;
}

type Intent = { op: 'put'; status: Record<string, unknown> } | { op: 'remove' };

/** Reasons the source owns: the engine never reports them, so a restart must not load them. */
const SOURCE_REASONS = new Set(['InvalidSpec', 'NamespaceNotAllowed']);

export interface KubeStatusSinkOptions {
  api: KubeApi;
  node: string;
  view: ClusterView;
  events?: EventRecorder;
  now?: () => string;
  /** GET+PUT rounds per write before it counts as failed (and retries later). */
  conflictAttempts?: number;
  concurrency?: number;
}

export class KubeStatusSink implements StatusSink {
  private readonly writer: BackgroundWriter<Intent>;
  /** 409 Conflicts met (and retried from a fresh read). */
  conflicts = 0;

  constructor(private readonly opts: KubeStatusSinkOptions) {
    this.writer = new BackgroundWriter<Intent>({ apply: (key, i) => this.apply(key, i), concurrency: opts.concurrency ?? 8 });
  }

  /** This node's reports as the API holds them, so lastTransitionTime survives a restart. */
  async load(): Promise<StatusRecord[]> {
    const { api, node } = this.opts;
    try {
      const [nets, sbs, atts] = await Promise.all([
        api.list('Network'),
        api.list('Sandbox', { fieldSelector: `spec.nodeName=${node}` }),
        api.list('Attachment'),
      ]);
      const out: StatusRecord[] = [];
      for (const n of nets.items) this.loaded(out, 'Network', n, stripNode(entryOf(n.status as NetworkStatus | undefined, node)));
      for (const s of sbs.items) this.loaded(out, 'Sandbox', s, s.status);
      for (const a of atts.items) if (a.status?.nodeName === node) this.loaded(out, 'Attachment', a, withoutKey(a.status, 'nodeName'));
      return out;
    } catch (err) {
      log.warn('could not read earlier status from the API; starting without it', { err });
      return [];
    }
  }

  async write(key: string, rec: StatusRecord): Promise<void> {
    this.writer.schedule(key, { op: 'put', status: rec.status });
  }

  async remove(key: string, _rec?: StatusRecord): Promise<void> {
    this.writer.schedule(key, { op: 'remove' });
  }

  /** The source's own report of an object that never reaches the engine (invalid, not allowed). */
  reportProblem(key: string, raw: KubeObject, reason: string, message: string): void {
    const prev = this.ownPart(parseKey(key).kind, raw)?.conditions as Condition[] | undefined;
    const generation = raw.metadata.generation ?? 1;
    const conditions = setConditions({
      prev,
      next: [
        { type: 'Ready', status: 'False', reason, message },
        { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' },
      ],
      managed: ['Ready', 'Degraded'],
      generation,
      now: this.now(),
    });
    this.writer.schedule(key, { op: 'put', status: { observedGeneration: generation, conditions } });
  }

  /** Resolves when every scheduled write is done. */
  async idle(): Promise<void> {
    await this.writer.idle();
  }

  async close(timeoutMs = 5000): Promise<void> {
    await this.writer.close(timeoutMs);
  }

  private async apply(key: string, intent: Intent): Promise<void> {
    const { kind, namespace, name } = parseKey(key);
    for (let attempt = 0; attempt < (this.opts.conflictAttempts ?? 50); attempt++) {
      const obj = await this.opts.api.get(kind, name, namespace);
      if (!obj) return;
      const next = intent.op === 'put' ? this.putStatus(kind, obj, intent.status) : this.removedStatus(key, kind, obj);
      if (next === undefined || stableStringify(next) === stableStringify(obj.status ?? {})) return;
      try {
        await this.opts.api.replaceStatus(kind, { ...obj, status: next });
      } catch (err) {
        const code = apiCode(err);
        if (code === 404) return;
        if (code === 409) {
          this.conflicts++;
          // Others write the same object (Network entries): back off with full jitter.
          await new Promise((r) => setTimeout(r, Math.random() * Math.min(1000, 10 * 2 ** attempt)));
          continue;
        }
        throw err;
      }
      this.notable(kind, obj, next);
      return;
    }
    throw new Error(`write status of ${key}: ${this.opts.conflictAttempts ?? 50} conflicts in a row`);
  }

  private putStatus(kind: Kind, obj: KubeObject, report: Record<string, unknown>): Record<string, unknown> {
    // status.owned (every kernel object, with ifindexes) stays in file mode's node-local report: the
    // CRDs do not declare it (the API server would prune it), and per node entry it would grow a
    // Network past what one object should hold.
    const status = withoutKey(report, 'owned')!;
    if (kind === 'Network') {
      const entry = stripNode(status) ?? {};
      return withNodeEntry({ status: obj.status as NetworkStatus | undefined, node: this.opts.node, entry, now: this.now() }) as Record<string, unknown>;
    }
    return kind === 'Attachment' ? { ...status, nodeName: this.opts.node } : status;
  }

  /**
   * The engine no longer reports key. Only this node's part is erased, and only when the object
   * lives on but is no longer this node's: a deleted object takes its status with it, and one
   * the source reports itself (invalid, not allowed) keeps that report.
   */
  private removedStatus(key: string, kind: Kind, obj: KubeObject): Record<string, unknown> | undefined {
    const { node, view } = this.opts;
    if (isDeleting(obj) || view.isMine(key) || view.hasProblem(key)) return undefined;
    if (kind === 'Network') {
      const status = obj.status as NetworkStatus | undefined;
      if (!entryOf(status, node)) return undefined;
      return withNodeEntry({ status, node, entry: undefined, now: this.now() }) as Record<string, unknown>;
    }
    // An attachment whose sandbox moved: release the claim so the new node may report.
    if (kind === 'Attachment' && obj.status?.nodeName === node) return {};
    return undefined;
  }

  /** Events for Ready flips, a new reason while not ready (Conflict, InvalidSpec...), and Degraded turning True. */
  private notable(kind: Kind, before: KubeObject, after: Record<string, unknown>): void {
    const events = this.opts.events;
    if (!events) return;
    const cond = (o: KubeObject, type: string): Condition | undefined => conditionOf(this.ownPart(kind, o)?.conditions as Condition[] | undefined, type);
    const next = { ...before, status: after };
    const where = kind === 'Network' ? ` on node ${this.opts.node}` : '';
    const was = cond(before, 'Ready');
    const now = cond(next, 'Ready');
    if (now && !(was?.status === now.status && (now.status === 'True' || was.reason === now.reason))) {
      if (now.status === 'True') events.record(kind, before, 'Normal', 'Ready', `converged${where}`);
      else events.record(kind, before, 'Warning', now.reason, `${now.message || now.reason}${where}`);
    }
    const degradedWas = cond(before, 'Degraded');
    const degraded = cond(next, 'Degraded');
    if (degraded?.status === 'True' && !(degradedWas?.status === 'True' && degradedWas.reason === degraded.reason)) {
      events.record(kind, before, 'Warning', degraded.reason, `${degraded.message || degraded.reason}${where}`);
    }
  }

  /** This node's part of an object's status. */
  private ownPart(kind: Kind, obj: KubeObject): Record<string, unknown> | undefined {
    if (kind === 'Network') return entryOf(obj.status as NetworkStatus | undefined, this.opts.node) as Record<string, unknown> | undefined;
    if (kind === 'Attachment' && obj.status?.nodeName !== undefined && obj.status.nodeName !== this.opts.node) return undefined;
    return obj.status;
  }

  private loaded(out: StatusRecord[], kind: Kind, obj: KubeObject, status: Record<string, unknown> | undefined): void {
    if (!status || !Array.isArray(status.conditions)) return;
    const ready = conditionOf(status.conditions as Condition[], 'Ready');
    if (ready && SOURCE_REASONS.has(ready.reason)) return;
    const observed = typeof status.observedGeneration === 'number' ? status.observedGeneration : 0;
    const { name, namespace } = obj.metadata;
    out.push({
      kind,
      ...(kind !== 'Network' && namespace ? { namespace } : {}),
      name,
      generation: observed,
      ...(observed === obj.metadata.generation ? { specHash: specHash(obj.spec) } : {}),
      origin: { source: 'kube' },
      status,
      updatedAt: this.now(),
    });
  }

  private now(): string {
    return this.opts.now?.() ?? new Date().toISOString();
  }
}

function stripNode(entry: Record<string, unknown> | object | undefined): Record<string, unknown> | undefined {
  return entry ? withoutKey(entry as Record<string, unknown>, 'node') : undefined;
}

function withoutKey(o: Record<string, unknown> | undefined, k: string): Record<string, unknown> | undefined {
  if (!o) return undefined;
  const { [k]: _drop, ...rest } = o;
  void _drop;
  return rest;
}
