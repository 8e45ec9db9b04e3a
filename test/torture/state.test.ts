// The state file in trouble: unreadable (torn, garbage, empty), missing while the kernel still
// holds our objects, ambiguous (the kernel shows one address on two attachments), and a full
// disk (a 1 MiB tmpfs as the state dir). Never a duplicate address; a rebuild or a refusal is
// loud (log and `nodenet status`); a full disk shows in `nodenet status` and heals when space
// returns.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratch, type Scratch } from '../helpers/scratch.js';
import { CLI, spawnAgent, statusMap, type AgentDirs } from '../helpers/agent-process.js';
import { world, writeWorld } from '../helpers/torture-fixture.js';
import { checkInvariants, formatReport } from '../helpers/invariants.js';
import { assertInvariants, sleep, waitConverged } from '../helpers/torture.js';
import { sh } from '../helpers/topology.js';
import { run } from '../../controllers/lib/exec.js';
import { hostVethName } from '../../controllers/model/names.js';
import type { Resource } from '../../api/v1alpha1/types.js';

const SMALL = world({ sandboxes: 8, internal: true, portShift: 0 });
const BIGGER = world({ sandboxes: 11, internal: true, portShift: 0 });
let s: Scratch;
let dirs: AgentDirs;

before(async () => {
  s = await scratch('nodenet-state-');
  dirs = { dir: s.stateDir + '-manifests', stateDir: s.stateDir, netnsDir: s.netnsDir };
  mkdirSync(dirs.dir, { recursive: true });
});

after(async () => s?.cleanup());

const addresses = (): Map<string, string> =>
  new Map([...statusMap(dirs.stateDir)].filter(([k]) => k.startsWith('Attachment/')).map(([k, r]) => [k, String(r.status.ipv4Address)]));

async function convergeAndStop(objs: readonly Resource[]): Promise<string[]> {
  writeWorld(dirs.dir, objs);
  const a = spawnAgent(dirs);
  await a.ready();
  await waitConverged(dirs.stateDir, objs);
  assert.equal(await a.stop('SIGTERM'), 0);
  return a.lines;
}

async function nodenetStatus(stateDir = dirs.stateDir): Promise<{ code: number; stdout: string }> {
  const r = await run({ argv: [process.execPath, CLI, 'status', '--state-dir', stateDir] });
  return { code: r.code, stdout: r.stdout };
}

/** Kernel changes of the lines that touch one of the given names (namespaces, veths). */
function changesTouching(lines: string[], names: string[]): string[] {
  return lines.filter((l) => l.includes('"kernel change"') && names.some((n) => l.includes(n)));
}

test('a torn state file is rebuilt from the kernel: same addresses, no duplicate, said loudly', async () => {
  await convergeAndStop(SMALL);
  const before = addresses();
  const path = join(dirs.stateDir, 'state.json');
  const text = readFileSync(path, 'utf8');
  writeFileSync(path, text.slice(0, Math.floor(text.length / 2)));
  // New attachments arrive at the same time: they must not get an address already in use.
  writeWorld(dirs.dir, BIGGER);
  const a = spawnAgent(dirs);
  await a.ready();
  await waitConverged(dirs.stateDir, BIGGER);
  assert.equal(await a.stop('SIGTERM'), 0);
  const rebuilt = a.lines.find((l) => l.includes('"state rebuilt from the kernel"'));
  assert.ok(rebuilt, 'an error-level log line says the state was rebuilt');
  assert.match(rebuilt, /"level":"error"/);
  assert.match(rebuilt, /"reason":"corrupt"/);
  assert.ok(readdirSync(dirs.stateDir).some((f) => f.startsWith('state.json.corrupt-')), 'the bad file is kept aside');
  const after = addresses();
  for (const [k, ip] of before) assert.equal(after.get(k), ip, `${k} keeps its address`);
  assert.equal(new Set(after.values()).size, after.size, `no duplicate address: ${JSON.stringify([...after])}`);
  // Nothing that existed was touched: only the new sandboxes' namespaces and veths changed.
  const oldNs = SMALL.filter((o) => o.kind === 'Sandbox').map((o) => `/netns/${o.metadata.name}"`);
  assert.deepEqual(changesTouching(a.lines, oldNs), [], 'no kernel change inside existing sandboxes');
  const st = await nodenetStatus();
  assert.match(st.stdout, /NOTICE StateRebuilt .*unreadable .*rebuilt from the kernel: 3 network\(s\), 8 sandbox\(es\), 10 attachment\(s\), 10 address\(es\)/);
  await assertInvariants(dirs, BIGGER, { context: 'after a torn state file' });
  // The notice stays while the moved-aside file is there (a restart keeps saying it).
  const again = await convergeAndStop(BIGGER);
  assert.ok(!again.some((l) => l.includes('"state rebuilt from the kernel"')), 'the saved state loads normally');
  assert.match((await nodenetStatus()).stdout, /NOTICE StateRebuilt .*is kept at .*state\.json\.corrupt-/);
  await removeCorruptLeftovers();
  assert.doesNotMatch((await convergeAndStopOut(BIGGER)).status, /NOTICE/, 'and goes once the file is removed');
});

for (const [label, bytes] of [
  ['empty (0 bytes)', ''],
  ['binary garbage', '\u0000\u0017not json at all'],
] as const) {
  test(`a state file that is ${label} is rebuilt the same way, with no kernel change`, async () => {
    const before = addresses();
    writeFileSync(join(dirs.stateDir, 'state.json'), bytes);
    const lines = await convergeAndStop(BIGGER);
    assert.ok(lines.some((l) => l.includes('"state rebuilt from the kernel"') && l.includes('"reason":"corrupt"')));
    assert.deepEqual(addresses(), before);
    assert.deepEqual(lines.filter((l) => l.includes('"kernel change"')), [], 'nothing to change');
    await removeCorruptLeftovers();
  });
}

async function removeCorruptLeftovers(): Promise<void> {
  for (const f of readdirSync(dirs.stateDir)) if (f.startsWith('state.json.corrupt-')) await sh(null, 'rm', join(dirs.stateDir, f));
}

async function convergeAndStopOut(objs: readonly Resource[]): Promise<{ lines: string[]; status: string }> {
  const lines = await convergeAndStop(objs);
  return { lines, status: (await nodenetStatus()).stdout };
}

test('a missing state file while the kernel holds our objects is rebuilt too (no GC of live attachments)', async () => {
  await convergeAndStop(SMALL);
  const before = addresses();
  await sh(null, 'rm', join(dirs.stateDir, 'state.json'));
  const lines = await convergeAndStop(SMALL);
  assert.ok(lines.some((l) => l.includes('"state rebuilt from the kernel"') && l.includes('"reason":"missing"')));
  assert.deepEqual(addresses(), before);
  assert.deepEqual(lines.filter((l) => l.includes('"kernel change"')), [], 'nothing to change');
  await assertInvariants(dirs, SMALL);
});

test('an address configured on two attachments makes the rebuild refuse loudly; fixed, it starts', async () => {
  await convergeAndStop(SMALL);
  const ip = addresses().get('Attachment/default/s-01-a')!;
  const own = addresses().get('Attachment/default/s-03-a')!;
  // s-03 now holds s-01's address (and only that): which one owns it cannot be known.
  await sh(join(dirs.netnsDir, 's-03'), 'ip', 'addr', 'del', own, 'dev', 'eth0');
  await sh(join(dirs.netnsDir, 's-03'), 'ip', 'addr', 'add', ip, 'dev', 'eth0');
  writeFileSync(join(dirs.stateDir, 'state.json'), '{"version":1,');
  const a = spawnAgent(dirs);
  const code = await withTimeout(a.exited, 15_000, () => a.stop('SIGKILL'));
  assert.equal(code, 1, 'the agent refuses to start');
  const text = a.lines.join('\n');
  assert.match(text, new RegExp(`cannot rebuild the state from the kernel safely: ${ip.split('/')[0]!.replace(/\./g, '\\.')} on network t-a is configured on both Attachment/default/s-0[13]-a and Attachment/default/s-0[13]-a`));
  assert.ok(!existsSync(join(dirs.stateDir, 'state.json')), 'no state file is invented');
  await sh(join(dirs.netnsDir, 's-03'), 'ip', 'addr', 'del', ip, 'dev', 'eth0');
  await convergeAndStop(SMALL);
  await assertInvariants(dirs, SMALL);
  assert.equal(addresses().get('Attachment/default/s-01-a'), ip, 's-01 keeps its address');
});

test('an unowned extra address on an attachment is removed by the rebuild before anything is allocated', async () => {
  await convergeAndStop(SMALL);
  await sh(join(dirs.netnsDir, 's-05'), 'ip', 'addr', 'add', '10.120.0.99/24', 'dev', 'eth0');
  writeFileSync(join(dirs.stateDir, 'state.json'), 'x');
  const lines = await convergeAndStop(SMALL);
  const rebuilt = lines.find((l) => l.includes('"state rebuilt from the kernel"'));
  assert.match(rebuilt ?? '', /10\.120\.0\.99\/24 on Attachment\/default\/s-05-a/);
  await assertInvariants(dirs, SMALL);
  for (const f of readdirSync(dirs.stateDir)) if (f.startsWith('state.json.corrupt-')) await sh(null, 'rm', join(dirs.stateDir, f));
  for (const f of readdirSync(dirs.stateDir)) if (f.startsWith('state.json.corrupt-')) await sh(null, 'rm', join(dirs.stateDir, f));
});

test('a full state disk: no duplicate address, a clear problem in nodenet status, recovery when space returns', { timeout: 120_000 }, async () => {
  const tmpfs = `${s.stateDir}-tmpfs`;
  mkdirSync(tmpfs, { recursive: true });
  await sh(null, 'mount', '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', tmpfs);
  const d: AgentDirs = { dir: `${s.stateDir}-manifests-disk`, stateDir: join(tmpfs, 'state'), netnsDir: dirs.netnsDir };
  // The other tests' world goes first, so the netns dir holds only this one's sandboxes.
  writeWorld(dirs.dir, []);
  await convergeEmpty();
  try {
    writeWorld(d.dir, SMALL);
    let a = spawnAgent(d);
    await a.ready();
    await waitConverged(d.stateDir, SMALL);
    const before = new Map([...statusMap(d.stateDir)].map(([k, r]) => [k, r.status.ipv4Address]));
    // Fill the disk to the last block.
    await run({ argv: ['dd', 'if=/dev/zero', `of=${join(tmpfs, 'filler')}`, 'bs=4k'] });
    writeWorld(d.dir, BIGGER);
    const problem = await waitFor(async () => {
      const st = await nodenetStatus(d.stateDir);
      return st.code !== 0 && /PROBLEM StateWriteFailed .*ENOSPC/.test(st.stdout) ? st.stdout : undefined;
    }, 10_000);
    assert.match(problem, /nothing is handed out twice/);
    const mid = await checkInvariants({ objects: SMALL, stateDir: d.stateDir, netnsDir: d.netnsDir });
    assert.deepEqual(mid.problems.filter((p) => p.startsWith('duplicate')), [], formatReport(mid));
    // Intent is recorded before the kernel changes: nothing of the new objects reached the kernel.
    const newKeys = BIGGER.filter((o) => o.kind === 'Attachment' && !SMALL.some((x) => x.metadata.name === o.metadata.name)).map((o) => `Attachment/default/${o.metadata.name}`);
    const links = (await run({ argv: ['ip', '-o', 'link', 'show'] })).stdout;
    for (const k of newKeys) assert.ok(!links.includes(hostVethName(k)), `no veth for ${k} while its allocation cannot be saved`);
    assert.deepEqual(readdirSync(d.netnsDir).filter((n) => ['s-09', 's-10', 's-11'].includes(n)), [], 'no namespace for the new sandboxes either');
    // A crash while the disk is full, and a restart on the still-full disk.
    await a.stop('SIGKILL');
    a = spawnAgent(d);
    await a.ready();
    await sleep(1500);
    const still = await checkInvariants({ objects: SMALL, stateDir: d.stateDir, netnsDir: d.netnsDir });
    assert.deepEqual(still.problems.filter((p) => p.startsWith('duplicate')), [], formatReport(still));
    for (const [k, ip] of before) if (ip) assert.equal(statusMap(d.stateDir).get(k)?.status.ipv4Address, ip, `${k} keeps its address`);
    // Space returns: everything converges without a restart, and the problem clears.
    const freed = Date.now();
    await sh(null, 'rm', join(tmpfs, 'filler'));
    await waitConverged(d.stateDir, BIGGER, 20_000);
    console.log(`# full disk: converged ${Date.now() - freed} ms after space returned`);
    const st = await nodenetStatus(d.stateDir);
    assert.doesNotMatch(st.stdout, /PROBLEM/);
    assert.equal(st.code, 0, st.stdout);
    assert.equal(await a.stop('SIGTERM'), 0);
    await assertInvariants(d, BIGGER, { context: 'after the disk was full' });
    writeWorld(d.dir, []);
    const c = spawnAgent(d);
    await c.ready();
    await waitConverged(d.stateDir, []);
    await c.stop('SIGTERM');
  } finally {
    await run({ argv: ['umount', '-l', tmpfs] });
  }
});

async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => unknown): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => {
      void onTimeout();
      reject(new Error(`timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

async function convergeEmpty(): Promise<void> {
  const a = spawnAgent(dirs);
  await a.ready();
  await waitConverged(dirs.stateDir, []);
  await a.stop('SIGTERM');
}

async function waitFor<T>(fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await sleep(100);
  }
}


