// The complete desired firewall model, derived from the desired store and the ledger: networks
// nodenet has realized (never a device someone else owns), and the published ports of attachments
// that hold an address. Also available piecewise (the networks, one attachment's ports) so a
// change to one attachment costs O(its ports), not O(every port).
import type { Attachment, Network } from '../../api/v1alpha1/types.js';
import type { FwModel, FwNetwork, FwPort } from '../dataplane/firewall/types.js';
import type { Ipam } from '../ipam/allocator.js';
import { expandPorts, resolveAttachment, resolveNetwork } from '../../api/v1alpha1/defaults.js';
import { poolsOf } from '../ipam/pool.js';
import type { Ledger } from '../state/ledger.js';
import type { DesiredStore } from '../store/desired.js';
import { parseKey } from '../store/keys.js';

export type ModelNetwork = FwNetwork & { hostBinding: string };

export interface FirewallModelSource {
  /** The complete model. */
  full(): FwModel;
  /** The model's networks by network name (O(networks)). */
  networks(): Map<string, ModelNetwork>;
  /** The published ports one attachment contributes under these networks ([] for none). */
  ports(key: string, networks: ReadonlyMap<string, ModelNetwork>): FwPort[];
  /** The owner name an attachment's ports carry. */
  ownerOf(key: string): string;
}

export function firewallModelSource(store: DesiredStore, ledger: Ledger, ipam: Ipam): FirewallModelSource {
  const src: FirewallModelSource = {
    full: () => buildFirewallModel(store, ledger, ipam),
    networks: () => modelNetworks(store, ledger),
    ports: (key, networks) => attachmentPorts({ store, ledger, ipam, key, networks }),
    ownerOf: (key) => {
      const { namespace, name } = parseKey(key);
      return `${namespace}/${name}`;
    },
  };
  return src;
}

export function buildFirewallModel(store: DesiredStore, ledger: Ledger, ipam: Ipam): FwModel {
  const networks = modelNetworks(store, ledger);
  const ports: FwPort[] = [];
  for (const o of store.list('Attachment')) ports.push(...attachmentPorts({ store, ledger, ipam, key: o.key, networks }));
  return { networks: [...networks.values()].map(({ hostBinding: _h, ...n }) => n), ports };
}

function modelNetworks(store: DesiredStore, ledger: Ledger): Map<string, ModelNetwork> {
  const networks = new Map<string, ModelNetwork>();
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
  return networks;
}

function attachmentPorts(o: { store: DesiredStore; ledger: Ledger; ipam: Ipam; key: string; networks: ReadonlyMap<string, ModelNetwork> }): FwPort[] {
  const obj = o.store.get(o.key);
  if (!obj || obj.object.kind !== 'Attachment') return [];
  const spec = (obj.object as Attachment).spec;
  const net = o.networks.get(spec.network);
  if (!net || net.internal || !spec.ports?.length || o.store.conflictsOf(o.key).length > 0) return [];
  if (!o.ledger.get('attachments', o.key)) return [];
  const a = resolveAttachment(obj.object as Attachment, { hostBindingIPv4: net.hostBinding });
  const ip = o.ipam.addressOf(a.network, o.key, 4);
  if (!ip || a.ports.length === 0) return [];
  return expandPorts(a.ports).map((p) => ({
    owner: `${a.namespace}/${a.name}`,
    bridge: net.bridge,
    hostIP: p.hostIP,
    hostPort: p.hostPort,
    protocol: p.protocol,
    containerIP: ip,
    containerPort: p.containerPort,
  }));
}
