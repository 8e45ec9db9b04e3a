// Host settings that break container networking whatever nodenet programs, each with its fix:
// forwarding off, a FORWARD policy DROP nothing compensates, foreign DROP rules that br_netfilter
// puts bridged traffic through, another table's drop on the forward hook. Decided by running
// representative packets of every network through the other tables' forward chains (a drop
// anywhere is final; our table's accepts cannot override it).
import type { FwNetwork } from '../dataplane/firewall/types.js';
import { TABLE } from '../dataplane/firewall/ir.js';
import { deciderRef } from '../explain/meaning.js';
import type { Decider } from '../explain/nft/eval.js';
import { evalFilterHook } from '../explain/nft/hooks.js';
import type { Listing } from '../explain/nft/listing.js';
import type { Packet } from '../explain/nft/packet.js';
import { ruleText } from '../explain/nft/text.js';
import { firstHost, formatIp, parseCidr } from '../../api/ip.js';

export interface Conflict {
  reason: 'IpForwardOff' | 'ForwardPolicyDrop' | 'ForeignDropRule' | 'BrNetfilterForeignDrop' | 'ForeignTableDrop';
  message: string;
  fix: string;
  /** The rule or setting, e.g. "rule ip filter FORWARD handle 7". */
  decidedBy: string;
}

export interface HostFacts {
  listing: Listing;
  /** Sysctl values by key as net/ipv4/ip_forward. */
  sysctl(key: string): string | undefined;
  networks: readonly FwNetwork[];
  /** The interface of the host's default route; a placeholder name when there is none. */
  uplink: string;
}

/** Documentation address standing for "somewhere outside". */
const OUTSIDE = '203.0.113.1';

function addrs(n: FwNetwork): { a: string; b: string } | undefined {
  const c = n.subnets.map((s) => parseCidr(s)).find((x) => x?.family === 4);
  if (!c) return undefined;
  const first = firstHost(c);
  return { a: formatIp(4, first + 1n), b: formatIp(4, first + 2n) };
}

interface Probe {
  what: string;
  bridged: boolean;
  p: Packet;
}

function probesOf(n: FwNetwork, f: HostFacts): Probe[] {
  const ip = addrs(n);
  if (!ip) return [];
  const base = { family: 4 as const, proto: 'tcp' as const, sport: 40000, dport: 80 };
  const ct = (dnat: boolean): Packet['ct'] => ({ state: 'new', dnat, snat: false });
  const out: Probe[] = [];
  if (n.icc && f.sysctl('net/bridge/bridge-nf-call-iptables') === '1') {
    out.push({ what: `traffic between sandboxes of ${n.bridge}`, bridged: true, p: { ...base, iif: n.bridge, oif: n.bridge, saddr: ip.a, daddr: ip.b, ct: ct(false) } });
  }
  if (!n.internal) {
    out.push({ what: `traffic from ${n.bridge} to the outside`, bridged: false, p: { ...base, iif: n.bridge, oif: f.uplink, saddr: ip.a, daddr: OUTSIDE, ct: ct(false) } });
    out.push({ what: `published ports of ${n.bridge}`, bridged: false, p: { ...base, iif: f.uplink, oif: n.bridge, saddr: OUTSIDE, daddr: ip.a, ct: ct(true) } });
  }
  return out;
}

const isOurs = (c: { family: string; table: string }): boolean => c.family === 'inet' && c.table === TABLE;

/** One decider dropping some of our traffic: every kind of traffic and bridge it hits, in order. */
interface Finding {
  d: Decider;
  bridged: boolean;
  what: string[];
  bridges: string[];
}

const list = (xs: string[]): string => xs.join(', ');

function classify(f: Finding): Conflict {
  const { d } = f;
  const ref = deciderRef(d);
  const c = d.chain;
  const ipt = c.family === 'ip' || c.family === 'ip6';
  const bin = c.family === 'ip6' ? 'ip6tables' : 'iptables';
  const perBridge = (cmd: (b: string) => string): string => f.bridges.map(cmd).join('; ');
  if (!d.rule && ipt && c.table === 'filter' && c.name === 'FORWARD') {
    return {
      reason: 'ForwardPolicyDrop',
      message: `the ${bin} FORWARD policy is DROP and no rule accepts ${list(f.what)}`,
      fix: `let nodenet keep its compat chain (restart the agent: it inserts "-A FORWARD -m comment --comment nodenet -j NODENET-FORWARD"), or run: ${perBridge((b) => `${bin} -I FORWARD -i ${b} -j ACCEPT; ${bin} -I FORWARD -o ${b} -j ACCEPT`)}`,
      decidedBy: ref,
    };
  }
  const text = d.rule ? ruleText(d.rule) : `policy ${c.base?.policy ?? 'drop'}`;
  const where = `${c.family} ${c.table} ${c.name} (forward hook, priority ${c.base?.prio ?? '?'})`;
  if (f.bridged) {
    return {
      reason: 'BrNetfilterForeignDrop',
      message: `br_netfilter (net.bridge.bridge-nf-call-iptables=1) passes ${list(f.what)} through the forward hook, where "${text}" in ${where} drops it`,
      fix: `accept that traffic before the drop (${perBridge((b) => (ipt ? `${bin} -I ${c.name} -i ${b} -o ${b} -j ACCEPT` : `nft insert rule ${c.family} ${c.table} ${c.name} iifname "${b}" oifname "${b}" accept`))}), or set net.bridge.bridge-nf-call-iptables=0 if no network uses enableICC: false`,
      decidedBy: ref,
    };
  }
  if (ipt) {
    return {
      reason: 'ForeignDropRule',
      message: `"${text}" in ${where} drops ${list(f.what)}`,
      fix: `remove that rule, or accept the traffic before it: ${perBridge((b) => `${bin} -I ${c.name} -i ${b} -j ACCEPT; ${bin} -I ${c.name} -o ${b} -j ACCEPT`)}`,
      decidedBy: ref,
    };
  }
  return {
    reason: 'ForeignTableDrop',
    message: `table ${c.family} ${c.table} chain ${c.name} (forward hook, priority ${c.base?.prio ?? '?'}) drops ${list(f.what)}: ${text}`,
    fix: `a drop in any table is final, whatever nodenet's table accepts: change that chain (${perBridge((b) => `nft insert rule ${c.family} ${c.table} ${c.name} iifname "${b}" accept; nft insert rule ${c.family} ${c.table} ${c.name} oifname "${b}" accept`)}) or delete the rule`,
    decidedBy: ref,
  };
}

export interface HostCheckResult {
  conflicts: Conflict[];
  /** Chains a representative packet could not be decided in (not reported as conflicts). */
  undecided: string[];
}

export function hostConflicts(f: HostFacts): HostCheckResult {
  const conflicts: Conflict[] = [];
  const undecided = new Set<string>();
  if (f.networks.some((n) => !n.internal) && f.sysctl('net/ipv4/ip_forward') === '0') {
    conflicts.push({
      reason: 'IpForwardOff',
      message: 'IPv4 forwarding is off: sandboxes reach nothing beyond their own bridge, and published ports do not answer from outside',
      fix: 'sysctl -w net.ipv4.ip_forward=1, and keep it in /etc/sysctl.d/ (something turned it off after nodenet set it)',
      decidedBy: 'sysctl net.ipv4.ip_forward=0',
    });
  }
  // One conflict per dropping rule or policy (bridged traffic apart: br_netfilter is its cause).
  const findings = new Map<string, Finding>();
  for (const n of f.networks) {
    for (const probe of probesOf(n, f)) {
      const r = evalFilterHook(f.listing, 'forward', probe.p, isOurs);
      if (r.verdict === 'unknown' && r.by) undecided.add(`${deciderRef(r.by)} (${r.why ?? 'undecidable match'})`);
      if (r.verdict !== 'drop' || !r.by) continue;
      const c = r.by.chain;
      const policyDrop = !r.by.rule && (c.family === 'ip' || c.family === 'ip6') && c.table === 'filter' && c.name === 'FORWARD';
      const k = `${deciderRef(r.by)}|${policyDrop ? 'all' : probe.bridged}`;
      const found = findings.get(k) ?? { d: r.by, bridged: probe.bridged && !policyDrop, what: [], bridges: [] };
      findings.set(k, found);
      found.what.push(probe.what);
      if (!found.bridges.includes(n.bridge)) found.bridges.push(n.bridge);
    }
  }
  conflicts.push(...[...findings.values()].map(classify));
  return { conflicts, undecided: [...undecided] };
}
