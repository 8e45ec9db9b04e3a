// Semantic checks of a Network that passed the schema. The first group is the TS twin of the
// CEL rules in schema-network.ts (same conditions, same messages); the rest are what CEL cannot
// express: exact address parsing, pool sizes, special ranges, network/broadcast addresses.
import type { IpamPool, Network, NetworkSpec } from './types.js';
import { LIMITS as L } from './limits.js';
import { matches, RESERVED_IFNAMES } from './patterns.js';
import { BRIDGE_NAME_RESERVED } from './schema-network.js';
import type { PathSegment } from './paths.js';
import { Errors, notUnicast } from './semantic-common.js';
import { contains, containsCidr, formatCidr, isMulticast, last, overlaps, parseCidr, parseIp, type Cidr, type IpFamily } from '../ip.js';

const SPEC = ['spec'] as const;
const BLOCKS = ['bridge', 'macvlan', 'ipvlan', 'vxlan'] as const;

// ------------------------------------------------------------ CEL twins
function driverOptionsMatch(errs: Errors, s: NetworkSpec): void {
  for (const block of ['macvlan', 'ipvlan', 'vxlan'] as const) {
    if ((s[block] !== undefined) !== (s.driver === block)) errs.add([...SPEC, block], `spec.${block} must be set if and only if driver is ${block}`);
  }
}

function bridgeOptionsOnlyForBridgeDrivers(errs: Errors, s: NetworkSpec): void {
  if (s.bridge && s.driver && s.driver !== 'bridge' && s.driver !== 'vxlan') {
    errs.add([...SPEC, 'bridge'], 'spec.bridge applies only to the bridge and vxlan drivers');
  }
}

function ipamForbiddenForHostNull(errs: Errors, s: NetworkSpec): void {
  if (s.ipam && (s.driver === 'host' || s.driver === 'null')) errs.add([...SPEC, 'ipam'], 'drivers host and null take no spec.ipam');
}

function ipamRequired(errs: Errors, s: NetworkSpec): void {
  if (s.driver === 'host' || s.driver === 'null') return;
  if (!s.ipam?.ipv4 && !s.ipam?.ipv6) errs.add([...SPEC, 'ipam'], 'this driver needs an address pool: set spec.ipam.ipv4 and/or spec.ipam.ipv6');
}

function ipv6MtuAtLeast1280(errs: Errors, s: NetworkSpec): void {
  if (!s.ipam?.ipv6) return;
  for (const block of BLOCKS) {
    const mtu = s[block]?.mtu;
    if (mtu !== undefined && mtu < L.mtuMinIpv6) {
      errs.add([...SPEC, block, 'mtu'], `mtu ${mtu} is below ${L.mtuMinIpv6}, the minimum for IPv6 (spec.ipam.ipv6 is set)`);
    }
  }
}

function vxlanGatewayPerNode(errs: Errors, s: NetworkSpec): void {
  if (s.driver === 'vxlan' && (s.ipam?.ipv4?.gateway !== undefined || s.ipam?.ipv6?.gateway !== undefined)) {
    errs.add([...SPEC, 'ipam'], 'a vxlan network has one gateway per node, the first address of its slice: remove spec.ipam.*.gateway');
  }
}

function bridgeNameAllowed(errs: Errors, s: NetworkSpec): void {
  const name = s.bridge?.name;
  if (name !== undefined && ((RESERVED_IFNAMES as readonly string[]).includes(name) || name.startsWith('nnv'))) {
    errs.add([...SPEC, 'bridge', 'name'], BRIDGE_NAME_RESERVED);
  }
}

/** CEL's isCIDR/cidr() accept host bits, so the twins parse loosely too. */
const looseCidr = (t: string): Cidr | undefined => parseCidr(t, false);

function poolGatewayInSubnet(errs: Errors, at: PathSegment[], p: IpamPool): void {
  const c = looseCidr(p.subnet);
  const gw = p.gateway === undefined ? undefined : parseIp(p.gateway);
  if (c && gw && !contains(c, gw)) errs.add([...at, 'gateway'], `${p.gateway} is outside subnet ${p.subnet}`);
}

function poolRangeInSubnet(errs: Errors, at: PathSegment[], p: IpamPool): void {
  const c = looseCidr(p.subnet);
  const r = p.range === undefined ? undefined : looseCidr(p.range);
  if (c && r && !containsCidr(c, r)) errs.add([...at, 'range'], `range ${p.range} is outside subnet ${p.subnet}`);
}

function poolReservedInSubnet(errs: Errors, at: PathSegment[], p: IpamPool): void {
  const c = looseCidr(p.subnet);
  if (!c) return;
  (p.reserved ?? []).forEach((text, i) => {
    const ip = parseIp(text);
    if (ip && !contains(c, ip)) errs.add([...at, 'reserved', i], `${text} is outside subnet ${p.subnet}`);
  });
}

// ------------------------------------------------------------ beyond CEL
const SPECIAL: Record<IpFamily, [string, string][]> = {
  4: [
    ['0.0.0.0/8', '"this network" range'],
    ['127.0.0.0/8', 'loopback range'],
    ['169.254.0.0/16', 'link-local range'],
    ['224.0.0.0/4', 'multicast range'],
    ['240.0.0.0/4', 'reserved range'],
  ],
  6: [
    ['::/8', 'reserved range (unspecified, loopback, IPv4-mapped)'],
    ['fe80::/10', 'link-local range'],
    ['ff00::/8', 'multicast range'],
  ],
};

/** Label keys of nodeSelector (TS only: see the comment on nodeSelector in schema-network.ts). */
function nodeSelectorKeys(errs: Errors, s: NetworkSpec): void {
  for (const k of Object.keys(s.nodeSelector ?? {})) {
    if (k.length > L.labelKeyMax || !matches('labelKey', k)) {
      errs.add([...SPEC, 'nodeSelector', k], 'nodeSelector keys must be label keys like kubernetes.io/hostname');
    }
  }
}

function subnetUsable(errs: Errors, at: PathSegment[], subnet: { c: Cidr; text: string }): boolean {
  const { c, text } = subnet;
  const [min, max] = c.family === 4 ? [L.ipv4PrefixMin, L.ipv4PrefixMax] : [L.ipv6PrefixMin, L.ipv6PrefixMax];
  if (c.prefix < min) {
    errs.add(at, `${text} is too large a pool: the prefix must be /${min} or longer`);
    return false;
  }
  if (c.prefix > max) {
    errs.add(at, `${text} is too small: the prefix must be /${max} or shorter to leave room for a gateway and hosts`);
    return false;
  }
  for (const [range, what] of SPECIAL[c.family]) {
    if (overlaps(c, parseCidr(range)!)) {
      errs.add(at, `${text} overlaps the ${what} ${range}`);
      return false;
    }
  }
  return true;
}

function checkPool(errs: Errors, family: IpFamily, p: IpamPool): void {
  const at: PathSegment[] = [...SPEC, 'ipam', `ipv${family}`];
  poolGatewayInSubnet(errs, at, p);
  poolRangeInSubnet(errs, at, p);
  poolReservedInSubnet(errs, at, p);
  errs.unique([...at, 'reserved'], p.reserved, (r) => r);
  const subnet = errs.cidr([...at, 'subnet'], p.subnet, family);
  const usable = subnet !== undefined && subnetUsable(errs, [...at, 'subnet'], { c: subnet, text: p.subnet });
  if (p.gateway !== undefined) {
    const gw = errs.ip([...at, 'gateway'], p.gateway, family);
    if (gw && subnet && usable && contains(subnet, gw)) {
      if (gw.value === subnet.base) errs.add([...at, 'gateway'], `${p.gateway} is the network address of ${p.subnet}`);
      else if (family === 4 && gw.value === last(subnet)) errs.add([...at, 'gateway'], `${p.gateway} is the broadcast address of ${p.subnet}`);
    }
  }
  if (p.range !== undefined) errs.cidr([...at, 'range'], p.range, family);
  (p.reserved ?? []).forEach((r, i) => errs.ip([...at, 'reserved', i], r, family));
}

function checkVxlan(errs: Errors, s: NetworkSpec): void {
  const v = s.vxlan;
  if (!v) return;
  const at: PathSegment[] = [...SPEC, 'vxlan'];
  if (v.underlayAddress !== undefined) unicast(errs, [...at, 'underlayAddress'], v.underlayAddress);
  errs.unique([...at, 'peers'], v.peers, (p) => p.node);
  const pools = [s.ipam?.ipv4, s.ipam?.ipv6].flatMap((p) => (p ? [parseCidr(p.subnet)] : [])).filter((c): c is Cidr => !!c);
  const slices: { cidr: Cidr; i: number }[] = [];
  const disjoint: { cidr: Cidr; i: number }[] = [];
  (v.peers ?? []).forEach((peer, i) => {
    unicast(errs, [...at, 'peers', i, 'address'], peer.address);
    if (peer.subnet === undefined) return;
    const c = errs.cidr([...at, 'peers', i, 'subnet'], peer.subnet);
    if (!c) return;
    if (!pools.some((p) => containsCidr(p, c))) errs.add([...at, 'peers', i, 'subnet'], `${peer.subnet} is outside the network's subnets`);
    const clash = slices.find((o) => overlaps(o.cidr, c));
    if (clash) errs.add([...at, 'peers', i, 'subnet'], `${peer.subnet} overlaps spec.vxlan.peers[${clash.i}].subnet ${formatCidr(clash.cidr)}`);
    else disjoint.push({ cidr: c, i });
    slices.push({ cidr: c, i });
  });
  const main = pools[0];
  const sliceMax = main?.family === 4 ? L.ipv4PrefixMax : L.ipv6PrefixMax;
  const sizeOk = v.sliceSize !== undefined && main !== undefined && v.sliceSize >= main.prefix && v.sliceSize <= sliceMax;
  sameSliceShape(errs, { at, pools, slices: disjoint, bits: sizeOk ? v.sliceSize! - main!.prefix : undefined });
  if (v.sliceSize !== undefined && main) {
    const max = main.family === 4 ? L.ipv4PrefixMax : L.ipv6PrefixMax;
    if (v.sliceSize < main.prefix || v.sliceSize > max) {
      errs.add([...at, 'sliceSize'], `sliceSize must be between ${main.prefix} (the subnet's prefix) and ${max}`);
    }
  }
}

/**
 * Declared slices are all the same number of bits below their pool's prefix (sliceSize's, when
 * set), and no two name the same slice index: a dual-stack node's IPv4 and IPv6 slices share it.
 */
function sameSliceShape(errs: Errors, x: { at: PathSegment[]; pools: Cidr[]; slices: { cidr: Cidr; i: number }[]; bits: number | undefined }): void {
  let want = x.bits === undefined ? undefined : { bits: x.bits, from: 'spec.vxlan.sliceSize' };
  const index = new Map<bigint, number>();
  for (const { cidr, i } of x.slices) {
    const pool = x.pools.find((p) => p.family === cidr.family);
    if (!pool || !containsCidr(pool, cidr)) continue;
    const bits = cidr.prefix - pool.prefix;
    if (!want) want = { bits, from: `spec.vxlan.peers[${i}].subnet` };
    else if (bits !== want.bits) {
      errs.add([...x.at, 'peers', i, 'subnet'], `${formatCidr(cidr)} is a /${cidr.prefix}: slices of ${formatCidr(pool)} are /${pool.prefix + want.bits} (from ${want.from})`);
      continue;
    }
    const k = (cidr.base - pool.base) >> BigInt((cidr.family === 4 ? 32 : 128) - cidr.prefix);
    const other = index.get(k);
    if (other !== undefined && cidr.family !== x.slices.find((s) => s.i === other)?.cidr.family) {
      errs.add([...x.at, 'peers', i, 'subnet'], `${formatCidr(cidr)} is slice ${k}, the same slice as spec.vxlan.peers[${other}].subnet in the other address family`);
    }
    index.set(k, i);
  }
}

function unicast(errs: Errors, at: PathSegment[], text: string): void {
  const ip = errs.ip(at, text);
  const why = ip && notUnicast(ip);
  if (why) errs.add(at, `${text} is ${why}`);
}

export function checkNetwork(n: Network): Errors {
  const errs = new Errors();
  const s = n.spec;
  if (n.metadata.namespace !== undefined) errs.add(['metadata', 'namespace'], 'Network is cluster-scoped: remove metadata.namespace');
  driverOptionsMatch(errs, s);
  bridgeOptionsOnlyForBridgeDrivers(errs, s);
  ipamForbiddenForHostNull(errs, s);
  ipamRequired(errs, s);
  ipv6MtuAtLeast1280(errs, s);
  vxlanGatewayPerNode(errs, s);
  nodeSelectorKeys(errs, s);
  bridgeNameAllowed(errs, s);
  errs.unique([...SPEC, 'allowedNamespaces'], s.allowedNamespaces, (x) => x);
  if (s.ipam?.ipv4) checkPool(errs, 4, s.ipam.ipv4);
  if (s.ipam?.ipv6) checkPool(errs, 6, s.ipam.ipv6);
  const hb = s.bridge?.hostBindingIPv4;
  if (hb !== undefined) {
    const ip = errs.ip([...SPEC, 'bridge', 'hostBindingIPv4'], hb, 4);
    if (ip && (ip.value === 0xffffffffn || isMulticast(ip))) {
      errs.add([...SPEC, 'bridge', 'hostBindingIPv4'], `${hb} is not a host address: use 0.0.0.0 or one of the node's unicast addresses`);
    }
  }
  checkVxlan(errs, s);
  return errs;
}
