// The ClaimStore of kube mode (coordinator.ts): claims are OverlayMember objects named
// <network>.<slice>. Claiming a slice is creating its object: the API server refuses a second
// object of the same name, so two nodes can never hold one slice, whatever they raced on. A node
// updates its own claim (a new VTEP address) with a PUT carrying the resourceVersion it listed, so a
// concurrent change makes it re-read instead of overwriting. Reads are fresh lists, never a cache:
// a join decides on what the server holds now.
import { overlayMemberName, overlayMemberObject, type OverlayMemberObject } from '../../../api/v1alpha1/overlay-member.js';
import type { ClaimStore, SliceClaim } from '../coordinator.js';
import type { OverlayMemberApi } from './api.js';

/** A claim as the engine reads it, or undefined for an object that is not a well-formed claim. */
export function claimOf(o: OverlayMemberObject): (SliceClaim & { network: string }) | undefined {
  const s = o.spec as Partial<OverlayMemberObject['spec']> | undefined;
  if (!s || typeof s.network !== 'string' || typeof s.node !== 'string' || typeof s.vtep !== 'string' || !Number.isInteger(s.slice)) return undefined;
  // The CRD enforces the name; a claim under another name would not have been an atomic claim.
  if (o.metadata.name !== overlayMemberName(s.network, s.slice!)) return undefined;
  return { network: s.network, node: s.node, vtep: s.vtep, slice: s.slice!, ...(s.subnets ? { subnets: s.subnets } : {}) };
}

export interface KubeClaimStoreOptions {
  api: OverlayMemberApi;
  /** The Node object to own new claims (garbage collected with it on a cluster); undefined: none. */
  owner?: () => { name: string; uid: string } | undefined;
}

export class KubeClaimStore implements ClaimStore {
  /** The objects of the latest list, by name: an update carries the resourceVersion read there. */
  private readonly seen = new Map<string, OverlayMemberObject>();

  constructor(private readonly opts: KubeClaimStoreOptions) {}

  async list(network: string): Promise<SliceClaim[]> {
    const items = (await this.opts.api.list(network)).items;
    for (const k of [...this.seen.keys()]) if (this.seen.get(k)!.spec.network === network) this.seen.delete(k);
    const out: SliceClaim[] = [];
    for (const o of items) {
      const c = claimOf(o);
      if (!c || c.network !== network) continue;
      this.seen.set(o.metadata.name, o);
      // A claim being deleted (someone put a finalizer on it) still holds its name, so its slice
      // is taken, but it is nobody's claim any more.
      const node = o.metadata.deletionTimestamp ? '' : c.node;
      out.push({ node, vtep: c.vtep, slice: c.slice, ...(c.subnets ? { subnets: c.subnets } : {}) });
    }
    return out;
  }

  async claim(network: string, c: SliceClaim): Promise<'claimed' | 'taken'> {
    const name = overlayMemberName(network, c.slice);
    const spec = { network, node: c.node, vtep: c.vtep, slice: c.slice, ...(c.subnets ? { subnets: [...c.subnets] } : {}) };
    const prev = this.seen.get(name);
    if (prev && !prev.metadata.deletionTimestamp && prev.spec.node === c.node) {
      // Our own claim with an outdated VTEP (or subnets): same slice, conditional update.
      return (await this.opts.api.replace({ ...prev, spec })) ? 'claimed' : 'taken';
    }
    return (await this.opts.api.create(overlayMemberObject(spec, this.opts.owner?.()))) ? 'claimed' : 'taken';
  }

  /**
   * Before a join: removes this node's claims that cannot be used (a slice the current layout does
   * not have, after spec.vxlan.sliceSize changed) and all but the lowest usable one (a node holds
   * one slice; two could only come from two agents running under one node name).
   */
  async prune(network: string, node: string, usable: (slice: number) => boolean): Promise<void> {
    const mine = (await this.opts.api.list(network)).items
      .filter((o) => o.spec?.node === node && !o.metadata.deletionTimestamp && claimOf(o) !== undefined)
      .sort((a, b) => a.spec.slice - b.spec.slice);
    let kept = false;
    for (const o of mine) {
      if (!kept && usable(o.spec.slice)) {
        kept = true;
        continue;
      }
      await this.opts.api.remove(o);
    }
  }

  async release(network: string, node: string): Promise<void> {
    for (const o of (await this.opts.api.list(network)).items) {
      if (o.spec?.node === node) await this.opts.api.remove(o);
    }
  }
}
