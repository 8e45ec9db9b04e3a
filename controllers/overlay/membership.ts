// Who is in an overlay and which slice each member holds. File mode declares the members in
// spec.vxlan.peers (this node included, found by its node name); kube mode reads them from
// OverlayMember objects (see coordinator.ts, kube/). Either way a node gets a Membership: its own VTEP and
// slice, and the other members it must reach. Pure.
import { formatCidr, parseCidr } from '../../api/ip.js';
import { indexOfSlice, lowestFree, sliceCount, type SliceLayout } from './slices.js';

export interface DeclaredMember {
  node: string;
  /** Underlay (VTEP) address. */
  address: string;
  /** The member's slice as a CIDR of either family; undefined: assigned (see assignSlices). */
  subnet?: string;
}

export interface Member {
  node: string;
  vtep: string;
  slice: number;
}

export interface Membership {
  self: Member;
  /** Every other member, by node name. */
  peers: Member[];
}

export type MembershipResult = { membership: Membership } | { reason: 'NotAMember' | 'InvalidMembers'; problem: string };

/**
 * Slice of every member. Declared slices are kept as they are; members without one get the lowest
 * free indices in node-name order, so every node computing this from the same list gets the same
 * answer (a member added later may take a free slice, never one already held by a declared member).
 */
export function assignSlices(l: SliceLayout, members: readonly DeclaredMember[]): { slices: Map<string, number> } | { problem: string } {
  const slices = new Map<string, number>();
  const holder = new Map<number, string>();
  for (const m of members) {
    if (slices.has(m.node)) return { problem: `node ${m.node} is declared twice` };
    if (m.subnet === undefined) continue;
    const c = parseCidr(m.subnet);
    if (!c) return { problem: `node ${m.node}: ${m.subnet} is not a CIDR with the host bits clear` };
    const r = indexOfSlice(l, c);
    if ('problem' in r) return { problem: `node ${m.node}: ${r.problem}` };
    const other = holder.get(r.index);
    if (other !== undefined) return { problem: `node ${m.node}: slice ${formatCidr(c)} is already held by node ${other}` };
    holder.set(r.index, m.node);
    slices.set(m.node, r.index);
  }
  const taken = new Set(holder.keys());
  for (const m of [...members].filter((x) => x.subnet === undefined).sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0))) {
    if (slices.has(m.node)) return { problem: `node ${m.node} is declared twice` };
    const free = lowestFree(l, taken);
    if (free === undefined) return { problem: `no free slice left for node ${m.node} (${sliceCount(l)} slices)` };
    taken.add(free);
    slices.set(m.node, free);
  }
  return { slices };
}

/** This node's view of the overlay: its own member entry and every other member. */
export function membershipOf(l: SliceLayout, members: readonly DeclaredMember[], selfNode: string): MembershipResult {
  const assigned = assignSlices(l, members);
  if ('problem' in assigned) return { reason: 'InvalidMembers', problem: assigned.problem };
  const all = members.map((m) => ({ node: m.node, vtep: m.address, slice: assigned.slices.get(m.node)! }));
  const self = all.find((m) => m.node === selfNode);
  if (!self) {
    return { reason: 'NotAMember', problem: `this node (${selfNode}) is not a member of the overlay: add it to spec.vxlan.peers with its underlay address` };
  }
  const clash = all.find((m) => m.node !== selfNode && m.vtep === self.vtep);
  if (clash) return { reason: 'InvalidMembers', problem: `nodes ${selfNode} and ${clash.node} declare the same underlay address ${self.vtep}` };
  return { membership: { self, peers: all.filter((m) => m.node !== selfNode).sort((a, b) => (a.node < b.node ? -1 : 1)) } };
}
