// planVxlan on its own: what the fake kernel cannot show (learned entries, a device with another
// VNI or underlay, someone else's device).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NTF_SELF } from '../../../../../controllers/dataplane/netlink/constants.js';
import type { Link, Neigh } from '../../../../../controllers/dataplane/types.js';
import { BUM_MAC, planVxlan, vxlanDeviceName, type VxlanDesired } from '../../../../../controllers/reconcile/drivers/vxlan-plan.js';

const NAME = vxlanDeviceName('Network/ov');
const D: VxlanDesired = {
  marker: 'nodenet:Network/ov',
  name: NAME,
  bridge: 'nn-ov',
  vni: 42,
  port: 4789,
  vtep: '192.168.100.1',
  underlay: { name: 'eth0', index: 2 },
  mtu: 1450,
  peers: ['192.168.100.2', '192.168.100.3'],
};

const link = (over: Partial<Link> = {}): Link => ({
  index: 9, name: NAME, kind: 'vxlan', mtu: 1450, up: true, lowerUp: true, mac: '02:00:00:00:00:09', master: 7,
  alias: D.marker, link: undefined, linkNetnsId: undefined, vxlan: { vni: 42, port: 4789, local: '192.168.100.1', dev: 2, learning: true }, ...over,
});
const entry = (mac: string, dst: string): Neigh => ({ index: 9, family: 7, mac, dst, state: 0x80, flags: NTF_SELF });
const ops = (p: ReturnType<typeof planVxlan>): string[] =>
  'steps' in p ? p.steps.flatMap((s) => s.ops.map((o) => (o.op.startsWith('fdb') ? `${o.op} ${(o as { mac: string }).mac} ${(o as { dst: string }).dst}` : o.op))) : [`CONFLICT ${p.conflict}`];

test('converged: nothing to do', () => {
  assert.deepEqual(ops(planVxlan(D, { link: link(), bridgeIndex: 7, fdb: [entry(BUM_MAC, '192.168.100.2'), entry(BUM_MAC, '192.168.100.3')] })), []);
});

test('nothing there: create, enslave, up, one BUM entry per peer', () => {
  assert.deepEqual(ops(planVxlan(D, { link: undefined, bridgeIndex: 7, fdb: [] })), [
    'link.add', 'link.set', 'link.set', `fdb.append ${BUM_MAC} 192.168.100.2`, `fdb.append ${BUM_MAC} 192.168.100.3`,
  ]);
});

test('a departed peer loses its BUM entry and every entry learned towards it; bridge-side entries are left alone', () => {
  const fdb = [
    entry(BUM_MAC, '192.168.100.2'),
    entry(BUM_MAC, '192.168.100.4'),
    entry('02:42:0a:c8:04:02', '192.168.100.4'),
    entry('02:42:0a:c8:02:02', '192.168.100.2'),
    { index: 9, family: 7 as const, mac: '02:42:0a:c8:04:02', state: 2, flags: 0 }, // the bridge's own entry (no dst)
  ];
  assert.deepEqual(ops(planVxlan(D, { link: link(), bridgeIndex: 7, fdb })), [
    `fdb.del ${BUM_MAC} 192.168.100.4`,
    'fdb.del 02:42:0a:c8:04:02 192.168.100.4',
    `fdb.append ${BUM_MAC} 192.168.100.3`,
  ]);
});

test('another VNI, port, local address or underlay: the device is made again; an MTU is just set', () => {
  for (const vxlan of [{ vni: 43 }, { port: 8472 }, { local: '192.168.100.9' }, { dev: 5 }]) {
    const p = planVxlan(D, { link: link({ vxlan: { ...link().vxlan!, ...vxlan } }), bridgeIndex: 7, fdb: [] });
    assert.ok('steps' in p && p.recreate, JSON.stringify(vxlan));
    assert.deepEqual(ops(p).slice(0, 2), ['link.del', 'link.add']);
  }
  assert.deepEqual(ops(planVxlan(D, { link: link({ mtu: 1400 }), bridgeIndex: 7, fdb: [entry(BUM_MAC, '192.168.100.2'), entry(BUM_MAC, '192.168.100.3')] })), ['link.set']);
});

test('a device with our name that is not ours is a conflict, never touched', () => {
  assert.match(ops(planVxlan(D, { link: link({ alias: undefined }), bridgeIndex: 7, fdb: [] }))[0]!, /^CONFLICT device nnx[0-9a-f]{12} already exists \(vxlan, owned by someone else\)/);
});
