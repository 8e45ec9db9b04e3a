// Per-key exponential backoff, controller-runtime style: 5 ms doubling up to a cap, reset on success.
export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
}

export class Backoff {
  private readonly failures = new Map<string, number>();
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(opts: BackoffOptions = {}) {
    this.baseMs = opts.baseMs ?? 5;
    this.maxMs = opts.maxMs ?? 60_000;
  }

  /** Records a failure and returns how long to wait before the next try. */
  next(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(n - 1, 30));
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}
