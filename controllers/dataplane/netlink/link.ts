// RTM_{NEW,DEL,GET}LINK bodies: struct ifinfomsg + IFLA_* attributes, and the decoder to Link.
import type { BridgePort, Link } from '../types.js';
import * as a from './attrs.js';
import * as c from './constants.js';
import { ipBytes, ipText, macBytes, macText } from './bytes.js';

export const IFINFOMSG_LEN = 16;

export function ifinfomsg(h: { family?: number; index?: number; flags?: number; change?: number }): Buffer {
  const b = Buffer.alloc(IFINFOMSG_LEN);
  b.writeUInt8(h.family ?? c.AF_UNSPEC, 0);
  b.writeInt32LE(h.index ?? 0, 4);
  b.writeUInt32LE((h.flags ?? 0) >>> 0, 8);
  b.writeUInt32LE((h.change ?? 0) >>> 0, 12);
  return b;
}

/** Statistics are large and unused: every GETLINK asks the kernel to leave them out. */
const SKIP_STATS = a.attrU32(c.IFLA_EXT_MASK, c.RTEXT_FILTER_SKIP_STATS);

export function getLinkByName(name: string): Buffer[] {
  return [ifinfomsg({}), a.attrStr(c.IFLA_IFNAME, name), SKIP_STATS];
}

export function getLinkByIndex(index: number): Buffer[] {
  return [ifinfomsg({ index }), SKIP_STATS];
}

export function dumpLinks(): Buffer[] {
  return [ifinfomsg({}), SKIP_STATS];
}

/** Common attributes of a device being created or changed. */
export interface LinkAttrs {
  name?: string;
  mtu?: number;
  mac?: string;
  /** File descriptor of the target namespace (creation in, or move to, another namespace). */
  nsFd?: number;
  master?: number;
  link?: number;
}

export function linkAttrs(l: LinkAttrs): Buffer[] {
  const out: Buffer[] = [];
  if (l.name !== undefined) out.push(a.attrStr(c.IFLA_IFNAME, l.name));
  if (l.mtu !== undefined) out.push(a.attrU32(c.IFLA_MTU, l.mtu));
  if (l.mac !== undefined) out.push(a.attr(c.IFLA_ADDRESS, macBytes(l.mac)));
  if (l.link !== undefined) out.push(a.attrU32(c.IFLA_LINK, l.link));
  if (l.nsFd !== undefined) out.push(a.attrU32(c.IFLA_NET_NS_FD, l.nsFd));
  if (l.master !== undefined) out.push(a.attrU32(c.IFLA_MASTER, l.master));
  return out;
}

/** IFLA_LINKINFO {kind, data}; data are kind-specific attributes (already encoded). */
export function linkInfo(kind: string, data: readonly Buffer[] = []): Buffer {
  const parts = [a.attrStr(c.IFLA_INFO_KIND, kind)];
  if (data.length) parts.push(a.attrNested(c.IFLA_INFO_DATA, data));
  return a.attrNested(c.IFLA_LINKINFO, parts);
}

/** VETH_INFO_PEER carries a whole ifinfomsg plus attributes for the peer, in its own namespace. */
export function vethPeer(peer: LinkAttrs): Buffer {
  return a.attr(c.VETH_INFO_PEER | c.NLA_F_NESTED, Buffer.concat([ifinfomsg({}), ...linkAttrs(peer)]));
}

export function vxlanData(v: { vni: number; port: number; local?: string; dev?: number; learning?: boolean }): Buffer[] {
  const out = [a.attrU32(c.IFLA_VXLAN_ID, v.vni), a.attrBe16(c.IFLA_VXLAN_PORT, v.port)];
  if (v.local !== undefined) {
    const b = ipBytes(v.local);
    out.push(a.attr(b.length === 4 ? c.IFLA_VXLAN_LOCAL : c.IFLA_VXLAN_LOCAL6, b));
  }
  if (v.dev !== undefined) out.push(a.attrU32(c.IFLA_VXLAN_LINK, v.dev));
  if (v.learning !== undefined) out.push(a.attrU8(c.IFLA_VXLAN_LEARNING, v.learning ? 1 : 0));
  return out;
}

/** Without a NUL: the kernel stores nla_len bytes and refuses 256, so a terminator would cost the last byte. */
export function setAlias(alias: string): Buffer {
  return a.attr(c.IFLA_IFALIAS, Buffer.from(alias, 'utf8'));
}

/** Hairpin ("reflective relay") of a bridge port: AF_BRIDGE SETLINK with IFLA_PROTINFO {IFLA_BRPORT_MODE}. */
export function setHairpin(index: number, on: boolean): Buffer[] {
  return [ifinfomsg({ family: c.AF_BRIDGE, index }), a.attrNested(c.IFLA_PROTINFO, [a.attrU8(c.IFLA_BRPORT_MODE, on ? 1 : 0)])];
}

function modeName(table: Readonly<Record<string, number>>, v: number | undefined): string | undefined {
  if (v === undefined) return undefined;
  return Object.entries(table).find(([, n]) => n === v)?.[0] ?? String(v);
}

function decodeVxlan(d: Map<number, Buffer>): NonNullable<Link['vxlan']> {
  const v: NonNullable<Link['vxlan']> = { vni: a.readU32(d.get(c.IFLA_VXLAN_ID)) ?? 0 };
  const port = a.readBe16(d.get(c.IFLA_VXLAN_PORT));
  if (port !== undefined) v.port = port;
  const local = ipText(d.get(c.IFLA_VXLAN_LOCAL)) ?? ipText(d.get(c.IFLA_VXLAN_LOCAL6));
  if (local !== undefined) v.local = local;
  const dev = a.readU32(d.get(c.IFLA_VXLAN_LINK));
  if (dev) v.dev = dev;
  const learning = a.readU8(d.get(c.IFLA_VXLAN_LEARNING));
  if (learning !== undefined) v.learning = learning !== 0;
  return v;
}

export function decodeLink(payload: Buffer): Link {
  const index = payload.readInt32LE(4);
  const flags = payload.readUInt32LE(8);
  const at = a.parseAttrs(payload, IFINFOMSG_LEN);
  const info = at.get(c.IFLA_LINKINFO);
  const infoAttrs = info ? a.parseAttrs(info) : new Map<number, Buffer>();
  const kind = a.readStr(infoAttrs.get(c.IFLA_INFO_KIND));
  const data = infoAttrs.get(c.IFLA_INFO_DATA);
  const link: Link = {
    index,
    name: a.readStr(at.get(c.IFLA_IFNAME)) ?? '',
    kind,
    mtu: a.readU32(at.get(c.IFLA_MTU)) ?? 0,
    up: (flags & c.IFF_UP) !== 0,
    lowerUp: (flags & c.IFF_LOWER_UP) !== 0,
    mac: macText(at.get(c.IFLA_ADDRESS)),
    master: a.readU32(at.get(c.IFLA_MASTER)),
    alias: a.readStr(at.get(c.IFLA_IFALIAS)) || undefined,
    link: a.readU32(at.get(c.IFLA_LINK)),
    linkNetnsId: a.readS32(at.get(c.IFLA_LINK_NETNSID)),
  };
  const d = data ? a.parseAttrs(data) : undefined;
  if (kind === 'vxlan' && d) link.vxlan = decodeVxlan(d);
  if (kind === 'macvlan' && d) link.mode = modeName(c.MACVLAN_MODES, a.readU32(d.get(c.IFLA_MACVLAN_MODE)));
  if (kind === 'ipvlan' && d) link.mode = modeName(c.IPVLAN_MODES, a.readU16(d.get(c.IFLA_IPVLAN_MODE)));
  return link;
}

/**
 * Bridge-port state of a link: from IFLA_LINKINFO's slave data (a plain GETLINK by index) or from
 * IFLA_PROTINFO (an AF_BRIDGE dump). undefined when the link is not a bridge port.
 */
export function decodeBridgePort(payload: Buffer): BridgePort | undefined {
  const index = payload.readInt32LE(4);
  const at = a.parseAttrs(payload, IFINFOMSG_LEN);
  let brport: Buffer | undefined = at.get(c.IFLA_PROTINFO);
  const info = at.get(c.IFLA_LINKINFO);
  if (!brport && info) {
    const ia = a.parseAttrs(info);
    if (a.readStr(ia.get(c.IFLA_INFO_SLAVE_KIND)) === 'bridge') brport = ia.get(c.IFLA_INFO_SLAVE_DATA);
  }
  if (!brport) return undefined;
  const mode = a.readU8(a.parseAttrs(brport).get(c.IFLA_BRPORT_MODE));
  return { index, hairpin: mode === 1 };
}
