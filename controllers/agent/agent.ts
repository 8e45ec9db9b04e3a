// The agent: sources fill the desired store, changes become keys on the work queue, reconcilers
// converge the kernel and report. On start it reconciles everything it knows (declared objects and
// everything in its ledger), then collects garbage; a periodic resync repeats the full pass.
import type { Server } from 'node:http';
import { crossResources } from '../../api/v1alpha1/cross-resources.js';
import { validateCrossObject, type CrossObjectOptions } from '../../api/v1alpha1/validate.js';
import type { Firewall } from '../dataplane/firewall/types.js';
import type { Dataplane, DescribeOp } from '../dataplane/types.js';
import { Ipam } from '../ipam/allocator.js';
import { errorText, log } from '../lib/log.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { startMetricsServer } from '../metrics/server.js';
import { WorkQueue, type Result } from '../queue/workqueue.js';
import { DYING_GRACE_MS, DYING_RECHECK_MS, pendingTeardowns, reconcileAttachment } from '../reconcile/attachment.js';
import type { EngineConfig, EngineContext } from '../reconcile/context.js';
import type { MemberSource } from '../overlay/coordinator.js';
import { firewallModelSource } from '../reconcile/firewall-model.js';
import { FirewallSync } from '../reconcile/firewall-sync.js';
import { reconcileNetwork } from '../reconcile/network.js';
import { reconcileSandbox } from '../reconcile/sandbox.js';
import { Ledger } from '../state/ledger.js';
import { isTrue } from '../status/conditions.js';
import type { StatusSink } from '../status/record.js';
import { StatusStore } from '../status/store.js';
import { DesiredStore } from '../store/desired.js';
import { parseKey } from '../store/keys.js';
import { DriftTracker, type DriftCause, type DriftOptions } from './drift/tracker.js';
import { collectGarbage } from './gc.js';
import { auditFirewall } from '../audit/firewall-audit.js';
import { currentObject, inObjectScope } from '../audit/scope.js';
import { dependencyOrder, dependentsOf, keysFor, ledgerKeys } from './routing.js';

export interface SourceContext {
  previousGeneration(key: string): { generation: number; specHash?: string } | undefined;
  /** Reconciles a key, e.g. one whose teardown the source waits for. */
  enqueue(key: string): void;
  /** Holds kernel work (kube mode: while a watch is down the view may be stale); resume() releases it. */
  pause(reason: string): void;
  resume(): void;
}

export interface Source {
  /** Fills the store; resolves when the initial state is in it. */
  start(store: DesiredStore, ctx: SourceContext): Promise<void>;
  stop(): Promise<void>;
  /** The source's complaint about a key's latest version. */
  problemFor?(key: string): string | undefined;
  /** The engine removed everything it made for key (kube mode drops its finalizer then). */
  onTeardown?(key: string): void;
}

export interface AgentOptions {
  config: EngineConfig;
  dp: Dataplane;
  firewall: Firewall;
  describe: DescribeOp;
  source: Source;
  statusSink: StatusSink;
  /** HOST:PORT for /metrics, /healthz, /readyz; null disables. */
  metricsAddr: string | null;
  resyncMs: number;
  concurrency: number;
  ledger?: Ledger;
  /**
   * Cross-object rules. Default, file mode: one node (spec.nodeName ignored), created namespaces
   * under config.netnsDir, config.tenancy for Networks without allowedNamespaces.
   */
  crossObject?: CrossObjectOptions;
  drift?: DriftOptions;
  /** Called when a reconcile throws (after it is logged), e.g. to notice a full state disk. */
  onReconcileError?(key: string, err: unknown): void;
  /** Members of vxlan overlays (kube mode: OverlayMember objects); default: spec.vxlan.peers. */
  overlayMembers?: MemberSource;
}

export class Agent {
  readonly metrics: Metrics;
  readonly store: DesiredStore;
  readonly status: StatusStore;
  readonly ledger: Ledger;
  readonly ctx: EngineContext;
  readonly drift: DriftTracker;
  private readonly queue: WorkQueue;
  private server: Server | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  /** The running resync's view of the agent's namespace, if any. */
  private pass: { stale(link?: { index: number; name?: string }): void } | undefined;
  private isReady = false;
  private stopping = false;
  /** Kernel changes so far (link/address/route ops and nftables changes), for the resync report. */
  private kernelChanges = 0;

  constructor(private readonly opts: AgentOptions) {
    this.metrics = createMetrics();
    this.ledger = opts.ledger ?? Ledger.load(opts.config.stateDir);
    this.status = new StatusStore(opts.statusSink);
    const cross: CrossObjectOptions = { ignoreNodeName: true, netnsDir: opts.config.netnsDir, tenancy: opts.config.tenancy ?? {}, ...opts.crossObject };
    // Conflicts are re-judged per batch among the objects sharing a resource with the changed ones.
    this.store = new DesiredStore(
      (objs) => validateCrossObject(objs, cross),
      (obj) => crossResources(obj, cross),
    );
    const ipam = new Ipam(this.ledger);
    // Metrics and audit lines come from auditFirewall; the count feeds the resync report.
    const firewall = new FirewallSync(auditFirewall(opts.firewall, this.metrics), firewallModelSource(this.store, this.ledger, ipam), {
      onResult: (res) => {
        if (!(res instanceof Error)) this.kernelChanges += res.changes;
      },
    });
    this.drift = new DriftTracker(() => this.ctx, this.metrics, opts.drift);
    this.queue = new WorkQueue({
      concurrency: opts.concurrency,
      handler: (key) => inObjectScope(key, () => this.drift.track(key, () => this.reconcile(key))),
      hooks: {
        onResult: (key, outcome, ms, err) => {
          const kind = parseKey(key).kind;
          this.metrics.reconciles.inc({ kind, result: outcome });
          this.metrics.reconcileDuration.observe({ kind }, ms / 1000);
          if (err) {
            log.warn('reconcile failed', { key, err: errorText(err), retries: this.queue.failures(key) });
            opts.onReconcileError?.(key, err);
          }
        },
        onDepth: (d) => this.metrics.queueDepth.set(d),
      },
    });
    this.ctx = {
      dp: opts.dp,
      store: this.store,
      ledger: this.ledger,
      ipam,
      status: this.status,
      firewall,
      config: opts.config,
      describe: opts.describe,
      enqueue: (key) => {
        this.drift.propagate(key);
        this.queue.add(key);
      },
      now: () => new Date().toISOString(),
      problemFor: (key) => opts.source.problemFor?.(key),
      onTeardown: (key) => opts.source.onTeardown?.(key),
      paused: () => this.pausedFor !== undefined,
      drift: this.drift,
      ...(opts.overlayMembers ? { overlayMembers: opts.overlayMembers } : {}),
    };
  }

  async start(): Promise<void> {
    const { config, dp } = this.opts;
    dp.prepareNetnsDir(config.netnsDir);
    dp.onOp((ev) => {
      this.kernelChanges++;
      this.metrics.kernelOps.inc({ op: ev.op.op, result: ev.ok ? 'ok' : 'error' });
      // The audit trail: every kernel change, once.
      const object = currentObject();
      log.info('kernel change', { ...(object ? { object } : {}), ns: ev.ns ?? 'host', change: this.opts.describe(ev.op, ev.ns), ok: ev.ok, ...(ev.error ? { error: ev.error } : {}) });
    });
    this.drift.watchOps(dp);
    await this.status.load();
    this.status.onChange((key, rec) => this.onStatus(key, rec?.status.conditions as never));
    this.store.onChange((changes) => {
      const keys = new Set<string>();
      for (const c of changes) for (const k of keysFor(c, this.store)) keys.add(k);
      for (const k of dependencyOrder(keys, this.store)) this.queue.add(k);
    });
    if (this.opts.metricsAddr) {
      this.server = await startMetricsServer({
        addr: this.opts.metricsAddr,
        registry: this.metrics.registry,
        health: { live: () => true, ready: () => this.readiness() },
      });
    }
    await this.opts.source.start(this.store, {
      previousGeneration: (key) => this.status.get(key),
      enqueue: (key) => this.queue.add(key),
      pause: (reason) => this.pause(reason),
      resume: () => this.resume(),
    });
    this.enqueueAll();
    await this.queue.drained();
    // Stopped during the first pass: leave the rest (GC included) to the next start.
    if (this.stopping) return;
    const gc = collectGarbage({ dp, ledger: this.ledger, netnsDir: config.netnsDir });
    if (gc.links.length || gc.namespaces.length) log.info('removed leftovers from earlier runs', { ...gc, ops: undefined });
    await this.ctx.firewall.sync();
    this.isReady = true;
    this.scheduleResync();
    log.info('agent ready', { objects: this.store.keys().length, node: config.nodeName });
  }

  /** Every known key: declared objects, what the ledger says we made, and reports of both. */
  enqueueAll(cause?: DriftCause): void {
    const keys = new Set([...this.store.keys(), ...ledgerKeys(this.ledger), ...this.status.keys()]);
    for (const k of dependencyOrder(keys, this.store)) {
      if (cause) this.drift.suspect(k, cause);
      this.queue.add(k);
    }
  }

  /** Resolves when no reconcile is queued or running. */
  async settled(): Promise<void> {
    await this.queue.drained();
    await this.ctx.firewall.idle();
  }

  ready(): boolean {
    return this.isReady;
  }

  private pausedFor: string | undefined;

  private pause(reason: string): void {
    // Info, not warn: every watch the server times out (each 5-10 min) pauses for a moment.
    if (this.pausedFor === undefined) log.info('kernel work paused', { reason });
    this.pausedFor = reason;
    this.queue.pause();
  }

  private resume(): void {
    if (this.pausedFor === undefined) return;
    log.info('kernel work resumed', { after: this.pausedFor });
    this.pausedFor = undefined;
    this.queue.resume();
    // Firewall drift checks skipped while paused run now.
    void this.drift.checkFirewall({ source: 'resync', detail: 'watches reconnected', at: Date.now() });
  }

  private readiness(): { ok: boolean; reason: string } {
    if (!this.isReady) return { ok: false, reason: 'initial sync in progress' };
    if (this.pausedFor !== undefined) return { ok: false, reason: `paused: ${this.pausedFor}` };
    return { ok: true, reason: 'ready' };
  }

  /** Finishes the running reconciles and stops; kernel state stays as it is (containers keep their network). */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    this.drift.stop();
    await this.opts.source.stop();
    await this.finishTeardowns();
    await this.queue.shutdown();
    await this.ctx.firewall.idle();
    await this.ledger.commit();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /**
   * Deleted attachments wait (at most DYING_GRACE_MS) for their dying namespace to take the veth
   * before their record and addresses go: a stop right after a deletion finishes them rather than
   * leave records of objects whose status is already gone.
   */
  private async finishTeardowns(): Promise<void> {
    const end = Date.now() + DYING_GRACE_MS + DYING_RECHECK_MS;
    for (;;) {
      const keys = pendingTeardowns(this.ctx);
      if (keys.length === 0 || this.pausedFor !== undefined || Date.now() > end) return;
      await new Promise((r) => setTimeout(r, 50));
      for (const k of keys) this.queue.add(k);
      await this.queue.drained();
    }
  }

  /**
   * A full re-check: re-read and repair the firewall, reconcile every known key (each suspected of
   * drift, so a repair is reported as one) and wait until all is settled. On a converged node it
   * must change nothing; the log line says what it cost.
   */
  async resync(reason: string, detail = reason): Promise<void> {
    if (this.stopping) return;
    const started = performance.now();
    const changesBefore = this.kernelChanges;
    const cause: DriftCause = { source: 'resync', detail, at: Date.now() };
    // Reconciles of this pass (and any running meanwhile) share one listing of our namespace.
    const pass = this.opts.dp.pass?.();
    if (pass) {
      this.pass = pass;
      this.ctx.dp = pass.dp;
    }
    try {
      const firewall = this.drift.checkFirewall(cause);
      this.enqueueAll(cause);
      await firewall;
      await this.settled();
    } finally {
      if (pass) {
        this.ctx.dp = this.opts.dp;
        this.pass = undefined;
        pass.end();
      }
    }
    log.info('resync done', { reason, ms: Math.round((performance.now() - started) * 10) / 10, kernelChanges: this.kernelChanges - changesBefore });
  }

  /**
   * Another process changed the agent's namespace (that link, when known): a running resync stops
   * answering reads of it from its listing.
   */
  hostChanged(link?: { index: number; name?: string }): void {
    this.pass?.stale(link);
  }

  private scheduleResync(): void {
    if (this.opts.resyncMs <= 0 || this.stopping) return;
    this.resyncTimer = setTimeout(() => {
      this.resync('periodic', `periodic resync (every ${this.opts.resyncMs} ms)`).then(
        () => this.scheduleResync(),
        (err: unknown) => {
          log.error('resync failed', { err });
          this.scheduleResync();
        },
      );
    }, this.opts.resyncMs);
    this.resyncTimer.unref();
  }

  private async reconcile(key: string): Promise<Result | void> {
    const { kind, namespace, name } = parseKey(key);
    switch (kind) {
      case 'Network':
        return reconcileNetwork(this.ctx, name);
      case 'Sandbox':
        return reconcileSandbox(this.ctx, `Sandbox/${namespace}/${name}`);
      case 'Attachment':
        // Whatever this reconcile finds, the next firewall sync recomputes this attachment's ports.
        this.ctx.firewall.touch(key);
        return reconcileAttachment(this.ctx, key);
      default:
        log.warn('unknown key', { key });
    }
  }

  private readonly readyState = new Map<string, boolean>();

  /** Readiness flips of networks and sandboxes wake their attachments; the gauge moves by delta. */
  private onStatus(key: string, conditions: Parameters<typeof isTrue>[0]): void {
    const ready = conditions === undefined ? undefined : isTrue(conditions, 'Ready');
    const was = this.readyState.get(key);
    if (was === ready) return;
    const kind = parseKey(key).kind;
    const label = (r: boolean): { kind: string; condition: string; status: string } => ({ kind, condition: 'Ready', status: r ? 'True' : 'False' });
    if (was !== undefined) this.metrics.objects.dec(label(was));
    if (ready === undefined) this.readyState.delete(key);
    else {
      this.readyState.set(key, ready);
      this.metrics.objects.inc(label(ready));
    }
    for (const k of dependentsOf(key, this.store)) this.queue.add(k);
  }
}
