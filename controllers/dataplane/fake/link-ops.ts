// link.add / link.set / link.del / brport.set in the fake kernel, with the real kernel's checks
// and the order in which do_setlink applies a change (namespace, address, mtu, name, alias,
// flags, master; measured on 6.18), so a partly failing link.set leaves the same partial state.
import type { KernelOp, LinkSpec } from '../types.js';
import { errno, NetlinkError } from '../netlink/errors.js';
import type { FakeCtx } from './context.js';
import * as L from './links.js';
import { nextMac, type FLink, type FNs } from './state.js';

function base(index: number, name: string, kind: string, mtu: number, mac: string | undefined): FLink {
  return { index, name, kind, mtu, mtuByUser: false, up: false, mac: mac ?? nextMac(), macByUser: mac !== undefined, hairpin: false, linkLocal: false };
}

function addVeth(ctx: FakeCtx, s: Extract<LinkSpec, { kind: 'veth' }>): FLink {
  const ns = ctx.ns;
  const peerNs = s.peer.netns !== undefined ? ctx.nsAt(s.peer.netns) : ns;
  if (peerNs.byName(s.peer.name)) throw new NetlinkError(errno.EEXIST, undefined);
  if (peerNs === ns && s.peer.name === s.name) {
    // The peer registers (taking an index) before the second name clashes with it.
    L.allocIndex(ns);
    throw new NetlinkError(errno.EEXIST, undefined);
  }
  L.checkMac(s.peer.mac);
  L.checkMtu(s.mtu, 65535);
  L.checkMtu(s.peer.mtu, 65535);
  // The kernel registers the peer first, so in one namespace it gets the lower index.
  const peer = L.register(peerNs, base(L.allocIndex(peerNs), s.peer.name, 'veth', s.peer.mtu ?? 1500, s.peer.mac));
  const self = L.register(ns, base(L.allocIndex(ns), s.name, 'veth', s.mtu ?? 1500, s.mac));
  self.peer = { ns: peerNs, index: peer.index };
  peer.peer = { ns, index: self.index };
  L.linkIds(ns, peerNs);
  if (s.peer.alias !== undefined) peer.alias = s.peer.alias;
  return self;
}

function addLower(ctx: FakeCtx, s: Extract<LinkSpec, { kind: 'macvlan' | 'ipvlan' }>): FLink {
  const parent = ctx.ns.mustLink(ctx.resolve(s.parent));
  const target = s.netns !== undefined ? ctx.nsAt(s.netns) : ctx.ns;
  if (target.byName(s.name)) throw new NetlinkError(errno.EEXIST, undefined);
  if (parent.master !== undefined) throw new NetlinkError(errno.EBUSY, undefined);
  L.checkMtu(s.mtu, parent.mtu);
  const l = L.register(target, base(L.allocIndex(target), s.name, s.kind, s.mtu ?? parent.mtu, 'mac' in s ? s.mac : undefined));
  if (s.kind === 'ipvlan') l.mac = parent.mac;
  l.parent = { ns: ctx.ns, index: parent.index };
  l.mode = s.mode;
  L.linkIds(target, ctx.ns);
  return l;
}

function addVxlan(ctx: FakeCtx, s: Extract<LinkSpec, { kind: 'vxlan' }>): FLink {
  const ns = ctx.ns;
  const dev = s.dev ? ns.mustLink(ctx.resolve(s.dev)) : undefined;
  const v6 = (s.local ?? '').includes(':');
  for (const n of ctx.world()) {
    for (const x of n.links.values()) {
      const same = x.vxlan && (x.linkNs ?? n) === ns && x.vxlan.vni === s.vni && x.vxlan.port === s.port && (x.vxlan.local ?? '').includes(':') === v6;
      if (same) throw new NetlinkError(errno.EEXIST, 'A VXLAN device with the specified VNI already exists');
    }
  }
  const max = dev ? dev.mtu - 50 : 65535;
  L.checkMtu(s.mtu, max);
  const l = L.register(ns, base(L.allocIndex(ns), s.name, 'vxlan', s.mtu ?? (dev ? max : 1500), s.mac));
  l.vxlan = { vni: s.vni, port: s.port, learning: s.learning ?? true };
  if (s.local !== undefined) l.vxlan.local = s.local;
  if (dev) l.vxlan.dev = dev.index;
  l.linkNs = ns;
  return l;
}

function linkAdd(ctx: FakeCtx, s: LinkSpec): void {
  if (ctx.unsupportedKinds.has(s.kind)) throw new NetlinkError(errno.EOPNOTSUPP, 'Unknown device type');
  if (ctx.ns.byName(s.name)) throw new NetlinkError(errno.EEXIST, undefined);
  L.checkMac('mac' in s ? s.mac : undefined);
  let l: FLink;
  if (s.kind === 'veth') l = addVeth(ctx, s);
  else if (s.kind === 'macvlan' || s.kind === 'ipvlan') l = addLower(ctx, s);
  else if (s.kind === 'vxlan') l = addVxlan(ctx, s);
  else {
    L.checkMtu(s.mtu, 65535);
    l = L.register(ctx.ns, base(L.allocIndex(ctx.ns), s.name, s.kind, s.mtu ?? 1500, s.mac));
  }
  if (s.alias !== undefined) l.alias = s.alias;
}

function setMtu(ctx: FakeCtx, ns: FNs, l: FLink, mtu: number): void {
  L.checkMtu(mtu, L.maxMtu(ns, l));
  L.setMtuRaw(ns, l, mtu);
  if (l.kind === 'bridge') l.mtuByUser = true;
  if (l.master !== undefined) L.recalcBridge(ns, ns.link(l.master));
  for (const n of ctx.world()) {
    for (const x of n.links.values()) if (x.parent?.ns === ns && x.parent.index === l.index && x.mtu > mtu) L.setMtuRaw(n, x, mtu);
  }
}

function linkSet(ctx: FakeCtx, op: Extract<KernelOp, { op: 'link.set' }>): void {
  let ns = ctx.ns;
  const l = ns.mustLink(ctx.resolve(op.ref));
  const master = op.master === undefined ? undefined : op.master === null ? 0 : ctx.resolve(op.master);
  if (op.netns !== undefined) {
    const to = ctx.nsAt(op.netns);
    L.move(ns, l, to, op.name, ctx.world());
    ns = to;
  }
  if (op.mac !== undefined) {
    L.checkMac(op.mac);
    l.mac = op.mac;
    l.macByUser = true;
    if (l.master !== undefined) L.recalcBridge(ns, ns.link(l.master));
  }
  if (op.mtu !== undefined) setMtu(ctx, ns, l, op.mtu);
  if (op.name !== undefined) L.rename(ns, l, op.name);
  if (op.alias !== undefined) {
    if (op.alias === '') delete l.alias;
    else l.alias = op.alias;
  }
  if (op.up !== undefined) L.setUp(ns, l, op.up);
  if (master !== undefined) L.setMaster(ns, l, master, ctx.world());
}

export function runFakeLinkOp(ctx: FakeCtx, op: Extract<KernelOp, { op: 'link.add' | 'link.set' | 'link.del' | 'brport.set' }>): void {
  switch (op.op) {
    case 'link.add':
      return linkAdd(ctx, op.link);
    case 'link.set':
      return linkSet(ctx, op);
    case 'link.del': {
      const l = ctx.ns.mustLink(ctx.resolve(op.ref));
      if (l.kind === undefined) throw new NetlinkError(errno.EOPNOTSUPP, undefined);
      return L.destroy(ctx.ns, l, ctx.world());
    }
    case 'brport.set': {
      const l = ctx.ns.mustLink(ctx.resolve(op.ref));
      if (l.master === undefined) throw new NetlinkError(errno.EOPNOTSUPP, undefined);
      l.hairpin = op.hairpin;
      return;
    }
  }
}
