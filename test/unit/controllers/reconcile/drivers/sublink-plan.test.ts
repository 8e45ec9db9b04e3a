// planSublink on its own: made in the host straight into the sandbox, kept when intact, made
// again when the mode or parent changed, never touching an interface that is not ours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Link } from '../../../../../controllers/dataplane/types.js';
import { planSublink, type SublinkDesired, type SublinkObserved } from '../../../../../controllers/reconcile/drivers/sublink-plan.js';

const D: SublinkDesired = {
  kind: 'macvlan', mode: 'bridge', marker: 'nodenet:Attachment/default/a-lan', parent: { name: 'eth1', index: 3 },
  netnsPath: '/run/netns/a', ifName: 'eth0', mtu: 1500, mac: '02:42:0a:50:00:02',
  ipv4: { address: '10.80.0.2', prefixLen: 24 }, ipv6: undefined, gateways: [{ family: 4, via: '10.80.0.1' }], ifSysctls: {},
};
const peer = (over: Partial<Link> = {}): Link => ({
  index: 2, name: 'eth0', kind: 'macvlan', mtu: 1500, up: true, lowerUp: true, mac: D.mac, master: undefined,
  alias: D.marker, link: 3, linkNetnsId: 0, mode: 'bridge', ...over,
});
const converged = (over: Partial<Link> = {}): SublinkObserved => ({
  peer: peer(over),
  peerAddrs: [{ index: 2, family: 4, address: '10.80.0.2', prefixLen: 24, flags: 0, scope: 0 }],
  defaults: [{ family: 4, dst: 'default', gateway: '10.80.0.1', oif: 2, table: 254, protocol: 4, scope: 0, type: 1 }],
  loUp: true,
  peerSysctls: {},
});
const flat = (p: ReturnType<typeof planSublink>): string[] => ('steps' in p ? p.steps.flatMap((s) => s.ops.map((o) => `${s.ns ?? 'host'} ${o.op}`)) : [`CONFLICT ${p.conflict}`]);

test('converged: nothing to do', () => {
  assert.deepEqual(flat(planSublink(D, converged())), []);
});

test('missing: created by the host into the sandbox, then configured there', () => {
  const p = planSublink(D, { peer: undefined, peerAddrs: [], defaults: [], loUp: true, peerSysctls: {} });
  assert.deepEqual(flat(p), ['host link.add', '/run/netns/a addr.add', '/run/netns/a link.set', '/run/netns/a route.replace']);
  const add = 'steps' in p ? p.steps[0]!.ops[0]! : undefined;
  assert.deepEqual(add, { op: 'link.add', link: { kind: 'macvlan', name: 'eth0', parent: { name: 'eth1' }, mode: 'bridge', netns: '/run/netns/a', mtu: 1500, mac: D.mac, alias: D.marker } });
});

test('another mode or parent: removed in the sandbox and made again', () => {
  for (const over of [{ mode: 'vepa' }, { link: 4 }]) assert.deepEqual(flat(planSublink(D, converged(over))).slice(0, 2), ['/run/netns/a link.del', 'host link.add'], JSON.stringify(over));
});

test('an interface of that name that is not ours is a conflict', () => {
  assert.match(flat(planSublink(D, converged({ alias: undefined, kind: 'veth' })))[0]!, /^CONFLICT interface eth0 already exists in \/run\/netns\/a and is not nodenet's/);
});
