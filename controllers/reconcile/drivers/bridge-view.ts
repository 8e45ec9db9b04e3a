// The bridge-driver view of a network on this node. For vxlan it is the node's share of the
// overlay as its network reconcile recorded it: the node's gateway (first address of its slice)
// and its slice as the allocation range, with static addresses held to the slice too.
import type { ResolvedNetwork, ResolvedPool } from '../../../api/v1alpha1/defaults.js';
import { parseCidr } from '../../../api/ip.js';
import type { NetworkRecord, OverlayRecord } from '../../state/ledger.js';
import { asBridgeNetwork, type BridgeNetwork } from '../bridge-network.js';

export function overlayView(n: ResolvedNetwork, o: Pick<OverlayRecord, 'mtu' | 'ranges' | 'gateways'>): BridgeNetwork | undefined {
  if (n.driver !== 'vxlan' || n.bridgeName === undefined) return undefined;
  const pool = (p: ResolvedPool | undefined): (ResolvedPool & { strictRange: true }) | undefined => {
    if (!p) return undefined;
    const i = o.ranges.findIndex((r) => parseCidr(r)?.family === p.family);
    if (i < 0 || o.gateways[i] === undefined) return undefined;
    return { ...p, range: o.ranges[i]!, gateway: o.gateways[i]!, strictRange: true };
  };
  const ipv4 = pool(n.ipv4);
  const ipv6 = pool(n.ipv6);
  if ((n.ipv4 && !ipv4) || (n.ipv6 && !ipv6)) return undefined;
  return { ...n, bridgeName: n.bridgeName, mtu: o.mtu, ipv4, ipv6 };
}

/** Bridge and vxlan networks as the veth-on-a-bridge path sees them; undefined when not realized here. */
export function bridgeViewOf(n: ResolvedNetwork, rec: NetworkRecord | undefined): BridgeNetwork | undefined {
  if (n.driver === 'bridge') return asBridgeNetwork(n);
  if (n.driver === 'vxlan' && rec?.driver === 'vxlan' && rec.overlay) return overlayView(n, rec.overlay);
  return undefined;
}
