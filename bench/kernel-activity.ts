// Counts kernel changes independently of the agent's own report: rtnetlink multicast events
// (links, addresses, routes, in this namespace and every namespace with an id here) and
// nftables ruleset changes (`nft monitor`). Used over the no-op resync and the idle window,
// where both must stay at zero.
import { watchKernel } from '../controllers/dataplane/monitor.js';
import { startProcess, type RunningProcess } from '../controllers/lib/exec.js';

export interface Activity {
  netlink: number;
  nft: number;
}

export class KernelActivity {
  private netlink = 0;
  private readonly stopWatch: () => void;
  private readonly nft: RunningProcess;

  private constructor() {
    this.stopWatch = watchKernel((ev) => {
      if (ev.kind !== 'overflow') this.netlink++;
      else this.netlink += 1_000_000; // lost events: make it impossible to read as "quiet"
    });
    this.nft = startProcess(['nft', 'monitor', 'ruleset']);
  }

  /** Starts counting; resolves once `nft monitor` is listening (it prints nothing until a change). */
  static async start(): Promise<KernelActivity> {
    const a = new KernelActivity();
    await new Promise((r) => setTimeout(r, 200));
    return a;
  }

  count(): Activity {
    const nft = this.nft
      .output()
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#')).length;
    return { netlink: this.netlink, nft };
  }

  async stop(): Promise<Activity> {
    const c = this.count();
    this.stopWatch();
    await this.nft.stop('SIGTERM');
    return c;
  }
}
