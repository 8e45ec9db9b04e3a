// When two published ports collide: same protocol, intersecting host port ranges, and host
// addresses that overlap (0.0.0.0 covers every IPv4 address, :: every IPv6 address).
import type { PortMapping, Protocol } from './types.js';
import { formatIp, parseIp } from '../ip.js';

export interface HostSpan {
  protocol: Protocol;
  /** undefined: the network's hostBindingIPv4, not known without the Network. */
  hostIP: string | undefined;
  from: number;
  to: number;
}

export function spanOf(p: PortMapping, hostIP: string | undefined = p.hostIP): HostSpan {
  return { protocol: p.protocol ?? 'tcp', hostIP, from: p.hostPort, to: p.hostPortEnd ?? p.hostPort };
}

/**
 * Whether two host addresses certainly overlap. An unknown (network default) address overlaps
 * another unknown one and the IPv4 wildcard; against a specific address it is given the benefit
 * of the doubt here, and the cross-object check decides once the Network is known.
 */
export function hostIpsOverlap(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) {
    const other = a ?? b;
    if (other === undefined) return true;
    const ip = parseIp(other);
    return ip?.family === 4 && ip.value === 0n;
  }
  const x = parseIp(a);
  const y = parseIp(b);
  if (!x || !y || x.family !== y.family) return false;
  return x.value === 0n || y.value === 0n || x.value === y.value;
}

export function spansOverlap(a: HostSpan, b: HostSpan): boolean {
  return a.protocol === b.protocol && a.from <= b.to && b.from <= a.to && hostIpsOverlap(a.hostIP, b.hostIP);
}

export function describeSpan(s: HostSpan): string {
  const ports = s.from === s.to ? `${s.from}` : `${s.from}-${s.to}`;
  const ip = s.hostIP === undefined ? "the network's default host address" : canonical(s.hostIP);
  return `${ports}/${s.protocol} on ${ip}`;
}

function canonical(text: string): string {
  const ip = parseIp(text);
  return ip ? formatIp(ip.family, ip.value) : text;
}
