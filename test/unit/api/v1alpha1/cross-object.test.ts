// validateCrossObject: conflicts between objects, reported on the loser, naming the winner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCrossObject, validateResource } from '../../../../api/v1alpha1/validate.js';
import type { Resource } from '../../../../api/v1alpha1/types.js';
import { attachment, network, sandbox } from './fixtures.js';

function at<T extends Resource>(obj: T, creationTimestamp: string): T {
  obj.metadata.creationTimestamp = creationTimestamp;
  return obj;
}

function losers(objects: Resource[]): Record<string, string[]> {
  for (const o of objects) assert.deepEqual(validateResource(o).errors, [], `fixture ${o.metadata.name} must be valid alone`);
  return Object.fromEntries(validateCrossObject(objects).map((e) => [`${e.index}:${e.key}`, e.errors.map((x) => `${x.path}: ${x.message}`)]));
}

test('overlapping subnets: the older Network wins; without timestamps, the first key wins', () => {
  const small = network('frontend', '10.88.0.0/24');
  const big = network('other', '10.88.0.0/16');
  assert.deepEqual(losers([small, big]), {
    '1:Network/other': ['spec.ipam.ipv4.subnet: 10.88.0.0/16 overlaps subnet 10.88.0.0/24 of Network frontend'],
  });
  assert.deepEqual(losers([at(network('frontend', '10.88.0.0/24'), '2024-05-02T00:00:00Z'), at(network('other', '10.88.0.0/16'), '2024-05-01T00:00:00Z')]), {
    '0:Network/frontend': ['spec.ipam.ipv4.subnet: 10.88.0.0/24 overlaps subnet 10.88.0.0/16 of Network other'],
  });
  const v6a = network('a', '10.1.0.0/24', { ipam: { ipv6: { subnet: 'fd00:1::/64' } } });
  const v6b = network('b', '10.2.0.0/24', { ipam: { ipv6: { subnet: 'fd00:1::/48' } } });
  assert.deepEqual(losers([v6b, v6a]), { '0:Network/b': ['spec.ipam.ipv6.subnet: fd00:1::/48 overlaps subnet fd00:1::/64 of Network a'] });
  assert.deepEqual(losers([network('a', '10.1.0.0/24'), network('b', '10.1.1.0/24')]), {});
});

test('same bridge name (explicit or derived), same vxlan vni', () => {
  const derived = network('frontend', '10.88.0.0/24');
  const explicit = network('web', '10.89.0.0/24', { bridge: { name: 'nn-frontend' } });
  assert.deepEqual(losers([explicit, derived]), {
    '0:Network/web': ['spec.bridge.name: bridge name nn-frontend is already used by Network frontend'],
  });
  const v1 = network('ov1', '10.90.0.0/24', { driver: 'vxlan', vxlan: { vni: 42 } });
  const v2 = network('ov2', '10.91.0.0/24', { driver: 'vxlan', vxlan: { vni: 42 } });
  assert.deepEqual(losers([v2, v1]), { '0:Network/ov2': ['spec.vxlan.vni: vni 42 is already used by Network ov1'] });
});

test('same static IP on one network: the older Attachment wins and is named', () => {
  const objs = [
    network('frontend', '10.88.0.0/24'),
    sandbox('web-1'),
    sandbox('web-2'),
    at(attachment('web-2-frontend', { sandbox: 'web-2', ipv4Address: '10.88.0.10' }), '2024-05-02T00:00:00Z'),
    at(attachment('web-1-frontend', { sandbox: 'web-1', ipv4Address: '10.88.0.10' }), '2024-05-01T00:00:00Z'),
  ];
  assert.deepEqual(losers(objs), {
    '3:Attachment/default/web-2-frontend': ['spec.ipv4Address: 10.88.0.10 is already requested by Attachment default/web-1-frontend'],
  });
});

test('same static IP is fine on other networks, and on other nodes unless the network is an overlay', () => {
  const objs = (driver: 'bridge' | 'vxlan'): Resource[] => [
    network('frontend', '10.88.0.0/24', driver === 'vxlan' ? { driver, vxlan: { vni: 9 } } : {}),
    network('backend', '10.89.0.0/24'),
    sandbox('a', { nodeName: 'node-a' }),
    sandbox('b', { nodeName: 'node-b' }),
    attachment('a-front', { sandbox: 'a', ipv4Address: '10.88.0.10' }),
    attachment('b-front', { sandbox: 'b', ipv4Address: '10.88.0.10' }),
  ];
  assert.deepEqual(losers(objs('bridge')), {});
  assert.deepEqual(losers(objs('vxlan')), {
    '5:Attachment/default/b-front': ['spec.ipv4Address: 10.88.0.10 is already requested by Attachment default/a-front'],
  });
});

test('two Attachments of one sandbox with the same interface name (eth0 by default)', () => {
  const objs = [
    network('frontend', '10.88.0.0/24'),
    network('backend', '10.89.0.0/24'),
    sandbox('web-1'),
    attachment('web-1-frontend'),
    attachment('web-1-backend', { network: 'backend' }),
  ];
  assert.deepEqual(losers(objs), {
    '3:Attachment/default/web-1-frontend': ['spec.interface: interface eth0 in Sandbox default/web-1 is already used by Attachment default/web-1-backend'],
  });
  objs[4] = attachment('web-1-backend', { network: 'backend', interface: 'eth1' });
  assert.deepEqual(losers(objs), {});
});

test('one sandbox attached twice to the same network', () => {
  const objs = [network('frontend', '10.88.0.0/24'), sandbox('web-1'), attachment('a1'), attachment('a2', { interface: 'eth1' })];
  assert.deepEqual(losers(objs), {
    '3:Attachment/default/a2': ['spec.network: Sandbox default/web-1 is already attached to Network frontend by Attachment default/a1'],
  });
});

test('host ports across the node: 0.0.0.0 overlaps every address, the network default applies, other nodes and protocols are free', () => {
  const objs = [
    network('frontend', '10.88.0.0/24', { bridge: { hostBindingIPv4: '192.168.1.5' } }),
    network('backend', '10.89.0.0/24'),
    sandbox('web-1'),
    sandbox('web-2'),
    sandbox('far', { nodeName: 'node-b' }),
    attachment('web-1-frontend', { ports: [{ hostPort: 8080, containerPort: 80 }] }),
    attachment('web-2-backend', { sandbox: 'web-2', network: 'backend', ports: [{ hostPort: 8000, hostPortEnd: 8100, containerPort: 8000, containerPortEnd: 8100 }] }),
    attachment('web-2-frontend', { sandbox: 'web-2', interface: 'eth1', ports: [{ hostPort: 8080, containerPort: 80, protocol: 'udp' }, { hostPort: 9090, containerPort: 90 }] }),
    attachment('far-frontend', { sandbox: 'far', ports: [{ hostPort: 8080, containerPort: 80 }] }),
  ];
  assert.deepEqual(losers(objs), {
    '6:Attachment/default/web-2-backend': ['spec.ports[0].hostPort: host port 8000-8100/tcp on 0.0.0.0 is already published by Attachment default/web-1-frontend'],
  });
});

test('a loser never blocks a later object; the result does not depend on input order', () => {
  const mk = (): Resource[] => [
    network('frontend', '10.88.0.0/24'),
    sandbox('s1'),
    sandbox('s2'),
    sandbox('s3'),
    at(attachment('a', { sandbox: 's1', ipv4Address: '10.88.0.10' }), '2024-01-01T00:00:00Z'),
    at(attachment('b', { sandbox: 's2', ipv4Address: '10.88.0.10', ports: [{ hostPort: 80, containerPort: 80 }] }), '2024-01-02T00:00:00Z'),
    at(attachment('c', { sandbox: 's3', ports: [{ hostPort: 80, containerPort: 80 }] }), '2024-01-03T00:00:00Z'),
  ];
  const forward = validateCrossObject(mk()).map((e) => [e.key, e.errors]);
  assert.deepEqual(forward, [['Attachment/default/b', [{ path: 'spec.ipv4Address', message: '10.88.0.10 is already requested by Attachment default/a' }]]]);
  const reversed = validateCrossObject(mk().reverse()).map((e) => [e.key, e.errors]);
  assert.deepEqual(reversed, forward);
});

test('objects with a creationTimestamp win over objects without one', () => {
  const objs = [network('aaa', '10.88.0.0/24'), at(network('zzz', '10.88.0.0/24'), '2030-01-01T00:00:00Z')];
  assert.deepEqual(losers(objs), { '0:Network/aaa': ['spec.ipam.ipv4.subnet: 10.88.0.0/24 overlaps subnet 10.88.0.0/24 of Network zzz'] });
});

test('a key defined twice: the first definition wins', () => {
  assert.deepEqual(losers([network('frontend', '10.88.0.0/24'), network('frontend', '10.77.0.0/24')]), {
    '1:Network/frontend': ['metadata.name: Network frontend is defined more than once; the first definition wins'],
  });
});

test('two Sandboxes on one node with the same netns (default name across namespaces, or same adopted path)', () => {
  const other = sandbox('web-1');
  other.metadata.namespace = 'team-a';
  assert.deepEqual(losers([other, sandbox('web-1')]), {
    '0:Sandbox/team-a/web-1': ['spec.netns.name: netns web-1 is already used by Sandbox default/web-1 (the default, the sandbox name); set spec.netns.name'],
  });
  const p1 = sandbox('p1', { netns: { path: '/proc/42/ns/net' } });
  const p2 = sandbox('p2', { netns: { path: '/proc/42/ns/net' } });
  assert.deepEqual(losers([p2, p1]), { '0:Sandbox/default/p2': ['spec.netns.path: netns path /proc/42/ns/net is already used by Sandbox default/p1'] });
  const far = sandbox('web-1', { nodeName: 'node-b' });
  far.metadata.namespace = 'team-a';
  assert.deepEqual(losers([far, sandbox('web-1')]), {}, 'different nodes');
});

test('static addresses judged against the network: subnet, gateway, network/broadcast, reserved, missing pool', () => {
  const net = network('frontend', '10.88.0.0/24', { ipam: { ipv4: { subnet: '10.88.0.0/24', reserved: ['10.88.0.5'] } } });
  const cases: [string, string][] = [
    ['10.99.0.10', '10.99.0.10 is outside subnet 10.88.0.0/24 of Network frontend'],
    ['10.88.0.1', '10.88.0.1 is the gateway of Network frontend'],
    ['10.88.0.0', '10.88.0.0 is the network address of 10.88.0.0/24'],
    ['10.88.0.255', '10.88.0.255 is the broadcast address of 10.88.0.0/24'],
    ['10.88.0.5', '10.88.0.5 is reserved in Network frontend'],
  ];
  for (const [ip, message] of cases) {
    assert.deepEqual(losers([net, sandbox('web-1'), attachment('a', { ipv4Address: ip })]), { '2:Attachment/default/a': [`spec.ipv4Address: ${message}`] });
  }
  assert.deepEqual(losers([net, sandbox('web-1'), attachment('a', { ipv6Address: 'fd00::10' })]), {
    '2:Attachment/default/a': ['spec.ipv6Address: Network frontend has no IPv6 pool (spec.ipam.ipv6)'],
  });
  assert.deepEqual(losers([net, attachment('a', { ipv4Address: '10.88.0.10' })]), {}, 'no sandbox yet: nothing to conflict with');
});

test('allowedNamespaces keeps other namespaces off a network', () => {
  const net = network('frontend', '10.88.0.0/24', { allowedNamespaces: ['default'] });
  const a = attachment('a');
  a.metadata.namespace = 'team-a';
  assert.deepEqual(losers([net, a]), { '1:Attachment/team-a/a': ['spec.network: namespace team-a may not join Network frontend (allowedNamespaces: default)'] });
  assert.deepEqual(losers([net, attachment('b')]), {});
});
