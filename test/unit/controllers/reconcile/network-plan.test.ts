import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planBridge, bridgeSysctls, type BridgeObserved } from '../../../../controllers/reconcile/network.js';
import { resolveNetwork } from '../../../../api/v1alpha1/defaults.js';
import { asBridgeNetwork, type BridgeNetwork } from '../../../../controllers/reconcile/network.js';
import type { Link } from '../../../../controllers/dataplane/types.js';
import { bridgeMacOf } from '../../../../controllers/model/names.js';

const net: BridgeNetwork = asBridgeNetwork(
  resolveNetwork({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Network', metadata: { name: 'frontend' }, spec: { ipam: { ipv4: { subnet: '10.88.0.0/24' } } } }),
)!;

const bridge = (over: Partial<Link> = {}): Link => ({
  index: 5, name: 'nn-frontend', kind: 'bridge', mtu: 1500, up: true, lowerUp: true, mac: bridgeMacOf('Network/frontend'),
  master: undefined, alias: 'nodenet:Network/frontend', link: undefined, linkNetnsId: undefined, ...over,
});

const converged = (): BridgeObserved => ({
  link: bridge(),
  addrs: [{ index: 5, family: 4, address: '10.88.0.1', prefixLen: 24, flags: 0, scope: 0 }],
  overlappingRoutes: [],
  sysctls: bridgeSysctls(net),
});

const ops = (p: ReturnType<typeof planBridge>): string[] => ('steps' in p ? p.steps.flatMap((s) => s.ops.map((o) => o.op)) : ['CONFLICT']);

test('nothing there: create, address, up, sysctls', () => {
  const p = planBridge(net, { link: undefined, addrs: [], overlappingRoutes: [], sysctls: {} });
  assert.deepEqual(ops(p), ['link.add', 'addr.add', 'link.set', 'sysctl.set', 'sysctl.set']);
  assert.ok('steps' in p && p.created);
  assert.deepEqual('steps' in p && p.steps[0]!.undo, [{ op: 'link.del', ref: { name: 'nn-frontend' } }]);
});

test('the bridge gets a fixed MAC derived from its network (ports joining never change it); a changed one is set back', () => {
  const p = planBridge(net, { link: undefined, addrs: [], overlappingRoutes: [], sysctls: {} });
  assert.ok('steps' in p);
  const add = p.steps[0]!.ops[0]!;
  assert.ok(add.op === 'link.add' && add.link.kind === 'bridge');
  assert.equal(add.link.mac, bridgeMacOf('Network/frontend'));
  assert.match(bridgeMacOf('Network/frontend'), /^02:4e(:[0-9a-f]{2}){4}$/);
  assert.notEqual(bridgeMacOf('Network/frontend'), bridgeMacOf('Network/backend'));
  const drifted = planBridge(net, { ...converged(), link: bridge({ mac: '02:00:00:00:00:01' }) });
  assert.ok('steps' in drifted);
  assert.deepEqual(drifted.steps.flatMap((s) => s.ops), [{ op: 'link.set', ref: { name: 'nn-frontend' }, mac: bridgeMacOf('Network/frontend') }]);
});

test('converged: no steps (idempotent)', () => {
  assert.deepEqual(ops(planBridge(net, converged())), []);
});

test('drift: MTU, a foreign address and a down bridge are put right, link-local kept', () => {
  const obs = converged();
  obs.link = bridge({ mtu: 9000, up: false });
  obs.addrs.push({ index: 5, family: 4, address: '10.88.0.99', prefixLen: 24, flags: 0, scope: 0 });
  obs.addrs.push({ index: 5, family: 6, address: 'fe80::1', prefixLen: 64, flags: 0, scope: 253 });
  const p = planBridge(net, obs);
  assert.ok('steps' in p);
  const flat = p.steps.flatMap((s) => s.ops);
  assert.deepEqual(flat, [
    { op: 'link.set', ref: { name: 'nn-frontend' }, mtu: 1500 },
    { op: 'addr.del', ref: { name: 'nn-frontend' }, family: 4, address: '10.88.0.99', prefixLen: 24 },
    { op: 'link.set', ref: { name: 'nn-frontend' }, up: true },
  ]);
});

test('a device with our name that is not ours is a conflict, never changed', () => {
  assert.deepEqual(ops(planBridge(net, { ...converged(), link: bridge({ alias: undefined }) })), ['CONFLICT']);
  assert.deepEqual(ops(planBridge(net, { ...converged(), link: bridge({ kind: 'dummy' }) })), ['CONFLICT']);
  const p = planBridge(net, { ...converged(), link: bridge({ alias: 'nodenet:Network/other' }) });
  assert.match('conflict' in p ? p.conflict : '', /owned by nodenet object nodenet:Network\/other/);
});

test('a subnet overlapping a host route is a conflict', () => {
  const p = planBridge(net, { ...converged(), overlappingRoutes: ['10.88.0.0/16'] });
  assert.match('conflict' in p ? p.conflict : '', /overlaps host route\(s\) 10\.88\.0\.0\/16/);
});

test('ICC off asks for br_netfilter; internal networks do not turn on forwarding', () => {
  assert.equal(bridgeSysctls({ ...net, enableICC: false })['net/bridge/bridge-nf-call-iptables'], '1');
  assert.equal(bridgeSysctls({ ...net, internal: true })['net/ipv4/ip_forward'], undefined);
});
