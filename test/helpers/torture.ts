// Shared pieces of the torture tests: the scale knob, a seeded random source, waiting for the
// agent to converge on exactly a set of objects, and running the invariant checker with a
// readable failure.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { Resource } from '../../api/v1alpha1/types.js';
import { isReady, statusMap, type AgentDirs } from './agent-process.js';
import { checkInvariants, formatReport, isClean, type InvariantReport } from './invariants.js';
import { keysOf } from './torture-fixture.js';

/** NODENET_TORTURE_SCALE=N multiplies iterations and sizes (default 1: the make-test budget). */
export const SCALE = Math.max(1, Number(process.env.NODENET_TORTURE_SCALE ?? '1') || 1);

/** mulberry32: small, seeded, good enough to pick kill points reproducibly. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seedFromEnv(): number {
  const s = Number(process.env.NODENET_TORTURE_SEED);
  return Number.isInteger(s) ? s : Date.now() % 1_000_000;
}

/** Resolves when the status files report exactly these objects, all Ready. */
export async function waitConverged(stateDir: string, objs: readonly Resource[], timeoutMs = 30_000): Promise<void> {
  const keys = new Set(keysOf(objs));
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = statusMap(stateDir);
    const ok = m.size === keys.size && [...keys].every((k) => isReady(m.get(k)));
    if (ok) return;
    if (Date.now() > end) {
      const bad = [...keys].filter((k) => !isReady(m.get(k))).map((k) => `${k}: ${JSON.stringify(m.get(k)?.status.conditions ?? 'no status')}`);
      const extra = [...m.keys()].filter((k) => !keys.has(k));
      throw new Error(`not converged after ${timeoutMs} ms:\n${[...bad, ...extra.map((k) => `unexpected status ${k}`)].join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function assertInvariants(dirs: AgentDirs, objs: readonly Resource[], extra: { foreignNetns?: string[]; foreignLinks?: string[]; context?: string } = {}): Promise<InvariantReport> {
  const report = await checkInvariants({ objects: objs, stateDir: dirs.stateDir, netnsDir: dirs.netnsDir, ...(extra.foreignNetns ? { foreignNetns: extra.foreignNetns } : {}), ...(extra.foreignLinks ? { foreignLinks: extra.foreignLinks } : {}) });
  assert.ok(isClean(report), `${extra.context ?? 'invariants'}:\n${formatReport(report)}`);
  return report;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sum of a metric's samples whose labels contain every given fragment, read from /metrics at addr. */
export function metricSum(addr: string, name: string, labelFragments: string[] = []): Promise<number> {
  const [host, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path: '/metrics' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        let sum = 0;
        for (const line of body.split('\n')) {
          if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
          if (labelFragments.every((f) => line.includes(f))) sum += Number(line.split(' ').pop());
        }
        resolve(sum);
      });
    });
    req.on('error', reject);
    req.end();
  });
}
