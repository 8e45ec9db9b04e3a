// How much the fuzz suites try: a fixed seed and a bounded count by default (make test stays fast
// and reproducible), more with NODENET_FUZZ_RUNS=N (runs of the main validator property; the other
// properties scale with it), another seed with NODENET_FUZZ_SEED=S. Every suite prints what it tried.
import type { Parameters as FcParameters } from 'fast-check';

export const DEFAULT_RUNS = 1000;

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

export const FUZZ_SEED = envInt('NODENET_FUZZ_SEED') ?? 0x6e6f6465; // "node"
export const FUZZ_BASE_RUNS = envInt('NODENET_FUZZ_RUNS') ?? DEFAULT_RUNS;

/** numRuns for a property that costs `1/share` of the main one (share 0.1 = a tenth as many runs). */
export function fuzzParams<T>(share = 1): FcParameters<T> {
  return { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(FUZZ_BASE_RUNS * share)), endOnFailure: true };
}

/** Counts inputs per category, for the line every fuzz test prints. */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(category: string, n = 1): void {
    this.counts.set(category, (this.counts.get(category) ?? 0) + n);
  }

  get(category: string): number {
    return this.counts.get(category) ?? 0;
  }

  total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  /** "fuzz <what>: N generated inputs tried (a 10, b 20), seed S" — printed to stdout and as a test diagnostic. */
  report(what: string, diagnostic?: (msg: string) => void): string {
    const parts = [...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${v}`);
    const line = `fuzz ${what}: ${this.total()} generated inputs tried (${parts.join(', ')}), seed ${FUZZ_SEED}`;
    console.log(line);
    diagnostic?.(line);
    return line;
  }
}
