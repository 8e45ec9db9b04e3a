// Waits for an object's status file to say something, the way a user's tooling would: the agent
// replaces status files atomically, so inotify (fs.watch on the directory) reports the rename
// within microseconds; a slow poll backs it up in case an event is missed.
import { mkdirSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Condition } from '../api/v1alpha1/types.js';
import { listStatusFiles, readStatusFile, statusDir, statusPath } from '../controllers/status/file-sink.js';
import type { StatusRecord } from '../controllers/status/record.js';

export type StatusPredicate = (rec: StatusRecord | undefined) => boolean;

interface Waiter {
  file: string;
  pred: StatusPredicate;
  resolve(at: number): void;
}

export function isReady(rec: StatusRecord | undefined): boolean {
  return ((rec?.status.conditions ?? []) as Condition[]).some((c) => c.type === 'Ready' && c.status === 'True');
}

export class StatusWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly waiters = new Set<Waiter>();
  private readonly poll: NodeJS.Timeout;

  constructor(private readonly stateDir: string) {
    this.poll = setInterval(() => this.checkAll(), 50);
  }

  /** Resolves with performance.now() at the moment pred first held for key's status file. */
  until(key: string, pred: StatusPredicate, timeoutMs = 30_000): Promise<number> {
    const file = statusPath(this.stateDir, key);
    this.watchDir(dirname(file));
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`status of ${key} did not reach the expected state within ${timeoutMs} ms: ${JSON.stringify(readStatusFile(file)?.status ?? null)}`));
      }, timeoutMs);
      const w: Waiter = {
        file,
        pred,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      this.waiters.add(w);
      this.check(w);
    });
  }

  close(): void {
    clearInterval(this.poll);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private watchDir(dir: string): void {
    if (this.watchers.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    const w = watch(dir, (_event, name) => {
      if (!name || name.startsWith('.')) return;
      for (const waiter of this.waiters) if (basename(waiter.file) === name) this.check(waiter);
    });
    this.watchers.set(dir, w);
  }

  private check(w: Waiter): void {
    if (!this.waiters.has(w)) return;
    if (w.pred(readStatusFile(w.file))) {
      this.waiters.delete(w);
      w.resolve(performance.now());
    }
  }

  private checkAll(): void {
    for (const w of [...this.waiters]) this.check(w);
  }
}

/** Every status record with its file's modification time (epoch ms). */
export function allStatus(stateDir: string): { rec: StatusRecord; mtimeMs: number }[] {
  return listStatusFiles(stateDir).flatMap((f) => {
    const rec = readStatusFile(f.path);
    return rec ? [{ rec, mtimeMs: f.mtimeMs }] : [];
  });
}

/** Number of status files of a kind (a cheap readdir, no parsing). */
export function statusCount(stateDir: string, kind: string): number {
  try {
    return readdirSync(`${statusDir(stateDir)}/${kind}/default`).filter((f) => f.endsWith('.json') && !f.startsWith('.')).length;
  } catch {
    return 0;
  }
}
