// A level-triggered work queue with controller-runtime semantics: a key is queued at most once,
// never processed twice at the same time (re-adds while running mark it dirty and it runs again
// afterwards), failures requeue with per-key backoff, and parallelism across keys is bounded.
import PQueue from 'p-queue';
import { Backoff } from './backoff.js';

export interface Result {
  /** Run this key again after this many milliseconds (periodic checks, waiting on something). */
  requeueAfterMs?: number;
}

export type Handler = (key: string) => Promise<Result | void>;

export interface QueueHooks {
  onResult?(key: string, outcome: 'success' | 'error' | 'requeue', ms: number, err?: unknown): void;
  onDepth?(depth: number): void;
}

export interface WorkQueueOptions {
  concurrency: number;
  handler: Handler;
  hooks?: QueueHooks;
  backoff?: Backoff;
}

export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; due: number }>();
  private readonly pq: PQueue;
  private readonly backoff: Backoff;
  private stopped = false;

  constructor(private readonly opts: WorkQueueOptions) {
    this.pq = new PQueue({ concurrency: opts.concurrency });
    this.backoff = opts.backoff ?? new Backoff();
  }

  add(key: string): void {
    if (this.stopped) return;
    this.clearTimer(key);
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.reportDepth();
    void this.pq.add(() => this.process(key));
  }

  /** Adds the key after a delay; an earlier add() or addAfter() with a shorter delay wins. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) return this.add(key);
    if (this.queued.has(key)) return;
    const due = Date.now() + ms;
    const existing = this.timers.get(key);
    if (existing && existing.due <= due) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.timers.set(key, { timer, due });
  }

  /**
   * Starts no new handler until resume() (kube mode while a watch is down: no kernel change on a
   * view that may be stale). Running handlers finish; adds, retries and timers keep collecting keys.
   */
  pause(): void {
    this.pq.pause();
  }

  resume(): void {
    this.pq.start();
  }

  get paused(): boolean {
    return this.pq.isPaused;
  }

  /** Keys waiting or running. */
  depth(): number {
    return this.queued.size + this.running.size;
  }

  failures(key: string): number {
    return this.backoff.failuresOf(key);
  }

  /** Resolves when nothing is queued or running (timers may still be armed). */
  async drained(): Promise<void> {
    while (this.depth() > 0) await this.pq.onIdle();
  }

  /** Stops taking work, cancels timers and waits for running handlers to finish. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    this.pq.clear();
    this.queued.clear();
    this.dirty.clear();
    await this.pq.onIdle();
  }

  private async process(key: string): Promise<void> {
    // Yield first, so adds of the same key made in the same tick fold into this run.
    await Promise.resolve();
    if (!this.queued.delete(key) || this.stopped) return;
    this.running.add(key);
    const started = performance.now();
    try {
      const res = await this.opts.handler(key);
      this.backoff.forget(key);
      const ms = performance.now() - started;
      if (res?.requeueAfterMs !== undefined) {
        this.opts.hooks?.onResult?.(key, 'requeue', ms);
        this.afterRun(key, res.requeueAfterMs);
      } else {
        this.opts.hooks?.onResult?.(key, 'success', ms);
        this.afterRun(key, undefined);
      }
    } catch (err) {
      this.opts.hooks?.onResult?.(key, 'error', performance.now() - started, err);
      this.afterRun(key, this.backoff.next(key));
    }
  }

  private afterRun(key: string, retryMs: number | undefined): void {
    this.running.delete(key);
    this.reportDepth();
    if (this.dirty.delete(key)) this.add(key);
    else if (retryMs !== undefined) this.addAfter(key, retryMs);
  }

  private clearTimer(key: string): void {
    const t = this.timers.get(key);
    if (t) {
      clearTimeout(t.timer);
      this.timers.delete(key);
    }
  }

  private reportDepth(): void {
    this.opts.hooks?.onDepth?.(this.depth());
  }
}
