// OverlayMember (kube mode only): one node's claim on one slice of a vxlan Network, with the
// node's VTEP address. The object is named <network>.<slice>, so creating it IS the claim: the API
// server refuses a second object of that name (AlreadyExists), and slices can never be held twice.
// Nodes read every member of an overlay from these objects; nobody writes them by hand.
import { LIMITS as L } from './limits.js';
import { cel, int, list, obj, str, type Schema } from './schema-builders.js';
import { ip, nameRef } from './schema-common.js';
import { API_VERSION } from './types.js';

export const OVERLAY_MEMBER_KIND = 'OverlayMember';
export const OVERLAY_MEMBER_PLURAL = 'overlaymembers';
/** Highest slice index: 2^MAX_SLICE_BITS - 1 (controllers/overlay/slices.ts; a unit test keeps them equal). */
export const SLICE_INDEX_MAX = 2 ** 20 - 1;

export interface OverlayMemberSpec {
  /** The vxlan Network. */
  network: string;
  /** The node holding the slice. */
  node: string;
  /** The node's underlay (VTEP) address. */
  vtep: string;
  /** Index of the slice (the same index in every pool of the network). */
  slice: number;
  /** The slice in each pool, IPv4 first: for people; nodes compute it from the index. */
  subnets?: string[];
}

export interface OverlayMemberObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    uid?: string;
    resourceVersion?: string;
    deletionTimestamp?: string | Date;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string }[];
    [k: string]: unknown;
  };
  spec: OverlayMemberSpec;
}

/** The claim's name: the slice itself, so that two claims on one slice cannot both exist. */
export function overlayMemberName(network: string, slice: number): string {
  return `${network}.${slice}`;
}

export function overlayMemberObject(spec: OverlayMemberSpec, owner?: { name: string; uid: string }): OverlayMemberObject {
  return {
    apiVersion: API_VERSION,
    kind: OVERLAY_MEMBER_KIND,
    metadata: {
      name: overlayMemberName(spec.network, spec.slice),
      // The Node owns its claims: on a cluster, the garbage collector removes them with the Node.
      ...(owner ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: owner.name, uid: owner.uid }] } : {}),
    },
    spec,
  };
}

export function overlayMemberSchema(): Schema {
  const spec = obj(
    "A node's claim on a slice of a vxlan Network.",
    {
      network: nameRef('The vxlan Network.'),
      node: str('The node holding the slice.', { maxLength: L.subdomainMax, minLength: 1, pattern: 'dnsSubdomain' }),
      vtep: ip("The node's underlay (VTEP) address: the other nodes send the overlay's traffic for this slice there."),
      slice: int("Index of the slice: the same-numbered block of each of the network's subnets.", 0, SLICE_INDEX_MAX),
      subnets: list(
        "The slice of each of the network's subnets, IPv4 first (for people: nodes compute it from the index).",
        str('A slice (CIDR).', { maxLength: L.cidrMax, pattern: 'ipCidr' }),
        { maxItems: 2 },
      ),
    },
    {
      required: ['network', 'node', 'vtep', 'slice'],
      rules: [cel('self.network == oldSelf.network && self.node == oldSelf.node && self.slice == oldSelf.slice', 'network, node and slice are immutable: a node that moves deletes its claim and creates another')],
    },
  );
  return {
    type: 'object',
    description:
      "Kube mode: one node's membership in a vxlan overlay, named <network>.<slice>: creating it claims the slice (the API server refuses a second object of the same name). Written and removed by the nodenet agents.",
    properties: {
      apiVersion: { type: 'string', description: `APIVersion: ${API_VERSION}.` },
      kind: { type: 'string', description: `Kind: ${OVERLAY_MEMBER_KIND}.` },
      // Only name may be constrained in a CRD's metadata; it is a subdomain here ("<network>.<slice>").
      metadata: { type: 'object', properties: { name: str('Object name: <network>.<slice>.', { maxLength: L.subdomainMax, minLength: 1, pattern: 'dnsSubdomain' }) } },
      spec,
    },
    required: ['spec'],
    'x-kubernetes-validations': [
      cel("self.metadata.name == self.spec.network + '.' + string(self.spec.slice)", 'an OverlayMember is named <network>.<slice> (spec.network, ".", spec.slice): creating it is the claim on the slice'),
    ],
  };
}
