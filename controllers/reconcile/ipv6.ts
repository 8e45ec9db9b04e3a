// IPv6 knobs of a dual-stack network. Addresses must be usable at once (no "tentative" window
// for DAD), sandbox interfaces must not take router advertisements from their neighbours, and
// routed IPv6 needs the global forwarding switch, which changes how the host itself treats router
// advertisements: with forwarding on, accept_ra=1 means "ignore RAs", so a host configured by
// SLAAC would lose its default route. Docker flips forwarding and leaves that to the admin
// (moby#43466); like LXD/Incus we first raise accept_ra from 1 to 2 ("accept RAs even when
// forwarding") on the host's own interfaces, and only at the moment we turn forwarding on.
import type { KernelOp, NetnsSession } from '../dataplane/types.js';
import { isOurMarker } from '../model/names.js';

export const IPV6_FORWARDING = 'net/ipv6/conf/all/forwarding';

/**
 * Per-bridge knobs, set before the gateway address goes on and the bridge goes up. No DAD: the
 * neighbour solicitations the host sends for forwarded packets (a published port, a routed
 * reply) come from the bridge's link-local address, and a tentative one sends none, so the
 * first ~second after the bridge gets carrier would lose those packets.
 */
export function bridgeIpv6Sysctls(n: { bridgeName: string; ipv6: unknown }): Record<string, string> {
  if (!n.ipv6) return {};
  const dir = `net/ipv6/conf/${n.bridgeName}`;
  // A host whose default has IPv6 disabled would refuse the gateway address.
  return { [`${dir}/disable_ipv6`]: '0', [`${dir}/accept_ra`]: '0', [`${dir}/accept_dad`]: '0' };
}

/** Global knobs of a network that routes IPv6 (not internal). */
export function ipv6RoutingSysctls(n: { ipv6: unknown; internal: boolean }): Record<string, string> {
  return n.ipv6 && !n.internal ? { [IPV6_FORWARDING]: '1' } : {};
}

/**
 * accept_ra keys to raise from 1 to 2 before IPv6 forwarding goes on; empty when forwarding is
 * already on (the admin's setup, left alone). Our own devices are skipped (our bridges take no
 * RAs at all); `default` is included so interfaces that appear later keep the host behaviour.
 */
export function raGuardKeys(host: NetnsSession): string[] {
  if (host.readSysctl(IPV6_FORWARDING) !== '0') return [];
  const names = host.listLinks().filter((l) => l.name !== 'lo' && !isOurMarker(l.alias)).map((l) => l.name);
  return ['default', ...names].map((d) => `net/ipv6/conf/${d}/accept_ra`).filter((k) => host.readSysctl(k) === '1');
}

export function raGuardOps(keys: readonly string[]): KernelOp[] {
  return keys.map((key) => ({ op: 'sysctl.set', key, value: '2' }));
}

/**
 * Knobs of a sandbox interface that carries IPv6: no RAs (another sandbox on the bridge could
 * otherwise hand out routes), no DAD (our addresses are unique by IPAM; the link-local one is
 * usable at once too), IPv6 on even if the namespace's default disabled it.
 */
export function sandboxIpv6Sysctls(ifName: string, hasIpv6: boolean): Record<string, string> {
  if (!hasIpv6) return {};
  const dir = `net/ipv6/conf/${ifName}`;
  return { [`${dir}/disable_ipv6`]: '0', [`${dir}/accept_ra`]: '0', [`${dir}/accept_dad`]: '0' };
}

/** Current values of the given knobs in a session (undefined where absent). */
export function readSysctls(s: NetnsSession, keys: Iterable<string>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const k of keys) out[k] = s.readSysctl(k)?.trim();
  return out;
}

/** sysctl.set ops for the knobs whose observed value differs. */
export function sysctlOps(want: Record<string, string>, have: Record<string, string | undefined> | undefined): KernelOp[] {
  return Object.entries(want)
    .filter(([k, v]) => have?.[k] !== v)
    .map(([key, value]) => ({ op: 'sysctl.set', key, value }));
}
