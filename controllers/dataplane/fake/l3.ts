// Addresses and the routes the kernel makes for them (kernel 6.x, default sysctls):
// - IPv4: a primary address on an up link gives "subnet dev X proto kernel scope link src A";
//   a second address in the same subnet is secondary; deleting a primary deletes its secondaries;
//   deleting a link's last IPv4 address flushes every IPv4 route through it.
// - IPv6: an address on an up link gives "prefix dev X proto kernel metric 256"; link down
//   removes every IPv6 address (keep_addr_on_down=0); a link that is up with carrier gets a
//   link-local address and fe80::/64.
// - Link down flushes all routes through the link and its neighbours.
import { formatIp, mask, parseIp, type IpFamily } from '../../../api/ip.js';
import type { Family } from '../types.js';
import * as c from '../netlink/constants.js';
import { errno, NetlinkError } from '../netlink/errors.js';
import { lowerUp } from './carrier.js';
import { ipv6Disabled } from './sysctl.js';
import type { FAddr, FLink, FNs, FRoute } from './state.js';

const IFA_F_SECONDARY = 0x01;

export function subnetOf(family: Family, address: string, prefixLen: number): string {
  const ip = parseIp(address)!;
  const base = formatIp(family as IpFamily, ip.value & mask(family as IpFamily, prefixLen));
  return prefixLen === 0 ? 'default' : `${base}/${prefixLen}`;
}

function v6Scope(address: string): number {
  const v = parseIp(address)!.value;
  if (v === 1n) return c.RT_SCOPE_HOST;
  return v >> 118n === 0x3fan ? c.RT_SCOPE_LINK : c.RT_SCOPE_UNIVERSE;
}

function sameRoute(a: FRoute, b: FRoute): boolean {
  return a.family === b.family && a.table === b.table && a.dst === b.dst && a.oif === b.oif && a.metric === b.metric && a.protocol === b.protocol;
}

function addKernelRoute(ns: FNs, r: FRoute): void {
  if (!ns.routes.some((x) => sameRoute(x, r))) ns.routes.push(r);
}

function connected(l: FLink, a: FAddr): FRoute | undefined {
  if (a.family === 4) {
    if (a.prefixLen >= 32 || a.flags & IFA_F_SECONDARY) return undefined;
    return { family: 4, dst: subnetOf(4, a.address, a.prefixLen), oif: l.index, table: c.RT_TABLE_MAIN, protocol: c.RTPROT_KERNEL, scope: c.RT_SCOPE_LINK, type: c.RTN_UNICAST, prefsrc: a.address };
  }
  if (a.prefixLen >= 128) return undefined;
  return { family: 6, dst: subnetOf(6, a.address, a.prefixLen), oif: l.index, table: c.RT_TABLE_MAIN, protocol: c.RTPROT_KERNEL, scope: 0, type: c.RTN_UNICAST, metric: 256 };
}

export function addAddr(ns: FNs, l: FLink, x: { family: Family; address: string; prefixLen: number; noDad?: boolean }): void {
  const mine = ns.addrs.filter((a) => a.index === l.index && a.family === x.family);
  if (x.family === 6 && ipv6Disabled(ns, l)) throw new NetlinkError(errno.EACCES, 'IPv6 is disabled on this device');
  const dup = mine.find((a) => a.address === x.address && (x.family === 6 || a.prefixLen === x.prefixLen));
  if (dup) throw new NetlinkError(errno.EEXIST, undefined);
  let flags = c.IFA_F_PERMANENT | (x.noDad ? c.IFA_F_NODAD : 0);
  const subnet = subnetOf(x.family, x.address, x.prefixLen);
  if (x.family === 4 && mine.some((a) => a.prefixLen === x.prefixLen && subnetOf(4, a.address, a.prefixLen) === subnet)) flags |= IFA_F_SECONDARY;
  const scope = x.family === 6 ? v6Scope(x.address) : 0;
  const a: FAddr = { index: l.index, family: x.family, address: x.address, prefixLen: x.prefixLen, flags, scope };
  ns.addrs.push(a);
  const r = l.up ? connected(l, a) : undefined;
  if (r) addKernelRoute(ns, r);
}

function dropRoutes(ns: FNs, pred: (r: FRoute) => boolean): void {
  ns.routes = ns.routes.filter((r) => !pred(r));
}

export function delAddr(ns: FNs, l: FLink, x: { family: Family; address: string; prefixLen: number }): void {
  const a = ns.addrs.find((y) => y.index === l.index && y.family === x.family && y.address === x.address && y.prefixLen === x.prefixLen);
  if (!a) throw new NetlinkError(errno.EADDRNOTAVAIL, undefined);
  const subnet = subnetOf(x.family, a.address, a.prefixLen);
  let gone = [a];
  if (a.family === 4 && !(a.flags & IFA_F_SECONDARY)) {
    // promote_secondaries=0: the secondaries of a deleted primary go with it.
    gone = ns.addrs.filter((y) => y.index === l.index && y.family === 4 && y.prefixLen === a.prefixLen && subnetOf(4, y.address, y.prefixLen) === subnet);
  }
  ns.addrs = ns.addrs.filter((y) => !gone.includes(y));
  if (a.family === 4) {
    const srcs = new Set(gone.map((y) => y.address));
    dropRoutes(ns, (r) => r.family === 4 && r.prefsrc !== undefined && srcs.has(r.prefsrc));
    if (!ns.addrs.some((y) => y.index === l.index && y.family === 4)) dropRoutes(ns, (r) => r.family === 4 && r.oif === l.index);
    return;
  }
  const stillCovered = ns.addrs.some((y) => y.index === l.index && y.family === 6 && y.prefixLen === a.prefixLen && subnetOf(6, y.address, y.prefixLen) === subnet);
  if (!stillCovered) dropRoutes(ns, (r) => r.family === 6 && r.oif === l.index && r.protocol === c.RTPROT_KERNEL && r.dst === subnet && r.metric === 256);
}

export function linkUp(ns: FNs, l: FLink): void {
  if (l.name === 'lo' && l.kind === undefined && !ns.addrs.some((a) => a.index === l.index)) {
    ns.addrs.push({ index: l.index, family: 4, address: '127.0.0.1', prefixLen: 8, flags: c.IFA_F_PERMANENT, scope: c.RT_SCOPE_HOST });
    ns.addrs.push({ index: l.index, family: 6, address: '::1', prefixLen: 128, flags: c.IFA_F_PERMANENT, scope: c.RT_SCOPE_HOST });
    return;
  }
  for (const a of ns.addrs) {
    const r = a.index === l.index ? connected(l, a) : undefined;
    if (r) addKernelRoute(ns, r);
  }
}

export function linkDown(ns: FNs, l: FLink): void {
  dropRoutes(ns, (r) => r.oif === l.index);
  ns.addrs = ns.addrs.filter((a) => !(a.index === l.index && a.family === 6));
  ns.neighs = ns.neighs.filter((n) => n.index !== l.index);
  l.linkLocal = false;
}

/** The link leaves the namespace (deleted or moved): everything attached to it goes. */
export function linkGone(ns: FNs, l: FLink): void {
  const srcs = new Set(ns.addrs.filter((a) => a.index === l.index).map((a) => a.address));
  dropRoutes(ns, (r) => r.oif === l.index || (r.prefsrc !== undefined && srcs.has(r.prefsrc)));
  ns.addrs = ns.addrs.filter((a) => a.index !== l.index);
  ns.neighs = ns.neighs.filter((n) => n.index !== l.index);
  ns.fdb = ns.fdb.filter((f) => f.index !== l.index);
}

/** IPv6 switched off on a link: its addresses and their routes go. */
export function ipv6Off(ns: FNs, l: FLink): void {
  ns.addrs = ns.addrs.filter((a) => !(a.index === l.index && a.family === 6));
  dropRoutes(ns, (r) => r.family === 6 && r.oif === l.index);
  l.linkLocal = false;
}

function eui64LinkLocal(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  const groups = [(b[0]! ^ 2) * 256 + b[1]!, b[2]! * 256 + 0xff, 0xfe00 + b[3]!, b[4]! * 256 + b[5]!];
  return formatIp(6, (0xfe80n << 112n) | groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n));
}

/** What the kernel does asynchronously once carrier settles: link-local addresses appear. */
export function settleLinkLocal(ns: FNs): void {
  for (const l of ns.links.values()) {
    if (l.linkLocal || l.kind === undefined || !lowerUp(ns, l) || ipv6Disabled(ns, l)) continue;
    if (ns.sysctl.get(`net/ipv6/conf/${l.name}/addr_gen_mode`) === '1') continue;
    l.linkLocal = true;
    const address = eui64LinkLocal(l.mac);
    if (!ns.addrs.some((a) => a.index === l.index && a.address === address)) {
      ns.addrs.push({ index: l.index, family: 6, address, prefixLen: 64, flags: c.IFA_F_PERMANENT, scope: c.RT_SCOPE_LINK });
    }
    addKernelRoute(ns, { family: 6, dst: 'fe80::/64', oif: l.index, table: c.RT_TABLE_MAIN, protocol: c.RTPROT_KERNEL, scope: 0, type: c.RTN_UNICAST, metric: 256 });
  }
}
