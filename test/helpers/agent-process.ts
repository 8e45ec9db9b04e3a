// Runs the real agent (the CLI) as a child process of a kernel test: it inherits the test's
// scratch network namespace. Waits on its status files like a user would with `nodenet status`.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Condition } from '../../api/v1alpha1/types.js';
import { readStatusFiles } from '../../controllers/status/file-sink.js';
import type { StatusRecord } from '../../controllers/status/record.js';
import { keyOfRecord } from '../../controllers/status/store.js';
import { REPO_ROOT } from './repo.js';

export const CLI = join(REPO_ROOT, 'dist/controllers/cli/main.js');

export interface AgentProcess {
  child: ChildProcess;
  /** Every log line so far (JSON lines from stderr, plus stdout). */
  lines: string[];
  /** Kernel changes the agent logged (its audit trail). */
  kernelChanges(): string[];
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface AgentDirs {
  dir: string;
  stateDir: string;
  netnsDir: string;
}

export interface SpawnOptions {
  /** Extra environment variables (fail points...). */
  env?: Record<string, string>;
  /** Run the agent inside this network namespace (a simulated node), through nsenter. */
  netns?: string;
}

/** Starts the agent without waiting for it (it may be meant to die early). */
export function spawnAgent(dirs: AgentDirs, extra: string[] = [], opts: SpawnOptions = {}): AgentProcess & { exited: Promise<number | null>; ready(timeoutMs?: number): Promise<void> } {
  const args = [CLI, 'run', '--dir', dirs.dir, '--state-dir', dirs.stateDir, '--netns-dir', dirs.netnsDir, '--metrics-addr', 'off', ...extra];
  const argv = [...(opts.netns ? ['nsenter', `--net=${opts.netns}`] : []), process.execPath, '--enable-source-maps', ...args];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  const lines: string[] = [];
  let partial = '';
  const collect = (d: Buffer): void => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop()!;
    for (const l of parts) if (l) lines.push(l);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => {
    if (partial) lines.push(partial);
    partial = '';
    resolve(code);
  }));
  const ready = (timeoutMs = 30_000): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const t = setInterval(() => {
        if (Date.now() - started > timeoutMs) {
          clearInterval(t);
          reject(new Error(`agent not ready after ${timeoutMs} ms:\n${lines.slice(-30).join('\n')}`));
          return;
        }
        if (lines.some((l) => l.includes('"agent ready"'))) {
          clearInterval(t);
          resolve();
        } else if (child.exitCode !== null || child.signalCode !== null) {
          clearInterval(t);
          reject(new Error(`agent exited ${child.exitCode ?? child.signalCode}:\n${lines.join('\n')}`));
        }
      }, 20);
    });
  return {
    child,
    lines,
    exited,
    ready,
    kernelChanges: () => lines.filter((l) => l.includes('"kernel change"')),
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function startAgent(dirs: AgentDirs, extra: string[] = [], opts: SpawnOptions = {}): Promise<AgentProcess> {
  const a = spawnAgent(dirs, extra, opts);
  await a.ready();
  return a;
}

export function statusMap(stateDir: string): Map<string, StatusRecord> {
  return new Map(readStatusFiles(stateDir).map((r) => [keyOfRecord(r), r]));
}

export function isReady(rec: StatusRecord | undefined): boolean {
  return ((rec?.status.conditions ?? []) as Condition[]).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Waits until pred holds for the status files; returns them. */
export async function waitStatus(stateDir: string, pred: (m: Map<string, StatusRecord>) => boolean, timeoutMs = 10_000): Promise<Map<string, StatusRecord>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = statusMap(stateDir);
    if (pred(m)) return m;
    if (Date.now() > end) throw new Error(`status did not converge:\n${[...m.entries()].map(([k, r]) => `${k}: ${JSON.stringify(r.status.conditions)}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function allReady(keys: readonly string[]): (m: Map<string, StatusRecord>) => boolean {
  return (m) => keys.every((k) => isReady(m.get(k)));
}
