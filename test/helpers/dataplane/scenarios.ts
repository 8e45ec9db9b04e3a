// Conformance scenarios: the same op sequences run against the fake and the real kernel. Every
// scenario creates its own namespaces under dir (so indexes start fresh) and removes them last.
import type { KernelOp, LinkRef } from '../../../controllers/dataplane/types.js';
import type { Scenario, Step } from './observe.js';

const n = (name: string): LinkRef => ({ name });
const up = (name: string): KernelOp => ({ op: 'link.set', ref: n(name), up: true });
const down = (name: string): KernelOp => ({ op: 'link.set', ref: n(name), up: false });
const addr = (dev: string, cidr: string, noDad = false): KernelOp => {
  const [address, len] = cidr.split('/');
  return { op: 'addr.add', ref: n(dev), family: address!.includes(':') ? 6 : 4, address: address!, prefixLen: Number(len), noDad };
};
const delAddr = (dev: string, cidr: string): KernelOp => {
  const [address, len] = cidr.split('/');
  return { op: 'addr.del', ref: n(dev), family: address!.includes(':') ? 6 : 4, address: address!, prefixLen: Number(len) };
};
const veth = (name: string, peer: string, netns?: string, extra: { mac?: string; peerMac?: string; mtu?: number } = {}): KernelOp => ({
  op: 'link.add',
  link: { kind: 'veth', name, mac: extra.mac, mtu: extra.mtu, peer: { name: peer, netns, mac: extra.peerMac } },
});
const bridge = (name: string, mtu?: number, mac?: string): KernelOp => ({ op: 'link.add', link: { kind: 'bridge', name, mtu, mac } });

/** One step per op, so every op's outcome is recorded even after a failure. */
function each(ns: string | undefined, ops: KernelOp[]): Step[] {
  return ops.map((op) => ({ ns, ops: [op] }));
}

function lifecycle(paths: string[], body: Step[]): Step[] {
  return [...each(undefined, paths.map((path) => ({ op: 'netns.add', path }))), ...body];
}

function sandbox(dir: string): Scenario {
  const host = `${dir}/s1-host`;
  const sb = `${dir}/s1-web`;
  const attach: KernelOp[] = [
    up('lo'),
    { op: 'link.add', link: { kind: 'bridge', name: 'nn-br', mtu: 1500, alias: 'nodenet:network/frontend' } },
    { op: 'link.add', link: { kind: 'veth', name: 'nnv1', alias: 'nodenet:attachment/web', peer: { name: 'eth0', netns: sb, mac: '02:42:0a:58:00:0a', alias: 'peer' } } },
    { op: 'link.set', ref: n('nnv1'), master: n('nn-br'), up: true, mtu: 1450 },
    up('nn-br'),
    { op: 'brport.set', ref: n('nnv1'), hairpin: true },
    addr('nn-br', '10.88.0.1/24'),
    addr('nn-br', 'fd00:88::1/64', true),
    { op: 'sysctl.set', key: 'net/ipv4/ip_forward', value: '1' },
  ];
  const inside: KernelOp[] = [
    up('lo'),
    up('eth0'),
    addr('eth0', '10.88.0.10/24'),
    addr('eth0', 'fd00:88::10/64', true),
    { op: 'route.replace', family: 4, dst: 'default', gateway: '10.88.0.1', dev: n('eth0') },
    { op: 'route.replace', family: 6, dst: 'default', gateway: 'fd00:88::1', dev: n('eth0') },
  ];
  const again: KernelOp[] = [addr('eth0', '10.88.0.10/24'), { op: 'route.replace', family: 4, dst: 'default', gateway: '10.88.0.1', dev: n('eth0') }, up('eth0')];
  return {
    name: 'sandbox attachment (bridge, veth peer created in the sandbox, addresses, default routes), settled',
    observe: [host, sb],
    settle: true,
    sysctls: ['net/ipv4/ip_forward', 'net/ipv4/conf/nnv1/forwarding', 'net/ipv6/conf/nnv1/mtu'],
    steps: lifecycle([host, sb], [
      ...each(host, attach),
      ...each(sb, inside),
      ...each(sb, again),
      ...each(host, [{ op: 'link.add', link: { kind: 'bridge', name: 'nn-br' } }, addr('nn-br', '10.88.0.1/24'), { op: 'brport.set', ref: n('nnv1'), hairpin: false }]),
    ]),
  };
}

function errors(dir: string): Scenario {
  const a = `${dir}/s2-a`;
  const ops: KernelOp[] = [
    up('lo'),
    veth('v0', 'v0p'),
    bridge('br0'),
    bridge('br1'),
    { op: 'link.set', ref: n('missing'), up: true },
    { op: 'link.del', ref: n('missing') },
    { op: 'link.del', ref: n('lo') },
    { op: 'link.add', link: { kind: 'dummy', name: 'd0' } },
    { op: 'link.add', link: { kind: 'ipvlan', name: 'iv0', parent: n('v0'), mode: 'l2' } },
    { op: 'link.add', link: { kind: 'veth', name: 'bad/name', peer: { name: 'x' } } },
    veth('w0', 'w0p', `${dir}/does-not-exist`),
    veth('v0', 'other'),
    veth('v9', 'v0p'),
    veth('v9', 'v9'),
    { op: 'link.set', ref: n('v0p'), master: n('v0') },
    { op: 'link.set', ref: n('br1'), master: n('br0') },
    { op: 'link.set', ref: n('lo'), master: n('br0') },
    { op: 'link.set', ref: n('v0'), up: true, master: n('v0p') },
    { op: 'brport.set', ref: n('v0'), hairpin: true },
    { op: 'link.set', ref: n('v0'), mac: '01:00:5e:00:00:01' },
    { op: 'link.set', ref: n('v0'), mac: '00:00:00:00:00:00' },
    { op: 'link.set', ref: n('v0'), mtu: 70000 },
    { op: 'link.set', ref: n('v0'), mtu: 60 },
    { op: 'link.set', ref: n('br0'), netns: a },
    { op: 'link.set', ref: n('v0p'), name: 'v0' },
    { op: 'link.set', ref: n('v0p'), alias: 'a'.repeat(255) },
    { op: 'link.set', ref: n('br1'), alias: 'temporary' },
    { op: 'link.set', ref: n('br1'), alias: '' },
    { op: 'route.replace', family: 4, dst: '10.9.0.0/24', dev: n('v0p') },
    addr('v0', '10.1.0.1/24'),
    addr('v0', '10.1.0.1/24'),
    addr('v0', 'fd00:1::1/64', true),
    addr('v0', 'fd00:1::1/80', true),
    delAddr('v0', '10.7.7.7/24'),
    delAddr('v0', 'fd00:1::1/80'),
    { op: 'route.replace', family: 4, dst: '10.9.0.0/24', gateway: '10.5.0.1' },
    { op: 'route.replace', family: 4, dst: '10.9.0.0/24', gateway: '10.1.0.1' },
    { op: 'route.replace', family: 6, dst: 'fd00:9::/64', gateway: 'fd00:5::1' },
    { op: 'route.replace', family: 6, dst: 'fd00:9::/64', gateway: 'fd00:1::1' },
    { op: 'route.replace', family: 6, dst: 'fd00:9::/64', gateway: 'fd00:5::1', dev: n('v0') },
    { op: 'route.replace', family: 4, dst: '10.9.0.0/24', dev: n('v0'), prefsrc: '10.3.3.3' },
    { op: 'route.replace', family: 4, dst: '10.9.0.0/24', gateway: '10.99.0.1', dev: n('v0'), onlink: true },
    { op: 'route.replace', family: 6, dst: 'fd00:8::/64', gateway: 'fe80::1' },
    { op: 'route.del', family: 4, dst: '10.77.0.0/24' },
    { op: 'neigh.del', ref: n('v0'), family: 4, dst: '10.1.0.99', mac: '02:00:00:00:00:99' },
    { op: 'sysctl.set', key: 'net/ipv4/conf/nope/forwarding', value: '1' },
    { op: 'sysctl.set', key: 'net/ipv4/ip_forward', value: 'yes' },
    { op: 'sysctl.set', key: 'net/ipv6/conf/v0p/disable_ipv6', value: '1' },
    addr('v0p', 'fd00:2::1/64', true),
    { op: 'link.add', link: { kind: 'vxlan', name: 'vx0', vni: 42, port: 4789 } },
    { op: 'link.add', link: { kind: 'vxlan', name: 'vx1', vni: 42, port: 4789, local: '10.1.0.1' } },
    { op: 'fdb.del', ref: n('vx0'), mac: '02:00:00:00:00:01', dst: '10.2.0.1' },
    { op: 'link.add', link: { kind: 'macvlan', name: 'mv0', parent: n('v0p'), mode: 'bridge' } },
    { op: 'link.set', ref: n('v0p'), master: n('br0') },
    { op: 'link.add', link: { kind: 'macvlan', name: 'mv1', parent: n('v0p'), mode: 'bridge', mtu: 9000 } },
  ];
  return {
    name: 'errors and the exists/not-found success rules',
    observe: [a],
    sysctls: ['net/ipv4/ip_forward', 'net/ipv6/conf/v0p/disable_ipv6'],
    steps: lifecycle([a], each(a, ops)),
  };
}

function bridgeFollowsPorts(dir: string): Scenario {
  const a = `${dir}/s3-a`;
  const ops: KernelOp[] = [
    bridge('br0', 9000),
    veth('p1', 'p1x', undefined, { mac: '02:00:00:00:00:09' }),
    veth('p2', 'p2x', undefined, { mac: '02:00:00:00:00:05', mtu: 1400 }),
    { op: 'link.set', ref: n('p1'), master: n('br0') },
    { op: 'link.set', ref: n('p2'), master: n('br0') },
    { op: 'link.set', ref: n('p2'), mtu: 1300 },
    { op: 'link.set', ref: n('p2'), mac: '02:00:00:00:00:0b' },
    { op: 'link.set', ref: n('p1'), master: null },
    { op: 'link.del', ref: n('p2') },
    bridge('br1', undefined, '02:00:00:00:00:77'),
    { op: 'link.set', ref: n('p1'), master: n('br1') },
    { op: 'link.set', ref: n('br1'), mtu: 1200 },
    veth('p3', 'p3x', undefined, { mac: '02:00:00:00:00:01' }),
    { op: 'link.set', ref: n('p3'), master: n('br1') },
    { op: 'link.set', ref: n('p3'), master: n('br0') },
    { op: 'brport.set', ref: n('p3'), hairpin: true },
    { op: 'link.set', ref: n('br0'), mac: '02:00:00:00:00:66' },
    { op: 'link.set', ref: n('p1'), master: n('br0') },
    bridge('br2'),
    { op: 'link.set', ref: n('p1'), master: n('br2') },
    { op: 'link.del', ref: n('br2') },
  ];
  return { name: 'bridge MTU and MAC follow the ports unless set by hand', observe: [a], steps: lifecycle([a], each(a, ops)) };
}

function l3Lifecycle(dir: string): Scenario {
  const a = `${dir}/s4-a`;
  const ops: KernelOp[] = [
    veth('v0', 'v0p'),
    addr('v0', '10.1.0.1/24'),
    addr('v0', '10.1.0.2/24'),
    addr('v0', '10.2.0.1/16'),
    addr('v0', 'fd00:1::1/64', true),
    addr('v0', 'fd00:1::2/64', true),
    up('v0'),
    up('v0p'),
    addr('v0p', '10.1.0.9/24'),
    { op: 'route.replace', family: 4, dst: '10.9.0.0/24', gateway: '10.1.0.254' },
    { op: 'route.replace', family: 4, dst: '10.9.0.0/24', gateway: '10.1.0.253', metric: 10 },
    { op: 'route.replace', family: 4, dst: '10.9.0.0/24', gateway: '10.1.0.252', dev: n('v0') },
    { op: 'route.replace', family: 4, dst: '10.8.0.0/24', dev: n('v0'), prefsrc: '10.1.0.2' },
    { op: 'route.replace', family: 4, dst: '10.7.0.0/24', gateway: '10.1.0.254', table: 100 },
    { op: 'route.replace', family: 6, dst: 'fd00:9::/64', gateway: 'fd00:1::fe' },
    { op: 'route.replace', family: 6, dst: 'fd00:9::/64', gateway: 'fd00:1::fd', metric: 5 },
    { op: 'route.replace', family: 6, dst: 'fd00:7::/64', gateway: 'fd00:1::fe', table: 100 },
    { op: 'route.replace', family: 4, dst: '10.6.0.0/24', gateway: '10.99.0.1', dev: n('v0'), onlink: true },
    { op: 'neigh.replace', ref: n('v0'), family: 4, dst: '10.1.0.7', mac: '02:00:00:00:00:07' },
    { op: 'neigh.replace', ref: n('v0'), family: 4, dst: '10.1.0.7', mac: '02:00:00:00:00:08' },
    { op: 'neigh.replace', ref: n('v0'), family: 6, dst: 'fd00:1::7', mac: '02:00:00:00:00:07' },
    { op: 'route.del', family: 4, dst: '10.9.0.0/24', metric: 10 },
    { op: 'route.del', family: 6, dst: 'fd00:9::/64', gateway: 'fd00:1::fd' },
    delAddr('v0', '10.1.0.2/24'),
  ];
  const phase2: KernelOp[] = [
    down('v0'),
    up('v0'),
    { op: 'route.replace', family: 4, dst: '10.9.0.0/24', gateway: '10.1.0.254' },
    delAddr('v0', '10.1.0.1/24'),
    delAddr('v0', '10.2.0.1/16'),
    addr('v0', '10.3.0.1/24'),
    addr('v0', '10.3.0.2/24'),
    delAddr('v0', '10.3.0.1/24'),
    { op: 'link.add', link: { kind: 'vxlan', name: 'vx0', vni: 7, port: 4789, local: '10.1.0.9', dev: n('v0p'), learning: false } },
    { op: 'fdb.append', ref: n('vx0'), mac: '00:00:00:00:00:00', dst: '10.2.0.1' },
    { op: 'fdb.append', ref: n('vx0'), mac: '00:00:00:00:00:00', dst: '10.2.0.2' },
    { op: 'fdb.append', ref: n('vx0'), mac: '00:00:00:00:00:00', dst: '10.2.0.2' },
    { op: 'fdb.append', ref: n('vx0'), mac: '02:00:00:00:00:09', dst: '10.2.0.2' },
    { op: 'fdb.del', ref: n('vx0'), mac: '00:00:00:00:00:00', dst: '10.2.0.1' },
    { op: 'neigh.replace', ref: n('vx0'), family: 4, dst: '10.5.0.1', mac: '02:00:00:00:00:09' },
  ];
  return { name: 'addresses, kernel routes, route replace/del, neighbours, fdb', observe: [a], steps: lifecycle([a], [...each(a, ops), ...each(a, phase2)]) };
}

function namespaces(dir: string): Scenario {
  const [h, b, c] = [`${dir}/s5-host`, `${dir}/s5-b`, `${dir}/s5-c`];
  const host: KernelOp[] = [
    veth('m0', 'm0p'),
    veth('x0', 'x0p', b),
    veth('y0', 'eth0', c),
    { op: 'link.set', ref: n('m0p'), netns: b, name: 'moved' },
    { op: 'link.set', ref: n('m0'), netns: b },
    { op: 'link.add', link: { kind: 'vxlan', name: 'vx0', vni: 9, port: 4789 } },
    { op: 'link.set', ref: n('vx0'), netns: b, name: 'vxm' },
    veth('z0', 'z0p'),
    { op: 'link.add', link: { kind: 'macvlan', name: 'mv0', parent: n('z0'), mode: 'bridge', netns: b } },
    { op: 'link.add', link: { kind: 'macvlan', name: 'mv1', parent: n('z0'), mode: 'private' } },
    veth('keep', 'keepp', c),
    bridge('br9'),
    { op: 'link.set', ref: n('br9'), netns: b },
    { op: 'link.set', ref: n('lo'), netns: b },
    veth('dup', 'dupp'),
    { op: 'link.set', ref: n('dupp'), netns: b, name: 'moved' },
  ];
  const inB: KernelOp[] = [up('moved'), { op: 'link.set', ref: n('m0'), netns: h, name: 'back' }, { op: 'link.del', ref: n('x0p') }];
  const end: KernelOp[] = [{ op: 'link.del', ref: n('z0p') }, { op: 'netns.del', path: c, flush: true }, { op: 'netns.del', path: c, flush: true }];
  return {
    name: 'namespaces: peers across namespaces, moves with rename, cascades on delete',
    observe: [h, b, c],
    steps: lifecycle([h, b, c], [...each(h, host), ...each(b, inB), ...each(h, end)]),
  };
}

function sysctls(dir: string): Scenario {
  const a = `${dir}/s6-a`;
  const ops: KernelOp[] = [
    { op: 'sysctl.set', key: 'net/ipv4/conf/default/rp_filter', value: '2' },
    veth('v0', 'v0p'),
    { op: 'sysctl.set', key: 'net/ipv4/ip_forward', value: '1' },
    { op: 'sysctl.set', key: 'net/ipv6/conf/all/forwarding', value: '1' },
    { op: 'sysctl.set', key: 'net/ipv4/conf/v0/route_localnet', value: '1' },
    { op: 'link.set', ref: n('v0'), name: 'v1' },
    { op: 'sysctl.set', key: 'net/ipv4/ip_local_port_range', value: '20000 30000' },
    { op: 'link.set', ref: n('v1'), mtu: 1400 },
    addr('v0p', 'fd00:6::1/64', true),
    addr('v0p', '10.6.0.1/24'),
    up('v0p'),
    { op: 'sysctl.set', key: 'net/ipv6/conf/v0p/disable_ipv6', value: '1' },
    { op: 'sysctl.set', key: 'net/ipv6/conf/v0p/disable_ipv6', value: '0' },
    addr('v0p', 'fd00:6::2/64', true),
  ];
  const keys = [
    'net/ipv4/ip_forward', 'net/ipv4/conf/all/forwarding', 'net/ipv4/conf/default/forwarding', 'net/ipv4/conf/v1/forwarding',
    'net/ipv4/conf/v0p/forwarding', 'net/ipv6/conf/default/forwarding', 'net/ipv6/conf/v1/forwarding', 'net/ipv4/conf/v1/rp_filter',
    'net/ipv4/conf/v1/route_localnet', 'net/ipv4/conf/v0/route_localnet', 'net/ipv4/ip_local_port_range', 'net/ipv6/conf/v1/mtu',
    'net/bridge/bridge-nf-call-iptables', 'net/ipv6/conf/all/accept_dad', 'net/ipv6/conf/default/accept_dad',
    'net/ipv6/conf/v0p/disable_ipv6',
  ];
  return { name: 'sysctls: defaults, per-link copies, forwarding fan-out, renames', observe: [a], sysctls: keys, steps: lifecycle([a], each(a, ops)) };
}

export function scenarios(dir: string): Scenario[] {
  return [sandbox(dir), errors(dir), bridgeFollowsPorts(dir), l3Lifecycle(dir), namespaces(dir), sysctls(dir)];
}
