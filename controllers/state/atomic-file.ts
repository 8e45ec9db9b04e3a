// Crash-safe file replacement: write a temp file, fsync it, rename over the target, fsync the
// directory. A reader sees the old content or the new, never a torn mix; an error (disk full)
// leaves the old file intact and removes the temp file.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { failpoint } from '../lib/failpoint.js';

export interface AtomicWriteOptions {
  /** fsync file and directory (durability); status files skip it, the state file needs it. */
  durable?: boolean;
  mode?: number;
}

export function writeFileAtomic(path: string, data: string | Buffer, opts: AtomicWriteOptions = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w', opts.mode ?? 0o600);
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (opts.durable) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    failpoint('file-rename', path);
    renameSync(tmp, path);
    if (opts.durable) fsyncDir(dir);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new Error(`write ${path}`, { cause: err });
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** writeFileAtomic with the writes and fsyncs on the thread pool: other work runs meanwhile. */
export async function writeFileAtomicAsync(path: string, data: string | Buffer, opts: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'w', opts.mode ?? 0o600);
    await fh.writeFile(data);
    if (opts.durable) await fh.sync();
    await fh.close();
    fh = undefined;
    failpoint('file-rename', path);
    await rename(tmp, path);
    if (opts.durable) {
      const d = await open(dir, 'r');
      try {
        await d.sync();
      } finally {
        await d.close();
      }
    }
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw new Error(`write ${path}`, { cause: err });
  }
}
