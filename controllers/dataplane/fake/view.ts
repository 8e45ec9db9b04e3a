// The fake's state as the contract's read types (what a real session would decode).
import type { Addr, Link, Neigh, Route } from '../types.js';
import * as c from '../netlink/constants.js';
import { lowerUp } from './carrier.js';
import type { FLink, FNs } from './state.js';

export function toLink(ns: FNs, l: FLink): Link {
  const link: Link = {
    index: l.index,
    name: l.name,
    kind: l.kind,
    mtu: l.mtu,
    up: l.up,
    lowerUp: lowerUp(ns, l),
    mac: l.kind === undefined ? '00:00:00:00:00:00' : l.mac,
    master: l.master,
    alias: l.alias,
    link: undefined,
    linkNetnsId: undefined,
  };
  const other = l.peer ?? l.parent;
  if (other) {
    link.link = other.index;
    if (other.ns !== ns) link.linkNetnsId = ns.idOf(other.ns);
  }
  if (l.vxlan) {
    link.vxlan = { ...l.vxlan };
    // A vxlan moved away from the namespace holding its sockets reports that namespace.
    if (l.linkNs && l.linkNs !== ns) {
      link.link = l.index;
      link.linkNetnsId = ns.idOf(l.linkNs);
    }
  }
  if (l.mode !== undefined) link.mode = l.mode;
  return link;
}

export function addrsOf(ns: FNs): Addr[] {
  const v4 = ns.addrs.filter((a) => a.family === 4);
  const v6 = ns.addrs.filter((a) => a.family === 6);
  const byIndex = (a: Addr, b: Addr): number => a.index - b.index;
  return [...v4.sort(byIndex), ...v6.sort(byIndex)].map((a) => ({ ...a }));
}

export function routesOf(ns: FNs, family: 4 | 6, table: number): Route[] {
  return ns.routes.filter((r) => r.family === family && r.table === table).map((r) => ({ ...r }));
}

export function neighsOf(ns: FNs, family: 4 | 6 | 7): Neigh[] {
  if (family === 7) {
    return ns.fdb.map((f) => ({ index: f.index, family: 7, dst: f.dst, mac: f.mac, state: c.NUD_NOARP | c.NUD_PERMANENT, flags: c.NTF_SELF }));
  }
  return ns.neighs.filter((n) => n.family === family).map((n) => ({ index: n.index, family: n.family, dst: n.dst, mac: n.mac, state: c.NUD_PERMANENT, flags: 0 }));
}
