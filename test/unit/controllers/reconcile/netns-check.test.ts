// The engine's re-check of sandbox namespaces against the fake dataplane: a path that opens the
// agent's own namespace (at first, or swapped in after the sandbox was Ready), PID 1's namespace
// with and without --allow-host-netns, the namespace nodenet made for another sandbox, and a
// created namespace replaced by a symlink. Refused with the reason in status; nothing happens in
// the namespace the path leads to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attachment, Network, Resource, Sandbox } from '../../../../api/v1alpha1/types.js';
import { hostVethName } from '../../../../controllers/model/names.js';
import { createFakeDataplane, type FakeDataplane } from '../../../../controllers/dataplane/fake.js';
import type { NetnsInspection } from '../../../../controllers/dataplane/types.js';
import { readyOf, startTestAgent } from '../../../helpers/engine.js';

const API = 'nodenet.io/v1alpha1' as const;
const net: Network = { apiVersion: API, kind: 'Network', metadata: { name: 'front' }, spec: { ipam: { ipv4: { subnet: '10.88.0.0/24' } } } };
const sandbox = (name: string, spec: Sandbox['spec'] = {}): Sandbox => ({ apiVersion: API, kind: 'Sandbox', metadata: { name, namespace: 'default' }, spec });
const attach = (name: string, sb: string): Attachment => ({ apiVersion: API, kind: 'Attachment', metadata: { name, namespace: 'default' }, spec: { sandbox: sb, network: 'front' } });

/** Every op the agent sends, with the namespace path it goes to. */
function recordOps(dp: FakeDataplane): string[] {
  const seen: string[] = [];
  dp.onOp((ev) => seen.push(`${ev.ns ?? ''}|${JSON.stringify(ev.op)}`));
  return seen;
}

function agentNs(dp: FakeDataplane): { links: { name: string; alias?: string }[]; routes: { dst: string }[]; addrs: { address: string }[] } {
  return dp.snapshot()['']! as never;
}

test("a path that opens the agent's own namespace is refused; its attachment creates nothing", async () => {
  const dp = createFakeDataplane();
  dp.aliasNetns('/proc/4242/ns/net');
  const ops = recordOps(dp);
  const before = JSON.stringify(agentNs(dp));
  const objs: Resource[] = [net, sandbox('evil', { netns: { path: '/proc/4242/ns/net' } }), attach('evil-front', 'evil')];
  const t = await startTestAgent(objs, { dp });
  try {
    assert.match(readyOf(t.sink, 'Sandbox/default/evil')!, /^False:NetnsRefused spec\.netns\.path: "\/proc\/4242\/ns\/net" is the agent's own network namespace/);
    assert.match(readyOf(t.sink, 'Attachment/default/evil-front')!, /^False:SandboxNotReady/);
    assert.deepEqual(ops.filter((o) => o.startsWith('/proc/4242')), [], 'no op was sent into the aliased path');
    const host = agentNs(dp);
    assert.deepEqual(host.links.map((l) => l.name).sort(), ['lo', 'nn-front'], 'only the network bridge was made in the agent namespace');
    assert.equal(host.routes.filter((r) => r.dst === 'default').length, 0);
    assert.equal(host.links.find((l) => l.name === 'lo')!.alias, undefined);
    assert.notEqual(JSON.stringify(host), before, 'sanity: the bridge is there');
  } finally {
    await t.stop();
  }
});

async function swappedWorld(): Promise<{ dp: FakeDataplane; t: Awaited<ReturnType<typeof startTestAgent>> }> {
  const dp = createFakeDataplane();
  dp.addExternalNetns('/proc/1234/ns/net');
  const t = await startTestAgent([net, sandbox('web', { netns: { path: '/proc/1234/ns/net' } }), attach('web-front', 'web')], { dp });
  assert.match(readyOf(t.sink, 'Attachment/default/web-front')!, /^True:/);
  assert.ok(dp.snapshot()['/proc/1234/ns/net']!.links.some((l) => l.name === 'eth0'));
  // The process exits and its PID now belongs to a host process: the path opens the agent's namespace.
  dp.aliasNetns('/proc/1234/ns/net');
  return { dp, t };
}

test("a namespace swapped for the agent's own after it was Ready: the next pass refuses the sandbox, its attachment waits, nothing goes through the path", async () => {
  const { dp, t } = await swappedWorld();
  try {
    const ops = recordOps(dp);
    t.agent.enqueueAll();
    await t.agent.settled();
    assert.match(readyOf(t.sink, 'Sandbox/default/web')!, /^False:NetnsRefused .*agent's own network namespace/);
    assert.match(readyOf(t.sink, 'Attachment/default/web-front')!, /^False:SandboxNotReady/);
    // Depending on which reconcile runs first, the attachment may remove its own host end (its
    // own re-check) or just wait on the sandbox: either way nothing goes through the path.
    const hostVeth = hostVethName('Attachment/default/web-front');
    const before = ops.length;
    assert.ok(ops.every((o) => o.startsWith('|{"op":"link.del"')), `only our host end may go: ${ops.join(', ')}`);
    assert.ok(before <= 1);
    const host = agentNs(dp);
    if (before === 1) assert.ok(!host.links.some((l) => l.name === hostVeth), 'the removed host end is gone');
    assert.ok(!host.links.some((l) => l.name === 'eth0'), 'no container end in the agent namespace');
    assert.equal(host.routes.filter((r) => r.dst === 'default').length, 0);
  } finally {
    await t.stop();
  }
});

test('the attachment re-checks the path itself (its sandbox still looks Ready): refused, host end removed, nothing inside touched', async () => {
  const { dp, t } = await swappedWorld();
  try {
    const ops = recordOps(dp);
    t.agent.ctx.enqueue('Attachment/default/web-front');
    await t.agent.settled();
    // The attachment refuses first and wakes its sandbox, which then reports the refusal too.
    assert.match(readyOf(t.sink, 'Attachment/default/web-front')!, /^False:SandboxNotReady .*agent's own network namespace/);
    assert.match(readyOf(t.sink, 'Sandbox/default/web')!, /^False:NetnsRefused/);
    assert.deepEqual(ops.filter((o) => o.startsWith('/proc/1234')), [], 'nothing was done through the swapped path');
    assert.ok(ops.length > 0 && ops.every((o) => o.startsWith('|{"op":"link.del"')), `only the host end may go: ${ops.join('\n')}`);
    const host = agentNs(dp);
    assert.ok(!host.links.some((l) => l.name === 'eth0' || l.name.startsWith('nnv')), 'no veth end left in the agent namespace');
    assert.equal(host.routes.filter((r) => r.dst === 'default').length, 0);
  } finally {
    await t.stop();
  }
});

test("PID 1's namespace: refused by default, adopted with allowHostNetns; the agent's own never", async () => {
  const inspect = (path: string, dirs: readonly string[]): NetnsInspection => ({
    entry: 'symlink',
    parentReal: path.replace(/\/net$/, ''),
    dirsReal: [...dirs],
    netnsId: path === '/proc/1/ns/net' ? 'init' : 'agent',
    agentNetnsId: 'agent',
    initNetnsId: 'init',
  });
  for (const allowHostNetns of [false, true]) {
    const dp = createFakeDataplane({ inspectNetns: inspect });
    dp.addExternalNetns('/proc/1/ns/net');
    dp.addExternalNetns('/proc/77/ns/net');
    const t = await startTestAgent([sandbox('init', { netns: { path: '/proc/1/ns/net' } }), sandbox('own', { netns: { path: '/proc/77/ns/net' } })], {
      dp,
      config: { allowHostNetns },
    });
    try {
      if (allowHostNetns) assert.match(readyOf(t.sink, 'Sandbox/default/init')!, /^True:/);
      else assert.match(readyOf(t.sink, 'Sandbox/default/init')!, /^False:NetnsRefused .*PID 1.*--allow-host-netns/);
      assert.match(readyOf(t.sink, 'Sandbox/default/own')!, /^False:NetnsRefused .*agent's own/);
    } finally {
      await t.stop();
    }
  }
});

test('a path leading to the namespace nodenet made for another sandbox is refused', async () => {
  const dp = createFakeDataplane();
  const t = await startTestAgent([net, sandbox('victim'), attach('victim-front', 'victim')], { dp });
  try {
    // Another name for the victim's namespace that no spec-level check can see (a PID inside it).
    dp.aliasNetns('/proc/555/ns/net', '/run/netns/victim');
    const ops = recordOps(dp);
    t.source.put(sandbox('thief', { netns: { path: '/proc/555/ns/net' } }), attach('thief-front', 'thief'));
    await t.agent.settled();
    assert.match(readyOf(t.sink, 'Sandbox/default/thief')!, /^False:NetnsRefused .*nodenet made for Sandbox\/default\/victim/);
    assert.match(readyOf(t.sink, 'Attachment/default/thief-front')!, /^False:/);
    assert.deepEqual(ops, [], 'no kernel change');
    assert.match(readyOf(t.sink, 'Attachment/default/victim-front')!, /^True:/);
  } finally {
    await t.stop();
  }
});

test('a created namespace file replaced by a symlink is refused on the next pass; nothing is done through it', async () => {
  let swapped = false;
  const dp: FakeDataplane = createFakeDataplane({
    inspectNetns: (path, dirs) => ({
      entry: swapped && path === '/run/netns/web' ? 'symlink' : dp.isNetns(path) ? 'file' : 'missing',
      parentReal: path.slice(0, path.lastIndexOf('/')),
      dirsReal: [...dirs],
      netnsId: dp.isNetns(path) ? path : undefined,
      agentNetnsId: 'agent',
      initNetnsId: 'init',
    }),
  });
  const t = await startTestAgent([net, sandbox('web'), attach('web-front', 'web')], { dp });
  try {
    assert.match(readyOf(t.sink, 'Attachment/default/web-front')!, /^True:/);
    swapped = true;
    const ops = recordOps(dp);
    t.agent.enqueueAll();
    await t.agent.settled();
    assert.match(readyOf(t.sink, 'Sandbox/default/web')!, /^False:NetnsRefused spec\.netns\.name: "\/run\/netns\/web" is a symbolic link/);
    assert.deepEqual(ops.filter((o) => o.startsWith('/run/netns/web')), []);
  } finally {
    await t.stop();
  }
});
