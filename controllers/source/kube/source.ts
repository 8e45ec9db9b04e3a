// Kube mode's source: informers on Networks, this node's Sandboxes, Attachments and this node's
// Node object; every change recomputes what this node realizes (select.ts) and applies the
// difference to the desired store. Objects get this node's finalizer before they reach the store,
// and lose it when the engine reports their teardown finished. While any watch is down, kernel
// work is paused: the view may be stale, and acting on it could undo what the cluster wants.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Kind } from '../../../api/v1alpha1/types.js';
import type { ValidateOptions } from '../../../api/v1alpha1/validate.js';
import type { Source, SourceContext } from '../../agent/agent.js';
import { errorText, log } from '../../lib/log.js';
import type { ClusterView } from '../../status/kube-sink.js';
import type { DesiredStore } from '../../store/desired.js';
import { parseKey } from '../../store/keys.js';
import type { KubeApi } from './api.js';
import type { EventRecorder } from './events.js';
import { finalizerFor, hasFinalizer, updateFinalizers } from './finalizers.js';
import { Informer } from './informer.js';
import { OrphanSweeper } from './sweeper.js';
import { collectionPath, isDeleting, type KubeObject, type NodeObject } from './resources.js';
import { computeView, type View, type ViewEntry } from './select.js';
import { admitAttachment, type Admission } from './tenancy.js';

export interface KubeSourceOptions {
  kc: KubeConfig;
  api: KubeApi;
  node: string;
  validate?: ValidateOptions;
  events?: EventRecorder;
  /** Writes the status of an object the engine never sees (invalid, not allowed). */
  reportProblem(key: string, raw: KubeObject, reason: string, message: string): void;
  admit?: (network: KubeObject, namespace: string) => Admission;
  /** Period of the dead-node finalizer sweep (0: only when a deleting object shows one). */
  orphanSweepMs?: number;
  /** Delay before a sweep triggered by a deleting object with other nodes' finalizers. */
  orphanSweepDelayMs?: () => number;
  /** Recompute from the caches this often (retries finalizer patches that failed). */
  resyncMs?: number;
  watchTimeoutSeconds?: () => number;
}

const EMPTY_VIEW = computeView({
  node: '', nodeLabels: {}, finalizer: '', networks: [], sandboxes: [], attachments: [], current: () => undefined, admit: () => ({ allowed: true }),
});

export class KubeSource implements Source, ClusterView {
  readonly finalizer: string;
  private store: DesiredStore | undefined;
  private ctx: SourceContext | undefined;
  private informers: { name: string; inf: Informer<KubeObject> }[] = [];
  private view: View = EMPTY_VIEW;
  private started = false;
  private stopped = false;
  private recomputeTimer: NodeJS.Immediate | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly finalizerOps = new Map<string, Promise<void>>();
  private readonly adding = new Set<string>();
  private readonly releasing = new Set<string>();
  private readonly reported = new Map<string, string>();
  private readonly sweeper: OrphanSweeper;

  constructor(private readonly opts: KubeSourceOptions) {
    this.finalizer = finalizerFor(opts.node);
    this.sweeper = new OrphanSweeper({ api: opts.api, periodMs: opts.orphanSweepMs ?? 300_000, ...(opts.orphanSweepDelayMs ? { delayMs: opts.orphanSweepDelayMs } : {}) });
  }

  async start(store: DesiredStore, ctx: SourceContext): Promise<void> {
    this.store = store;
    this.ctx = ctx;
    const { api, node } = this.opts;
    const make = (name: string, kind: Kind | 'Node', fieldSelector?: string): Informer<KubeObject> =>
      new Informer<KubeObject>({
        name,
        kc: this.opts.kc,
        path: kind === 'Node' ? '/api/v1/nodes' : collectionPath(kind),
        list: async () => (kind === 'Node' ? await api.listNodes({ fieldSelector: fieldSelector! }) : await api.list(kind, fieldSelector ? { fieldSelector } : {})),
        ...(fieldSelector ? { fieldSelector } : {}),
        ...(this.opts.watchTimeoutSeconds ? { watchTimeoutSeconds: this.opts.watchTimeoutSeconds } : {}),
        onChange: () => this.scheduleRecompute(),
        onState: () => this.onState(),
      });
    this.informers = [
      { name: 'networks', inf: make('networks', 'Network') },
      // Needs selectableFields on the CRD (Kubernetes >= 1.31).
      { name: 'sandboxes', inf: make('sandboxes', 'Sandbox', `spec.nodeName=${node}`) },
      { name: 'attachments', inf: make('attachments', 'Attachment') },
      { name: 'node', inf: make('node', 'Node', `metadata.name=${node}`) },
    ];
    await Promise.all(this.informers.map((i) => i.inf.start()));
    this.started = true;
    this.recompute();
    this.sweeper.start();
    this.scheduleResync();
    log.info('kube source synced', { node, finalizer: this.finalizer, objects: this.view.desired.size });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.recomputeTimer) clearImmediate(this.recomputeTimer);
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    await Promise.all([this.sweeper.stop(), ...this.informers.map((i) => i.inf.stop())]);
    await Promise.allSettled([...this.finalizerOps.values()]);
  }

  problemFor(key: string): string | undefined {
    return this.view.degraded.get(key);
  }

  isMine(key: string): boolean {
    return this.view.mine.has(key);
  }

  hasProblem(key: string): boolean {
    return this.view.problems.has(key);
  }

  /** The engine removed what it made for key: drop this node's finalizer unless key is wanted again. */
  onTeardown(key: string): void {
    const entry = this.view.raw.get(key);
    this.releasing.delete(key);
    if (this.store?.get(key) || this.view.desired.has(key)) return;
    if (!entry) {
      // Out of sight: a Sandbox moved to another node has left this node's field selection.
      void this.releaseUnseen(key);
      return;
    }
    if (hasFinalizer(entry.raw, this.finalizer)) this.changeFinalizer(entry, 'remove');
  }

  private async releaseUnseen(key: string): Promise<void> {
    const { kind, namespace, name } = parseKey(key);
    try {
      const raw = await this.opts.api.get(kind, name, namespace);
      if (!raw || !hasFinalizer(raw, this.finalizer) || this.view.raw.has(key)) return;
      if (kind === 'Sandbox' && !isDeleting(raw) && (raw.spec as { nodeName?: unknown } | undefined)?.nodeName === this.opts.node) return;
      this.changeFinalizer({ key, kind, raw }, 'remove');
    } catch (err) {
      log.warn('could not read an object to release its finalizer', { key, err: errorText(err) });
    }
  }

  private onState(): void {
    if (!this.started || this.stopped) return;
    const down = this.informers.filter((i) => i.inf.state !== 'watching').map((i) => i.name);
    if (down.length) {
      this.ctx!.pause(`watch of ${down.join(', ')} disconnected`);
      return;
    }
    // Every watch is open again (after a relist if the old resourceVersion expired).
    this.recompute();
    this.ctx!.resume();
  }

  private scheduleRecompute(): void {
    if (!this.started || this.stopped || this.recomputeTimer) return;
    this.recomputeTimer = setImmediate(() => {
      this.recomputeTimer = undefined;
      this.recompute();
    });
  }

  private scheduleResync(): void {
    const ms = this.opts.resyncMs ?? 60_000;
    if (ms <= 0 || this.stopped) return;
    this.resyncTimer = setTimeout(() => {
      this.releasing.clear();
      this.recompute();
      this.scheduleResync();
    }, ms);
    this.resyncTimer.unref();
  }

  private recompute(): void {
    // A cache being relisted is incomplete: deciding on it would delete what is merely unseen.
    if (!this.started || this.stopped || this.informers.some((i) => i.inf.state !== 'watching')) return;
    const store = this.store!;
    const [networks, sandboxes, attachments, nodes] = this.informers.map((i) => i.inf.list());
    const self = (nodes as readonly NodeObject[]).find((n) => n.metadata.name === this.opts.node);
    const before = this.view;
    this.view = computeView({
      node: this.opts.node,
      nodeLabels: self?.metadata.labels ?? {},
      finalizer: this.finalizer,
      networks: networks!,
      sandboxes: sandboxes!,
      attachments: attachments!,
      ...(this.opts.validate ? { validate: this.opts.validate } : {}),
      current: (key) => store.get(key),
      admit: this.opts.admit ?? admitAttachment,
    });
    const v = this.view;
    const touched = [...new Set([...before.degraded.keys(), ...v.degraded.keys()])].filter((k) => before.degraded.get(k) !== v.degraded.get(k));
    store.apply([...v.desired.values()], store.keys().filter((k) => !v.desired.has(k)), touched);
    for (const e of v.needFinalizer) this.changeFinalizer(e, 'add');
    this.reportProblems();
    for (const e of v.release) {
      // Nothing in the store will trigger its teardown: ask for one, which ends in onTeardown.
      if (!store.get(e.key) && !this.releasing.has(e.key)) {
        this.releasing.add(e.key);
        this.ctx!.enqueue(e.key);
      }
    }
    if (v.foreignFinalizers.length) this.sweeper.trigger(v.foreignFinalizers.map((e) => `${e.key} ${(e.raw.metadata.finalizers ?? []).join(',')}`));
  }

  private reportProblems(): void {
    for (const [key, p] of this.view.problems) {
      const sig = `${p.reason}\0${p.message}\0${p.entry.raw.metadata.generation ?? ''}\0${p.entry.raw.metadata.uid ?? ''}`;
      if (this.reported.get(key) === sig) continue;
      this.reported.set(key, sig);
      log.warn(p.reason === 'NamespaceNotAllowed' ? 'attachment not allowed on its network' : 'invalid object', { key, message: p.message });
      this.opts.reportProblem(key, p.entry.raw, p.reason, p.message);
    }
    for (const key of this.reported.keys()) if (!this.view.problems.has(key)) this.reported.delete(key);
  }

  /** Adds or removes this node's finalizer; one change per key at a time. */
  private changeFinalizer(entry: ViewEntry, op: 'add' | 'remove'): void {
    if (op === 'add') {
      if (this.adding.has(entry.key)) return;
      this.adding.add(entry.key);
    }
    const f = this.finalizer;
    const prev = this.finalizerOps.get(entry.key) ?? Promise.resolve();
    const run = async (): Promise<void> => {
      try {
        const outcome = await updateFinalizers({
          api: this.opts.api,
          kind: entry.kind,
          obj: this.view.raw.get(entry.key)?.raw ?? entry.raw,
          change: (fs, cur) => {
            if (op === 'remove') return fs.filter((x) => x !== f);
            // Never on an object being deleted or replaced by a new one of the same name.
            return isDeleting(cur) || cur.metadata.uid !== entry.raw.metadata.uid || fs.includes(f) ? [...fs] : [...fs, f];
          },
        });
        if (outcome === 'refused') {
          this.opts.events?.record(entry.kind, entry.raw, 'Warning', 'FinalizerRefused', `node ${this.opts.node} could not ${op} its finalizer ${f}`);
        } else if (outcome === 'changed' && op === 'remove' && isDeleting(entry.raw)) {
          this.opts.events?.record(entry.kind, entry.raw, 'Normal', 'Released', `node ${this.opts.node} removed its kernel objects`);
        }
        log.debug('finalizer', { key: entry.key, op, outcome });
      } catch (err) {
        log.warn('finalizer update failed; will retry', { key: entry.key, op, err: errorText(err) });
        if (op === 'remove') this.releasing.delete(entry.key);
        setTimeout(() => this.scheduleRecompute(), 1000).unref();
      } finally {
        if (op === 'add') this.adding.delete(entry.key);
      }
    };
    const next = prev.then(run);
    this.finalizerOps.set(entry.key, next);
    void next.then(() => {
      if (this.finalizerOps.get(entry.key) === next) this.finalizerOps.delete(entry.key);
    });
  }
}
