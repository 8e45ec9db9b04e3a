import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planAttachment, type AttachmentDesired, type AttachmentObserved } from '../../../../controllers/reconcile/attachment-plan.js';
import type { Link } from '../../../../controllers/dataplane/types.js';

const d: AttachmentDesired = {
  key: 'Attachment/default/web-1-frontend',
  marker: 'nodenet:Attachment/default/web-1-frontend',
  hostIf: 'nnv0123456789ab',
  bridge: 'nn-frontend',
  netnsPath: '/run/netns/web-1',
  ifName: 'eth0',
  mtu: 1500,
  mac: '02:42:0a:58:00:0a',
  ipv4: { address: '10.88.0.10', prefixLen: 24 },
  ipv6: undefined,
  gateways: [{ family: 4, via: '10.88.0.1' }],
};

const link = (over: Partial<Link>): Link => ({
  index: 1, name: 'x', kind: 'veth', mtu: 1500, up: true, lowerUp: true, mac: undefined, master: undefined,
  alias: d.marker, link: undefined, linkNetnsId: 0, ...over,
});

const converged = (): AttachmentObserved => ({
  host: link({ index: 20, name: d.hostIf, master: 5, link: 2 }),
  hairpin: true,
  bridge: link({ index: 5, name: 'nn-frontend', kind: 'bridge', alias: 'nodenet:Network/frontend' }),
  peer: link({ index: 2, name: 'eth0', link: 20, mac: d.mac }),
  peerAddrs: [{ index: 2, family: 4, address: '10.88.0.10', prefixLen: 24, flags: 0, scope: 0 }],
  defaults: [{ family: 4, dst: 'default', gateway: '10.88.0.1', oif: 2, table: 254, protocol: 3, scope: 0, type: 1 }],
  loUp: true,
});

const opsOf = (p: ReturnType<typeof planAttachment>): string[] =>
  'steps' in p ? p.steps.flatMap((s) => s.ops.map((o) => `${s.ns ?? 'host'} ${o.op}`)) : [`CONFLICT ${p.conflict}`];

test('from nothing: one veth with the peer created in the sandbox, then both sides configured', () => {
  const p = planAttachment(d, { host: undefined, hairpin: undefined, bridge: converged().bridge, peer: undefined, peerAddrs: [], defaults: [], loUp: false });
  assert.deepEqual(opsOf(p), [
    'host link.add',
    'host link.set',
    'host brport.set',
    'host link.set',
    '/run/netns/web-1 addr.add',
    '/run/netns/web-1 link.set',
    '/run/netns/web-1 link.set',
    '/run/netns/web-1 route.replace',
  ]);
  assert.ok('steps' in p);
  const add = p.steps[0]!.ops[0]!;
  assert.equal(add.op === 'link.add' && add.link.kind === 'veth' && add.link.peer.netns, '/run/netns/web-1');
});

test('converged: nothing to do', () => {
  assert.deepEqual(opsOf(planAttachment(d, converged())), []);
});

test('a host end whose peer vanished is recreated, not patched', () => {
  const obs = { ...converged(), peer: undefined, peerAddrs: [], defaults: [] };
  const p = planAttachment(d, obs);
  assert.ok('steps' in p && p.recreate);
  assert.deepEqual(opsOf(p).slice(0, 2), ['host link.del', 'host link.add']);
});

test('wrong address and MTU drift inside the sandbox are corrected', () => {
  const obs = converged();
  obs.peer = { ...obs.peer!, mtu: 1400 };
  obs.peerAddrs = [{ index: 2, family: 4, address: '10.88.0.77', prefixLen: 24, flags: 0, scope: 0 }];
  assert.deepEqual(opsOf(planAttachment(d, obs)), ['/run/netns/web-1 link.set', '/run/netns/web-1 addr.del', '/run/netns/web-1 addr.add']);
});

test('an attachment that lost the gateway election removes its default route', () => {
  const p = planAttachment({ ...d, gateways: [] }, converged());
  assert.ok('steps' in p);
  assert.deepEqual(p.steps.flatMap((s) => s.ops), [{ op: 'route.del', family: 4, dst: 'default', gateway: '10.88.0.1', dev: { name: 'eth0' } }]);
});

test('a foreign interface with our name in the sandbox is a conflict', () => {
  const obs = converged();
  obs.host = undefined;
  obs.peer = link({ index: 2, name: 'eth0', kind: 'dummy', alias: undefined });
  assert.match(opsOf(planAttachment(d, obs))[0]!, /CONFLICT interface eth0 already exists/);
});

test('host end not enslaved and hairpin off after a bridge was recreated', () => {
  const obs = converged();
  obs.host = { ...obs.host!, master: undefined };
  obs.hairpin = false;
  assert.deepEqual(opsOf(planAttachment(d, obs)), ['host link.set', 'host brport.set']);
});
