// The complete desired firewall model, derived from the desired store and the ledger: networks
// nodenet has realized (never a device someone else owns), and the published ports of attachments
// that hold an address.
import type { Attachment, Network } from '../../api/v1alpha1/types.js';
import type { FwModel, FwNetwork } from '../dataplane/firewall/types.js';
import type { Ipam } from '../ipam/allocator.js';
import { resolveNetwork } from '../../api/v1alpha1/defaults.js';
import { dropShadowedImplied, firewallPorts } from './published-ports.js';
import { poolsOf } from '../ipam/pool.js';
import type { Ledger } from '../state/ledger.js';
import type { DesiredStore } from '../store/desired.js';

export function buildFirewallModel(store: DesiredStore, ledger: Ledger, ipam: Ipam): FwModel {
  const networks = new Map<string, FwNetwork & { hostBinding: string }>();
  for (const o of store.list('Network')) {
    const n = resolveNetwork(o.object as Network);
    // Overlay (vxlan) networks are a bridge on every node: same rules; macvlan/ipvlan/host/null have none.
    if ((n.driver !== 'bridge' && n.driver !== 'vxlan') || !n.bridgeName || store.conflictsOf(o.key).length > 0) continue;
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
  const ports: ReturnType<typeof firewallPorts> = [];
  for (const o of store.list('Attachment')) {
    const obj = o.object as Attachment;
    const net = networks.get(obj.spec.network);
    if (!net || net.internal || !obj.spec.ports?.length || store.conflictsOf(o.key).length > 0) continue;
    if (!ledger.get('attachments', o.key)) continue;
    const ips = { 4: ipam.addressOf(obj.spec.network, o.key, 4), 6: ipam.addressOf(obj.spec.network, o.key, 6) };
    ports.push(...firewallPorts({ a: obj, net: { hostBindingIPv4: net.hostBinding }, bridge: net.bridge, ips }));
  }
  return { networks: [...networks.values()].map(({ hostBinding: _h, ...n }) => n), ports: dropShadowedImplied(ports) };
}
