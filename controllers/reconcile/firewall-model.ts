// The complete desired firewall model, derived from the desired store and the ledger: networks
// nodenet has realized (never a device someone else owns), and the published ports of attachments
// that hold an address. Also available piecewise (the networks, one attachment's ports) so a
// change to one attachment costs O(its ports), not O(every port).
import type { Attachment, Network } from '../../api/v1alpha1/types.js';
import type { FwModel, FwNetwork, FwPort } from '../dataplane/firewall/types.js';
import type { Ipam } from '../ipam/allocator.js';
import { resolveNetwork, type ResolvedNetwork } from '../../api/v1alpha1/defaults.js';
import { dropShadowedImplied, firewallPorts } from './published-ports.js';
import { poolsOf } from '../ipam/pool.js';
import type { Ledger } from '../state/ledger.js';
import type { DesiredStore } from '../store/desired.js';
import { parseKey } from '../store/keys.js';

export type ModelNetwork = FwNetwork & { hostBinding: string };

/** A published port as one attachment asks for it; an implied "::" twin yields to an explicit "::" mapping of any attachment. */
export type RawPort = FwPort & { implied: boolean };

export interface CompleteModel {
  model: FwModel;
  /** Each publishing attachment's ports before shadowing. */
  byKey: Map<string, RawPort[]>;
}

export interface FirewallModelSource {
  /** The complete model. */
  full(): FwModel;
  /** The complete model with each attachment's own ports (O(every port)). */
  complete(networks?: Map<string, ModelNetwork>): CompleteModel;
  /** The model's networks by network name (O(networks)). */
  networks(): Map<string, ModelNetwork>;
  /** The published ports one attachment asks for under these networks ([] for none). */
  ports(key: string, networks: ReadonlyMap<string, ModelNetwork>): RawPort[];
  /** The owner name an attachment's ports carry. */
  ownerOf(key: string): string;
}

export function firewallModelSource(store: DesiredStore, ledger: Ledger, ipam: Ipam): FirewallModelSource {
  const src: FirewallModelSource = {
    full: () => buildFirewallModel(store, ledger, ipam),
    complete: (networks) => completeModel(store, ledger, ipam, networks),
    networks: () => modelNetworks(store, ledger),
    ports: (key, networks) => attachmentPorts({ store, ledger, ipam, key, networks }),
    ownerOf: (key) => {
      const { namespace, name } = parseKey(key);
      return `${namespace}/${name}`;
    },
  };
  return src;
}

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
export function attachmentFwPorts(a: Attachment, net: FwNetwork & { hostBinding: string }, ips: { 4: string | undefined; 6: string | undefined }): RawPort[] {
  return firewallPorts({ a, net: { hostBindingIPv4: net.hostBinding }, bridge: net.bridge, ips });
}

export function buildFirewallModel(store: DesiredStore, ledger: Ledger, ipam: Ipam): FwModel {
  return completeModel(store, ledger, ipam).model;
}

/** The complete model, with each attachment's ports as published before shadowing (for FirewallSync's base). */
function completeModel(store: DesiredStore, ledger: Ledger, ipam: Ipam, networks = modelNetworks(store, ledger)): CompleteModel {
  const byKey = new Map<string, RawPort[]>();
  const all: RawPort[] = [];
  for (const o of store.list('Attachment')) {
    const ports = attachmentPorts({ store, ledger, ipam, key: o.key, networks });
    if (ports.length === 0) continue;
    byKey.set(o.key, ports);
    all.push(...ports);
  }
  return { model: { networks: [...networks.values()].map(({ hostBinding: _h, ...n }) => n), ports: dropShadowedImplied(all) }, byKey };
}

function modelNetworks(store: DesiredStore, ledger: Ledger): Map<string, ModelNetwork> {
  const networks = new Map<string, ModelNetwork>();
  for (const o of store.list('Network')) {
    const n = resolveNetwork(o.object as Network);
    // Overlay (vxlan) networks are a bridge on every node: same rules; macvlan/ipvlan/host/null have none.
    if ((n.driver !== 'bridge' && n.driver !== 'vxlan') || !n.bridgeName || store.conflictsOf(o.key).length > 0) continue;
    if (ledger.get('networks', n.name)?.device !== n.bridgeName) continue;
    networks.set(n.name, { ...fwNetworkOf({ ...n, bridgeName: n.bridgeName }), hostBinding: n.hostBindingIPv4 });
  }
  return networks;
}

function attachmentPorts(o: { store: DesiredStore; ledger: Ledger; ipam: Ipam; key: string; networks: ReadonlyMap<string, ModelNetwork> }): RawPort[] {
  const obj = o.store.get(o.key);
  if (!obj || obj.object.kind !== 'Attachment') return [];
  const a = obj.object as Attachment;
  const net = o.networks.get(a.spec.network);
  if (!net || net.internal || !a.spec.ports?.length || o.store.conflictsOf(o.key).length > 0) return [];
  if (!o.ledger.get('attachments', o.key)) return [];
  return attachmentFwPorts(a, net, { 4: o.ipam.addressOf(net.name, o.key, 4), 6: o.ipam.addressOf(net.name, o.key, 6) });
}
