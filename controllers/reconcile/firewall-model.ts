// The complete desired firewall model, derived from the desired store and the ledger: networks
// nodenet has realized (never a device someone else owns), and the published ports of attachments
// that hold an address.
import type { Attachment, Network } from '../../api/v1alpha1/types.js';
import type { FwModel, FwNetwork } from '../dataplane/firewall/types.js';
import type { Ipam } from '../ipam/allocator.js';
import { resolveNetwork, type ResolvedNetwork } from '../../api/v1alpha1/defaults.js';
import { dropShadowedImplied, firewallPorts } from './published-ports.js';
import { poolsOf } from '../ipam/pool.js';
import type { Ledger } from '../state/ledger.js';
import type { DesiredStore } from '../store/desired.js';

/** The firewall's view of one bridge network (also used to list what the network owns). */
export function fwNetworkOf(n: ResolvedNetwork & { bridgeName: string }): FwNetwork {
  return {
    name: n.name,
    bridge: n.bridgeName,
    subnets: poolsOf(n).map((p) => p.subnet),
    internal: n.internal,
    masquerade: n.masquerade,
    icc: n.enableICC,
    isolation: n.isolation,
  };
}

/** The mappings one attachment (holding these addresses) publishes on its network. */
export function attachmentFwPorts(a: Attachment, net: FwNetwork & { hostBinding: string }, ips: { 4: string | undefined; 6: string | undefined }): ReturnType<typeof firewallPorts> {
  return firewallPorts({ a, net: { hostBindingIPv4: net.hostBinding }, bridge: net.bridge, ips });
}

export function buildFirewallModel(store: DesiredStore, ledger: Ledger, ipam: Ipam): FwModel {
  const networks = new Map<string, FwNetwork & { hostBinding: string }>();
  for (const o of store.list('Network')) {
    const n = resolveNetwork(o.object as Network);
    // Overlay (vxlan) networks are a bridge on every node: same rules; macvlan/ipvlan/host/null have none.
    if ((n.driver !== 'bridge' && n.driver !== 'vxlan') || !n.bridgeName || store.conflictsOf(o.key).length > 0) continue;
    if (ledger.get('networks', n.name)?.device !== n.bridgeName) continue;
    networks.set(n.name, { ...fwNetworkOf({ ...n, bridgeName: n.bridgeName }), hostBinding: n.hostBindingIPv4 });
  }
  const ports: ReturnType<typeof firewallPorts> = [];
  for (const o of store.list('Attachment')) {
    const a = o.object as Attachment;
    const net = networks.get(a.spec.network);
    if (!net || net.internal || !a.spec.ports?.length || store.conflictsOf(o.key).length > 0) continue;
    if (!ledger.get('attachments', o.key)) continue;
    ports.push(...attachmentFwPorts(a, net, { 4: ipam.addressOf(net.name, o.key, 4), 6: ipam.addressOf(net.name, o.key, 6) }));
  }
  return { networks: [...networks.values()].map(({ hostBinding: _h, ...n }) => n), ports: dropShadowedImplied(ports) };
}
