// RTM_{NEW,DEL,GET}ADDR bodies: struct ifaddrmsg + IFA_* attributes, and the decoder to Addr.
import type { Addr, Family } from '../types.js';
import * as a from './attrs.js';
import * as c from './constants.js';
import { ipBytes, ipText } from './bytes.js';

export const IFADDRMSG_LEN = 8;

export function afOf(family: Family): number {
  return family === 4 ? c.AF_INET : c.AF_INET6;
}

export function ifaddrmsg(h: { family: number; prefixLen?: number; flags?: number; scope?: number; index?: number }): Buffer {
  const b = Buffer.alloc(IFADDRMSG_LEN);
  b.writeUInt8(h.family, 0);
  b.writeUInt8(h.prefixLen ?? 0, 1);
  b.writeUInt8((h.flags ?? 0) & 0xff, 2);
  b.writeUInt8(h.scope ?? 0, 3);
  b.writeUInt32LE(h.index ?? 0, 4);
  return b;
}

/** Body of an add or delete. Like ip(8), IFA_LOCAL and IFA_ADDRESS carry the same address (no peer). */
export function addrBody(x: { index: number; family: Family; address: string; prefixLen: number; noDad?: boolean }): Buffer[] {
  const ip = ipBytes(x.address, x.family);
  const flags = x.noDad ? c.IFA_F_NODAD : 0;
  const parts = [ifaddrmsg({ family: afOf(x.family), prefixLen: x.prefixLen, flags, index: x.index }), a.attr(c.IFA_LOCAL, ip), a.attr(c.IFA_ADDRESS, ip)];
  if (flags) parts.push(a.attrU32(c.IFA_FLAGS, flags));
  return parts;
}

/** Dump request; with strict checking the kernel filters by family and index itself. */
export function dumpAddrs(filter: { index?: number; family?: Family }): Buffer[] {
  const family = filter.family === undefined ? c.AF_UNSPEC : afOf(filter.family);
  return [ifaddrmsg({ family, index: filter.index ?? 0 })];
}

export function decodeAddr(payload: Buffer): Addr | undefined {
  const af = payload.readUInt8(0);
  if (af !== c.AF_INET && af !== c.AF_INET6) return undefined;
  const at = a.parseAttrs(payload, IFADDRMSG_LEN);
  const address = ipText(at.get(c.IFA_LOCAL)) ?? ipText(at.get(c.IFA_ADDRESS));
  if (address === undefined) return undefined;
  return {
    index: payload.readUInt32LE(4),
    family: af === c.AF_INET ? 4 : 6,
    address,
    prefixLen: payload.readUInt8(1),
    flags: a.readU32(at.get(c.IFA_FLAGS)) ?? payload.readUInt8(2),
    scope: payload.readUInt8(3),
  };
}
