// The vxlan driver against the fake kernel: the node's bridge with its slice gateway, the VXLAN
// port on the underlay, one all-zeros FDB entry per peer, allocations from the node's slice only,
// peers added and removed, and a node that is no longer a member giving everything up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeDataplane, type FakeDataplane } from '../../../../../controllers/dataplane/fake.js';
import type { Network, VxlanPeer } from '../../../../../api/v1alpha1/types.js';
import { readyOf, startTestAgent } from '../../../../helpers/engine.js';
import { attach, net, sandbox } from '../../../../helpers/objects.js';
import { vxlanDeviceName } from '../../../../../controllers/reconcile/drivers/vxlan-plan.js';

const VX = vxlanDeviceName('Network/ov');
const SELF: VxlanPeer = { node: 'test', address: '192.168.100.1' }; // the test agent's node name
const B: VxlanPeer = { node: 'b', address: '192.168.100.2' };
const C: VxlanPeer = { node: 'c', address: '192.168.100.3' };

function overlay(peers: VxlanPeer[], extra: Partial<Network['spec']> = {}): Network {
  return net('ov', { driver: 'vxlan', vxlan: { vni: 42, peers }, ipam: { ipv4: { subnet: '10.200.0.0/16' } }, ...extra });
}

function underlay(): FakeDataplane {
  const dp = createFakeDataplane();
  dp.outOfBand(undefined, [
    { op: 'link.add', link: { kind: 'dummy', name: 'ul0', mtu: 1500 } },
    { op: 'link.set', ref: { name: 'ul0' }, up: true },
    { op: 'addr.add', ref: { name: 'ul0' }, family: 4, address: '192.168.100.1', prefixLen: 24 },
  ]);
  return dp;
}

const fdbOf = (dp: FakeDataplane): string[] => {
  const host = dp.snapshot()['']!;
  const vx = host.links.find((l) => l.name === VX);
  return host.neighs.filter((n) => n.family === 7 && n.index === vx?.index).map((n) => `${n.mac}>${n.dst}`).sort();
};

test('vxlan: bridge with the slice gateway, VXLAN port on the underlay, one BUM entry per peer, addresses from the slice', async () => {
  const t = await startTestAgent([overlay([B, C, SELF]), sandbox('a'), attach('a-ov', 'a', 'ov')], { dp: underlay() });
  try {
    assert.match(readyOf(t.sink, 'Network/ov')!, /^True:/);
    assert.match(readyOf(t.sink, 'Attachment/default/a-ov')!, /^True:/);
    const host = t.dp.snapshot()['']!;
    const br = host.links.find((l) => l.name === 'nn-ov')!;
    const vx = host.links.find((l) => l.name === VX)!;
    // Slices by node name: b=0, c=1, test=2.
    assert.ok(host.addrs.some((x) => x.index === br.index && x.address === '10.200.2.1' && x.prefixLen === 16), 'gateway = first address of the slice, on-link for the whole overlay');
    assert.equal(vx.kind, 'vxlan');
    assert.deepEqual(vx.vxlan, { vni: 42, port: 4789, learning: true, local: '192.168.100.1', dev: host.links.find((l) => l.name === 'ul0')!.index });
    assert.equal(vx.master, br.index);
    assert.equal(vx.mtu, 1450, 'underlay 1500 - 50');
    assert.equal(br.mtu, 1450);
    assert.deepEqual(fdbOf(t.dp), ['00:00:00:00:00:00>192.168.100.2', '00:00:00:00:00:00>192.168.100.3']);
    const st = t.sink.records.get('Attachment/default/a-ov')!.status;
    assert.equal(st.ipv4Address, '10.200.2.2/16');
    assert.equal(st.gateway, '10.200.2.1');
    const ns = t.dp.snapshot()['/run/netns/a']!;
    assert.equal(ns.links.find((l) => l.name === 'eth0')!.mtu, 1450);
    assert.equal(ns.routes.find((r) => r.dst === 'default')?.gateway, '10.200.2.1');
    const facts = t.sink.records.get('Network/ov')!.status as { vxlan: { slices: string[]; peers: { node: string; subnets: string[] }[] } };
    assert.deepEqual(facts.vxlan.slices, ['10.200.2.0/24']);
    assert.deepEqual(facts.vxlan.peers.map((p) => `${p.node}:${p.subnets.join()}`), ['b:10.200.0.0/24', 'c:10.200.1.0/24']);
    assert.equal(t.firewall.last()!.networks[0]!.bridge, 'nn-ov', 'the overlay bridge gets the bridge rules (masquerade, ICC)');
    const before = t.dp.opCount();
    t.agent.enqueueAll();
    await t.agent.settled();
    assert.equal(t.dp.opCount() - before, 0, 'second pass: no kernel op');
  } finally {
    await t.stop();
  }
});

test('vxlan: peers removed and added change exactly their FDB entries', async () => {
  const slices = { ...SELF, subnet: '10.200.9.0/24' };
  const t = await startTestAgent([overlay([slices, { ...B, subnet: '10.200.1.0/24' }, { ...C, subnet: '10.200.2.0/24' }]), sandbox('a'), attach('a-ov', 'a', 'ov')], { dp: underlay() });
  try {
    assert.equal(t.sink.records.get('Attachment/default/a-ov')!.status.ipv4Address, '10.200.9.2/16', 'declared slice');
    t.source.put(overlay([slices, { ...B, subnet: '10.200.1.0/24' }]));
    await t.agent.settled();
    assert.deepEqual(fdbOf(t.dp), ['00:00:00:00:00:00>192.168.100.2']);
    const before = t.dp.opCount();
    t.source.put(overlay([slices, { ...B, subnet: '10.200.1.0/24' }, { ...C, subnet: '10.200.2.0/24' }, { node: 'd', address: '192.168.100.4', subnet: '10.200.3.0/24' }]));
    await t.agent.settled();
    assert.deepEqual(fdbOf(t.dp), ['00:00:00:00:00:00>192.168.100.2', '00:00:00:00:00:00>192.168.100.3', '00:00:00:00:00:00>192.168.100.4']);
    assert.equal(t.dp.opCount() - before, 2, 'two fdb appends, nothing else');
    assert.equal(t.sink.records.get('Attachment/default/a-ov')!.status.ipv4Address, '10.200.9.2/16', 'addresses stay');
  } finally {
    await t.stop();
  }
});

test('vxlan: a static address outside this node\'s slice is refused', async () => {
  const t = await startTestAgent([overlay([B, SELF]), sandbox('a'), attach('a-ov', 'a', 'ov', { ipv4Address: '10.200.0.9' })], { dp: underlay() });
  try {
    assert.match(readyOf(t.sink, 'Attachment/default/a-ov')!, /^False:AddressRefused 10\.200\.0\.9 is outside this node's slice 10\.200\.1\.0\/24/);
  } finally {
    await t.stop();
  }
});

test('vxlan: this node leaving the member list gives up its overlay; missing underlay address: not Ready', async () => {
  const t = await startTestAgent([overlay([B, SELF]), sandbox('a'), attach('a-ov', 'a', 'ov')], { dp: underlay() });
  try {
    assert.match(readyOf(t.sink, 'Attachment/default/a-ov')!, /^True:/);
    t.source.put(overlay([B]));
    await t.agent.settled();
    assert.match(readyOf(t.sink, 'Network/ov')!, /^False:NotAMember this node \(test\) is not a member/);
    const host = t.dp.snapshot()['']!;
    assert.deepEqual(host.links.map((l) => l.name).sort(), ['lo', 'ul0'], 'bridge, vxlan and veth gone');
    assert.deepEqual(t.ledger.allocations('ov'), {});
    t.source.put(overlay([B, { node: 'test', address: '192.168.100.77' }]));
    await t.agent.settled();
    assert.match(readyOf(t.sink, 'Network/ov')!, /^False:UnderlayNotFound underlay address 192\.168\.100\.77 is not configured on this node/);
  } finally {
    await t.stop();
  }
});

test('vxlan: an explicit MTU that does not fit the underlay is refused', async () => {
  const t = await startTestAgent([overlay([SELF], { bridge: { mtu: 1480 } })], { dp: underlay() });
  try {
    assert.match(readyOf(t.sink, 'Network/ov')!, /^False:MtuTooLarge mtu 1480 does not fit the underlay: ul0 has mtu 1500/);
  } finally {
    await t.stop();
  }
});

test('vxlan: deleting the network removes bridge and VXLAN device; a leftover VXLAN device of ours is collected at start', async () => {
  const t = await startTestAgent([overlay([B, SELF]), sandbox('a'), attach('a-ov', 'a', 'ov')], { dp: underlay() });
  try {
    t.source.remove('Network/ov');
    await t.agent.settled();
    assert.deepEqual(t.dp.snapshot()['']!.links.map((l) => l.name).sort(), ['lo', 'ul0']);
  } finally {
    await t.stop();
  }
  const dp = underlay();
  dp.outOfBand(undefined, [{ op: 'link.add', link: { kind: 'vxlan', name: VX, vni: 42, port: 4789, alias: 'nodenet:Network/ov' } }]);
  const t2 = await startTestAgent([], { dp });
  try {
    assert.deepEqual(t2.dp.snapshot()['']!.links.map((l) => l.name).sort(), ['lo', 'ul0'], 'not in the ledger: garbage');
  } finally {
    await t2.stop();
  }
});

test('vxlan: dual-stack overlay over an IPv6 underlay: one slice index in both families, MTU 70 under the underlay', async () => {
  const dp = createFakeDataplane();
  dp.outOfBand(undefined, [
    { op: 'link.add', link: { kind: 'dummy', name: 'ul6', mtu: 9000 } },
    { op: 'link.set', ref: { name: 'ul6' }, up: true },
    { op: 'addr.add', ref: { name: 'ul6' }, family: 6, address: 'fd00:100::1', prefixLen: 64, noDad: true },
  ]);
  const n = net('ov', {
    driver: 'vxlan',
    vxlan: { vni: 7, peers: [{ node: 'test', address: 'fd00:100::1' }, { node: 'a', address: 'fd00:100::2', subnet: '10.200.0.0/24' }] },
    ipam: { ipv4: { subnet: '10.200.0.0/16' }, ipv6: { subnet: 'fd00:200::/64' } },
  });
  const t = await startTestAgent([n, sandbox('a'), attach('a-ov', 'a', 'ov')], { dp });
  try {
    assert.match(readyOf(t.sink, 'Attachment/default/a-ov')!, /^True:/);
    const st = t.sink.records.get('Attachment/default/a-ov')!.status;
    assert.equal(st.ipv4Address, '10.200.1.2/16');
    assert.equal(st.ipv6Address, 'fd00:200::100:0:0:2/64', 'second address of the IPv6 slice (the first is the gateway)');
    const facts = t.sink.records.get('Network/ov')!.status as { mtu: number; vxlan: { slices: string[] } };
    assert.deepEqual(facts.vxlan.slices, ['10.200.1.0/24', 'fd00:200:0:0:100::/72']);
    assert.equal(facts.mtu, 8930);
    assert.deepEqual(fdbOf(t.dp), ['00:00:00:00:00:00>fd00:100::2']);
  } finally {
    await t.stop();
  }
});
