// Temp files of atomic writes cut short by a crash (".<name>.<pid>.<rand>.tmp") are removed at
// start, when the writer is gone; they are never read, they only take space.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const TEMP = /^\..+\.(\d+)\.[a-z0-9]+\.tmp$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes dead writers' temp files under dir (recursively); returns their paths. */
export function removeStaleTempFiles(dir: string): string[] {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const e of entries) {
    const p = join(dir, e);
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      continue;
    }
    if (isDir) {
      removed.push(...removeStaleTempFiles(p));
      continue;
    }
    const m = TEMP.exec(e);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) {
      rmSync(p, { force: true });
      removed.push(p);
    }
  }
  return removed;
}
