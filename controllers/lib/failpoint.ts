// Fail points for crash tests: NODENET_FAILPOINT=<point>:<n> makes the process SIGKILL itself at
// the n-th time it passes <point> (point "any" counts every point), so a test can crash the agent
// at an exact place in a reconcile and check what the restart makes of it. "trace" logs every
// point passed instead, so a test can count how many there are. Unset (production), every call is
// one comparison against null.
import { writeSync } from 'node:fs';

export const FAILPOINTS = ['kernel-op', 'ledger-write', 'ledger-written', 'file-rename', 'exec', 'exec-done'] as const;
export type FailPoint = (typeof FAILPOINTS)[number];

export type FailSpec = { mode: 'trace' } | { mode: 'kill'; point: FailPoint | 'any'; n: number };

/** Parses NODENET_FAILPOINT; undefined when unset or empty, an error for anything malformed. */
export function parseFailSpec(text: string | undefined): FailSpec | undefined {
  if (text === undefined || text === '') return undefined;
  if (text === 'trace') return { mode: 'trace' };
  const m = /^([a-z-]+):(\d+)$/.exec(text);
  const point = m?.[1];
  const n = Number(m?.[2]);
  if (!m || !(point === 'any' || (FAILPOINTS as readonly string[]).includes(point!)) || !Number.isSafeInteger(n) || n < 1) {
    throw new Error(`NODENET_FAILPOINT=${JSON.stringify(text)}: expected trace or <point>:<n> with point one of any, ${FAILPOINTS.join(', ')} and n >= 1`);
  }
  return { mode: 'kill', point: point as FailPoint | 'any', n };
}

const spec: FailSpec | undefined = parseFailSpec(process.env.NODENET_FAILPOINT);
let passed = 0;
const perPoint = new Map<string, number>();

/** True when fail points are armed in this process (tests only). */
export function failpointsArmed(): boolean {
  return spec !== undefined;
}

/** Marks that the process reached `point`; may not return (SIGKILL) when armed for it. */
export function failpoint(point: FailPoint, detail?: string): void {
  if (!spec) return;
  passed++;
  const nth = (perPoint.get(point) ?? 0) + 1;
  perPoint.set(point, nth);
  // Written synchronously: the line must be out before the kill, and logs may be buffered.
  const line = (what: string): void => void writeSync(2, JSON.stringify({ ts: new Date().toISOString(), level: 'info', msg: what, point, nth, any: passed, ...(detail ? { detail } : {}) }) + '\n');
  if (spec.mode === 'trace') return line('failpoint');
  const hit = spec.point === 'any' ? passed === spec.n : spec.point === point && nth === spec.n;
  if (!hit) return;
  line('failpoint: SIGKILL');
  process.kill(process.pid, 'SIGKILL');
}
