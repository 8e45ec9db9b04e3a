// The complete desired firewall model, derived from the desired store and the ledger: networks
// nodenet has realized (never a device someone else owns), and the published ports of attachments
// that hold an address.
import type { Attachment, Network } from '../../api/v1alpha1/types.js';
import type { FwModel, FwNetwork, FwPort } from '../dataplane/firewall/types.js';
import type { Ipam } from '../ipam/allocator.js';
import { expandPorts, resolveAttachment, resolveNetwork, type ResolvedNetwork } from '../../api/v1alpha1/defaults.js';
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

/** The mappings one attachment (holding IPv4 address ip) publishes on its network. */
export function attachmentFwPorts(a: Attachment, net: FwNetwork & { hostBinding: string }, ip: string): FwPort[] {
  const r = resolveAttachment(a, { hostBindingIPv4: net.hostBinding });
  return expandPorts(r.ports).map((p) => ({
    owner: `${r.namespace}/${r.name}`,
    bridge: net.bridge,
    hostIP: p.hostIP,
    hostPort: p.hostPort,
    protocol: p.protocol,
    containerIP: ip,
    containerPort: p.containerPort,
  }));
}

export function buildFirewallModel(store: DesiredStore, ledger: Ledger, ipam: Ipam): FwModel {
  const networks = new Map<string, FwNetwork & { hostBinding: string }>();
  for (const o of store.list('Network')) {
    const n = resolveNetwork(o.object as Network);
    if (n.driver !== 'bridge' || !n.bridgeName || store.conflictsOf(o.key).length > 0) continue;
    if (ledger.get('networks', n.name)?.device !== n.bridgeName) continue;
    networks.set(n.name, { ...fwNetworkOf({ ...n, bridgeName: n.bridgeName }), hostBinding: n.hostBindingIPv4 });
  }
  const ports: FwPort[] = [];
  for (const o of store.list('Attachment')) {
    const a = o.object as Attachment;
    const net = networks.get(a.spec.network);
    if (!net || net.internal || !a.spec.ports?.length || store.conflictsOf(o.key).length > 0) continue;
    if (!ledger.get('attachments', o.key)) continue;
    const ip = ipam.addressOf(net.name, o.key, 4);
    if (!ip) continue;
    ports.push(...attachmentFwPorts(a, net, ip));
  }
  return { networks: [...networks.values()].map(({ hostBinding: _h, ...n }) => n), ports };
}
