import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ifNameProblem, macProblem, nsPathProblem, opProblem, sysctlKeyProblem } from '../../../../controllers/dataplane/validate.js';
import { tolerated } from '../../../../controllers/dataplane/outcome.js';
import type { KernelOp } from '../../../../controllers/dataplane/types.js';

test('interface names follow the kernel rules', () => {
  for (const ok of ['eth0', 'nn-frontend', 'nnv1a2b3c4d', 'a', '123456789012345']) assert.equal(ifNameProblem(ok), undefined, ok);
  for (const bad of ['', '1234567890123456', '.', '..', 'a/b', 'a:b', 'a b', 'a\tb', 'a\0', 'eth%d']) assert.ok(ifNameProblem(bad), JSON.stringify(bad));
  assert.ok(ifNameProblem('ééééééééé'), 'the limit counts bytes, not characters');
});

test('MACs, namespace paths and sysctl keys', () => {
  assert.equal(macProblem('02:42:AC:11:00:02'), undefined);
  assert.ok(macProblem('02:42:ac:11:00'));
  assert.ok(macProblem('02-42-ac-11-00-02'));
  assert.equal(nsPathProblem('/run/netns/web-1'), undefined);
  for (const bad of ['web-1', '/run/netns/../x', '/run//netns/x', '/run/netns/x/']) assert.ok(nsPathProblem(bad), bad);
  assert.equal(sysctlKeyProblem('net/ipv4/conf/eth0.100/forwarding'), undefined);
  for (const bad of ['kernel/panic', 'net', 'net/../../etc', 'net//ipv4', 'net/ipv4/ip forward']) assert.ok(sysctlKeyProblem(bad), bad);
});

test('ops with bad values are refused before the kernel', () => {
  const bad: KernelOp[] = [
    { op: 'link.add', link: { kind: 'veth', name: 'ok', peer: { name: 'way-too-long-name' } } },
    { op: 'link.add', link: { kind: 'macvlan', name: 'mv', parent: { name: 'eth0' }, mode: 'nope' } },
    { op: 'link.add', link: { kind: 'vxlan', name: 'vx', vni: 1 << 24, port: 4789 } },
    { op: 'link.add', link: { kind: 'bridge', name: 'br', alias: 'x'.repeat(256) } },
    { op: 'link.set', ref: { index: 0 }, up: true },
    { op: 'link.set', ref: { name: 'a' }, netns: '/run/netns/x', master: { name: 'br' } },
    { op: 'addr.add', ref: { name: 'a' }, family: 4, address: 'fd00::1', prefixLen: 64 },
    { op: 'addr.add', ref: { name: 'a' }, family: 4, address: '10.0.0.1', prefixLen: 33 },
    { op: 'route.replace', family: 4, dst: '10.0.0.1/24', dev: { name: 'a' } },
    { op: 'route.replace', family: 4, dst: '10.0.0.0/24' },
    { op: 'route.replace', family: 6, dst: 'default', gateway: '10.0.0.1', dev: { name: 'a' } },
    { op: 'route.replace', family: 4, dst: 'default', gateway: '10.0.0.1', onlink: true },
    { op: 'neigh.replace', ref: { name: 'a' }, family: 4, dst: '10.0.0.1', mac: 'zz' },
    { op: 'sysctl.set', key: 'net/ipv4/ip_forward', value: '1\n0' },
    { op: 'netns.add', path: 'relative' },
    { op: 'link.frobnicate' } as unknown as KernelOp,
  ];
  for (const op of bad) assert.ok(opProblem(op), JSON.stringify(op));
  const good: KernelOp[] = [
    { op: 'route.replace', family: 4, dst: 'default', gateway: '10.0.0.1' },
    { op: 'route.del', family: 4, dst: '10.0.0.0/24' },
    { op: 'link.set', ref: { name: 'a' }, netns: '/run/netns/x', name: 'eth0' },
    { op: 'fdb.append', ref: { name: 'vx' }, mac: '00:00:00:00:00:00', dst: 'fd00::1' },
  ];
  for (const op of good) assert.equal(opProblem(op), undefined, JSON.stringify(op));
});

test('success rules: exists for addr/neigh/fdb adds, not-found for every delete, nothing else', () => {
  const add: KernelOp = { op: 'addr.add', ref: { name: 'a' }, family: 4, address: '10.0.0.1', prefixLen: 24 };
  const link: KernelOp = { op: 'link.add', link: { kind: 'bridge', name: 'br' } };
  const del: KernelOp = { op: 'link.del', ref: { name: 'a' } };
  assert.equal(tolerated(add, 17), true);
  assert.equal(tolerated(link, 17), false, 'an existing link may be of the wrong kind: the caller must look');
  for (const no of [2, 3, 19, 99]) assert.equal(tolerated(del, no), true, String(no));
  assert.equal(tolerated(del, 16), false);
  assert.equal(tolerated(add, 19), false);
});
