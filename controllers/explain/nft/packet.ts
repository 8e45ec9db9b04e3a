// A packet as the firewall hooks see it, and the values nft expressions read from it.
export type Proto = 'tcp' | 'udp' | 'sctp' | 'icmp' | 'icmpv6';

export interface Packet {
  family: 4 | 6;
  /** Input interface name; undefined where there is none (output, locally generated). */
  iif?: string;
  /** Output interface name; undefined where there is none yet (prerouting, input). */
  oif?: string;
  saddr: string;
  daddr: string;
  proto: Proto;
  sport?: number;
  dport?: number;
  ct: { state: 'new' | 'established'; dnat: boolean; snat: boolean };
  /** `fib daddr type local`: daddr is an address of this host. */
  daddrLocal?: boolean;
}

/** One component of a value, typed like nft's datatypes so set keys can be written the same way. */
export type Comp =
  | { t: 'ifname'; v: string }
  | { t: 'ipv4_addr' | 'ipv6_addr'; v: string }
  | { t: 'inet_proto'; v: string }
  | { t: 'inet_service'; v: number }
  | { t: 'nf_proto'; v: string }
  | { t: 'fib_addrtype'; v: string }
  | { t: 'ct_dir'; v: string };

/** What an expression yields: components (a concatenation has several), flags (ct state/status), or nothing to compare. */
export type Value = { comps: Comp[] } | { flags: Set<string> } | 'break' | 'unknown';

export const PROTO_NUMBERS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58, sctp: 132 };

export function hasPorts(p: Packet): boolean {
  return p.proto === 'tcp' || p.proto === 'udp' || p.proto === 'sctp';
}
