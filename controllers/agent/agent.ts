// The agent: sources fill the desired store, changes become keys on the work queue, reconcilers
// converge the kernel and report. On start it reconciles everything it knows (declared objects and
// everything in its ledger), then collects garbage; a periodic resync repeats the full pass.
import type { Server } from 'node:http';
import { crossResources } from '../../api/v1alpha1/cross-resources.js';
import { validateCrossObject } from '../../api/v1alpha1/validate.js';
import type { Firewall } from '../dataplane/firewall/types.js';
import type { Dataplane, DescribeOp } from '../dataplane/types.js';
import { Ipam } from '../ipam/allocator.js';
import { errorText, log } from '../lib/log.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { startMetricsServer } from '../metrics/server.js';
import { WorkQueue, type Result } from '../queue/workqueue.js';
import { reconcileAttachment } from '../reconcile/attachment.js';
import type { EngineConfig, EngineContext } from '../reconcile/context.js';
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
import { collectGarbage } from './gc.js';
import { dependencyOrder, dependentsOf, keysFor, ledgerKeys } from './routing.js';

export interface Source {
  /** Fills the store; resolves when the initial state is in it. */
  start(store: DesiredStore, ctx: { previousGeneration(key: string): { generation: number; specHash?: string } | undefined }): Promise<void>;
  stop(): Promise<void>;
  /** The source's complaint about a key's latest version. */
  problemFor?(key: string): string | undefined;
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
}

export class Agent {
  readonly metrics: Metrics;
  readonly store: DesiredStore;
  readonly status: StatusStore;
  readonly ledger: Ledger;
  readonly ctx: EngineContext;
  private readonly queue: WorkQueue;
  private server: Server | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private isReady = false;
  private stopping = false;
  /** Kernel changes so far (link/address/route ops and nftables changes), for the resync report. */
  private kernelChanges = 0;

  constructor(private readonly opts: AgentOptions) {
    this.metrics = createMetrics();
    this.ledger = opts.ledger ?? Ledger.load(opts.config.stateDir);
    this.status = new StatusStore(opts.statusSink);
    this.store = new DesiredStore(validateCrossObject, crossResources);
    const ipam = new Ipam(this.ledger);
    const firewall = new FirewallSync(opts.firewall, firewallModelSource(this.store, this.ledger, ipam), {
      onResult: (res) => {
        this.metrics.firewallSyncs.inc({ result: res instanceof Error ? 'error' : 'success' });
        if (!(res instanceof Error)) {
          this.metrics.firewallChanges.inc(res.changes);
          this.kernelChanges += res.changes;
        }
      },
    });
    this.queue = new WorkQueue({
      concurrency: opts.concurrency,
      handler: (key) => this.reconcile(key),
      hooks: {
        onResult: (key, outcome, ms, err) => {
          const kind = parseKey(key).kind;
          this.metrics.reconciles.inc({ kind, result: outcome });
          this.metrics.reconcileDuration.observe({ kind }, ms / 1000);
          if (err) log.warn('reconcile failed', { key, err: errorText(err), retries: this.queue.failures(key) });
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
      enqueue: (key) => this.queue.add(key),
      now: () => new Date().toISOString(),
      problemFor: (key) => opts.source.problemFor?.(key),
    };
  }

  async start(): Promise<void> {
    const { config, dp } = this.opts;
    dp.prepareNetnsDir(config.netnsDir);
    dp.onOp((ev) => {
      this.kernelChanges++;
      this.metrics.kernelOps.inc({ op: ev.op.op, result: ev.ok ? 'ok' : 'error' });
      // The audit trail: every kernel change, once.
      log.info('kernel change', { ns: ev.ns ?? 'host', change: this.opts.describe(ev.op, ev.ns), ok: ev.ok, ...(ev.error ? { error: ev.error } : {}) });
    });
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
        health: { live: () => true, ready: () => ({ ok: this.isReady, reason: this.isReady ? 'ready' : 'initial sync in progress' }) },
      });
    }
    await this.opts.source.start(this.store, { previousGeneration: (key) => this.status.get(key) });
    this.enqueueAll();
    await this.queue.drained();
    const gc = collectGarbage({ dp, ledger: this.ledger, netnsDir: config.netnsDir });
    if (gc.links.length || gc.namespaces.length) log.info('removed leftovers from earlier runs', { ...gc, ops: undefined });
    await this.ctx.firewall.sync();
    this.isReady = true;
    this.scheduleResync();
    log.info('agent ready', { objects: this.store.keys().length, node: config.nodeName });
  }

  /** Every known key: declared objects, what the ledger says we made, and reports of both. */
  enqueueAll(): void {
    const keys = new Set([...this.store.keys(), ...ledgerKeys(this.ledger), ...this.status.keys()]);
    for (const k of dependencyOrder(keys, this.store)) this.queue.add(k);
  }

  /** Resolves when no reconcile is queued or running. */
  async settled(): Promise<void> {
    await this.queue.drained();
    await this.ctx.firewall.idle();
  }

  ready(): boolean {
    return this.isReady;
  }

  /** Finishes the running reconciles and stops; kernel state stays as it is (containers keep their network). */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    await this.opts.source.stop();
    await this.queue.shutdown();
    await this.ctx.firewall.idle();
    await this.ledger.commit();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /**
   * A full re-check: forget the firewall's view of the kernel, reconcile every known key and wait
   * until all is settled. On a converged node it must change nothing; the log line says what it cost.
   */
  async resync(reason: string): Promise<void> {
    if (this.stopping) return;
    const started = performance.now();
    const changesBefore = this.kernelChanges;
    // Reconciles of this pass (and any running meanwhile) share one listing of our namespace.
    const pass = this.opts.dp.pass?.();
    if (pass) this.ctx.dp = pass.dp;
    try {
      this.ctx.firewall.invalidate();
      this.enqueueAll();
      await this.settled();
    } finally {
      if (pass) {
        this.ctx.dp = this.opts.dp;
        pass.end();
      }
    }
    log.info('resync done', { reason, ms: Math.round((performance.now() - started) * 10) / 10, kernelChanges: this.kernelChanges - changesBefore });
  }

  private scheduleResync(): void {
    if (this.opts.resyncMs <= 0 || this.stopping) return;
    this.resyncTimer = setTimeout(() => {
      this.resync('periodic').then(
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
