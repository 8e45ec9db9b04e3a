// The underlay of an overlay on this node: the interface holding the node's VTEP address (or the
// one named in spec.vxlan.underlayInterface, which must hold it), and the overlay MTU it allows.
import { canonicalIp, parseIp, type IpFamily } from '../../../api/ip.js';
import type { NetnsSession } from '../../dataplane/types.js';

export interface Underlay {
  ifName: string;
  index: number;
  mtu: number;
  up: boolean;
  family: IpFamily;
}

/** VXLAN headers: outer IP (20 or 40) + UDP 8 + VXLAN 8 + inner Ethernet 14. */
export function vxlanOverhead(family: IpFamily): number {
  return family === 4 ? 50 : 70;
}

export function findUnderlay(host: NetnsSession, want: { vtep: string; ifName?: string }): Underlay | { problem: string } {
  const ip = parseIp(want.vtep);
  if (!ip) return { problem: `underlay address ${want.vtep} is not an IP address` };
  const vtep = canonicalIp(want.vtep)!;
  const holder = host.listAddrs({ family: ip.family }).find((a) => canonicalIp(a.address) === vtep);
  const link = want.ifName !== undefined ? host.getLink(want.ifName) : holder && host.getLinkByIndex(holder.index);
  if (want.ifName !== undefined && !link) return { problem: `underlay interface ${want.ifName} does not exist on this node` };
  if (!holder) return { problem: `underlay address ${vtep} is not configured on this node (it is this node's entry in spec.vxlan.peers)` };
  if (!link || link.index !== holder.index) return { problem: `underlay address ${vtep} is not on interface ${want.ifName ?? '?'}` };
  return { ifName: link.name, index: link.index, mtu: link.mtu, up: link.up && link.lowerUp, family: ip.family };
}

/** The overlay MTU: the explicit one (checked against the underlay) or the underlay's minus the headers. */
export function overlayMtu(explicit: number | undefined, u: Underlay): { mtu: number } | { problem: string } {
  const max = u.mtu - vxlanOverhead(u.family);
  if (explicit === undefined) return { mtu: max };
  if (explicit > max) return { problem: `mtu ${explicit} does not fit the underlay: ${u.ifName} has mtu ${u.mtu}, so the overlay can carry at most ${max}` };
  return { mtu: explicit };
}
