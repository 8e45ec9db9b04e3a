// The agent's own report, readable by `nodenet status` even when the state disk is full: a file
// of two fixed-size slots, allocated once and then only overwritten in place (which needs no new
// blocks), written alternately with a sequence number. A reader takes the newest slot that
// parses, so a write torn by a crash only costs the latest update.
import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { errorText, log } from '../lib/log.js';

const SLOT = 4096;

export interface HealthEntry {
  reason: string;
  message: string;
  since: string;
}

export interface HealthDoc {
  pid: number;
  startedAt: string;
  updatedAt: string;
  /** Something is wrong now (the state disk is full...). */
  problems: HealthEntry[];
  /** Something happened that an operator should know (the state was rebuilt from the kernel...). */
  notices: HealthEntry[];
}

export function healthPath(stateDir: string): string {
  return join(stateDir, 'agent-health');
}

export class AgentHealth {
  private seq = 0;
  private readonly doc: HealthDoc;

  private constructor(private readonly path: string | undefined) {
    const now = new Date().toISOString();
    this.doc = { pid: process.pid, startedAt: now, updatedAt: now, problems: [], notices: [] };
  }

  /** Opens (allocating if needed) the health file; without one, entries are only logged. */
  static open(stateDir: string): AgentHealth {
    const path = healthPath(stateDir);
    try {
      if (!existsSync(path) || statSync(path).size !== 2 * SLOT) writeFileAtomic(path, Buffer.alloc(2 * SLOT, 0x20), { durable: true, mode: 0o644 });
      const h = new AgentHealth(path);
      // Continue the previous run's numbering, or its newer slot would win over ours.
      h.seq = newestSlot(readFileSync(path))?.seq ?? 0;
      h.write();
      return h;
    } catch (err) {
      log.error('cannot allocate the agent health file; problems are only logged', { path, err: errorText(err) });
      return new AgentHealth(undefined);
    }
  }

  static memory(): AgentHealth {
    return new AgentHealth(undefined);
  }

  get current(): HealthDoc {
    return structuredClone(this.doc);
  }

  hasProblem(reason: string): boolean {
    return this.doc.problems.some((p) => p.reason === reason);
  }

  setProblem(reason: string, message: string): void {
    const cur = this.doc.problems.find((p) => p.reason === reason);
    if (cur?.message === message) return;
    if (cur) cur.message = message;
    else this.doc.problems.push({ reason, message, since: new Date().toISOString() });
    this.write();
  }

  clearProblem(reason: string): void {
    const before = this.doc.problems.length;
    this.doc.problems = this.doc.problems.filter((p) => p.reason !== reason);
    if (this.doc.problems.length !== before) this.write();
  }

  addNotice(reason: string, message: string): void {
    this.doc.notices.push({ reason, message, since: new Date().toISOString() });
    this.write();
  }

  private write(): void {
    this.doc.updatedAt = new Date().toISOString();
    if (!this.path) return;
    this.seq++;
    const buf = encodeSlot(this.seq, this.doc);
    try {
      const fd = openSync(this.path, 'r+');
      try {
        writeSync(fd, buf, 0, SLOT, (this.seq % 2) * SLOT);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      log.error('cannot update the agent health file', { path: this.path, err: errorText(err) });
    }
  }
}

/** One slot: JSON padded with spaces; messages are shortened until it fits. */
export function encodeSlot(seq: number, doc: HealthDoc): Buffer {
  let limit = 1000;
  for (;;) {
    const cut = (e: HealthEntry): HealthEntry => ({ ...e, message: e.message.length > limit ? e.message.slice(0, limit) + '…' : e.message });
    const text = JSON.stringify({ seq, ...doc, problems: doc.problems.map(cut), notices: doc.notices.slice(-5).map(cut) });
    const bytes = Buffer.from(text);
    if (bytes.length < SLOT) {
      const out = Buffer.alloc(SLOT, 0x20);
      bytes.copy(out);
      out[SLOT - 1] = 0x0a;
      return out;
    }
    limit = Math.floor(limit / 2);
  }
}

/** The newest readable slot, or undefined when there is no health file (or nothing readable). */
export function readAgentHealth(stateDir: string): HealthDoc | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(healthPath(stateDir));
  } catch {
    return undefined;
  }
  const best = newestSlot(buf);
  if (!best) return undefined;
  const { seq: _seq, ...doc } = best;
  return doc;
}

function newestSlot(buf: Buffer): (HealthDoc & { seq: number }) | undefined {
  let best: (HealthDoc & { seq: number }) | undefined;
  for (let off = 0; off + SLOT <= buf.length; off += SLOT) {
    try {
      const doc = JSON.parse(buf.subarray(off, off + SLOT).toString('utf8').trim()) as HealthDoc & { seq: number };
      if (typeof doc.seq === 'number' && (!best || doc.seq > best.seq)) best = doc;
    } catch {
      // never written, or torn: the other slot has the previous version
    }
  }
  return best;
}
