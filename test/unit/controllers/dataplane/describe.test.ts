// Golden text of describeOp: plans and error messages print exactly these lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeOp } from '../../../../controllers/dataplane/describe.js';
import type { KernelOp } from '../../../../controllers/dataplane/types.js';

const WEB = '/run/netns/web-1';
const OTHER = '/var/run/nodenet/netns/db 1';

const golden: [KernelOp, string | undefined, string][] = [
  [{ op: 'netns.add', path: WEB }, undefined, 'ip netns add web-1'],
  [{ op: 'netns.add', path: '/run/nodenet/netns/web-1' }, undefined, 'touch /run/nodenet/netns/web-1; unshare --net=/run/nodenet/netns/web-1 true'],
  [{ op: 'netns.del', path: WEB }, undefined, 'ip netns del web-1'],
  [{ op: 'netns.del', path: WEB, flush: true }, undefined, 'ip netns del web-1 (veth pairs deleted first)'],
  [{ op: 'netns.del', path: OTHER }, undefined, "umount -l '/var/run/nodenet/netns/db 1'; rm '/var/run/nodenet/netns/db 1'"],
  [{ op: 'link.add', link: { kind: 'veth', name: 'nnv1a2b3c4d', peer: { name: 'eth0', netns: WEB } } }, WEB, 'ip -n web-1 link add nnv1a2b3c4d type veth peer name eth0 netns web-1'],
  [
    { op: 'link.add', link: { kind: 'veth', name: 'nnv1a2b3c4d', mtu: 1450, alias: 'nodenet:attachment/default/web-1', peer: { name: 'eth0', netns: WEB, mac: '02:42:0a:58:00:0a', mtu: 1450 } } },
    undefined,
    'ip link add nnv1a2b3c4d mtu 1450 type veth peer name eth0 address 02:42:0a:58:00:0a mtu 1450 netns web-1; ip link set dev nnv1a2b3c4d alias nodenet:attachment/default/web-1',
  ],
  [
    { op: 'link.add', link: { kind: 'veth', name: 'nnv1', peer: { name: 'eth0', netns: '/proc/42/ns/net', alias: 'peer side' } } },
    undefined,
    "ip link add nnv1 type veth peer name eth0 netns /proc/42/ns/net; nsenter --net=/proc/42/ns/net ip link set dev eth0 alias 'peer side'",
  ],
  [{ op: 'link.add', link: { kind: 'bridge', name: 'nn-frontend', mtu: 1500, mac: '02:42:ac:11:00:01', alias: 'nodenet:network/frontend' } }, undefined, 'ip link add nn-frontend address 02:42:ac:11:00:01 mtu 1500 type bridge; ip link set dev nn-frontend alias nodenet:network/frontend'],
  [{ op: 'link.add', link: { kind: 'dummy', name: 'nn-d0' } }, undefined, 'ip link add nn-d0 type dummy'],
  [{ op: 'link.add', link: { kind: 'macvlan', name: 'mv0', parent: { name: 'eth0' }, mode: 'bridge', netns: WEB } }, undefined, 'ip link add mv0 link eth0 netns web-1 type macvlan mode bridge'],
  [{ op: 'link.add', link: { kind: 'ipvlan', name: 'iv0', parent: { index: 2 }, mode: 'l3' } }, undefined, 'ip link add iv0 link #2 type ipvlan mode l3'],
  [
    { op: 'link.add', link: { kind: 'vxlan', name: 'nn-vx42', vni: 42, port: 4789, local: '192.0.2.10', dev: { name: 'eth0' }, learning: false } },
    undefined,
    'ip link add nn-vx42 type vxlan id 42 dstport 4789 local 192.0.2.10 dev eth0 nolearning',
  ],
  [{ op: 'link.set', ref: { name: 'nnv1' }, master: { name: 'nn-frontend' }, mtu: 1450, up: true }, undefined, 'ip link set dev nnv1 mtu 1450 master nn-frontend up'],
  [{ op: 'link.set', ref: { index: 7 }, netns: WEB, name: 'eth1', mac: '02:00:00:00:00:01' }, undefined, 'ip link set dev #7 netns web-1 name eth1 address 02:00:00:00:00:01'],
  [{ op: 'link.set', ref: { name: 'nnv1' }, master: null, alias: 'x y', up: false }, WEB, "ip -n web-1 link set dev nnv1 nomaster alias 'x y' down"],
  [{ op: 'link.del', ref: { name: 'nnv1' } }, undefined, 'ip link del dev nnv1'],
  [{ op: 'brport.set', ref: { name: 'nnv1' }, hairpin: true }, undefined, 'bridge link set dev nnv1 hairpin on'],
  [{ op: 'brport.set', ref: { name: 'nnv1' }, hairpin: false }, WEB, 'bridge -n web-1 link set dev nnv1 hairpin off'],
  [{ op: 'addr.add', ref: { name: 'nn-frontend' }, family: 4, address: '10.88.0.1', prefixLen: 24 }, undefined, 'ip addr add 10.88.0.1/24 dev nn-frontend'],
  [{ op: 'addr.add', ref: { name: 'eth0' }, family: 6, address: 'fd00:88::10', prefixLen: 64, noDad: true }, WEB, 'ip -n web-1 addr add fd00:88::10/64 dev eth0 nodad'],
  [{ op: 'addr.del', ref: { name: 'eth0' }, family: 4, address: '10.88.0.10', prefixLen: 24 }, OTHER, "nsenter --net='/var/run/nodenet/netns/db 1' ip addr del 10.88.0.10/24 dev eth0"],
  [{ op: 'route.replace', family: 4, dst: 'default', gateway: '10.88.0.1', dev: { name: 'eth0' } }, WEB, 'ip -n web-1 route replace default via 10.88.0.1 dev eth0'],
  [
    { op: 'route.replace', family: 4, dst: '10.99.0.0/24', gateway: '192.0.2.20', dev: { name: 'nn-vx42' }, onlink: true, table: 100, metric: 10, scope: 0, prefsrc: '10.88.0.1' },
    undefined,
    'ip route replace 10.99.0.0/24 via 192.0.2.20 dev nn-vx42 onlink table 100 metric 10 scope global src 10.88.0.1',
  ],
  [{ op: 'route.del', family: 6, dst: 'default', dev: { name: 'eth0' } }, WEB, 'ip -n web-1 -6 route del default dev eth0'],
  [{ op: 'neigh.replace', ref: { name: 'nn-vx42' }, family: 4, dst: '10.99.0.5', mac: '02:42:0a:63:00:05' }, undefined, 'ip neigh replace 10.99.0.5 lladdr 02:42:0a:63:00:05 dev nn-vx42 nud permanent'],
  [{ op: 'neigh.del', ref: { name: 'nn-vx42' }, family: 6, dst: 'fd00::5', mac: '02:42:0a:63:00:05' }, undefined, 'ip -6 neigh del fd00::5 dev nn-vx42'],
  [{ op: 'fdb.append', ref: { name: 'nn-vx42' }, mac: '00:00:00:00:00:00', dst: '192.0.2.20' }, undefined, 'bridge fdb append 00:00:00:00:00:00 dev nn-vx42 dst 192.0.2.20 self permanent'],
  [{ op: 'fdb.del', ref: { name: 'nn-vx42' }, mac: '02:42:0a:63:00:05', dst: '192.0.2.20' }, WEB, 'bridge -n web-1 fdb del 02:42:0a:63:00:05 dev nn-vx42 dst 192.0.2.20 self'],
  [{ op: 'sysctl.set', key: 'net/ipv4/ip_forward', value: '1' }, undefined, 'sysctl -w net.ipv4.ip_forward=1'],
  [{ op: 'sysctl.set', key: 'net/ipv4/conf/nn-frontend/route_localnet', value: '1' }, WEB, 'ip netns exec web-1 sysctl -w net.ipv4.conf.nn-frontend.route_localnet=1'],
  [{ op: 'sysctl.set', key: 'net/ipv6/conf/eth0.100/disable_ipv6', value: '1' }, '/proc/42/ns/net', 'nsenter --net=/proc/42/ns/net sysctl -w net/ipv6/conf/eth0.100/disable_ipv6=1'],
  [{ op: 'sysctl.set', key: 'net/ipv4/ip_local_port_range', value: '20000 30000' }, undefined, "sysctl -w 'net.ipv4.ip_local_port_range=20000 30000'"],
];

test('describeOp matches the golden text for every op kind', () => {
  for (const [op, ns, want] of golden) assert.equal(describeOp(op, ns), want);
});

test('golden cases cover every op kind', () => {
  const kinds = new Set(golden.map(([op]) => op.op));
  for (const k of ['netns.add', 'netns.del', 'link.add', 'link.set', 'link.del', 'brport.set', 'addr.add', 'addr.del', 'route.replace', 'route.del', 'neigh.replace', 'neigh.del', 'fdb.append', 'fdb.del', 'sysctl.set']) {
    assert.ok(kinds.has(k as KernelOp['op']), k);
  }
});

test('describeOp is deterministic and does not mutate the op', () => {
  const op: KernelOp = { op: 'route.replace', family: 6, dst: 'fd00:1::/64', gateway: 'fe80::1', dev: { name: 'eth0' } };
  const copy = structuredClone(op);
  assert.equal(describeOp(op, WEB), describeOp(copy, WEB));
  assert.deepEqual(op, copy);
});
