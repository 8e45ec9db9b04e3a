// route.replace / route.del with the kernel's checks: the device must be up, a gateway must sit
// in a connected (on-link) route unless "onlink", a preferred source must be a local address.
// Replace matches (table, dst, metric); delete treats unset gateway/device/metric as wildcards.
import { contains, parseCidr, parseIp } from '../../../api/ip.js';
import type { Family } from '../types.js';
import * as c from '../netlink/constants.js';
import { errno, NetlinkError } from '../netlink/errors.js';
import { defaultScope } from '../netlink/route.js';
import type { FNs, FRoute } from './state.js';

export interface RouteArgs {
  family: Family;
  dst: string;
  gateway?: string;
  oif?: number;
  table?: number;
  metric?: number;
  scope?: number;
  onlink?: boolean;
  prefsrc?: string;
}

function covers(r: FRoute, ip: string): number {
  if (r.dst === 'default') return 0;
  const cidr = parseCidr(r.dst);
  return cidr && contains(cidr, parseIp(ip)!) ? cidr.prefix : -1;
}

/** The device through which a gateway is on-link: the most specific route without a gateway. */
function onLinkDev(ns: FNs, family: Family, gw: string, oif: number | undefined): number | undefined {
  let best: { len: number; oif: number } | undefined;
  for (const r of ns.routes) {
    if (r.family !== family || r.gateway !== undefined || r.oif === undefined || r.type !== c.RTN_UNICAST) continue;
    if (family === 4 && r.scope < c.RT_SCOPE_LINK) continue;
    if (oif !== undefined && r.oif !== oif) continue;
    const len = covers(r, gw);
    if (len >= 0 && (!best || len > best.len)) best = { len, oif: r.oif };
  }
  return best?.oif;
}

function isLocal(ns: FNs, family: Family, ip: string, upOnly: boolean): boolean {
  return ns.addrs.some((a) => a.family === family && a.address === ip && (!upOnly || ns.link(a.index)?.up === true));
}

function checkGateway(ns: FNs, r: RouteArgs): number | undefined {
  const gw = r.gateway!;
  if (r.family === 6 && isLocal(ns, 6, gw, false)) throw new NetlinkError(errno.EINVAL, 'Invalid gateway address');
  if (r.onlink) return r.oif;
  const linkLocal = r.family === 6 && parseIp(gw)!.value >> 118n === 0x3fan;
  if (linkLocal) {
    if (r.oif === undefined) throw new NetlinkError(errno.EINVAL, 'Egress device not specified');
    return r.oif;
  }
  const dev = onLinkDev(ns, r.family, gw, r.oif);
  if (dev === undefined) throw new NetlinkError(r.family === 4 ? errno.ENETUNREACH : errno.EHOSTUNREACH, 'Nexthop has invalid gateway');
  return dev;
}

function normDst(dst: string): string {
  return dst === 'default' || parseCidr(dst)?.prefix === 0 ? 'default' : dst;
}

export function replaceRoute(ns: FNs, r: RouteArgs): void {
  if (r.oif !== undefined && !ns.mustLink(r.oif).up) throw new NetlinkError(errno.ENETDOWN, 'Nexthop device is not up');
  const oif = r.gateway !== undefined ? checkGateway(ns, r) : r.oif;
  if (r.prefsrc !== undefined && !isLocal(ns, r.family, r.prefsrc, r.family === 4)) throw new NetlinkError(errno.EINVAL, 'Invalid prefsrc address');
  const route: FRoute = {
    family: r.family,
    dst: normDst(r.dst),
    table: r.table ?? c.RT_TABLE_MAIN,
    protocol: c.RTPROT_STATIC,
    scope: r.family === 4 ? defaultScope(r) : 0,
    type: c.RTN_UNICAST,
  };
  if (r.gateway !== undefined) route.gateway = r.gateway;
  if (oif !== undefined) route.oif = oif;
  const metric = r.family === 6 ? (r.metric || 1024) : r.metric || undefined;
  if (metric !== undefined) route.metric = metric;
  if (r.prefsrc !== undefined) route.prefsrc = r.prefsrc;
  const same = (x: FRoute): boolean => x.family === route.family && x.table === route.table && x.dst === route.dst && (x.metric ?? 0) === (route.metric ?? 0);
  const at = ns.routes.findIndex(same);
  if (at >= 0) ns.routes[at] = route;
  else ns.routes.push(route);
}

export function deleteRoute(ns: FNs, r: RouteArgs): void {
  const dst = normDst(r.dst);
  const table = r.table ?? c.RT_TABLE_MAIN;
  const at = ns.routes.findIndex(
    (x) =>
      x.family === r.family &&
      x.table === table &&
      x.dst === dst &&
      (!r.metric || (x.metric ?? 0) === r.metric) &&
      (r.gateway === undefined || x.gateway === r.gateway) &&
      (r.oif === undefined || x.oif === r.oif),
  );
  if (at < 0) throw new NetlinkError(errno.ESRCH, undefined);
  ns.routes.splice(at, 1);
}
