// validateResource on Networks: exact paths and messages for every rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateResource } from '../../../../api/v1alpha1/validate.js';
import { clone, network } from './fixtures.js';
import { expectErrors, expectValid } from './expect.js';
import type { Network } from '../../../../api/v1alpha1/types.js';

const net = (patch: (n: Network) => void): Network => {
  const n = clone(network());
  patch(n);
  return n;
};

test('a minimal bridge network is valid and returned as is', () => {
  expectValid(network());
  expectValid(net((n) => (n.spec = { driver: 'null' })));
});

test('identity: not a mapping, wrong apiVersion, unknown kind, missing spec', () => {
  expectErrors([1, 2], [{ path: '', message: 'must be a mapping with apiVersion, kind, metadata and spec, got a list' }]);
  expectErrors({ ...network(), apiVersion: 'nodenet.io/v1' }, [{ path: 'apiVersion', message: 'must be nodenet.io/v1alpha1, got "nodenet.io/v1"' }]);
  expectErrors({ ...network(), kind: 'Netwrok' }, [
    { path: 'kind', message: 'must be one of Network, Sandbox, Attachment, got "Netwrok" (did you mean "Network"?)' },
  ]);
  expectErrors({ apiVersion: 'nodenet.io/v1alpha1', kind: 'Network', metadata: { name: 'x' } }, [{ path: 'spec', message: 'is required' }]);
});

test('metadata: name pattern and length, no namespace on a cluster-scoped kind', () => {
  expectErrors(net((n) => (n.metadata.name = 'Frontend')), [
    {
      path: 'metadata.name',
      message:
        'must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters, got "Frontend"',
    },
  ]);
  expectErrors(net((n) => (n.metadata.name = 'a'.repeat(64))), [{ path: 'metadata.name', message: 'must be at most 63 characters, got 64' }]);
  expectErrors(net((n) => (n.metadata.namespace = 'default')), [
    { path: 'metadata.namespace', message: 'Network is cluster-scoped: remove metadata.namespace' },
  ]);
  expectErrors(net((n) => ((n.metadata as unknown as Record<string, string>).namspace = 'x')), [
    { path: 'metadata.namspace', message: 'unknown field (did you mean "namespace"?)' },
  ]);
});

test('unknown fields are reported with a suggestion, wrong types with the value', () => {
  expectErrors(net((n) => (n.spec.bridge = { masquerad: true } as never)), [
    { path: 'spec.bridge.masquerad', message: 'unknown field (did you mean "masquerade"?)' },
  ]);
  expectErrors(net((n) => (n.spec.bridge = { mtu: '1500' as never })), [{ path: 'spec.bridge.mtu', message: 'must be an integer, got "1500"' }]);
  expectErrors(net((n) => (n.spec.driver = 'brdge' as never)), [
    { path: 'spec.driver', message: 'must be one of bridge, macvlan, ipvlan, host, null, vxlan, got "brdge"' },
  ]);
});

test('gateway: outside the subnet, network address, broadcast address, wrong family', () => {
  const gw = (g: string): Network => net((n) => (n.spec.ipam!.ipv4!.gateway = g));
  expectErrors(gw('10.99.0.1'), [{ path: 'spec.ipam.ipv4.gateway', message: '10.99.0.1 is outside subnet 10.88.0.0/24' }]);
  expectErrors(gw('10.88.0.0'), [{ path: 'spec.ipam.ipv4.gateway', message: '10.88.0.0 is the network address of 10.88.0.0/24' }]);
  expectErrors(gw('10.88.0.255'), [{ path: 'spec.ipam.ipv4.gateway', message: '10.88.0.255 is the broadcast address of 10.88.0.0/24' }]);
  expectErrors(gw('fd00::1'), [
    { path: 'spec.ipam.ipv4.gateway', message: 'must be an IPv4 address like 10.88.0.1 (no leading zeros), got "fd00::1"' },
  ]);
  expectValid(gw('10.88.0.254'));
});

test('subnet: host bits, pool size limits, special ranges, invalid IPv6', () => {
  const sub = (s: string): Network => net((n) => (n.spec.ipam!.ipv4!.subnet = s));
  const at = 'spec.ipam.ipv4.subnet';
  expectErrors(sub('10.88.0.1/24'), [{ path: at, message: '10.88.0.1/24 has host bits set; did you mean 10.88.0.0/24?' }]);
  expectErrors(sub('0.0.0.0/0'), [{ path: at, message: '0.0.0.0/0 is too large a pool: the prefix must be /8 or longer' }]);
  expectErrors(sub('16.0.0.0/4'), [{ path: at, message: '16.0.0.0/4 is too large a pool: the prefix must be /8 or longer' }]);
  expectErrors(sub('10.88.0.0/31'), [
    { path: at, message: '10.88.0.0/31 is too small: the prefix must be /30 or shorter to leave room for a gateway and hosts' },
  ]);
  expectErrors(sub('127.0.0.0/8'), [{ path: at, message: '127.0.0.0/8 overlaps the loopback range 127.0.0.0/8' }]);
  expectErrors(sub('169.254.0.0/16'), [{ path: at, message: '169.254.0.0/16 overlaps the link-local range 169.254.0.0/16' }]);
  expectErrors(sub('224.1.0.0/16'), [{ path: at, message: '224.1.0.0/16 overlaps the multicast range 224.0.0.0/4' }]);
  expectValid(sub('10.0.0.0/8'));
  const v6 = (s: string): Network => net((n) => (n.spec.ipam = { ipv6: { subnet: s } }));
  const at6 = 'spec.ipam.ipv6.subnet';
  expectValid(v6('fd00:88::/64'));
  expectErrors(v6('fd00:88::/32'), [{ path: at6, message: 'fd00:88::/32 is too large a pool: the prefix must be /48 or longer' }]);
  expectErrors(v6('fd00:88::1/64'), [{ path: at6, message: 'fd00:88::1/64 has host bits set; did you mean fd00:88::/64?' }]);
  expectErrors(v6('fe80::/64'), [{ path: at6, message: 'fe80::/64 overlaps the link-local range fe80::/10' }]);
  expectErrors(v6('fd00:::1/64'), [{ path: at6, message: 'fd00:::1/64 is not a valid IPv6 CIDR' }]);
  expectErrors(v6('10.88.0.0/24'), [{ path: at6, message: 'must be an IPv6 CIDR like fd00:88::/64, got "10.88.0.0/24"' }]);
});

test('range and reserved must lie inside the subnet; reserved is a set', () => {
  expectErrors(net((n) => (n.spec.ipam!.ipv4!.range = '10.88.1.0/25')), [
    { path: 'spec.ipam.ipv4.range', message: 'range 10.88.1.0/25 is outside subnet 10.88.0.0/24' },
  ]);
  expectErrors(net((n) => (n.spec.ipam!.ipv4!.range = '10.88.0.1/25')), [
    { path: 'spec.ipam.ipv4.range', message: '10.88.0.1/25 has host bits set; did you mean 10.88.0.0/25?' },
  ]);
  expectErrors(net((n) => (n.spec.ipam!.ipv4!.reserved = ['10.88.0.5', '10.99.0.5', '10.88.0.5'])), [
    { path: 'spec.ipam.ipv4.reserved[1]', message: '10.99.0.5 is outside subnet 10.88.0.0/24' },
    { path: 'spec.ipam.ipv4.reserved[2]', message: 'duplicate entry 10.88.0.5 (also at spec.ipam.ipv4.reserved[0])' },
  ]);
  expectErrors(net((n) => (n.spec.ipam!.ipv4!.reserved = Array.from({ length: 1025 }, (_, i) => `10.88.${i >> 8}.${i & 255}`))), [
    { path: 'spec.ipam.ipv4.reserved', message: 'must have at most 1024 items, got 1025' },
  ]);
  expectValid(net((n) => Object.assign(n.spec.ipam!.ipv4!, { range: '10.88.0.128/25', reserved: ['10.88.0.5'] })));
});

test('MTU bounds, and >= 1280 once IPv6 is configured', () => {
  expectErrors(net((n) => (n.spec.bridge = { mtu: 67 })), [{ path: 'spec.bridge.mtu', message: 'must be >= 68' }]);
  expectErrors(net((n) => (n.spec.bridge = { mtu: 65536 })), [{ path: 'spec.bridge.mtu', message: 'must be <= 65535' }]);
  expectValid(net((n) => (n.spec.bridge = { mtu: 1000 })));
  expectErrors(
    net((n) => {
      n.spec.bridge = { mtu: 1000 };
      n.spec.ipam!.ipv6 = { subnet: 'fd00:88::/64' };
    }),
    [{ path: 'spec.bridge.mtu', message: 'mtu 1000 is below 1280, the minimum for IPv6 (spec.ipam.ipv6 is set)' }],
  );
});

test('driver options go with their driver; host and null take no pools; others need one', () => {
  expectErrors(net((n) => (n.spec.driver = 'macvlan')), [
    { path: 'spec.macvlan', message: 'spec.macvlan must be set if and only if driver is macvlan' },
  ]);
  expectErrors(net((n) => (n.spec.macvlan = { parent: 'eth0' })), [
    { path: 'spec.macvlan', message: 'spec.macvlan must be set if and only if driver is macvlan' },
  ]);
  expectValid(net((n) => Object.assign(n.spec, { driver: 'macvlan', macvlan: { parent: 'eth0', mode: 'bridge' } })));
  expectErrors(net((n) => Object.assign(n.spec, { driver: 'ipvlan', ipvlan: { parent: 'eth0' }, bridge: { mtu: 1500 } })), [
    { path: 'spec.bridge', message: 'spec.bridge applies only to the bridge and vxlan drivers' },
  ]);
  expectErrors(net((n) => (n.spec.driver = 'host')), [{ path: 'spec.ipam', message: 'drivers host and null take no spec.ipam' }]);
  expectErrors(net((n) => delete n.spec.ipam), [
    { path: 'spec.ipam', message: 'this driver needs an address pool: set spec.ipam.ipv4 and/or spec.ipam.ipv6' },
  ]);
  // Schema errors come alone: semantic rules run only on objects that have the right shape.
  expectErrors(net((n) => (n.spec.macvlan = { parent: 'eth0', mode: 'l2' as never })), [
    { path: 'spec.macvlan.mode', message: 'must be one of bridge, private, vepa, passthru, got "l2"' },
  ]);
});

test('bridge name: interface-name rules, not lo, not our veth prefix', () => {
  const named = (name: string): Network => net((n) => (n.spec.bridge = { name }));
  expectValid(named('br-web'));
  expectErrors(named('nn-far-too-long-x'), [{ path: 'spec.bridge.name', message: 'must be at most 15 characters, got 17' }]);
  expectErrors(named('..'), [
    {
      path: 'spec.bridge.name',
      message: 'must be an interface name: 1-15 characters from letters, digits, "_", "." and "-", starting with a letter or digit, got ".."',
    },
  ]);
  for (const bad of ['lo', 'all', 'default', 'nnv5f3a1c']) {
    expectErrors(named(bad), [{ path: 'spec.bridge.name', message: 'bridge name must not be "lo", "all" or "default", or start with "nnv" (reserved for nodenet veths)' }]);
  }
});

test('hostBindingIPv4, nodeSelector keys, allowedNamespaces set', () => {
  expectErrors(net((n) => (n.spec.bridge = { hostBindingIPv4: '239.1.1.1' })), [
    { path: 'spec.bridge.hostBindingIPv4', message: '239.1.1.1 is not a host address: use 0.0.0.0 or one of the node\'s unicast addresses' },
  ]);
  expectErrors(net((n) => (n.spec.nodeSelector = { 'kubernetes.io/hostname': 'node-a', 'a/b/c': 'x' })), [
    { path: 'spec.nodeSelector["a/b/c"]', message: 'nodeSelector keys must be label keys like kubernetes.io/hostname' },
  ]);
  expectErrors(net((n) => (n.spec.allowedNamespaces = ['default', 'team-a', 'default'])), [
    { path: 'spec.allowedNamespaces[2]', message: 'duplicate entry default (also at spec.allowedNamespaces[0])' },
  ]);
});

test('vxlan: vni range, unique peers, peer slices inside the subnet and disjoint, sliceSize', () => {
  const vx = (v: NonNullable<Network['spec']['vxlan']>): Network => net((n) => Object.assign(n.spec, { driver: 'vxlan', vxlan: v }));
  expectValid(vx({ vni: 42 }));
  expectErrors(vx({ vni: 0 }), [{ path: 'spec.vxlan.vni', message: 'must be >= 1' }]);
  expectErrors(vx({ vni: 16777216 }), [{ path: 'spec.vxlan.vni', message: 'must be <= 16777215' }]);
  expectErrors(
    vx({
      vni: 42,
      sliceSize: 20,
      peers: [
        { node: 'node-b', address: '192.168.1.2', subnet: '10.88.0.0/26' },
        { node: 'node-b', address: '192.168.1.3', subnet: '10.88.0.0/27' },
        { node: 'node-c', address: '224.0.0.1', subnet: '10.89.0.0/26' },
      ],
    }),
    [
      { path: 'spec.vxlan.peers[1]', message: 'duplicate entry node-b (also at spec.vxlan.peers[0])' },
      { path: 'spec.vxlan.peers[1].subnet', message: '10.88.0.0/27 overlaps spec.vxlan.peers[0].subnet 10.88.0.0/26' },
      { path: 'spec.vxlan.peers[2].address', message: '224.0.0.1 is a multicast address' },
      { path: 'spec.vxlan.peers[2].subnet', message: "10.89.0.0/26 is outside the network's subnets" },
      { path: 'spec.vxlan.sliceSize', message: "sliceSize must be between 24 (the subnet's prefix) and 30" },
    ],
  );
});

test('errors never come with an object, and validation does not mutate its input', () => {
  const n = net((x) => (x.spec.ipam!.ipv4!.gateway = '10.99.0.1'));
  const before = JSON.stringify(n);
  const r = validateResource(n);
  assert.equal(r.object, undefined);
  assert.equal(JSON.stringify(n), before);
});
