// In-memory kernel state of the fake dataplane: namespaces with links, addresses, routes,
// neighbours, fdb entries, sysctls and the ids each namespace gives the others. Plain data plus
// the few lookups every rule module needs.
import type { Family } from '../types.js';
import { errno, NetlinkError } from '../netlink/errors.js';
import { addLinkSysctls, defaultSysctls } from './sysctl.js';

export interface FLink {
  index: number;
  name: string;
  kind: string | undefined;
  mtu: number;
  /** An MTU set explicitly (bridges stop following their ports' MTU). */
  mtuByUser: boolean;
  up: boolean;
  mac: string;
  /** A MAC set explicitly (bridges stop following their ports' MACs). */
  macByUser: boolean;
  master?: number;
  alias?: string;
  /** veth peer (possibly in another namespace). */
  peer?: { ns: FNs; index: number };
  /** macvlan/ipvlan lower device (possibly in another namespace). */
  parent?: { ns: FNs; index: number };
  /** Namespace a vxlan was created in (its sockets stay there when it moves). */
  linkNs?: FNs;
  vxlan?: { vni: number; port: number; local?: string; dev?: number; learning: boolean };
  mode?: string;
  hairpin: boolean;
  /** IPv6 link-local address generated (happens once the link is up with carrier). */
  linkLocal: boolean;
}

export interface FAddr {
  index: number;
  family: Family;
  address: string;
  prefixLen: number;
  flags: number;
  scope: number;
}

export interface FRoute {
  family: Family;
  dst: string;
  gateway?: string;
  oif?: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  metric?: number;
  prefsrc?: string;
}

export interface FNeigh {
  index: number;
  family: Family;
  dst: string;
  mac: string;
}

export interface FFdb {
  index: number;
  mac: string;
  dst: string;
}

export class FNs {
  readonly links = new Map<number, FLink>();
  addrs: FAddr[] = [];
  routes: FRoute[] = [];
  neighs: FNeigh[] = [];
  fdb: FFdb[] = [];
  readonly sysctl: Map<string, string>;
  /** ifindex allocation is cyclic per namespace: freed numbers are not reused soon. */
  nextIndex = 2;
  /** Ids this namespace gives to others (IFLA_LINK_NETNSID values seen from here). */
  readonly nsids = new Map<FNs, number>();

  /** A new namespace has only lo, index 1, down. */
  constructor(readonly path: string | undefined) {
    this.sysctl = defaultSysctls();
    const lo: FLink = { index: 1, name: 'lo', kind: undefined, mtu: 65536, mtuByUser: false, up: false, mac: '00:00:00:00:00:00', macByUser: false, hairpin: false, linkLocal: false };
    this.links.set(1, lo);
    addLinkSysctls(this, lo);
  }

  link(index: number | undefined): FLink | undefined {
    return index === undefined ? undefined : this.links.get(index);
  }

  byName(name: string): FLink | undefined {
    for (const l of this.links.values()) if (l.name === name) return l;
    return undefined;
  }

  /** The link or ENODEV, worded as ip(8) does. */
  mustLink(index: number): FLink {
    const l = this.links.get(index);
    if (!l) throw new NetlinkError(errno.ENODEV, undefined);
    return l;
  }

  /** The lowest id not yet used here, assigned to other on first need (like peernet2id_alloc). */
  idOf(other: FNs): number {
    let id = this.nsids.get(other);
    if (id === undefined) {
      const used = new Set(this.nsids.values());
      for (id = 0; used.has(id); id++);
      this.nsids.set(other, id);
    }
    return id;
  }
}

let macCounter = 0;

/** Locally administered unicast MACs, distinct and deterministic for a given sequence of creations. */
export function nextMac(): string {
  macCounter = (macCounter + 1) & 0xffffff;
  const bytes = [0x02, 0xfa, 0x4e, (macCounter >> 16) & 0xff, (macCounter >> 8) & 0xff, macCounter & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function resetMacs(): void {
  macCounter = 0;
}
