// File-mode status: one JSON file per object under <stateDir>/status, never in the user's files.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomicAsync } from '../state/atomic-file.js';
import { safeJoin } from '../state/safe-path.js';
import type { StatusRecord, StatusSink } from './record.js';

export function statusDir(stateDir: string): string {
  return join(stateDir, 'status');
}

/** Where file mode keeps the current problems with the declared files, for `nodenet status`. */
export function problemsPath(stateDir: string): string {
  return join(stateDir, 'problems.json');
}

export function statusPath(stateDir: string, key: string): string {
  // Keys are Kind/name or Kind/namespace/name of validated DNS names; safeJoin makes sure of it.
  const parts = key.split('/');
  const last = parts.pop() ?? '';
  return safeJoin(statusDir(stateDir), ...parts, `${last}.json`);
}

export class FileStatusSink implements StatusSink {
  constructor(private readonly stateDir: string) {}

  async load(): Promise<StatusRecord[]> {
    return readStatusFiles(this.stateDir);
  }

  // On the thread pool: creating files is costly on some disks, and the agent's thread has kernel
  // work to do meanwhile. The work queue never runs one key twice at once, so writes of one
  // key's file never race.
  async write(key: string, rec: StatusRecord): Promise<void> {
    await writeFileAtomicAsync(statusPath(this.stateDir, key), JSON.stringify(rec, null, 2) + '\n');
  }

  async remove(key: string): Promise<void> {
    await rm(statusPath(this.stateDir, key), { force: true });
  }
}

export interface StatusFile {
  path: string;
  mtimeMs: number;
  size: number;
}

/** Every object's status file under stateDir: not the node's own report, not writers' temp files. */
export function listStatusFiles(stateDir: string): StatusFile[] {
  const root = statusDir(stateDir);
  const out: StatusFile[] = [];
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const e of entries) {
      // status/Node/ holds the node's own report (controllers/hostcheck), not an object's.
      if (dir === root && e === 'Node') continue;
      const p = join(dir, e);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue; // a writer's temp file, renamed away since readdir
      }
      if (st.isDirectory()) walk(p);
      else if (e.endsWith('.json') && !e.startsWith('.')) out.push({ path: p, mtimeMs: st.mtimeMs, size: st.size });
    }
  };
  walk(root);
  return out;
}

/** One status file; undefined when torn (it is only a report: the next reconcile rewrites it). */
export function readStatusFile(path: string): StatusRecord | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as StatusRecord;
  } catch {
    return undefined;
  }
}

export function readStatusFiles(stateDir: string): StatusRecord[] {
  return listStatusFiles(stateDir).flatMap((f) => {
    const rec = readStatusFile(f.path);
    return rec ? [rec] : [];
  });
}
