// Which underlay (VTEP) address a node announces for an overlay in kube mode, where a Network is
// one object for every node and cannot list per-node addresses:
//   1. spec.vxlan.underlayAddress, when set (only sensible for a Network that selects one node);
//   2. the address of spec.vxlan.underlayInterface on this node (like flannel's --iface);
//   3. the node's InternalIP from its Node object (status.addresses), the address Kubernetes
//      itself uses to reach the node.
// The driver then checks that the address is configured here (UnderlayNotFound otherwise).
import { isLinkLocal, parseIp } from '../../../api/ip.js';
import type { ResolvedNetwork } from '../../../api/v1alpha1/defaults.js';
import type { Dataplane } from '../../dataplane/types.js';

export interface NodeAddress {
  type: string;
  address: string;
}

/** The slice of a Node object the overlay reads. */
export interface OverlayNode {
  metadata: { name: string; uid?: string };
  status?: { addresses?: NodeAddress[] };
}

export type VtepResult = { vtep: string } | { problem: string };

/** The first global address of an interface: IPv4 if it has one, else IPv6 (never link-local). */
export function interfaceAddress(dp: Dataplane, ifName: string): VtepResult {
  const s = dp.session();
  try {
    const link = s.getLink(ifName);
    if (!link) return { problem: `underlay interface ${ifName} (spec.vxlan.underlayInterface) does not exist on this node` };
    const addrs = s.listAddrs({ index: link.index }).filter((a) => {
      const ip = parseIp(a.address);
      return ip !== undefined && !isLinkLocal(ip);
    });
    const pick = addrs.find((a) => a.family === 4) ?? addrs.find((a) => a.family === 6);
    return pick ? { vtep: pick.address } : { problem: `underlay interface ${ifName} (spec.vxlan.underlayInterface) has no address` };
  } finally {
    s.close();
  }
}

export function nodeInternalIp(node: OverlayNode | undefined, nodeName: string): VtepResult {
  if (!node) return { problem: `Node ${nodeName} is not known to the API server: its InternalIP is this node's overlay address (or set spec.vxlan.underlayInterface)` };
  const ip = (node.status?.addresses ?? []).find((a) => a.type === 'InternalIP' && parseIp(a.address) !== undefined);
  if (!ip) return { problem: `Node ${nodeName} has no InternalIP in status.addresses: set spec.vxlan.underlayInterface to the interface carrying the overlay` };
  return { vtep: ip.address };
}

export function vtepFor(opts: { n: ResolvedNetwork; node: OverlayNode | undefined; nodeName: string; dp: Dataplane }): VtepResult {
  const v = opts.n.vxlan;
  if (v?.underlayAddress !== undefined) return { vtep: v.underlayAddress };
  if (v?.underlayInterface !== undefined) return interfaceAddress(opts.dp, v.underlayInterface);
  return nodeInternalIp(opts.node, opts.nodeName);
}
