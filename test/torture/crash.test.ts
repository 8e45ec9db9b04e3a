// kill -9 at many points of convergence, then restart: the real agent moves between two worlds
// (24 sandboxes on 3 networks with published ports, and half of that without the internal
// network and with every port moved) and is SIGKILLed by a fail point at a random kernel op,
// ledger write, file rename or process start (NODENET_FAILPOINT=any:N), sometimes again while it
// recovers, or by a timer. After a clean restart the kernel invariants must hold exactly: nothing
// leaked, nothing missing, no duplicate address, allocations equal to the live attachments.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { scratch, type Scratch } from '../helpers/scratch.js';
import { spawnAgent, type AgentDirs } from '../helpers/agent-process.js';
import { world, writeWorld } from '../helpers/torture-fixture.js';
import { assertInvariants, rng, SCALE, seedFromEnv, waitConverged } from '../helpers/torture.js';
import type { Resource } from '../../api/v1alpha1/types.js';

let s: Scratch;
let dirs: AgentDirs;
const SANDBOXES = 24 * SCALE;
const FULL = world({ sandboxes: SANDBOXES, internal: true, portShift: 0 });
const HALF = world({ sandboxes: SANDBOXES / 2, internal: false, portShift: 1000 });
const ITERATIONS = 12 * SCALE;
const TIMED = 4 * SCALE;
const seed = seedFromEnv();
const random = rng(seed);

before(async () => {
  s = await scratch('nodenet-crash-');
  dirs = { dir: join(s.stateDir + '-manifests'), stateDir: s.stateDir, netnsDir: s.netnsDir };
  mkdirSync(dirs.dir, { recursive: true });
});

after(async () => s?.cleanup());

/** Runs a clean agent until converged on objs, stops it with SIGTERM; returns its log. */
async function converge(objs: readonly Resource[], env: Record<string, string> = {}): Promise<string[]> {
  const a = spawnAgent(dirs, [], { env });
  try {
    await a.ready();
    await waitConverged(dirs.stateDir, objs);
  } finally {
    const code = await a.stop('SIGTERM');
    assert.equal(code, 0, `graceful stop exits 0:\n${a.lines.slice(-20).join('\n')}`);
  }
  return a.lines;
}

/** Counts the fail points a clean transition to objs passes, per kind of point. */
async function tracePoints(objs: readonly Resource[]): Promise<Map<string, number>> {
  writeWorld(dirs.dir, objs);
  const lines = await converge(objs, { NODENET_FAILPOINT: 'trace' });
  const counts = new Map<string, number>();
  for (const l of lines) {
    if (!l.includes('"msg":"failpoint"')) continue;
    const p = (JSON.parse(l) as { point: string }).point;
    counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  return counts;
}

const show = (m: Map<string, number>): string => [...m].map(([p, n]) => `${p} ${n}`).join(', ');

/** Half the kills at a kernel op, the rest spread over ledger writes, renames and processes. */
function pickPoint(counts: Map<string, number>): string {
  const r = random();
  const kind = r < 0.5 ? 'kernel-op' : r < 0.65 ? 'ledger-write' : r < 0.75 ? 'ledger-written' : r < 0.85 ? 'exec' : r < 0.9 ? 'exec-done' : 'file-rename';
  const n = counts.get(kind) ?? 0;
  return n > 0 ? `${kind}:${1 + Math.floor(random() * n)}` : `any:${1 + Math.floor(random() * [...counts.values()].reduce((a, b) => a + b, 0))}`;
}

interface Kill {
  /** "any:N" or "timer:MS". */
  point: string;
  /** What the agent was doing (the fail point's name and detail), or "" for a timed kill. */
  at: string;
  killed: boolean;
}

/** Starts the agent towards objs and lets it die at the fail point; SIGKILLs it if it converges first. */
async function killRun(objs: readonly Resource[], how: { failAt: string } | { afterMs: number }): Promise<Kill> {
  const env: Record<string, string> = 'failAt' in how ? { NODENET_FAILPOINT: how.failAt } : {};
  const a = spawnAgent(dirs, [], { env });
  let timer: NodeJS.Timeout | undefined;
  if ('afterMs' in how) timer = setTimeout(() => a.child.kill('SIGKILL'), how.afterMs);
  const converged = a
    .ready()
    .then(() => waitConverged(dirs.stateDir, objs, 20_000))
    .then(() => 'converged' as const, () => 'died' as const);
  const outcome = await Promise.race([a.exited.then(() => 'died' as const), converged]);
  if (timer) clearTimeout(timer);
  if (outcome === 'converged') a.child.kill('SIGKILL');
  await a.exited;
  const line = a.lines.find((l) => l.includes('"failpoint: SIGKILL"'));
  const fp = line ? (JSON.parse(line) as { point: string; detail?: string }) : undefined;
  const point = 'failAt' in how ? how.failAt : `timer:${how.afterMs}`;
  const killed = 'failAt' in how ? fp !== undefined : a.child.signalCode === 'SIGKILL' && outcome !== 'converged';
  return { point, at: fp ? `${fp.point}${fp.detail ? ` ${fp.detail}` : ''}` : '', killed };
}

test('kill -9 at random points of convergence (both directions), restart: invariants hold every time', { timeout: 900_000 }, async () => {
  console.log(`# seed ${seed} (NODENET_TORTURE_SEED=${seed} to repeat), ${SANDBOXES} sandboxes, ${ITERATIONS} fail-point kills + ${TIMED} timed kills`);
  // The first trace builds the full world from nothing; the next two measure each direction.
  const initial = await tracePoints(FULL);
  await assertInvariants(dirs, FULL, { context: 'after the first convergence' });
  const toHalf = await tracePoints(HALF);
  const toFull = await tracePoints(FULL);
  console.log(`# fail points per transition: empty->full {${show(initial)}}, full->half {${show(toHalf)}}, half->full {${show(toFull)}}`);
  assert.ok((toHalf.get('kernel-op') ?? 0) > 5 && (toFull.get('kernel-op') ?? 0) > 20, 'the transitions pass enough kernel ops to be worth killing');

  const kills: Kill[] = [];
  let reverted = 0;
  let current = FULL;
  for (let i = 0; i < ITERATIONS + TIMED; i++) {
    const target = current === FULL ? HALF : FULL;
    const counts = target === HALF ? toHalf : toFull;
    writeWorld(dirs.dir, target);
    const how = i < ITERATIONS ? { failAt: pickPoint(counts) } : { afterMs: 100 + Math.floor(random() * 1500) };
    const k = await killRun(target, how);
    kills.push({ ...k, point: `${target === HALF ? 'full->half' : 'half->full'} ${k.point}` });
    // Sometimes die again while recovering: the recovery is a reconcile too.
    if (random() < 0.3) {
      const again = await killRun(target, { failAt: `any:${1 + Math.floor(random() * 60)}` });
      kills.push({ ...again, point: `recovery ${again.point}` });
    }
    // Sometimes the user changes their mind while the agent is down: back to where it came from.
    const final = random() < 0.25 ? current : target;
    if (final !== target) {
      writeWorld(dirs.dir, final);
      reverted++;
    }
    await converge(final);
    const path = kills.slice(-2).map((x) => `${x.point} (${x.at || 'timed'})`).join(' then ');
    await assertInvariants(dirs, final, { context: `after ${path}${final !== target ? ', restarted towards the previous world' : ''}` });
    current = final;
  }
  const exercised = kills.filter((k) => k.killed);
  const distinct = new Set(exercised.map((k) => k.point));
  const kinds = new Map<string, number>();
  for (const k of exercised) kinds.set(k.at.split(' ')[0] || 'timer', (kinds.get(k.at.split(' ')[0] || 'timer') ?? 0) + 1);
  console.log(`# kill points exercised: ${distinct.size} distinct (${exercised.length} kills, ${kills.length - exercised.length} runs converged before their point); ${reverted} restarts went back to the previous world`);
  console.log(`# by place: ${[...kinds].map(([p, n]) => `${p} ${n}`).join(', ')}`);
  for (const k of exercised) console.log(`#   ${k.point}: ${k.at || 'SIGKILL by timer'}`);
  assert.ok(exercised.length >= ITERATIONS / 2, 'most runs were really killed');
});
