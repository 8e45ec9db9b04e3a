// An append-only journal beside the ledger's snapshot: each commit appends one line (the changes
// since the last commit) and fdatasyncs it, so making a change durable costs O(change) instead of
// rewriting the whole state file. Lines carry increasing sequence numbers; the snapshot records
// the last one it includes, so a crash between "snapshot written" and "journal emptied" replays
// nothing twice. A torn last line (a crash mid-append, never acknowledged) is dropped.
import { closeSync, fsyncSync, openSync, readFileSync, ftruncateSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface JournalRecord {
  seq: number;
  ops: unknown[];
}

export class JournalCorruptError extends Error {
  constructor(readonly path: string, readonly line: number, options?: { cause?: unknown }) {
    super(`journal ${path} line ${line} is unreadable`, options);
    this.name = 'JournalCorruptError';
  }
}

/** Reads the complete records of a journal; cuts a torn tail off the file (unless readOnly). */
export function readJournal(path: string, opts: { readOnly?: boolean } = {}): { records: JournalRecord[]; bytes: number } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], bytes: 0 };
    throw err;
  }
  const records: JournalRecord[] = [];
  let good = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const last = i === lines.length - 1;
    if (last && line === '') break;
    try {
      const rec = JSON.parse(line) as JournalRecord;
      if (typeof rec.seq !== 'number' || !Array.isArray(rec.ops)) throw new Error('not a journal record');
      if (last) throw new Error('no newline: torn');
      records.push(rec);
      good += Buffer.byteLength(line) + 1;
    } catch (cause) {
      if (!last) throw new JournalCorruptError(path, i + 1, { cause });
      // The final line without its newline was never acknowledged: forget it.
      if (opts.readOnly) break;
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, good);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }
  return { records, bytes: good };
}

export class Journal {
  private dirSynced = false;

  constructor(
    readonly path: string,
    /** Bytes in the file. */
    public bytes: number,
  ) {}

  /** Appends one record and waits until it is on disk. */
  async append(rec: JournalRecord): Promise<void> {
    const line = JSON.stringify(rec) + '\n';
    // Opened per append: no descriptor outlives the call (agents stop, tests load many ledgers).
    let fh;
    try {
      fh = await open(this.path, 'a', 0o600);
    } catch (err) {
      throw new Error(`append to ${this.path}`, { cause: err });
    }
    try {
      await fh.write(line);
      await fh.datasync();
    } catch (err) {
      // A full disk may have taken part of the line: cut it off, or the next record would follow
      // a torn one in the middle of the file (unreadable on the next start).
      await fh.truncate(this.bytes).catch(() => undefined);
      throw new Error(`append to ${this.path}`, { cause: err });
    } finally {
      await fh.close();
    }
    if (!this.dirSynced) {
      // The first append may have created the file: its directory entry must be durable too.
      const fd = openSync(dirname(this.path), 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      this.dirSynced = true;
    }
    this.bytes += Buffer.byteLength(line);
  }

  /** Empties the journal (its records are in a durable snapshot now). */
  async reset(): Promise<void> {
    const fh = await open(this.path, 'a', 0o600);
    try {
      await fh.truncate(0);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    this.bytes = 0;
  }
}
