// Route lookups the way the kernel's main table answers them (longest prefix, then lowest
// metric); policy routing rules are not consulted.
import { contains, parseCidr, parseIp } from '../../api/ip.js';
import type { Route } from '../dataplane/types.js';
import type { NsView } from './world.js';

/** RTN_* route types that refuse instead of forwarding. */
const REFUSING: Record<number, string> = { 6: 'blackhole', 7: 'unreachable', 8: 'prohibit' };

export function refusal(r: Route): string | undefined {
  return REFUSING[r.type];
}

export function lookupRoute(v: NsView, family: 4 | 6, addr: string): Route | undefined {
  const ip = parseIp(addr);
  if (!ip) return undefined;
  let best: { r: Route; prefix: number } | undefined;
  for (const r of v.routes(family)) {
    const prefix = r.dst === 'default' ? 0 : parseCidr(r.dst, false)?.prefix;
    if (prefix === undefined) continue;
    if (prefix > 0 && !contains(parseCidr(r.dst, false)!, ip)) continue;
    const better = !best || prefix > best.prefix || (prefix === best.prefix && (r.metric ?? 0) < (best.r.metric ?? 0));
    if (better) best = { r, prefix };
  }
  return best?.r;
}

/** True when addr is one of the namespace's own addresses (loopback included). */
export function isLocal(v: NsView, addr: string): boolean {
  const ip = parseIp(addr);
  if (!ip) return false;
  if (ip.family === 4 && ip.value >> 24n === 127n) return true;
  if (ip.family === 6 && ip.value === 1n) return true;
  return v.addrs().some((a) => parseIp(a.address)?.value === ip.value && a.family === ip.family);
}

/** The address a namespace uses as source towards a route: its preferred source, else the device's first address. */
export function sourceFor(v: NsView, r: Route, family: 4 | 6): string | undefined {
  if (r.prefsrc) return r.prefsrc;
  const a = v.addrs().find((x) => x.index === r.oif && x.family === family && !(family === 6 && x.address.startsWith('fe80:')));
  return a?.address;
}

export function routeText(r: Route, dev: string | undefined): string {
  return `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${dev ? ` dev ${dev}` : ''}`;
}
