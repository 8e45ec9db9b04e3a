// Small statistics and timing helpers for the benchmark.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Nearest-rank percentile (p in 0..1) of a non-empty sample. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
}

export function median(xs: readonly number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** The 1-minute load average and the machine's busy fraction over `ms` (all CPUs, all processes). */
export async function machineLoad(ms = 1000): Promise<{ load1: number; busy: number }> {
  const snap = (): { idle: number; total: number } => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3]! + (f[4] ?? 0);
    return { idle, total: f.reduce((a, b) => a + b, 0) };
  };
  const a = snap();
  await sleep(ms);
  const b = snap();
  const load1 = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  return { load1, busy: 1 - (b.idle - a.idle) / Math.max(1, b.total - a.total) };
}

/**
 * Waits until the machine is quiet (the kernel finishes destroying namespaces in the
 * background after a teardown): busy under `threshold` for one second, at most `maxMs`.
 */
export async function settle(maxMs = 20_000, threshold = 0.35): Promise<number> {
  const end = Date.now() + maxMs;
  let last = 1;
  while (Date.now() < end) {
    last = (await machineLoad(1000)).busy;
    if (last < threshold) break;
  }
  return last;
}
