// The complete desired firewall model, derived from the desired store and the ledger: networks
// nodenet has realized (never a device someone else owns), and the published ports of attachments
// that hold an address.
import type { Attachment, Network } from '../../api/v1alpha1/types.js';
import type { FwModel, FwNetwork, FwPort } from '../dataplane/firewall/types.js';
import type { Ipam } from '../ipam/allocator.js';
import { expandPorts, resolveAttachment, resolveNetwork } from '../../api/v1alpha1/defaults.js';
import { poolsOf } from '../ipam/pool.js';
import type { Ledger } from '../state/ledger.js';
import type { DesiredStore } from '../store/desired.js';

export function buildFirewallModel(store: DesiredStore, ledger: Ledger, ipam: Ipam): FwModel {
  const networks = new Map<string, FwNetwork & { hostBinding: string }>();
  for (const o of store.list('Network')) {
    const n = resolveNetwork(o.object as Network);
    if (n.driver !== 'bridge' || !n.bridgeName || store.conflictsOf(o.key).length > 0) continue;
    if (ledger.get('networks', n.name)?.device !== n.bridgeName) continue;
    networks.set(n.name, {
      name: n.name,
      bridge: n.bridgeName,
      subnets: poolsOf(n).map((p) => p.subnet),
      internal: n.internal,
      masquerade: n.masquerade,
      icc: n.enableICC,
      isolation: n.isolation,
      hostBinding: n.hostBindingIPv4,
    });
  }
  const ports: FwPort[] = [];
  for (const o of store.list('Attachment')) {
    const a = resolveAttachment(o.object as Attachment, { hostBindingIPv4: networks.get((o.object as Attachment).spec.network)?.hostBinding ?? '0.0.0.0' });
    const net = networks.get(a.network);
    if (!net || net.internal || a.ports.length === 0 || store.conflictsOf(o.key).length > 0) continue;
    if (!ledger.get('attachments', o.key)) continue;
    const ip = ipam.addressOf(a.network, o.key, 4);
    if (!ip) continue;
    for (const p of expandPorts(a.ports)) {
      ports.push({ owner: `${a.namespace}/${a.name}`, bridge: net.bridge, hostIP: p.hostIP, hostPort: p.hostPort, protocol: p.protocol, containerIP: ip, containerPort: p.containerPort });
    }
  }
  return { networks: [...networks.values()].map(({ hostBinding: _h, ...n }) => n), ports };
}
