// RTM_{NEW,DEL,GET}NEIGH bodies: struct ndmsg + NDA_* attributes, for IP neighbours (ARP/NDP
// entries) and AF_BRIDGE forwarding entries (vxlan fdb with a remote NDA_DST).
import type { Family, Neigh } from '../types.js';
import * as a from './attrs.js';
import * as c from './constants.js';
import { afOf } from './addr.js';
import { ipBytes, ipText, macBytes, macText } from './bytes.js';

export const NDMSG_LEN = 12;

export function ndmsg(h: { family: number; index?: number; state?: number; flags?: number }): Buffer {
  const b = Buffer.alloc(NDMSG_LEN);
  b.writeUInt8(h.family, 0);
  b.writeInt32LE(h.index ?? 0, 4);
  b.writeUInt16LE(h.state ?? 0, 8);
  b.writeUInt8(h.flags ?? 0, 10);
  return b;
}

/** A permanent IP neighbour (static ARP/NDP entry). */
export function neighBody(x: { index: number; family: Family; dst: string; mac?: string }): Buffer[] {
  const parts = [ndmsg({ family: afOf(x.family), index: x.index, state: c.NUD_PERMANENT }), a.attr(c.NDA_DST, ipBytes(x.dst, x.family))];
  if (x.mac !== undefined) parts.push(a.attr(c.NDA_LLADDR, macBytes(x.mac)));
  return parts;
}

/** A device's own forwarding entry (NTF_SELF), permanent, pointing at a remote tunnel endpoint. */
export function fdbBody(x: { index: number; mac: string; dst: string }): Buffer[] {
  return [
    ndmsg({ family: c.AF_BRIDGE, index: x.index, state: c.NUD_NOARP | c.NUD_PERMANENT, flags: c.NTF_SELF }),
    a.attr(c.NDA_LLADDR, macBytes(x.mac)),
    a.attr(c.NDA_DST, ipBytes(x.dst)),
  ];
}

export function dumpNeighs(filter: { index?: number; family: Family | 7 }): Buffer[] {
  if (filter.family === 7) return [ndmsg({ family: c.AF_BRIDGE, index: filter.index ?? 0 })];
  const parts = [ndmsg({ family: afOf(filter.family) })];
  if (filter.index !== undefined) parts.push(a.attrU32(c.NDA_IFINDEX, filter.index));
  return parts;
}

export function decodeNeigh(payload: Buffer): Neigh | undefined {
  const af = payload.readUInt8(0);
  const family = af === c.AF_INET ? 4 : af === c.AF_INET6 ? 6 : af === c.AF_BRIDGE ? 7 : undefined;
  if (family === undefined) return undefined;
  const at = a.parseAttrs(payload, NDMSG_LEN);
  const n: Neigh = { index: payload.readInt32LE(4), family, state: payload.readUInt16LE(8), flags: payload.readUInt8(10) };
  const dst = ipText(at.get(c.NDA_DST));
  if (dst !== undefined) n.dst = dst;
  const mac = macText(at.get(c.NDA_LLADDR));
  if (mac !== undefined) n.mac = mac;
  return n;
}
