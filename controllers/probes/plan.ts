// What to probe for one attachment, and how results become its conditions. Pure: unit-tested.
import { isIP } from 'node:net';
import type { ConditionInput } from '../status/conditions.js';
import type { HelperResult } from './net-checks.js';

export type CheckName = 'gateway' | 'dns' | 'ports';
export const CHECKS: readonly CheckName[] = ['gateway', 'dns', 'ports'];
export const CONDITION: Record<CheckName, string> = { gateway: 'GatewayReachable', dns: 'DnsReachable', ports: 'PortsReachable' };
export const PROBE_CONDITIONS = Object.values(CONDITION);

export interface PortFact {
  hostIP: string;
  hostPort: number;
  hostPortEnd?: number;
  protocol: string;
}

export interface PortTarget {
  /** "8080/tcp" */
  label: string;
  host: { addr: string; port: number };
  /** From inside the sandbox to a host address (DNAT back onto its own bridge); none for loopback-only mappings. */
  hairpin?: { addr: string; port: number };
}

export interface ProbeTargets {
  gateway?: string;
  dns: string[];
  ports: PortTarget[];
  /** TCP ports beyond the cap, not probed. */
  skipped: number;
  /** Non-TCP mappings (not probed: nothing answers UDP by default). */
  notTcp: number;
}

export function probeTargets(opts: { checks: ReadonlySet<CheckName>; gateway?: string; nameservers: readonly string[]; ports: readonly PortFact[]; maxPorts: number }): ProbeTargets {
  const t: ProbeTargets = { dns: [], ports: [], skipped: 0, notTcp: 0 };
  const gw = opts.gateway && isIP(opts.gateway) === 4 ? opts.gateway : undefined;
  if (opts.checks.has('gateway') && gw) t.gateway = gw;
  if (opts.checks.has('dns')) t.dns = opts.nameservers.filter((n) => isIP(n) !== 0);
  if (!opts.checks.has('ports')) return t;
  for (const p of opts.ports) {
    if (p.protocol !== 'tcp') {
      t.notTcp++;
      continue;
    }
    // IPv6 mappings are not translated from ::1, and the gateway is IPv4: probe IPv4 mappings.
    if (isIP(p.hostIP) !== 4) continue;
    for (let port = p.hostPort; port <= (p.hostPortEnd ?? p.hostPort); port++) {
      if (t.ports.length >= opts.maxPorts) {
        t.skipped++;
        continue;
      }
      const any = p.hostIP === '0.0.0.0';
      const loopback = p.hostIP.startsWith('127.');
      const hairpinAddr = any ? gw : loopback ? undefined : p.hostIP;
      t.ports.push({ label: `${port}/tcp`, host: { addr: any ? '127.0.0.1' : p.hostIP, port }, ...(hairpinAddr ? { hairpin: { addr: hairpinAddr, port } } : {}) });
    }
  }
  return t;
}

export interface ProbeResults {
  gateway?: HelperResult;
  dns: HelperResult[];
  ports: { host: HelperResult; hairpin?: HelperResult }[];
}

export function fmtMs(ms: number): string {
  return `${ms < 10 ? ms.toFixed(2) : ms.toFixed(0)} ms`;
}

/** The probe conditions of one run; a check with nothing to probe yields no condition. */
export function probeConditions(t: ProbeTargets, r: ProbeResults): ConditionInput[] {
  const out: ConditionInput[] = [];
  if (t.gateway && r.gateway) {
    out.push(
      r.gateway.ok
        ? { type: CONDITION.gateway, status: 'True', reason: 'Reachable', message: `${t.gateway} answered ICMP echo in ${fmtMs(r.gateway.ms)}` }
        : { type: CONDITION.gateway, status: 'False', reason: 'Unreachable', message: `${t.gateway}: ${r.gateway.error ?? 'no answer'}` },
    );
  }
  if (t.dns.length && r.dns.length === t.dns.length) {
    const bad = t.dns.map((s, i) => ({ s, r: r.dns[i]! })).filter((x) => !x.r.ok);
    out.push(
      bad.length === 0
        ? { type: CONDITION.dns, status: 'True', reason: 'Answered', message: t.dns.map((s, i) => `${s} answered in ${fmtMs(r.dns[i]!.ms)}`).join('; ') }
        : { type: CONDITION.dns, status: 'False', reason: 'NoAnswer', message: bad.map((x) => `${x.s}:53: ${x.r.error ?? 'no answer'}`).join('; ') },
    );
  }
  if (t.ports.length && r.ports.length === t.ports.length) {
    const parts: string[] = [];
    const bad: string[] = [];
    t.ports.forEach((p, i) => {
      const res = r.ports[i]!;
      const h = res.host.ok ? `from the host (${p.host.addr}) in ${fmtMs(res.host.ms)}` : '';
      const hp = res.hairpin?.ok ? `via hairpin (${p.hairpin!.addr}) in ${fmtMs(res.hairpin.ms)}` : '';
      if (!res.host.ok) bad.push(`${p.label} from the host (${p.host.addr}:${p.host.port}): ${res.host.error ?? 'failed'}`);
      if (res.hairpin && !res.hairpin.ok) bad.push(`${p.label} via hairpin (${p.hairpin!.addr}:${p.hairpin!.port}): ${res.hairpin.error ?? 'failed'}`);
      parts.push(`${p.label} ${[h, hp].filter(Boolean).join(' and ')}`);
    });
    const extra = [t.skipped ? `${t.skipped} more TCP ports not probed` : '', t.notTcp ? `${t.notTcp} non-TCP mappings not probed` : ''].filter(Boolean).join('; ');
    out.push(
      bad.length === 0
        ? { type: CONDITION.ports, status: 'True', reason: 'Reachable', message: [parts.join('; '), extra].filter(Boolean).join('; ') }
        : { type: CONDITION.ports, status: 'False', reason: 'Unreachable', message: [bad.join('; '), extra].filter(Boolean).join('; ') },
    );
  }
  return out;
}
