// RTM_{NEW,DEL,GET}ROUTE bodies: struct rtmsg + RTA_* attributes, and the decoder to Route.
import type { Family, Route } from '../types.js';
import { parseCidr } from '../../../api/ip.js';
import * as a from './attrs.js';
import * as c from './constants.js';
import { afOf } from './addr.js';
import { ipBytes, ipText } from './bytes.js';

export const RTMSG_LEN = 12;
const RTM_F_CLONED = 0x200;

interface RtmsgFields {
  family: number;
  dstLen?: number;
  table?: number;
  protocol?: number;
  scope?: number;
  type?: number;
  flags?: number;
}

export function rtmsg(h: RtmsgFields): Buffer {
  const b = Buffer.alloc(RTMSG_LEN);
  b.writeUInt8(h.family, 0);
  b.writeUInt8(h.dstLen ?? 0, 1);
  // Table ids above 255 only fit in RTA_TABLE; the header then says "compat".
  const t = h.table ?? 0;
  b.writeUInt8(t > 255 ? c.RT_TABLE_COMPAT : t, 4);
  b.writeUInt8(h.protocol ?? 0, 5);
  b.writeUInt8(h.scope ?? 0, 6);
  b.writeUInt8(h.type ?? 0, 7);
  b.writeUInt32LE(h.flags ?? 0, 8);
  return b;
}

export interface RouteSpec {
  family: Family;
  /** "default" or a CIDR with host bits clear. */
  dst: string;
  gateway?: string;
  oif?: number;
  table?: number;
  metric?: number;
  scope?: number;
  onlink?: boolean;
  prefsrc?: string;
}

function dstOf(family: Family, dst: string): { len: number; bytes?: Buffer } {
  if (dst === 'default') return { len: 0 };
  const cidr = parseCidr(dst);
  if (!cidr || cidr.family !== family) throw new Error(`invalid IPv${family} destination "${dst}"`);
  return { len: cidr.prefix, bytes: ipBytes(dst.slice(0, dst.indexOf('/')), family) };
}

/** The scope ip(8) picks: routes without a gateway are on-link (IPv4 only; IPv6 ignores scope). */
export function defaultScope(r: { family: Family; gateway?: string; scope?: number }): number {
  if (r.scope !== undefined) return r.scope;
  return r.family === 4 && r.gateway === undefined ? c.RT_SCOPE_LINK : c.RT_SCOPE_UNIVERSE;
}

function routeAttrs(r: RouteSpec, dst: { bytes?: Buffer }, table: number): Buffer[] {
  const out: Buffer[] = [];
  if (dst.bytes) out.push(a.attr(c.RTA_DST, dst.bytes));
  if (r.gateway !== undefined) out.push(a.attr(c.RTA_GATEWAY, ipBytes(r.gateway, r.family)));
  if (r.oif !== undefined) out.push(a.attrU32(c.RTA_OIF, r.oif));
  if (r.metric !== undefined) out.push(a.attrU32(c.RTA_PRIORITY, r.metric));
  if (r.prefsrc !== undefined) out.push(a.attr(c.RTA_PREFSRC, ipBytes(r.prefsrc, r.family)));
  out.push(a.attrU32(c.RTA_TABLE, table));
  return out;
}

/** Create-or-replace (NLM_F_CREATE|NLM_F_REPLACE is the caller's): our routes are proto static. */
export function replaceBody(r: RouteSpec): Buffer[] {
  const dst = dstOf(r.family, r.dst);
  const table = r.table ?? c.RT_TABLE_MAIN;
  const h = rtmsg({
    family: afOf(r.family),
    dstLen: dst.len,
    table,
    protocol: c.RTPROT_STATIC,
    scope: defaultScope(r),
    type: c.RTN_UNICAST,
    flags: r.onlink ? c.RTNH_F_ONLINK : 0,
  });
  return [h, ...routeAttrs(r, dst, table)];
}

/** Delete: scope "nowhere" and type/protocol 0 are the kernel's wildcards, as ip(8) sends them. */
export function deleteBody(r: RouteSpec): Buffer[] {
  const dst = dstOf(r.family, r.dst);
  const table = r.table ?? c.RT_TABLE_MAIN;
  const h = rtmsg({ family: afOf(r.family), dstLen: dst.len, table, scope: c.RT_SCOPE_NOWHERE });
  return [h, ...routeAttrs({ ...r, prefsrc: undefined }, dst, table)];
}

/** family omitted: every family (AF_UNSPEC); a family without that table is skipped, not an error. */
export function dumpRoutes(filter: { family?: Family; table?: number }): Buffer[] {
  const table = filter.table ?? c.RT_TABLE_MAIN;
  return [rtmsg({ family: filter.family === undefined ? c.AF_UNSPEC : afOf(filter.family), table }), a.attrU32(c.RTA_TABLE, table)];
}

export function decodeRoute(payload: Buffer): Route | undefined {
  const af = payload.readUInt8(0);
  if (af !== c.AF_INET && af !== c.AF_INET6) return undefined;
  if (payload.readUInt32LE(8) & RTM_F_CLONED) return undefined;
  const family: Family = af === c.AF_INET ? 4 : 6;
  const at = a.parseAttrs(payload, RTMSG_LEN);
  const dstLen = payload.readUInt8(1);
  const dstIp = ipText(at.get(c.RTA_DST)) ?? (family === 4 ? '0.0.0.0' : '::');
  const r: Route = {
    family,
    dst: dstLen === 0 ? 'default' : `${dstIp}/${dstLen}`,
    table: a.readU32(at.get(c.RTA_TABLE)) ?? payload.readUInt8(4),
    protocol: payload.readUInt8(5),
    scope: payload.readUInt8(6),
    type: payload.readUInt8(7),
  };
  const gw = ipText(at.get(c.RTA_GATEWAY));
  if (gw !== undefined) r.gateway = gw;
  const oif = a.readU32(at.get(c.RTA_OIF));
  if (oif !== undefined) r.oif = oif;
  const metric = a.readU32(at.get(c.RTA_PRIORITY));
  if (metric !== undefined) r.metric = metric;
  const prefsrc = ipText(at.get(c.RTA_PREFSRC));
  if (prefsrc !== undefined) r.prefsrc = prefsrc;
  return r;
}
