// The owned-objects list of each kind, built from what its reconciler planned and observed (no
// extra kernel scan): names and addresses come from the desired side (after a successful apply
// the kernel holds exactly them), ifindexes from the observation, re-read only for a device the
// reconcile just created.
import type { FwNetwork, FwPort } from '../dataplane/firewall/types.js';
import type { Link } from '../dataplane/types.js';
import { networkFirewallObjects, portFirewallObjects } from './firewall.js';
import type { OwnedLink, OwnedObjects, OwnedSysctl } from './types.js';

export interface AttachmentOwnedInput {
  hostIf: string;
  bridge: string;
  netnsPath: string;
  ifName: string;
  host: Link | undefined;
  peer: Link | undefined;
  ipv4?: { address: string; prefixLen: number };
  ipv6?: { address: string; prefixLen: number };
  gateways: { family: 4 | 6; via?: string }[];
  net: FwNetwork;
  ports: FwPort[];
}

function link(l: Link | undefined, extra: Omit<OwnedLink, 'name' | 'ifindex'>): OwnedLink[] {
  return l ? [{ name: l.name, ifindex: l.index, ...extra }] : [];
}

export function attachmentOwned(i: AttachmentOwnedInput): OwnedObjects {
  const ns = i.netnsPath;
  const addrs = [i.ipv4, i.ipv6].filter((a) => a !== undefined).map((a) => ({ address: `${a.address}/${a.prefixLen}`, dev: i.ifName, netns: ns }));
  const nft = portFirewallObjects(i.net, i.ports);
  return {
    links: [...link(i.host, { kind: 'veth', master: i.bridge, hairpin: true }), ...link(i.peer, { netns: ns, kind: 'veth' })],
    addresses: addrs,
    routes: i.gateways.map((g) => ({ family: g.family, dst: 'default', ...(g.via ? { via: g.via } : {}), dev: i.ifName, netns: ns })),
    ...(nft ? { nftables: nft } : {}),
  };
}

export interface NetworkOwnedInput {
  bridge: Link | undefined;
  gateways: { address: string; prefixLen: number }[];
  sysctls: Record<string, string>;
  net: FwNetwork;
}

/** Sysctls of one device are the network's; node-wide ones (forwarding, br_netfilter) are shared. */
function sysctlList(sysctls: Record<string, string>, bridge: string): OwnedSysctl[] {
  return Object.entries(sysctls).map(([key, value]) => ({ key, value, ...(key.includes(`/${bridge}/`) ? {} : { shared: true }) }));
}

export function networkOwned(i: NetworkOwnedInput): OwnedObjects {
  const dev = i.net.bridge;
  return {
    links: link(i.bridge, { kind: 'bridge' }),
    addresses: i.gateways.map((g) => ({ address: `${g.address}/${g.prefixLen}`, dev })),
    sysctls: sysctlList(i.sysctls, dev),
    nftables: networkFirewallObjects(i.net),
  };
}

export interface SandboxOwnedInput {
  netnsPath: string;
  created: boolean;
  loIndex: number;
  files: string[];
}

/** An adopted namespace is not ours: only the files are (its loopback is merely brought up). */
export function sandboxOwned(i: SandboxOwnedInput): OwnedObjects {
  return {
    netns: { path: i.netnsPath, created: i.created },
    links: i.created ? [{ name: 'lo', ifindex: i.loIndex, netns: i.netnsPath }] : [],
    files: i.files,
  };
}
