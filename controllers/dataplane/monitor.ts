// Kernel change events for drift detection: one socket in the agent's namespace, subscribed to
// link/address/route (and optionally neighbour) groups of every namespace that has an id here
// (NETLINK_LISTEN_ALL_NSID). Events only say what changed where; callers re-read the kernel.
import type { Family } from './types.js';
import * as c from './netlink/constants.js';
import { decodeLink } from './netlink/link.js';
import { parseAttrs, readU32 } from './netlink/attrs.js';
import { RTMSG_LEN } from './netlink/route.js';
import type { NlMsg } from './netlink/message.js';
import { subscribeNetlink } from './netlink/subscribe.js';
import { errno, NetlinkError } from './netlink/errors.js';
import { NetlinkSocket } from './netlink/socket.js';
import { decodeNsid, getNsidBody, newNsidBody } from './netlink/nsid.js';
import { withNsFd } from './netns.js';

export type KernelEvent =
  | {
      kind: 'link' | 'addr' | 'route' | 'neigh';
      action: 'new' | 'del';
      /** Id of the namespace (as known in the agent's); undefined for the agent's own namespace. */
      nsid: number | undefined;
      /** ifindex of the link concerned (the route's output device; 0 when it has none). */
      index: number;
      /** Link name (link events only). */
      name?: string;
      family?: Family;
    }
  /** The socket overran: events were lost, the caller must resync everything. */
  | { kind: 'overflow' };

const KINDS: Readonly<Record<number, { kind: 'link' | 'addr' | 'route' | 'neigh'; action: 'new' | 'del' }>> = {
  [c.RTM_NEWLINK]: { kind: 'link', action: 'new' },
  [c.RTM_DELLINK]: { kind: 'link', action: 'del' },
  [c.RTM_NEWADDR]: { kind: 'addr', action: 'new' },
  [c.RTM_DELADDR]: { kind: 'addr', action: 'del' },
  [c.RTM_NEWROUTE]: { kind: 'route', action: 'new' },
  [c.RTM_DELROUTE]: { kind: 'route', action: 'del' },
  [c.RTM_NEWNEIGH]: { kind: 'neigh', action: 'new' },
  [c.RTM_DELNEIGH]: { kind: 'neigh', action: 'del' },
};

function familyOf(af: number): Family | undefined {
  return af === c.AF_INET ? 4 : af === c.AF_INET6 ? 6 : undefined;
}

/** Decodes one multicast message; undefined for types we do not report. */
export function decodeEvent(m: NlMsg, nsid: number): KernelEvent | undefined {
  const k = KINDS[m.type];
  if (!k) return undefined;
  const ev: KernelEvent = { ...k, nsid: nsid < 0 ? undefined : nsid, index: 0 };
  const p = m.payload;
  if (k.kind === 'link') {
    const link = decodeLink(p);
    ev.index = link.index;
    if (link.name) ev.name = link.name;
    return ev;
  }
  const fam = familyOf(p.readUInt8(0));
  if (fam) ev.family = fam;
  if (k.kind === 'addr') ev.index = p.readUInt32LE(4);
  else if (k.kind === 'neigh') ev.index = p.readInt32LE(4);
  else ev.index = routeOif(p);
  return ev;
}

function routeOif(p: Buffer): number {
  return readU32(parseAttrs(p, RTMSG_LEN).get(c.RTA_OIF)) ?? 0;
}

/** Starts watching; returns a function that stops watching and closes the socket. */
export function watchKernel(onEvent: (ev: KernelEvent) => void, opts: { neigh?: boolean } = {}): () => void {
  const groups = [c.RTNLGRP_LINK, c.RTNLGRP_IPV4_IFADDR, c.RTNLGRP_IPV6_IFADDR, c.RTNLGRP_IPV4_ROUTE, c.RTNLGRP_IPV6_ROUTE];
  if (opts.neigh) groups.push(c.RTNLGRP_NEIGH);
  return subscribeNetlink({
    protocol: c.NETLINK_ROUTE,
    groups,
    options: [[c.NETLINK_LISTEN_ALL_NSID, 1]],
    what: 'kernel events',
    onMessage: (m, nsid) => {
      const ev = decodeEvent(m, nsid);
      if (ev) onEvent(ev);
    },
    onOverflow: () => onEvent({ kind: 'overflow' }),
  });
}

/**
 * The id of the namespace at path in the agent's namespace, assigning one if it has none, so that
 * its events reach watchKernel and IFLA_LINK_NETNSID values can be mapped back to it.
 */
export function ensureNsid(path: string): number {
  const sock = NetlinkSocket.open();
  try {
    return withNsFd(path, (fd) => {
      try {
        sock.request(c.RTM_NEWNSID, 0, newNsidBody(fd));
      } catch (e) {
        if (!(e instanceof NetlinkError && e.errno === errno.EEXIST)) throw new Error(`assign a namespace id to ${path}`, { cause: e });
      }
      const m = sock.get(c.RTM_GETNSID, getNsidBody(fd));
      const id = m && decodeNsid(m.payload);
      if (id === undefined) throw new Error(`namespace ${path} has no id after assignment`);
      return id;
    });
  } finally {
    sock.close();
  }
}
