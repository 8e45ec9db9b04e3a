// Link lifecycle in the fake kernel: index allocation, deletion cascades (veth peer, macvlans on a
// deleted parent, vxlans on a deleted lower device), bridge ports, namespace moves, renames and
// the bridge's habit of following its ports' MTU and smallest MAC unless they were set by hand.
import { errno, NetlinkError } from '../netlink/errors.js';
import { linkDown, linkGone, linkUp } from './l3.js';
import { addLinkSysctls, removeLinkSysctls, renameLinkSysctls } from './sysctl.js';
import type { FLink, FNs } from './state.js';

const ZERO_MAC = '00:00:00:00:00:00';

export function allocIndex(ns: FNs, keep?: number): number {
  if (keep !== undefined && !ns.links.has(keep)) return keep;
  while (ns.links.has(ns.nextIndex)) ns.nextIndex++;
  return ns.nextIndex++;
}

export function register(ns: FNs, l: FLink): FLink {
  ns.links.set(l.index, l);
  addLinkSysctls(ns, l);
  return l;
}

export function macValid(mac: string): boolean {
  return mac !== ZERO_MAC && (parseInt(mac.slice(0, 2), 16) & 1) === 0;
}

export function checkMac(mac: string | undefined): void {
  if (mac !== undefined && !macValid(mac)) throw new NetlinkError(errno.EADDRNOTAVAIL, undefined);
}

/** Upper MTU limit of a device (macvlans and vxlans are bounded by their lower device). */
export function maxMtu(ns: FNs, l: FLink): number {
  if (l.parent) return l.parent.ns.link(l.parent.index)?.mtu ?? 65535;
  if (l.vxlan?.dev !== undefined) return (ns.link(l.vxlan.dev)?.mtu ?? 65535) - 50;
  return 65535;
}

export function checkMtu(mtu: number | undefined, max: number): void {
  if (mtu === undefined) return;
  if (mtu < 68) throw new NetlinkError(errno.EINVAL, 'mtu less than device minimum');
  if (mtu > max) throw new NetlinkError(errno.EINVAL, 'mtu greater than device maximum');
}

function macKey(mac: string): number {
  return parseInt(mac.replace(/:/g, ''), 16);
}

export function recalcBridge(ns: FNs, br: FLink | undefined): void {
  if (!br || br.kind !== 'bridge') return;
  const ports = [...ns.links.values()].filter((p) => p.master === br.index);
  if (!br.mtuByUser) setMtuRaw(ns, br, ports.length ? Math.min(...ports.map((p) => p.mtu)) : 1500);
  if (!br.macByUser) br.mac = ports.length ? ports.map((p) => p.mac).sort((a, b) => macKey(a) - macKey(b))[0]! : ZERO_MAC;
}

export function setMtuRaw(ns: FNs, l: FLink, mtu: number): void {
  l.mtu = mtu;
  const key = `net/ipv6/conf/${l.name}/mtu`;
  if (ns.sysctl.has(key)) ns.sysctl.set(key, String(mtu));
}

function release(ns: FNs, l: FLink): void {
  if (l.master === undefined) return;
  const br = ns.link(l.master);
  delete l.master;
  l.hairpin = false;
  recalcBridge(ns, br);
}

export function setMaster(ns: FNs, l: FLink, master: number, world: Iterable<FNs>): void {
  if (master === 0) return release(ns, l);
  const br = ns.mustLink(master);
  if (br.kind !== 'bridge') throw new NetlinkError(errno.EOPNOTSUPP, undefined);
  if (l.master === br.index) return;
  if (l.kind === undefined) throw new NetlinkError(errno.EINVAL, undefined);
  if (l.kind === 'bridge') throw new NetlinkError(errno.ELOOP, 'Can not enslave a bridge to a bridge');
  if (hasUppers(ns, l, world)) throw new NetlinkError(errno.EBUSY, undefined);
  release(ns, l);
  l.master = br.index;
  recalcBridge(ns, br);
}

/** Devices that took the link's receive path (macvlan/ipvlan children): it cannot be a bridge port. */
export function hasUppers(ns: FNs, l: FLink, world: Iterable<FNs>): boolean {
  for (const n of world) for (const x of n.links.values()) if (x.parent?.ns === ns && x.parent.index === l.index) return true;
  return false;
}

export function setUp(ns: FNs, l: FLink, up: boolean): void {
  if (l.up === up) return;
  l.up = up;
  if (up) linkUp(ns, l);
  else linkDown(ns, l);
}

export function rename(ns: FNs, l: FLink, name: string): void {
  if (name === l.name) return;
  if (ns.byName(name)) throw new NetlinkError(errno.EEXIST, undefined);
  renameLinkSysctls(ns, l.name, name);
  l.name = name;
}

/** Removes a link and everything that cannot live without it, in every namespace of the world. */
export function destroy(ns: FNs, l: FLink, world: Iterable<FNs>): void {
  if (ns.links.get(l.index) !== l) return;
  const all = [...world];
  linkGone(ns, l);
  ns.links.delete(l.index);
  removeLinkSysctls(ns, l.name);
  if (l.master !== undefined) recalcBridge(ns, ns.link(l.master));
  for (const p of ns.links.values()) {
    if (p.master === l.index) {
      delete p.master;
      p.hairpin = false;
    }
  }
  if (l.peer) {
    const p = l.peer.ns.link(l.peer.index);
    if (p) destroy(l.peer.ns, p, all);
  }
  for (const n of all) {
    for (const x of [...n.links.values()]) {
      const child = x.parent?.ns === ns && x.parent.index === l.index;
      const tunnel = x.vxlan?.dev === l.index && (x.linkNs ?? n) === ns;
      if (child || tunnel) destroy(n, x, all);
    }
  }
}

/** Cross-namespace references get ids in both directions when they are made, as the kernel does. */
export function linkIds(a: FNs, b: FNs): void {
  if (a === b) return;
  a.idOf(b);
  b.idOf(a);
}

/**
 * Moves a link to another namespace: it arrives down, unenslaved, without addresses or routes.
 * Like the kernel, it keeps its name when that is free there and only otherwise takes fallback.
 */
export function move(from: FNs, l: FLink, to: FNs, fallback: string | undefined, world: Iterable<FNs>): void {
  if (to === from) return;
  if (l.kind === undefined || l.kind === 'bridge') throw new NetlinkError(errno.EINVAL, 'The interface netns is immutable');
  let newName = l.name;
  if (to.byName(l.name)) {
    if (fallback === undefined || to.byName(fallback)) throw new NetlinkError(errno.EEXIST, undefined);
    newName = fallback;
  }
  setUp(from, l, false);
  release(from, l);
  linkGone(from, l);
  from.links.delete(l.index);
  removeLinkSysctls(from, l.name);
  const oldIndex = l.index;
  l.index = allocIndex(to, l.index);
  l.name = newName;
  l.linkLocal = false;
  register(to, l);
  if (l.peer) {
    const p = l.peer.ns.link(l.peer.index);
    if (p) p.peer = { ns: to, index: l.index };
    linkIds(to, l.peer.ns);
  }
  if (l.parent) linkIds(to, l.parent.ns);
  if (l.linkNs) linkIds(to, l.linkNs);
  for (const n of world) {
    for (const x of n.links.values()) if (x.parent?.ns === from && x.parent.index === oldIndex) x.parent = { ns: to, index: l.index };
  }
}
