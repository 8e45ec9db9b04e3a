// Writes status to the API in the background: the latest wish per key wins, one write per key at
// a time, a bounded number of keys at once, and failures retry with backoff, so a slow or absent
// API server never blocks a reconcile and no report is dropped.
import { errorText, log } from '../lib/log.js';

export type ApplyFn<I> = (key: string, intent: I) => Promise<void>;

export interface BackgroundWriterOptions<I> {
  apply: ApplyFn<I>;
  concurrency?: number;
  /** First retry delay after a failure, doubled per failure up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
}

export class BackgroundWriter<I> {
  private readonly pending = new Map<string, I>();
  private readonly running = new Set<string>();
  private active = 0;
  private readonly slots: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  /** Writes that failed and were retried (tests, logs). */
  retries = 0;

  constructor(private readonly opts: BackgroundWriterOptions<I>) {}

  schedule(key: string, intent: I): void {
    if (this.closed) return;
    this.pending.set(key, intent);
    if (!this.running.has(key)) {
      this.running.add(key);
      void this.drain(key);
    }
  }

  isIdle(): boolean {
    return this.running.size === 0;
  }

  /** Resolves when nothing is pending or being written. */
  async idle(): Promise<void> {
    if (this.isIdle()) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops retrying; waits up to timeoutMs for writes in progress and pending ones to finish. */
  async close(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.closed = true;
  }

  private async drain(key: string): Promise<void> {
    let failures = 0;
    for (;;) {
      if (!this.pending.has(key)) break;
      const intent = this.pending.get(key) as I;
      this.pending.delete(key);
      await this.acquire();
      let delay = 0;
      try {
        await this.opts.apply(key, intent);
        failures = 0;
      } catch (err) {
        failures++;
        this.retries++;
        if (!this.pending.has(key) && !this.closed) this.pending.set(key, intent);
        delay = Math.min(this.opts.maxRetryMs ?? 30_000, (this.opts.retryMs ?? 200) * 2 ** Math.min(failures - 1, 16));
        log.warn('status write failed; retrying', { key, err: errorText(err), retryInMs: delay });
      } finally {
        this.release();
      }
      if (delay > 0 && !this.closed) await new Promise((r) => setTimeout(r, delay).unref());
    }
    this.running.delete(key);
    if (this.running.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async acquire(): Promise<void> {
    if (this.active < (this.opts.concurrency ?? 8)) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.slots.push(resolve));
    this.active++;
  }

  private release(): void {
    this.active--;
    this.slots.shift()?.();
  }
}
