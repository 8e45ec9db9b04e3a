// The real-kernel sample of the fuzz suite: the agent (CLI, file mode) in a scratch namespace,
// fed generated nodes and then generated bad declarations (invalid documents, hostile texts,
// conflicts, tenancy denials, namespace-path attacks) as files. The bad ones must leave the kernel
// exactly as it was (links, addresses, routes, sysctls in every namespace, the nft ruleset) and
// the agent's audit log empty. Then every injection canary document at once: nothing at all.
// Sizes: test/helpers/fuzz/settings.ts (NODENET_FUZZ_RUNS scales them).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { scratch, type Scratch } from '../../../helpers/scratch.js';
import { startAgent, statusMap, waitStatus, type AgentProcess } from '../../../helpers/agent-process.js';
import { kernelSnapshot } from '../../../helpers/kernel-snapshot.js';
import { makeNs } from '../../../helpers/topology.js';
import { worldWith, type World } from '../../../helpers/fuzz/world.js';
import { canaryDocs } from '../../../helpers/fuzz/canary-docs.js';
import { FUZZ_BASE_RUNS, FUZZ_SEED, DEFAULT_RUNS, Tally } from '../../../helpers/fuzz/settings.js';
import { keyOf } from '../../../../controllers/store/keys.js';
import { parseManifestFile } from '../../../../controllers/source/file/parse.js';
import { native } from '../../../../controllers/dataplane/netlink/native.js';
import type { Resource } from '../../../../api/v1alpha1/types.js';
import type { StatusRecord } from '../../../../controllers/status/record.js';

let s: Scratch;
const WORLDS = Math.max(2, Math.round((4 * FUZZ_BASE_RUNS) / DEFAULT_RUNS));

before(async () => {
  s = await scratch();
});

after(async () => {
  await s?.cleanup();
});

const readyOf = (r: StatusRecord | undefined): string => {
  const c = ((r?.status.conditions ?? []) as { type: string; status: string; reason: string }[]).find((x) => x.type === 'Ready');
  return c ? `${c.status}:${c.reason}` : '';
};

/** Waits until `keys` all have a status and the status files stop changing. */
async function settle(stateDir: string, keys: string[]): Promise<Map<string, StatusRecord>> {
  await waitStatus(stateDir, (m) => keys.every((k) => m.has(k)), 20_000);
  let last = '';
  for (;;) {
    await new Promise((r) => setTimeout(r, 400));
    const m = statusMap(stateDir);
    const now = JSON.stringify([...m.entries()].map(([k, r]) => [k, r.status.conditions]));
    if (now === last) return m;
    last = now;
  }
}

/** The generated paths made real: adopted "external" namespaces exist in the scratch dir, attack paths point where they should. */
function localize(w: World, netnsDir: string, pids: { agent: number; test: number }): { good: Resource[]; bad: World['bad'] } {
  const good = w.good.map((o) => {
    const c = structuredClone(o);
    if (c.kind === 'Sandbox' && c.spec.netns?.path) c.spec.netns.path = join(netnsDir, `ext-${c.spec.netns.path.split('/')[2]}`);
    return c;
  });
  const bad = w.bad.map((b) => ({
    ...b,
    text: b.text
      .replace(/\/proc\/5\d{3}\/ns\/net/g, `/proc/${pids.agent}/ns/net`)
      .replace(/\/proc\/7\d{3}\/ns\/net/g, `/proc/${pids.test}/ns/net`)
      .replace(/\/proc\/(6\d{3})\/ns\/net/g, `${netnsDir}/missing-$1`)
      .replace(/\/run\/netns\//g, `${netnsDir}/`),
  }));
  return { good, bad };
}

test('real kernel: generated bad declarations change nothing and log no kernel change', async (t) => {
  const tally = new Tally();
  const worlds = fc.sample(worldWith({ minBad: 8, maxBad: 14 }), { seed: FUZZ_SEED, numRuns: WORLDS });
  for (const [i, w] of worlds.entries()) {
    const dir = mkdtempSync(`${s.stateDir}-w${i}-`);
    const stateDir = `${dir}-state`;
    const external = w.external.map((p) => `ext-${p.split('/')[2]}`);
    for (const name of external) await makeNs(s, name);
    const agent: AgentProcess = await startAgent({ dir, stateDir, netnsDir: s.netnsDir }, ['--resync', '500ms']);
    try {
      const { good, bad } = localize(w, s.netnsDir, { agent: agent.child.pid!, test: process.pid });
      writeFileSync(join(dir, 'good.yaml'), good.map((o) => stringify(o)).join('---\n'));
      await settle(stateDir, good.map((o) => keyOf(o)));
      tally.add('good objects', good.length);
      const baseline = await kernelSnapshot(s.netnsDir);
      const changes = agent.kernelChanges().length;
      const expectFalse: string[] = [];
      bad.forEach((b, j) => {
        writeFileSync(join(dir, `bad-${j}.yaml`), b.text);
        tally.add(b.intent.split(' ')[0]!);
        if (!b.intent.startsWith('invalid') && !b.intent.startsWith('hostile')) expectFalse.push(...parseManifestFile('x.yaml', b.text).objects.map((o) => keyOf(o.object)));
      });
      const m = await settle(stateDir, expectFalse);
      for (const k of expectFalse) assert.match(readyOf(m.get(k)), /^False:/, `world ${i}: ${k}`);
      const problems = JSON.parse(readFileSync(join(stateDir, 'problems.json'), 'utf8')) as { origin: { source: string } }[];
      bad.forEach((b, j) => {
        if (b.intent.startsWith('invalid')) assert.ok(problems.some((p) => p.origin.source.endsWith(`bad-${j}.yaml`)), `world ${i}: ${b.intent} not reported`);
      });
      assert.equal(await kernelSnapshot(s.netnsDir), baseline, `world ${i}: bad declarations changed the kernel`);
      assert.deepEqual(agent.kernelChanges().slice(changes), [], `world ${i}: kernel changes logged`);
      // Tear the world down through the agent, so the next one starts from a clean kernel.
      for (const f of readdirSync(dir)) rmSync(join(dir, f));
      await waitStatus(stateDir, (st) => st.size === 0, 20_000);
    } finally {
      await agent.stop('SIGKILL');
      for (const name of external) native().netnsDelete(join(s.netnsDir, name));
      rmSync(dir, { recursive: true, force: true });
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
  tally.report(`real kernel (${WORLDS} generated nodes)`, (msg) => t.diagnostic(msg));
});

test('real kernel: every injection canary document at once creates nothing and starts no kernel change', async (t) => {
  const dir = mkdtempSync(`${s.stateDir}-canaries-`);
  const stateDir = `${dir}-state`;
  const docs = canaryDocs().filter((d) => d.refused);
  // A hundred documents per file: a refusal is per document, so one bad document never hides another.
  for (let i = 0; i < docs.length; i += 100) writeFileSync(join(dir, `c${i}.yaml`), docs.slice(i, i + 100).map((d) => d.text).join('---\n'));
  const baseline = await kernelSnapshot(s.netnsDir);
  const agent = await startAgent({ dir, stateDir, netnsDir: s.netnsDir });
  try {
    const problems = JSON.parse(readFileSync(join(stateDir, 'problems.json'), 'utf8')) as unknown[];
    assert.equal(problems.length, docs.length, 'every canary document is reported');
    assert.equal(statusMap(stateDir).size, 0, 'no object');
    assert.equal(await kernelSnapshot(s.netnsDir), baseline);
    assert.deepEqual(agent.kernelChanges(), []);
    t.diagnostic(`real kernel: ${docs.length} canary documents refused, kernel unchanged`);
  } finally {
    await agent.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  }
});
