// Writes a small file only when its content differs, remembering what each file held and its
// inode identity when we last wrote or read it: a later check is one stat() instead of reading
// the file again (a resync checks three files per sandbox). Any change to a file by anyone gives
// it another identity (inode, size, modification or change time), and then it is read again.
import { readFileSync, statSync, type Stats } from 'node:fs';
import { dirname, basename } from 'node:path';
import { writeFileAtomicAsync } from '../state/atomic-file.js';

interface Known {
  text: string;
  id: string;
}

const known = new Map<string, Map<string, Known>>();

function identity(st: Stats): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

function statId(path: string): string | undefined {
  try {
    return identity(statSync(path));
  } catch {
    return undefined;
  }
}

/**
 * Makes path hold text. Reads synchronously (small files; cheaper than a thread-pool round trip),
 * writes on the thread pool (temp file + rename). Callers never write one path concurrently.
 */
export async function writeIfChanged(path: string, text: string, mode = 0o644): Promise<boolean> {
  const dir = known.get(dirname(path)) ?? known.set(dirname(path), new Map()).get(dirname(path))!;
  const name = basename(path);
  const prev = dir.get(name);
  if (prev?.text === text && prev.id === statId(path)) return false;
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // absent: write it
  }
  if (current !== text) await writeFileAtomicAsync(path, text, { mode });
  const id = statId(path);
  if (id) dir.set(name, { text, id });
  else dir.delete(name);
  return current !== text;
}

/** Forgets the files of a directory (it is being removed). */
export function forgetDir(dir: string): void {
  known.delete(dir);
}
