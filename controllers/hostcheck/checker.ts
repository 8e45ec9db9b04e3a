// Runs the host checks and keeps the node's report current: at start, on a slow interval, and
// shortly after networks change. Reads only: one `nft` listing per foreign table (never our own,
// which may hold thousands of elements), a few sysctls, the firewall model in memory.
import { Gauge, type Registry } from 'prom-client';
import { writeFileAtomic } from '../state/atomic-file.js';
import { FAMILY, TABLE } from '../dataplane/firewall/ir.js';
import type { FwModel } from '../dataplane/firewall/types.js';
import type { Dataplane } from '../dataplane/types.js';
import { annotateIptables } from '../explain/nft/iptables-text.js';
import { readListingExcept, type Listing } from '../explain/nft/listing.js';
import { errorText, log } from '../lib/log.js';
import { sharedFirewallObjects } from '../ownership/firewall.js';
import type { OwnedIptables, OwnedObjects } from '../ownership/types.js';
import { hostConflicts, type Conflict } from './conflicts.js';
import { nextNodeStatus, nodeStatusPath, readNodeStatus, type NodeStatus } from './node-status.js';

const SYSCTLS = ['net/ipv4/ip_forward', 'net/bridge/bridge-nf-call-iptables'];
const REASONS: Conflict['reason'][] = ['IpForwardOff', 'ForwardPolicyDrop', 'ForeignDropRule', 'BrNetfilterForeignDrop', 'ForeignTableDrop'];

export interface HostCheckerOptions {
  stateDir: string;
  node: string;
  intervalMs: number;
  dp: Dataplane;
  model: () => FwModel;
  registry?: Registry;
  readListing?: () => Promise<Listing>;
  now?: () => string;
}

/** Our compat chain and the jump into it, as the listing (annotated with iptables text) shows them. */
export function compatOwned(listing: Listing): OwnedIptables[] {
  const out: OwnedIptables[] = [];
  for (const family of ['ip', 'ip6'] as const) {
    const chain = listing.chains.find((c) => c.family === family && c.table === 'filter' && c.name === 'NODENET-FORWARD');
    if (!chain) continue;
    const jumps = listing.chains.find((c) => c.family === family && c.table === 'filter' && c.name === 'FORWARD')?.rules.filter((r) => r.ipt?.includes('-j NODENET-FORWARD')) ?? [];
    out.push({ binary: family === 'ip' ? 'iptables' : 'ip6tables', table: 'filter', chain: chain.name, rules: [...jumps, ...chain.rules].map((r) => r.ipt ?? `handle ${r.handle}`) });
  }
  return out;
}

export class HostChecker {
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly gauge: Gauge<'reason'> | undefined;
  private last: NodeStatus | undefined;

  constructor(private readonly o: HostCheckerOptions) {
    if (o.registry) {
      this.gauge = new Gauge({ name: 'nodenet_host_conflicts', help: 'Host settings that break container networking, by reason (see the node status for the fix).', labelNames: ['reason'], registers: [o.registry] });
      for (const r of REASONS) this.gauge.set({ reason: r }, 0);
    }
  }

  start(): void {
    this.trigger(0);
  }

  /** Checks soon; requests while a check runs fold into one more check. */
  trigger(delayMs = 500): void {
    if (this.stopped || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.runOnce();
    }, delayMs);
    this.debounce.unref();
  }

  private async runOnce(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.check()
      .then(() => undefined)
      .catch((err: unknown) => log.warn('host check failed', { err: errorText(err) }))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          void this.runOnce();
        } else this.schedule();
      });
    await this.running;
  }

  private schedule(): void {
    if (this.stopped || this.o.intervalMs <= 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.trigger(0), this.o.intervalMs);
    this.timer.unref();
  }

  /** One check: facts, conflicts, report (written only when it changed). */
  async check(): Promise<NodeStatus> {
    const listing = await (this.o.readListing ?? (() => readListingExcept({ family: FAMILY, name: TABLE })))();
    await annotateIptables(listing);
    const model = this.o.model();
    const host = this.o.dp.session();
    let values: Map<string, string | undefined>;
    let uplink = 'uplink';
    try {
      values = new Map(SYSCTLS.map((k) => [k, host.readSysctl(k)?.trim()]));
      const def = host.listRoutes({ family: 4 }).find((r) => r.dst === 'default');
      uplink = (def?.oif !== undefined ? host.getLinkByIndex(def.oif)?.name : undefined) ?? uplink;
    } finally {
      host.close();
    }
    const result = hostConflicts({ listing, sysctl: (k) => values.get(k), networks: model.networks, uplink });
    const shared = sharedFirewallObjects(model);
    const compat = compatOwned(listing);
    const owned: OwnedObjects | undefined = shared || compat.length ? { ...(shared ? { nftables: shared } : {}), ...(compat.length ? { iptables: compat } : {}) } : undefined;
    const path = nodeStatusPath(this.o.stateDir, this.o.node);
    const prev = this.last ?? readNodeStatus(this.o.stateDir).find((s) => s.name === this.o.node);
    const next = nextNodeStatus({ prev, node: this.o.node, result, owned, now: (this.o.now ?? (() => new Date().toISOString()))() });
    if (!prev || JSON.stringify({ ...prev, updatedAt: '' }) !== JSON.stringify({ ...next, updatedAt: '' })) {
      writeFileAtomic(path, JSON.stringify(next, null, 2) + '\n');
      if (result.conflicts.length) log.warn('host conflicts', { conflicts: result.conflicts.map((c) => `${c.message}; fix: ${c.fix}`) });
      else if (prev?.status.conflicts.length) log.info('host conflicts resolved', {});
    }
    this.last = next;
    if (this.gauge) for (const r of REASONS) this.gauge.set({ reason: r }, result.conflicts.filter((c) => c.reason === r).length);
    return next;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    await this.running;
  }
}
