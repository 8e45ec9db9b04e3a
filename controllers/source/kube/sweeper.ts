// When the dead-node finalizer sweep runs: at start, every period (jittered, so a thousand
// agents do not list the cluster at the same moment), and soon after a deleting object with
// other nodes' finalizers shows up. A sweep lists every node and every nodenet object, so
// triggers are remembered and the same object does not cause a second sweep.
import { errorText, log } from '../../lib/log.js';
import type { KubeApi } from './api.js';
import { sweepOrphanFinalizers, type SweepResult } from './orphans.js';

export interface SweeperOptions {
  api: KubeApi;
  /** 0: no periodic sweep. */
  periodMs: number;
  /** Delay of a triggered sweep (default 2-10 s). */
  delayMs?: () => number;
  /** The sweep itself (default: dead nodes' finalizers) and its name in logs. */
  run?: () => Promise<SweepResult>;
  what?: string;
}

export class OrphanSweeper {
  private timer: NodeJS.Timeout | undefined;
  private due = Infinity;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly seen = new Set<string>();
  /** Sweeps done (tests). */
  sweeps = 0;

  constructor(private readonly opts: SweeperOptions) {}

  private get what(): string {
    return this.opts.what ?? 'dead-node finalizer sweep';
  }

  start(): void {
    this.arm(this.delay());
  }

  /** Stops the timer and waits for a sweep in flight, so none outlives its API client. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Deleting objects with other nodes' finalizers, as "key finalizers" signatures. */
  trigger(signatures: readonly string[]): void {
    const fresh = signatures.filter((s) => !this.seen.has(s));
    if (fresh.length === 0) return;
    for (const s of fresh) this.seen.add(s);
    if (this.seen.size > 10_000) this.seen.clear();
    this.arm(this.delay());
  }

  private delay(): number {
    return this.opts.delayMs?.() ?? 2000 + Math.floor(Math.random() * 8000);
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    const due = Date.now() + ms;
    if (this.timer && this.due <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.due = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.due = Infinity;
      void this.sweep();
    }, ms);
    this.timer.unref();
  }

  private async sweep(): Promise<void> {
    if (this.stopped) return;
    if (this.running) return this.arm(this.delay());
    this.running = (async () => {
      try {
        const r = await (this.opts.run ?? (() => sweepOrphanFinalizers(this.opts.api)))();
        this.sweeps++;
        if (r.removed.length) log.info(this.what, { removed: r.removed });
      } catch (err) {
        log.warn(`${this.what} failed`, { err: errorText(err) });
      }
    })();
    await this.running;
    this.running = undefined;
    const p = this.opts.periodMs;
    if (p > 0) this.arm(Math.round(p * (0.8 + Math.random() * 0.4)));
  }
}
