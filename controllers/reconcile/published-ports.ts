// Published ports per address family. A host address of one family maps to the sandbox's address
// of that family (nftables cannot translate between families). Like Docker, a port whose hostIP
// was left to the default publishes on every IPv4 address and, when the sandbox has IPv6, on
// every IPv6 address too ("::"); an explicit 0.0.0.0 means IPv4 only.
import type { Attachment, PortStatus } from '../../api/v1alpha1/types.js';
import { expandPorts, resolveAttachment, type ResolvedNetwork } from '../../api/v1alpha1/defaults.js';
import { parseIp } from '../../api/ip.js';
import type { FwPort } from '../dataplane/firewall/types.js';

const ANY4 = '0.0.0.0';
const ANY6 = '::';

interface Mapping {
  /** Resolved port index in the attachment (for status). */
  index: number;
  hostIP: string;
  /** The IPv6 twin of a defaulted 0.0.0.0 mapping: yields to an explicit mapping of the same host port. */
  implied: boolean;
}

/** Host addresses of each resolved port: the port's own, plus "::" for a defaulted wildcard when IPv6 is there. */
function mappings(a: Attachment, net: Pick<ResolvedNetwork, 'hostBindingIPv4'>, hasIpv6: boolean): Mapping[] {
  const r = resolveAttachment(a, net);
  return r.ports.flatMap((p, index) => {
    const defaulted = a.spec.ports?.[index]?.hostIP === undefined && p.hostIP === ANY4;
    const own: Mapping = { index, hostIP: p.hostIP, implied: false };
    return defaulted && hasIpv6 ? [own, { index, hostIP: ANY6, implied: true }] : [own];
  });
}

/** The ports as the status reports them (the implied IPv6 entries included). */
export function statusPorts(a: Attachment, net: Pick<ResolvedNetwork, 'hostBindingIPv4'>, hasIpv6: boolean): PortStatus[] {
  const r = resolveAttachment(a, net);
  return mappings(a, net, hasIpv6).map((m) => ({ ...r.ports[m.index]!, hostIP: m.hostIP }));
}

/**
 * Firewall port entries of one attachment: each host address maps to the container address of
 * its family; a mapping whose family the sandbox lacks is left out.
 */
export function firewallPorts(opts: {
  a: Attachment;
  net: Pick<ResolvedNetwork, 'hostBindingIPv4'>;
  bridge: string;
  ips: { 4?: string; 6?: string };
}): (FwPort & { implied: boolean })[] {
  const { a, net, bridge, ips } = opts;
  const r = resolveAttachment(a, net);
  const out: (FwPort & { implied: boolean })[] = [];
  for (const m of mappings(a, net, ips[6] !== undefined)) {
    const family = parseIp(m.hostIP)?.family;
    const containerIP = family ? ips[family] : undefined;
    if (!containerIP) continue;
    for (const p of expandPorts([{ ...r.ports[m.index]!, hostIP: m.hostIP }])) {
      out.push({ owner: `${r.namespace}/${r.name}`, bridge, hostIP: p.hostIP, hostPort: p.hostPort, protocol: p.protocol, containerIP, containerPort: p.containerPort, implied: m.implied });
    }
  }
  return out;
}

/** Drops implied "::" entries whose host port another mapping publishes on "::" explicitly. */
export function dropShadowedImplied(ports: readonly (FwPort & { implied: boolean })[]): FwPort[] {
  const explicit = new Set(ports.filter((p) => !p.implied && p.hostIP === ANY6).map((p) => `${p.protocol}/${p.hostPort}`));
  return ports.filter((p) => !(p.implied && explicit.has(`${p.protocol}/${p.hostPort}`))).map(({ implied: _i, ...p }) => p);
}
