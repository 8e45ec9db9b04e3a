// `nodenet status --watch`: a compact progress view that redraws as objects converge. Counts per
// kind (Ready / NotReady / Pending), the node's host condition, failing probes, and the objects
// not ready for the longest time. Status files are re-read only when they change (thousands of
// objects, redrawn every second).
import type { Condition } from '../../api/v1alpha1/types.js';
import { readNodeStatus, type NodeStatus } from '../hostcheck/node-status.js';
import { PROBE_CONDITIONS } from '../probes/plan.js';
import { listStatusFiles, readStatusFile } from '../status/file-sink.js';
import type { StatusRecord } from '../status/record.js';
import { keyOfRecord } from '../status/store.js';
import { renderTable } from './table.js';

/** Status files by path, re-parsed only when their mtime or size moves. */
export class StatusDirCache {
  private readonly files = new Map<string, { stamp: string; rec: StatusRecord | undefined }>();

  constructor(private readonly stateDir: string) {}

  read(): StatusRecord[] {
    const live = new Set<string>();
    for (const f of listStatusFiles(this.stateDir)) {
      live.add(f.path);
      const stamp = `${f.mtimeMs}:${f.size}`;
      if (this.files.get(f.path)?.stamp !== stamp) this.files.set(f.path, { stamp, rec: readStatusFile(f.path) });
    }
    for (const p of this.files.keys()) if (!live.has(p)) this.files.delete(p);
    return [...this.files.values()].flatMap((f) => (f.rec ? [f.rec] : []));
  }
}

export interface FrameInput {
  records: readonly StatusRecord[];
  /** Declared keys (with --dir): declared but unreported objects count as Pending. */
  declared?: ReadonlySet<string>;
  nodes: readonly NodeStatus[];
  now: Date;
  startedAt: Date;
  /** Rows of not-ready objects to show. */
  limit: number;
}

export interface Frame {
  text: string;
  allReady: boolean;
}

const KINDS = ['Network', 'Sandbox', 'Attachment'] as const;

function ago(from: string | undefined, now: Date): string {
  const t = from ? Date.parse(from) : NaN;
  if (Number.isNaN(t)) return '-';
  const s = Math.max(0, Math.round((now.getTime() - t) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

export function renderFrame(f: FrameInput): Frame {
  const byKey = new Map(f.records.map((r) => [keyOfRecord(r), r]));
  const counts = new Map(KINDS.map((k) => [k as string, { ready: 0, notReady: 0, pending: 0 }]));
  const waiting: { kind: string; name: string; reason: string; since: string; message: string }[] = [];
  const probeFailures = new Map<string, number>();
  for (const key of new Set([...byKey.keys(), ...(f.declared ?? [])])) {
    const [kind, ...rest] = key.split('/');
    const c = counts.get(kind!) ?? { ready: 0, notReady: 0, pending: 0 };
    counts.set(kind!, c);
    const rec = byKey.get(key);
    const conds = (rec?.status.conditions ?? []) as Condition[];
    const ready = conds.find((x) => x.type === 'Ready');
    for (const p of conds) if (PROBE_CONDITIONS.includes(p.type) && p.status === 'False') probeFailures.set(p.type, (probeFailures.get(p.type) ?? 0) + 1);
    if (!rec || !ready) {
      c.pending++;
      waiting.push({ kind: kind!, name: rest.join('/'), reason: 'Pending', since: '', message: 'not reconciled yet' });
    } else if (ready.status === 'True') c.ready++;
    else {
      c.notReady++;
      waiting.push({ kind: kind!, name: rest.join('/'), reason: ready.reason, since: ready.lastTransitionTime, message: ready.message });
    }
  }
  const total = [...counts.values()].reduce((a, c) => ({ ready: a.ready + c.ready, notReady: a.notReady + c.notReady, pending: a.pending + c.pending }), { ready: 0, notReady: 0, pending: 0 });
  const elapsed = ((f.now.getTime() - f.startedAt.getTime()) / 1000).toFixed(1);
  const lines = [`nodenet status --watch   ${f.now.toISOString().slice(11, 19)}Z   watching ${elapsed}s`, ''];
  const row = (k: string, c: { ready: number; notReady: number; pending: number }): string[] => [k, String(c.ready), String(c.notReady), String(c.pending), String(c.ready + c.notReady + c.pending)];
  lines.push(renderTable(['KIND', 'READY', 'NOT-READY', 'PENDING', 'TOTAL'], [...[...counts.entries()].map(([k, c]) => row(k, c)), row('all', total)]));
  for (const n of f.nodes) {
    const c = n.status.conditions.find((x) => x.type === 'HostCompatible');
    lines.push('', `node ${n.name}: HostCompatible=${c?.status ?? 'Unknown'}${c && c.status !== 'True' ? ` (${c.reason}): ${n.status.conflicts.map((x) => `${x.message}; fix: ${x.fix}`).join(' | ')}` : ''}`);
  }
  if (probeFailures.size) lines.push('', `probes failing: ${[...probeFailures.entries()].map(([t, n]) => `${t} ${n}`).join(', ')}`);
  if (waiting.length) {
    // Longest-waiting first: what is stuck, not what just started.
    // (Plain code-unit order: pending ones, with no time, sort last.)
    const key = (w: { since: string; name: string }): string => `${w.since || '\uffff'}|${w.name}`;
    waiting.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const shown = waiting.slice(0, f.limit);
    lines.push('', `not ready (${waiting.length}, longest first):`);
    lines.push(renderTable(['KIND', 'NAME', 'REASON', 'FOR', 'MESSAGE'], shown.map((w) => [w.kind, w.name, w.reason, ago(w.since || undefined, f.now), w.message]), [0, 40, 0, 0, 90]));
    if (waiting.length > shown.length) lines.push(`... and ${waiting.length - shown.length} more`);
  }
  return { text: lines.join('\n'), allReady: total.notReady === 0 && total.pending === 0 };
}

export interface WatchOptions {
  stateDir: string;
  intervalMs: number;
  untilReady: boolean;
  /** Give up after this long with --until-ready (0: never). */
  timeoutMs: number;
  declared?: ReadonlySet<string>;
  limit: number;
  out: (text: string) => void;
  tty: boolean;
}

/** Redraws until interrupted (or, with untilReady, until everything is Ready: exit 0; timeout: exit 1). */
export async function watchStatus(o: WatchOptions): Promise<number> {
  const cache = new StatusDirCache(o.stateDir);
  const startedAt = new Date();
  let last = '';
  let interrupted = false;
  const onSig = (): void => {
    interrupted = true;
  };
  process.once('SIGINT', onSig);
  try {
    for (;;) {
      const frame = renderFrame({ records: cache.read(), ...(o.declared ? { declared: o.declared } : {}), nodes: readNodeStatus(o.stateDir), now: new Date(), startedAt, limit: o.limit });
      const body = frame.text.replace(/watching [\d.]+s/, '');
      if (o.tty) o.out(`\x1b[H\x1b[2J${frame.text}\n`);
      else if (body !== last) o.out(`${frame.text}\n`);
      last = body;
      if (o.untilReady && frame.allReady) return 0;
      if (interrupted) return frame.allReady ? 0 : 1;
      if (o.untilReady && o.timeoutMs > 0 && Date.now() - startedAt.getTime() > o.timeoutMs) return 1;
      await new Promise((r) => setTimeout(r, o.intervalMs));
    }
  } finally {
    process.removeListener('SIGINT', onSig);
  }
}
