// The agent as users run it: `nodenet run` as a child process on a manifests directory, logging
// JSON lines on stderr, serving /metrics. The benchmark reads its log stream (agent ready,
// resync reports, kernel changes) and its metrics (processes spawned), and samples /proc for
// CPU and memory. Bench tooling, like the test helpers: it spawns the agent itself.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startProcess, type RunningProcess } from '../controllers/lib/exec.js';
import { REPO_ROOT } from '../test/helpers/repo.js';

export const CLI = join(REPO_ROOT, 'dist/controllers/cli/main.js');
const LOG_FILE = process.env.NODENET_BENCH_AGENT_LOG;

/** Writes a marker line into the agent log file (when one is kept), to find phases in it. */
export function markLog(what: string): void {
  if (LOG_FILE) appendFileSync(LOG_FILE, JSON.stringify({ ts: new Date().toISOString(), msg: `BENCH ${what}` }) + '\n');
}

export interface AgentDirs {
  dir: string;
  stateDir: string;
  netnsDir: string;
}

export interface ResyncReport {
  ms: number;
  kernelChanges: number;
}

export class BenchAgent {
  /** performance.now() and epoch ms when the process was spawned. */
  readonly spawnedAt = performance.now();
  readonly spawnedEpoch = performance.timeOrigin + performance.now();
  readyAt: number | undefined;
  /** "kernel change" log lines (link/address/route/namespace ops) and nft changes logged. */
  kernelChangeLines = 0;
  nftChanges = 0;
  private readonly tail: string[] = [];
  private partial = '';
  private readyWaiters: (() => void)[] = [];
  private resyncWaiters: ((r: ResyncReport) => void)[] = [];
  private readonly exited: Promise<number | null>;

  private readonly child: RunningProcess;

  private constructor(argv: readonly string[], readonly metricsPort: number) {
    // The agent logs a line per kernel change: read as it comes, never kept whole.
    this.child = startProcess(argv, { onOutput: (text) => this.onData(text) });
    this.exited = this.child.exited;
  }

  static start(dirs: AgentDirs, metricsPort: number, extra: string[] = []): BenchAgent {
    const argv = [CLI, 'run', '--dir', dirs.dir, '--state-dir', dirs.stateDir, '--netns-dir', dirs.netnsDir, '--metrics-addr', `127.0.0.1:${metricsPort}`, ...extra];
    // NODENET_BENCH_NODE_ARGS: extra node flags for the agent (e.g. --cpu-prof) when profiling.
    const nodeArgs = (process.env.NODENET_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    return new BenchAgent([process.execPath, ...nodeArgs, ...argv], metricsPort);
  }

  get pid(): number {
    return this.child.pid;
  }

  /** Resolves at "agent ready" (initial convergence, GC and firewall sync done). */
  async ready(timeoutMs: number): Promise<void> {
    if (this.readyAt !== undefined) return;
    await this.waitFor(new Promise<void>((r) => this.readyWaiters.push(r)), timeoutMs, 'agent ready');
  }

  /** Sends SIGHUP and resolves with the agent's report of that full re-check. */
  async resync(timeoutMs = 60_000): Promise<ResyncReport> {
    const done = new Promise<ResyncReport>((r) => this.resyncWaiters.push(r));
    this.child.signal('SIGHUP');
    return this.waitFor(done, timeoutMs, 'resync done');
  }

  /** Sums each metric over its labels. */
  async metrics(): Promise<Map<string, number>> {
    const res = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`);
    const out = new Map<string, number>();
    for (const line of (await res.text()).split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const m = /^([a-z_:]+)(?:\{[^}]*\})? ([0-9.e+-]+)$/i.exec(line);
      if (m) out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[2]));
    }
    return out;
  }

  async spawned(): Promise<number> {
    return (await this.metrics()).get('nodenet_processes_spawned_total') ?? NaN;
  }

  /** utime+stime of the agent and its waited-for children (nft...), in clock ticks. */
  cpuTicks(): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after "(comm) ": state=0 ... utime=11 stime=12 cutime=13 cstime=14.
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  }

  rssKb(): number {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  }

  lastLines(): string {
    return this.tail.join('\n');
  }

  async stop(): Promise<number | null> {
    return this.child.stop('SIGTERM');
  }

  private async waitFor<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`agent: no "${what}" within ${timeoutMs} ms; last log lines:\n${this.lastLines()}`)), timeoutMs);
    });
    const died = this.exited.then((code) => {
      throw new Error(`agent exited (${code}) while waiting for "${what}":\n${this.lastLines()}`);
    });
    try {
      return await Promise.race([p, timeout, died]);
    } finally {
      clearTimeout(timer);
    }
  }

  private onData(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.onLine(line);
  }

  private onLine(line: string): void {
    // NODENET_BENCH_AGENT_LOG: keep the agent's whole log (with bench marks) for analysis.
    if (LOG_FILE) appendFileSync(LOG_FILE, line + '\n');
    this.tail.push(line);
    if (this.tail.length > 40) this.tail.shift();
    if (line.includes('"kernel change"')) {
      this.kernelChangeLines++;
      return;
    }
    if (line.includes('"firewall: nft table updated"')) {
      this.nftChanges += (JSON.parse(line) as { changes?: number }).changes ?? 0;
    } else if (line.includes('"agent ready"')) {
      this.readyAt = performance.now();
      for (const w of this.readyWaiters.splice(0)) w();
    } else if (line.includes('"resync done"')) {
      const rec = JSON.parse(line) as { ms: number; kernelChanges: number };
      for (const w of this.resyncWaiters.splice(0)) w({ ms: rec.ms, kernelChanges: rec.kernelChanges });
    }
  }
}
