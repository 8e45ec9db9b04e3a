// The contract between the overlay driver and whatever tells a node who the overlay's members
// are. File mode: the members declared in spec.vxlan.peers (declaredMembers below). Kube mode:
// one OverlayMember object per claimed slice carrying the node's VTEP address, created through the
// API (overlay/kube/); joinOverlay is the claim loop it runs.
import type { ResolvedNetwork } from '../../api/v1alpha1/defaults.js';
import type { DeclaredMember } from './membership.js';
import { lowestFree, type SliceLayout } from './slices.js';

/** Where a node reads an overlay's current members (the engine asks on every reconcile). */
export interface MemberSource {
  /** Members as known now, this node included once it has joined; or why they are not known yet. */
  members(n: ResolvedNetwork, selfNode: string): { members: DeclaredMember[] } | { waiting: string };
}

/** File mode: the members are exactly spec.vxlan.peers. */
export const declaredMembers: MemberSource = {
  members: (n) => ({ members: (n.vxlan?.peers ?? []).map((p) => ({ node: p.node, address: p.address, ...(p.subnet ? { subnet: p.subnet } : {}) })) }),
};

/** One member's claim as stored by the coordinator (kube mode: a per-node object). */
export interface SliceClaim {
  node: string;
  vtep: string;
  slice: number;
  /** The slice as CIDRs, when the store keeps them (kube mode, for people). */
  subnets?: readonly string[];
}

/**
 * Kube mode's store of claims. claim() must be atomic across nodes: it succeeds only if no other
 * node holds the slice, e.g. by creating an object named after (network, slice) (AlreadyExists
 * means taken) or by a compare-and-swap of one claims object on its resourceVersion (Conflict
 * means re-read and retry). Nothing else is required for slices never to overlap.
 */
export interface ClaimStore {
  list(network: string): Promise<SliceClaim[]>;
  /** 'taken': another node holds the slice (or the write lost a race); re-read and pick again. */
  claim(network: string, claim: SliceClaim): Promise<'claimed' | 'taken'>;
  /** Releases every claim of the node (it leaves the overlay). */
  release(network: string, node: string): Promise<void>;
}

/**
 * Joins an overlay: keeps the node's existing claim (same slice across restarts, VTEP updated),
 * else claims the lowest free slice, retrying when another node wins a race for it.
 */
export async function joinOverlay(opts: {
  store: ClaimStore;
  network: string;
  layout: SliceLayout;
  node: string;
  vtep: string;
  maxAttempts?: number;
  /** What a claim records as its CIDRs (kept up to date like the VTEP); default none. */
  subnetsOf?: (slice: number) => string[];
}): Promise<SliceClaim> {
  const { store, network, layout, node, vtep } = opts;
  const attempts = opts.maxAttempts ?? 64;
  for (let i = 0; i < attempts; i++) {
    const claims = await store.list(network);
    const mine = claims.find((c) => c.node === node);
    const slice = mine?.slice ?? lowestFree(layout, new Set(claims.map((c) => c.slice)));
    if (slice === undefined) throw new Error(`join overlay ${network}: no free slice left`);
    const subnets = opts.subnetsOf?.(slice);
    const want: SliceClaim = { node, vtep, slice, ...(subnets ? { subnets } : {}) };
    if (mine && mine.vtep === vtep && String(mine.subnets ?? '') === String(subnets ?? mine.subnets ?? '')) return mine;
    if ((await store.claim(network, want)) === 'claimed') return want;
  }
  throw new Error(`join overlay ${network}: lost the race for a slice ${attempts} times`);
}
