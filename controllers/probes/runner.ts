// Runs connectivity probes for attachments after they converge, on change and on a slow interval,
// and reports the results as conditions of the attachment (GatewayReachable, DnsReachable,
// PortsReachable). Probes run beside the engine, never in a reconcile: a global concurrency limit
// bounds the processes they start, and every check has a timeout.
import PQueue from 'p-queue';
import type { Registry } from 'prom-client';
import type { Condition, Sandbox } from '../../api/v1alpha1/types.js';
import { errorText, log } from '../lib/log.js';
import type { Ledger } from '../state/ledger.js';
import { isTrue, setConditions, type ConditionInput } from '../status/conditions.js';
import type { StatusRecord } from '../status/record.js';
import type { StatusStore } from '../status/store.js';
import type { DesiredStore } from '../store/desired.js';
import { realProbeExec, type ProbeExec } from './exec.js';
import { createProbeMetrics, recordProbe, type ProbeMetrics } from './metrics.js';
import { CONDITION, PROBE_CONDITIONS, probeConditions, probeTargets, type CheckName, type PortFact, type ProbeResults, type ProbeTargets } from './plan.js';

export interface ProbeOptions {
  checks: ReadonlySet<CheckName>;
  intervalMs: number;
  timeoutMs: number;
  concurrency: number;
  /** TCP ports probed per attachment at most. */
  maxPorts: number;
  status: StatusStore;
  store: DesiredStore;
  ledger: Ledger;
  registry?: Registry;
  exec?: ProbeExec;
  now?: () => string;
}

/** What about an attachment's report makes its probes worth running again. */
function fingerprint(rec: StatusRecord): string {
  const s = rec.status as Record<string, unknown>;
  return JSON.stringify([isTrue(rec.status.conditions as Condition[] | undefined, 'Ready'), rec.generation, s.ipv4Address, s.gateway, s.ports, s.hostInterface]);
}

export class ProbeRunner {
  private readonly queue: PQueue;
  private readonly seen = new Map<string, string>();
  private readonly queued = new Set<string>();
  private readonly rerun = new Set<string>();
  private readonly failing = new Map<string, Set<CheckName>>();
  private readonly metrics: ProbeMetrics | undefined;
  private readonly exec: ProbeExec;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: ProbeOptions) {
    this.queue = new PQueue({ concurrency: o.concurrency });
    this.metrics = o.registry ? createProbeMetrics(o.registry) : undefined;
    this.exec = o.exec ?? realProbeExec;
  }

  start(): void {
    this.o.status.onChange((key, rec) => this.onStatus(key, rec));
    for (const key of this.o.status.keys()) {
      const rec = this.o.status.get(key);
      if (rec) this.onStatus(key, rec);
    }
    this.schedule();
  }

  /** Resolves when nothing is queued or running (tests). */
  async idle(): Promise<void> {
    await this.queue.onIdle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.queue.clear();
    await this.queue.onIdle();
  }

  /** Every ready attachment, now (the slow interval; also for tests). */
  probeAll(): void {
    for (const key of this.o.status.keys()) if (key.startsWith('Attachment/') && this.o.status.isReady(key)) this.enqueue(key);
  }

  private schedule(): void {
    if (this.stopped || this.o.intervalMs <= 0) return;
    this.timer = setTimeout(() => {
      this.probeAll();
      this.schedule();
    }, this.o.intervalMs);
    this.timer.unref();
  }

  private onStatus(key: string, rec: StatusRecord | undefined): void {
    if (!key.startsWith('Attachment/')) return;
    if (!rec) {
      this.seen.delete(key);
      this.setFailing(key, new Set());
      return;
    }
    const fp = fingerprint(rec);
    if (this.seen.get(key) === fp) return;
    this.seen.set(key, fp);
    this.enqueue(key);
  }

  private enqueue(key: string): void {
    if (this.stopped) return;
    if (this.queued.has(key)) {
      this.rerun.add(key);
      return;
    }
    this.queued.add(key);
    this.queue
      .add(() => this.probe(key))
      .catch((err: unknown) => log.warn('probe failed', { key, err: errorText(err) }))
      .finally(() => {
        this.queued.delete(key);
        if (this.rerun.delete(key)) this.enqueue(key);
      });
  }

  private targets(key: string, rec: StatusRecord): { netns: string; t: ProbeTargets } | undefined {
    const led = this.o.ledger.get('attachments', key);
    if (!led) return undefined;
    const sb = this.o.store.get(led.sandbox)?.object as Sandbox | undefined;
    const s = rec.status as { gateway?: string; ports?: PortFact[] };
    const t = probeTargets({ checks: this.o.checks, ...(s.gateway ? { gateway: s.gateway } : {}), nameservers: sb?.spec.dns?.nameservers ?? [], ports: s.ports ?? [], maxPorts: this.o.maxPorts });
    return { netns: led.netnsPath, t };
  }

  private async probe(key: string): Promise<void> {
    const rec = this.o.status.get(key);
    if (!rec) return;
    if (!isTrue(rec.status.conditions as Condition[] | undefined, 'Ready')) {
      this.setFailing(key, new Set());
      return this.write(key, this.notConverged(rec));
    }
    const plan = this.targets(key, rec);
    if (!plan) return;
    const fp = fingerprint(rec);
    const r = await this.run(plan.netns, plan.t);
    const now = this.o.status.get(key);
    // The attachment changed while we probed: a new run is queued; these results describe the old state.
    if (!now || fingerprint(now) !== fp) return;
    this.count(key, plan.t, r);
    await this.write(key, probeConditions(plan.t, r));
  }

  private async run(netns: string, t: ProbeTargets): Promise<ProbeResults> {
    const timeoutMs = this.o.timeoutMs;
    const hairpins = t.ports.flatMap((p) => (p.hairpin ? [[p.hairpin.addr, p.hairpin.port] as [string, number]] : []));
    const fail = (err: unknown): { ok: false; ms: number; error: string } => ({ ok: false, ms: 0, error: errorText(err) });
    const [gateway, inside, host] = await Promise.all([
      t.gateway ? this.exec.ping(netns, t.gateway, timeoutMs).catch(fail) : undefined,
      t.dns.length || hairpins.length
        ? this.exec.inSandbox(netns, { tcp: hairpins, dns: t.dns, timeoutMs }).catch((err: unknown) => ({ tcp: hairpins.map(() => fail(err)), dns: t.dns.map(() => fail(err)) }))
        : { tcp: [], dns: [] },
      Promise.all(t.ports.map((p) => this.exec.fromHost(p.host.addr, p.host.port, timeoutMs).catch(fail))),
    ]);
    let h = 0;
    const ports = t.ports.map((p, i) => ({ host: host[i]!, ...(p.hairpin ? { hairpin: inside.tcp[h++]! } : {}) }));
    return { ...(gateway ? { gateway } : {}), dns: inside.dns, ports };
  }

  private count(key: string, t: ProbeTargets, r: ProbeResults): void {
    const bad = new Set<CheckName>();
    if (r.gateway) {
      recordProbe(this.metrics, 'gateway', r.gateway.ok, r.gateway.ms);
      if (!r.gateway.ok) bad.add('gateway');
    }
    for (const d of r.dns) {
      recordProbe(this.metrics, 'dns', d.ok, d.ms);
      if (!d.ok) bad.add('dns');
    }
    for (const p of r.ports) {
      for (const x of [p.host, p.hairpin]) {
        if (!x) continue;
        recordProbe(this.metrics, 'ports', x.ok, x.ms);
        if (!x.ok) bad.add('ports');
      }
    }
    if (t.ports.length === 0 && t.dns.length === 0 && !t.gateway) return this.setFailing(key, new Set());
    this.setFailing(key, bad);
  }

  private setFailing(key: string, bad: Set<CheckName>): void {
    if (bad.size === 0) this.failing.delete(key);
    else this.failing.set(key, bad);
    if (!this.metrics) return;
    for (const check of Object.keys(CONDITION) as CheckName[]) {
      this.metrics.failing.set({ check }, [...this.failing.values()].filter((s) => s.has(check)).length);
    }
  }

  /** Probe conditions of a report that is not ready: Unknown until it converges again. */
  private notConverged(rec: StatusRecord): ConditionInput[] {
    const have = (rec.status.conditions as Condition[] | undefined) ?? [];
    return have
      .filter((c) => PROBE_CONDITIONS.includes(c.type))
      .map((c) => ({ type: c.type, status: 'Unknown', reason: 'NotConverged', message: 'the attachment is not ready; probes resume when it is' }));
  }

  /** Sets the probe conditions, keeping everything the reconciler wrote. */
  private async write(key: string, next: ConditionInput[]): Promise<void> {
    const cur = this.o.status.get(key);
    if (!cur) return;
    const conditions = setConditions({
      prev: cur.status.conditions as Condition[] | undefined,
      next,
      managed: PROBE_CONDITIONS,
      generation: cur.generation,
      now: (this.o.now ?? (() => new Date().toISOString()))(),
    });
    await this.o.status.put(key, { ...cur, status: { ...cur.status, conditions }, updatedAt: new Date().toISOString() });
  }
}
