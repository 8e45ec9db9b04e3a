// Drift bookkeeping. A key is *suspected* when a kernel event, a resync or an event overflow says
// its kernel objects may have changed. If such a reconcile starts on an object that was converged
// (Ready, same spec as last reported) and has to change the kernel, something changed behind our
// back: that is drift. Kernel ops are attributed to the reconcile that issued them through
// AsyncLocalStorage, so parallel reconciles never mix up their counts.
//
// An episode closes when the object is Ready again: a log line naming what drifted, one count in
// nodenet_drift_repairs_total{kind} and a Degraded=True/DriftRepaired condition that stays for
// holdMs (then the object is reconciled again and it clears). While the repair has not succeeded
// (a kernel error, a dependency still missing) the object shows Degraded=True/DriftNotRepaired.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Dataplane, OpEvent } from '../../dataplane/types.js';
import { errorText, log } from '../../lib/log.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { EngineContext } from '../../reconcile/context.js';
import { report } from '../../reconcile/report.js';
import { parseKey } from '../../store/keys.js';
import { whatDrifted } from './what.js';

export interface DriftCause {
  source: 'kernel event' | 'nftables event' | 'resync' | 'event overflow';
  /** What was seen, e.g. "link nnv1a2b3c deleted (host)". */
  detail: string;
  /** When it was detected (ms since the epoch). */
  at: number;
}

export interface DriftCondition {
  reason: 'DriftRepaired' | 'DriftNotRepaired';
  message: string;
}

/** What report() asks while writing an object's conditions. */
export interface DriftHook {
  conditionFor(key: string, outcome: { ready: boolean; reason: string; message: string }): DriftCondition | undefined;
  /** The status holding that condition was written (or its write failed): announce the repair now. */
  reported?(key: string): void;
}

interface Run {
  key: string;
  candidate: DriftCause | undefined;
  ops: OpEvent[];
}

interface Episode {
  trigger: DriftCause;
  ops: OpEvent[];
  specHash: string | undefined;
  /** Shown in status (DriftNotRepaired) once a change was needed or a repair failed. */
  shown: boolean;
  problem?: string;
}

export interface DriftOptions {
  /** How long Degraded/DriftRepaired stays after a repair (default 60 s). */
  holdMs?: number;
}

/** An episode that needed no change and never showed is forgotten after this long. */
const SUSPECT_TTL_MS = 10_000;

const iso = (ms: number): string => new Date(ms).toISOString();

export class DriftTracker implements DriftHook {
  private readonly als = new AsyncLocalStorage<Run>();
  private readonly causes = new Map<string, DriftCause>();
  private readonly open = new Map<string, Episode>();
  private readonly held = new Map<string, { condition: DriftCondition; until: number }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** "drift repaired" lines waiting for the status write that shows the repair. */
  private readonly announce = new Map<string, Record<string, unknown>>();
  private readonly holdMs: number;
  /** Repairs recorded so far (objects and firewall). */
  repairs = 0;

  constructor(
    private readonly context: () => EngineContext,
    private readonly metrics: Metrics,
    opts: DriftOptions = {},
  ) {
    this.holdMs = opts.holdMs ?? 60_000;
    metrics.driftRepairs.inc({ kind: 'Firewall' }, 0);
  }

  /** Counts each successful kernel change against the reconcile that made it. */
  watchOps(dp: Dataplane): () => void {
    return dp.onOp((ev) => {
      if (ev.ok) this.als.getStore()?.ops.push(ev);
    });
  }

  /** The key's kernel state may have drifted; the caller enqueues it. The earliest cause wins, an event over a resync. */
  suspect(key: string, cause: DriftCause): void {
    const cur = this.causes.get(key);
    if (!cur || (cur.source === 'resync' && cause.source !== 'resync')) this.causes.set(key, cause);
  }

  /**
   * A reconcile enqueues another key: if it runs because of drift, so does that one (a recreated
   * bridge re-attaches the veths; an attachment that finds its namespace gone wakes the sandbox).
   */
  propagate(key: string): void {
    const run = this.als.getStore();
    if (run?.candidate && run.key !== key) this.suspect(key, { ...run.candidate, detail: `${run.candidate.detail}, seen by ${run.key}` });
  }

  /** Runs one reconcile of key with its kernel changes attributed to it. */
  async track<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const cause = this.causes.get(key);
    this.causes.delete(key);
    const run: Run = { key, candidate: cause && this.converged(key) ? cause : undefined, ops: [] };
    try {
      return await this.als.run(run, fn);
    } catch (err) {
      await this.failed(run, err);
      throw err;
    }
  }

  reported(key: string): void {
    const line = this.announce.get(key);
    if (!line) return;
    this.announce.delete(key);
    log.warn('drift repaired', line);
  }

  conditionFor(key: string, outcome: { ready: boolean; reason: string; message: string }): DriftCondition | undefined {
    const run = this.als.getStore();
    const mine = run?.key === key ? run : undefined;
    let ep = this.open.get(key);
    // The user changed the object meanwhile: what follows is their change, not a repair.
    if (ep && ep.specHash !== this.context().store.get(key)?.specHash) ep = this.close(key);
    if (!ep && mine?.candidate && (mine.ops.length > 0 || !outcome.ready)) ep = this.episode(key, mine.candidate);
    if (!ep) return this.heldCondition(key);
    if (mine) ep.ops.push(...mine.ops.splice(0));
    if (outcome.ready) {
      this.close(key);
      return ep.ops.length > 0 ? this.repaired(key, ep) : this.heldCondition(key);
    }
    this.open.set(key, ep);
    if (ep.ops.length > 0) ep.shown = true;
    if (!ep.shown) {
      if (Date.now() - ep.trigger.at > SUSPECT_TTL_MS) this.close(key);
      return this.heldCondition(key);
    }
    const why = ep.problem ?? `${outcome.reason}${outcome.message ? `: ${outcome.message}` : ''}`;
    return { reason: 'DriftNotRepaired', message: `${this.what(ep)} (detected ${iso(ep.trigger.at)} by ${ep.trigger.source}); not repaired yet: ${why}` };
  }

  /** Re-reads the firewall and repairs it; a repair is recorded on every Network. */
  async checkFirewall(cause: DriftCause): Promise<void> {
    const ctx = this.context();
    if (ctx.paused?.()) return; // kube mode, watch down: no kernel change (re-run on resume)
    ctx.firewall.invalidate();
    let changes: number;
    try {
      changes = (await ctx.firewall.sync()).changes;
    } catch (err) {
      log.warn('drift not repaired', { key: 'Firewall', trigger: cause.detail, source: cause.source, err: errorText(err) });
      return;
    }
    // With no network, "sync" removes a table that may not exist: nothing to call a repair.
    if (changes === 0 || ctx.firewall.currentModel().networks.length === 0) return;
    const now = Date.now();
    const what = `nodenet's nftables rules (table inet nodenet / iptables compat chain) differed from the declared state in ${changes} place(s)`;
    this.repairs++;
    this.metrics.driftRepairs.inc({ kind: 'Firewall' });
    log.warn('drift repaired', { key: 'Firewall', what, trigger: cause.detail, source: cause.source, detectedAt: iso(cause.at), repairedAt: iso(now), ms: now - cause.at, changes });
    const condition: DriftCondition = { reason: 'DriftRepaired', message: `${what}; repaired ${iso(now)}, ${now - cause.at} ms after ${cause.source} (${cause.detail})` };
    for (const key of ctx.store.keys()) {
      if (!key.startsWith('Network/')) continue;
      this.hold(key, condition);
      ctx.enqueue(key);
    }
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private converged(key: string): boolean {
    const ctx = this.context();
    const rec = ctx.status.get(key);
    const desired = ctx.store.get(key);
    return !!rec && !!desired && ctx.status.isReady(key) && rec.specHash === desired.specHash && rec.generation === (desired.object.metadata.generation ?? 1);
  }

  private episode(key: string, trigger: DriftCause): Episode {
    return { trigger, ops: [], specHash: this.context().store.get(key)?.specHash, shown: false };
  }

  private close(key: string): undefined {
    this.open.delete(key);
    return undefined;
  }

  private async failed(run: Run, err: unknown): Promise<void> {
    const ep = this.open.get(run.key) ?? (run.candidate ? this.episode(run.key, run.candidate) : undefined);
    if (!ep) return;
    ep.ops.push(...run.ops);
    ep.problem = errorText(err);
    ep.shown = true;
    this.open.set(run.key, ep);
    log.warn('drift not repaired', { key: run.key, what: this.what(ep), trigger: ep.trigger.detail, source: ep.trigger.source, err: ep.problem });
    const ctx = this.context();
    const desired = ctx.store.get(run.key);
    if (!desired) return;
    try {
      await report(ctx, desired, { ready: false, reason: 'ReconcileFailed', message: ep.problem });
    } catch (e) {
      log.warn('could not report a failed repair', { key: run.key, err: errorText(e) });
    }
  }

  private repaired(key: string, ep: Episode): DriftCondition {
    const now = Date.now();
    const ms = now - ep.trigger.at;
    const what = this.what(ep);
    const { describe } = this.context();
    this.repairs++;
    this.metrics.driftRepairs.inc({ kind: parseKey(key).kind });
    // Logged once the status says so (status files are written off the agent's thread): whoever
    // reads the line finds Degraded=DriftRepaired in the status.
    this.announce.set(key, {
      key,
      what,
      trigger: ep.trigger.detail,
      source: ep.trigger.source,
      detectedAt: iso(ep.trigger.at),
      repairedAt: iso(now),
      ms,
      changes: ep.ops.slice(0, 20).map((e) => describe(e.op, e.ns)),
      ...(ep.ops.length > 20 ? { moreChanges: ep.ops.length - 20 } : {}),
    });
    const condition: DriftCondition = {
      reason: 'DriftRepaired',
      message: `${what}; repaired ${iso(now)}, ${ms} ms after ${ep.trigger.source} (${ep.trigger.detail}), with ${ep.ops.length} kernel change(s)`,
    };
    this.hold(key, condition);
    return condition;
  }

  private what(ep: Episode): string {
    const first = ep.ops[0];
    return first ? whatDrifted(first.op, first.ns) : ep.trigger.detail;
  }

  /** Keeps the condition visible for holdMs, then reconciles the key again so it clears. */
  private hold(key: string, condition: DriftCondition): void {
    this.held.set(key, { condition, until: Date.now() + this.holdMs });
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.suspect(key, { source: 'resync', detail: 're-check after the repair hold time', at: Date.now() });
      this.context().enqueue(key);
    }, this.holdMs + 20);
    t.unref();
    this.timers.add(t);
  }

  private heldCondition(key: string): DriftCondition | undefined {
    const h = this.held.get(key);
    if (!h) return undefined;
    if (h.until > Date.now()) return h.condition;
    this.held.delete(key);
    return undefined;
  }
}
