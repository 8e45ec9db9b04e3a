// Counts kernel changes independently of the agent's own report: rtnetlink multicast events
// (links, addresses, routes, in this namespace and every namespace with an id here) and
// nftables ruleset changes (`nft monitor`). Used over the no-op resync and the idle window,
// where both must stay at zero.
import { watchKernel } from '../controllers/dataplane/monitor.js';
import { startProcess, type RunningProcess } from '../controllers/lib/exec.js';

export interface Activity {
  netlink: number;
  nft: number;
  /** Netlink events by kind, action and where (for reading a non-zero count). */
  kinds?: Record<string, number>;
}

export class KernelActivity {
  private netlink = 0;
  private readonly kinds = new Map<string, number>();
  private readonly stopWatch: () => void;
  private readonly nft: RunningProcess;

  private constructor() {
    this.stopWatch = watchKernel((ev) => {
      if (ev.kind !== 'overflow') this.netlink++;
      else this.netlink += 1_000_000; // lost events: make it impossible to read as "quiet"
      const k = ev.kind === 'overflow' ? 'overflow' : `${ev.kind}:${ev.action}:${ev.nsid === undefined ? 'host' : 'sandbox'}${ev.kind === 'link' ? `:${ev.name ?? ''}`.replace(/[0-9a-f]{12}$/, '*') : ''}`;
      this.kinds.set(k, (this.kinds.get(k) ?? 0) + 1);
    });
    this.nft = startProcess(['nft', 'monitor', 'ruleset']);
  }

  /** Starts counting; resolves once `nft monitor` is listening (it prints nothing until a change). */
  static async start(): Promise<KernelActivity> {
    const a = new KernelActivity();
    await new Promise((r) => setTimeout(r, 200));
    return a;
  }

  /**
   * Waits until the kernel has sent no event for quietMs (after a burst of changes it keeps
   * announcing its own follow-ups for a while: IPv6 router solicitations end, DAD completes,
   * dying namespaces are cleaned up). Returns how long that took.
   */
  static async quiet(quietMs = 2000, maxMs = 60_000): Promise<number> {
    let last = Date.now();
    const start = last;
    const stop = watchKernel(() => {
      last = Date.now();
    });
    try {
      while (Date.now() - last < quietMs && Date.now() - start < maxMs) await new Promise((r) => setTimeout(r, 100));
    } finally {
      stop();
    }
    return Date.now() - start;
  }

  count(): Activity {
    const nft = this.nft
      .output()
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#')).length;
    return { netlink: this.netlink, nft, kinds: Object.fromEntries(this.kinds) };
  }

  async stop(): Promise<Activity> {
    const c = this.count();
    this.stopWatch();
    await this.nft.stop('SIGTERM');
    return c;
  }
}
