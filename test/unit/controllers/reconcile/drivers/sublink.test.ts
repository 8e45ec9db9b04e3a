// macvlan and ipvlan against the fake kernel: sub-interfaces made inside the sandboxes on the
// parent, the parent missing (not Ready, repaired on the next pass once it appears) or down
// (Degraded), ipvlan l3 device routes, a kernel without the driver, detaching.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeDataplane, type FakeDataplane } from '../../../../../controllers/dataplane/fake.js';
import { readyOf, startTestAgent } from '../../../../helpers/engine.js';
import { attach, net, sandbox } from '../../../../helpers/objects.js';

function withParent(opts: { up?: boolean; unsupported?: string[] } = {}): FakeDataplane {
  const dp = createFakeDataplane({ unsupportedKinds: opts.unsupported ?? [] });
  dp.outOfBand(undefined, [{ op: 'link.add', link: { kind: 'dummy', name: 'lan0', mac: '02:00:00:00:00:aa' } }]);
  if (opts.up !== false) dp.outOfBand(undefined, [{ op: 'link.set', ref: { name: 'lan0' }, up: true }]);
  return dp;
}

const macvlan = (parent = 'lan0', mode: 'bridge' | 'private' | 'vepa' | 'passthru' = 'bridge'): ReturnType<typeof net> =>
  net('lan', { driver: 'macvlan', macvlan: { parent, mode }, ipam: { ipv4: { subnet: '10.80.0.0/24' } } });

const two = (n: ReturnType<typeof net>): ReturnType<typeof net | typeof sandbox | typeof attach>[] => [
  n,
  sandbox('a'),
  sandbox('b'),
  attach('a-lan', 'a', 'lan'),
  attach('b-lan', 'b', 'lan', { ipv4Address: '10.80.0.50' }),
];

test('macvlan: each sandbox gets a macvlan on the parent, Docker-style MAC, default route via the gateway', async () => {
  const t = await startTestAgent(two(macvlan()), { dp: withParent() });
  try {
    for (const k of ['Network/lan', 'Attachment/default/a-lan', 'Attachment/default/b-lan']) assert.match(readyOf(t.sink, k)!, /^True:/, k);
    const snap = t.dp.snapshot();
    const parent = snap['']!.links.find((l) => l.name === 'lan0')!;
    const eth0 = snap['/run/netns/b']!.links.find((l) => l.name === 'eth0')!;
    assert.equal(eth0.kind, 'macvlan');
    assert.equal(eth0.mode, 'bridge');
    assert.equal(eth0.link, parent.index, 'on the parent');
    assert.equal(eth0.mac, '02:42:0a:50:00:32');
    assert.ok(snap['/run/netns/b']!.addrs.some((x) => x.address === '10.80.0.50' && x.prefixLen === 24));
    assert.equal(snap['/run/netns/b']!.routes.find((r) => r.dst === 'default')?.gateway, '10.80.0.1');
    assert.equal(snap['']!.links.filter((l) => l.kind === 'macvlan').length, 0, 'nothing of ours left in the host (the probe is gone)');
    const st = t.sink.records.get('Attachment/default/a-lan')!.status;
    assert.equal(st.parent, 'lan0');
    assert.equal(st.hostInterface, undefined);
    const before = t.dp.opCount();
    t.agent.enqueueAll();
    await t.agent.settled();
    assert.equal(t.dp.opCount() - before, 0, 'second pass: no kernel op');
    assert.equal(t.firewall.last(), undefined, 'no bridge, so no firewall table at all');
  } finally {
    await t.stop();
  }
});

test('macvlan: a missing parent is not Ready with a reason; the next pass after it appears builds everything', async () => {
  const dp = createFakeDataplane();
  const t = await startTestAgent(two(macvlan()), { dp });
  try {
    assert.match(readyOf(t.sink, 'Network/lan')!, /^False:ParentNotFound parent interface lan0 does not exist/);
    assert.match(readyOf(t.sink, 'Attachment/default/a-lan')!, /^False:NetworkNotReady/);
    dp.outOfBand(undefined, [{ op: 'link.add', link: { kind: 'dummy', name: 'lan0' } }, { op: 'link.set', ref: { name: 'lan0' }, up: true }]);
    t.agent.enqueueAll(); // what the periodic resync (or the network's own 5 s retry) does
    await t.agent.settled();
    assert.match(readyOf(t.sink, 'Network/lan')!, /^True:/);
    assert.match(readyOf(t.sink, 'Attachment/default/a-lan')!, /^True:/);
    assert.equal(dp.snapshot()['/run/netns/a']!.links.find((l) => l.name === 'eth0')?.kind, 'macvlan');
    // The parent goes away: its sub-interfaces die with it; it comes back: they are made again.
    dp.outOfBand(undefined, [{ op: 'link.del', ref: { name: 'lan0' } }]);
    t.agent.enqueueAll();
    await t.agent.settled();
    assert.match(readyOf(t.sink, 'Network/lan')!, /^False:ParentNotFound/);
    assert.equal(dp.snapshot()['/run/netns/a']!.links.find((l) => l.name === 'eth0'), undefined);
    dp.outOfBand(undefined, [{ op: 'link.add', link: { kind: 'dummy', name: 'lan0' } }, { op: 'link.set', ref: { name: 'lan0' }, up: true }]);
    t.agent.enqueueAll();
    await t.agent.settled();
    assert.match(readyOf(t.sink, 'Attachment/default/a-lan')!, /^True:/);
    assert.equal(dp.snapshot()['/run/netns/a']!.links.find((l) => l.name === 'eth0')?.kind, 'macvlan');
  } finally {
    await t.stop();
  }
});

test('macvlan: a parent that is down makes the network Degraded, still Ready', async () => {
  const t = await startTestAgent(two(macvlan()), { dp: withParent({ up: false }) });
  try {
    const conds = t.sink.records.get('Network/lan')!.status.conditions as { type: string; status: string; reason: string }[];
    assert.deepEqual(conds.map((c) => `${c.type}=${c.status}:${c.reason}`), ['Ready=True:Converged', 'Degraded=True:ParentDown']);
  } finally {
    await t.stop();
  }
});

test('detaching removes the sub-interface from the sandbox; published ports are reported as not published', async () => {
  const objs = two(macvlan());
  objs[3] = attach('a-lan', 'a', 'lan', { ports: [{ hostPort: 8080, containerPort: 80 }] });
  const t = await startTestAgent(objs, { dp: withParent() });
  try {
    const conds = t.sink.records.get('Attachment/default/a-lan')!.status.conditions as { type: string; status: string; reason: string }[];
    assert.equal(conds.find((c) => c.type === 'Degraded')?.reason, 'PortsNotPublished');
    t.source.remove('Attachment/default/a-lan');
    await t.agent.settled();
    assert.deepEqual(t.dp.snapshot()['/run/netns/a']!.links.map((l) => l.name), ['lo']);
    assert.equal(t.ledger.allocations('lan')['10.80.0.2'], undefined, 'address released');
  } finally {
    await t.stop();
  }
});

test('ipvlan l2: the parent\'s MAC, a gateway route; l3: a device route without gateway', async () => {
  const ipvlan = (mode: 'l2' | 'l3'): ReturnType<typeof net> => net('lan', { driver: 'ipvlan', ipvlan: { parent: 'lan0', mode }, ipam: { ipv4: { subnet: '10.80.0.0/24' } } });
  const t = await startTestAgent(two(ipvlan('l2')), { dp: withParent() });
  try {
    const eth0 = t.dp.snapshot()['/run/netns/a']!.links.find((l) => l.name === 'eth0')!;
    assert.equal(eth0.kind, 'ipvlan');
    assert.equal(eth0.mode, 'l2');
    assert.equal(eth0.mac, '02:00:00:00:00:aa', 'shares the parent MAC');
    assert.equal(t.dp.snapshot()['/run/netns/a']!.routes.find((r) => r.dst === 'default')?.gateway, '10.80.0.1');
    t.source.put(ipvlan('l3'));
    await t.agent.settled();
    const snap = t.dp.snapshot()['/run/netns/a']!;
    assert.equal(snap.links.find((l) => l.name === 'eth0')!.mode, 'l3', 'mode change: sub-interface made again');
    const def = snap.routes.find((r) => r.dst === 'default')!;
    assert.equal(def.gateway, undefined);
    assert.equal(def.oif, snap.links.find((l) => l.name === 'eth0')!.index);
  } finally {
    await t.stop();
  }
});

test('ipvlan on a kernel without the driver: the network says so; nothing is made', async () => {
  const t = await startTestAgent(two(net('lan', { driver: 'ipvlan', ipvlan: { parent: 'lan0' }, ipam: { ipv4: { subnet: '10.80.0.0/24' } } })), { dp: withParent({ unsupported: ['ipvlan'] }) });
  try {
    assert.match(readyOf(t.sink, 'Network/lan')!, /^False:KernelDriverMissing this kernel has no ipvlan driver \(CONFIG_IPVLAN\)/);
    assert.match(readyOf(t.sink, 'Attachment/default/a-lan')!, /^False:NetworkNotReady/);
    assert.deepEqual(t.dp.snapshot()['/run/netns/a']!.links.map((l) => l.name), ['lo']);
  } finally {
    await t.stop();
  }
});

test('the ipvlan probe: "present" is remembered, "missing" for a minute only', async () => {
  const { kernelHasIpvlan } = await import('../../../../../controllers/reconcile/drivers/kernel-support.js');
  const without = withParent({ unsupported: ['ipvlan'] });
  assert.equal(kernelHasIpvlan(without, 'lan0', 1_000), false);
  const ops = without.opCount();
  assert.equal(kernelHasIpvlan(without, 'lan0', 30_000), false);
  assert.equal(without.opCount(), ops, 'cached: no probe');
  assert.equal(kernelHasIpvlan(without, 'lan0', 62_000), false);
  assert.equal(without.opCount(), ops + 1, 'probed again after a minute');
  const withIt = withParent();
  assert.equal(kernelHasIpvlan(withIt, 'lan0', 0), true);
  assert.equal(withIt.opCount(), 2, 'created and deleted');
  assert.equal(kernelHasIpvlan(withIt, 'lan0', 10 ** 9), true);
  assert.equal(withIt.opCount(), 2);
  assert.deepEqual(withIt.snapshot()['']!.links.map((l) => l.name), ['lo', 'lan0']);
});
