// Kube-mode vxlan helpers shared by the in-process and the multi-process tests: a vxlan Network
// without peers, Node objects with an InternalIP (the default VTEP address), the OverlayMember
// claims as the API server holds them, and the invariant every state must keep.
import assert from 'node:assert/strict';
import { overlaps, parseCidr } from '../../api/ip.js';
import { OVERLAY_MEMBER_PLURAL, type OverlayMemberObject } from '../../api/v1alpha1/overlay-member.js';
import { GROUP, VERSION } from '../../api/v1alpha1/types.js';
import { raw } from '../kubeapi/index.js';
import type { KubeWorld, Obj } from './kube.js';

export const MEMBERS_PATH = `/apis/${GROUP}/${VERSION}/${OVERLAY_MEMBER_PLURAL}`;

/** A vxlan Network whose members come from the API (no spec.vxlan.peers). */
export function overlayNetwork(name: string, opts: { vni: number; subnet: string; sliceSize?: number; nodeSelector?: Record<string, string> }): Obj {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'Network',
    metadata: { name },
    spec: {
      driver: 'vxlan',
      ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}),
      vxlan: { vni: opts.vni, ...(opts.sliceSize ? { sliceSize: opts.sliceSize } : {}) },
      ipam: { ipv4: { subnet: opts.subnet } },
    },
  };
}

/** Creates (or relabels) a Node and sets its InternalIP, as the kubelet would. */
export async function overlayNode(w: KubeWorld, name: string, ip: string, labels: Record<string, string> = {}): Promise<void> {
  await w.node(name, labels);
  const r = await raw(w.admin, {
    method: 'PATCH',
    path: `/api/v1/nodes/${name}/status`,
    contentType: 'application/merge-patch+json',
    body: { status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] } },
  });
  if (r.code >= 300) throw new Error(`set address of node ${name}: HTTP ${r.code}`);
}

export async function claimsOf(w: KubeWorld, network?: string): Promise<OverlayMemberObject[]> {
  const r = await raw<{ items: OverlayMemberObject[] }>(w.admin, { path: network ? `${MEMBERS_PATH}?fieldSelector=spec.network%3D${network}` : MEMBERS_PATH });
  if (r.code !== 200) throw new Error(`list overlaymembers: HTTP ${r.code}`);
  return r.body.items;
}

/** "node=slice-cidr" of every claim, sorted: what tests compare. */
export function claimMap(claims: readonly OverlayMemberObject[]): Record<string, string> {
  return Object.fromEntries(claims.map((c) => [c.spec.node, c.spec.subnets?.[0] ?? `#${c.spec.slice}`]).sort());
}

/** The invariant: one claim per node, and no two claims whose slices overlap. */
export function assertDisjoint(claims: readonly OverlayMemberObject[]): void {
  const nodes = claims.map((c) => c.spec.node);
  assert.equal(new Set(nodes).size, nodes.length, `a node holds two slices: ${JSON.stringify(claims.map((c) => c.spec))}`);
  const cidrs = claims.map((c) => parseCidr(c.spec.subnets![0]!)!);
  for (let i = 0; i < cidrs.length; i++) {
    for (let j = i + 1; j < cidrs.length; j++) assert.equal(overlaps(cidrs[i]!, cidrs[j]!), false, `slices overlap: ${claims[i]!.spec.subnets} / ${claims[j]!.spec.subnets}`);
  }
}

/** A node's vxlan facts from its entry of the Network's status. */
export interface VxlanFacts {
  vtep: string;
  slices: string[];
  peers: { node: string; address: string; subnets: string[] }[];
}

export function vxlanFacts(net: Obj | undefined, node: string): VxlanFacts | undefined {
  return (net?.status?.nodes ?? []).find((e: { node: string }) => e.node === node)?.vxlan as VxlanFacts | undefined;
}

/** "node@address" of a node's peers, sorted. */
export function peersOf(net: Obj | undefined, node: string): string[] {
  return (vxlanFacts(net, node)?.peers ?? []).map((p) => `${p.node}@${p.address}`).sort();
}
