// Resolved view of an Attachment: interface, priority, canonical addresses and fully defaulted
// ports (protocol, host address from the Network, range ends), plus the capped port expansion.
import type { Attachment, Protocol } from './types.js';
import { LIMITS as L } from './limits.js';
import { DEFAULTS, keyOf } from './defaults-values.js';
import type { ResolvedNetwork } from './defaults.js';
import { canonicalIp } from '../ip.js';

export interface ResolvedPort {
  protocol: Protocol;
  /** Canonical host address (the network's hostBindingIPv4 when omitted). */
  hostIP: string;
  hostPort: number;
  /** Equal to hostPort for a single port. */
  hostPortEnd: number;
  containerPort: number;
  containerPortEnd: number;
}

export interface ExpandedPort {
  protocol: Protocol;
  hostIP: string;
  hostPort: number;
  containerPort: number;
}

export interface ResolvedAttachment {
  key: string;
  namespace: string;
  name: string;
  sandbox: string;
  sandboxKey: string;
  network: string;
  networkKey: string;
  interface: string;
  /** Canonical static addresses; undefined means "allocate". */
  ipv4Address: string | undefined;
  ipv6Address: string | undefined;
  /** Lowercase; undefined means "derive from the IPv4 address" (macFromIpv4 in api/ip.ts). */
  macAddress: string | undefined;
  aliases: string[];
  gatewayPriority: number;
  ports: ResolvedPort[];
}

/** `network` supplies the default host address of published ports (0.0.0.0 without it). */
export function resolveAttachment(a: Attachment, network?: Pick<ResolvedNetwork, 'hostBindingIPv4'>): ResolvedAttachment {
  const namespace = a.metadata.namespace ?? DEFAULTS.namespace;
  const hostDefault = network?.hostBindingIPv4 ?? DEFAULTS.hostBindingIPv4;
  const canon = (t: string | undefined): string | undefined => (t === undefined ? undefined : (canonicalIp(t) ?? t));
  return {
    key: keyOf(a),
    namespace,
    name: a.metadata.name,
    sandbox: a.spec.sandbox,
    sandboxKey: `Sandbox/${namespace}/${a.spec.sandbox}`,
    network: a.spec.network,
    networkKey: `Network/${a.spec.network}`,
    interface: a.spec.interface ?? DEFAULTS.interface,
    ipv4Address: canon(a.spec.ipv4Address),
    ipv6Address: canon(a.spec.ipv6Address),
    macAddress: a.spec.macAddress?.toLowerCase(),
    aliases: a.spec.aliases ?? [],
    gatewayPriority: a.spec.gatewayPriority ?? DEFAULTS.gatewayPriority,
    ports: (a.spec.ports ?? []).map((p) => ({
      protocol: p.protocol ?? DEFAULTS.protocol,
      hostIP: canon(p.hostIP) ?? hostDefault,
      hostPort: p.hostPort,
      hostPortEnd: p.hostPortEnd ?? p.hostPort,
      containerPort: p.containerPort,
      containerPortEnd: p.containerPortEnd ?? p.containerPort,
    })),
  };
}

/** One entry per host port; throws when the ranges add up to more than `cap` ports. */
export function expandPorts(ports: readonly ResolvedPort[], cap: number = L.expandedPortsMax): ExpandedPort[] {
  const total = ports.reduce((n, p) => n + Math.max(0, p.hostPortEnd - p.hostPort + 1), 0);
  if (total > cap) throw new Error(`expand ports: ${total} host ports exceed the cap of ${cap}`);
  const out: ExpandedPort[] = [];
  for (const p of ports) {
    for (let i = 0; p.hostPort + i <= p.hostPortEnd; i++) {
      out.push({ protocol: p.protocol, hostIP: p.hostIP, hostPort: p.hostPort + i, containerPort: p.containerPort + i });
    }
  }
  return out;
}
