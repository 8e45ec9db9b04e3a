// link.add / link.set / link.del / brport.set over RTM_*LINK.
import type { KernelOp, LinkSpec } from '../types.js';
import * as c from '../netlink/constants.js';
import * as l from '../netlink/link.js';
import { attrU16, attrU32 } from '../netlink/attrs.js';
import { withNsFd } from '../netns.js';
import type { OpContext } from './context.js';

const CREATE = c.NLM_F_CREATE | c.NLM_F_EXCL;

/** Runs fn with the fd of path when path is set (creation in, or move to, another namespace). */
function maybeNsFd<T>(ctx: OpContext, path: string | undefined, fn: (fd: number | undefined) => T): T {
  if (path === undefined) return fn(undefined);
  ctx.requireNetns(path);
  return withNsFd(path, fn);
}

function createBody(ctx: OpContext, spec: LinkSpec, fd: number | undefined): Buffer[] {
  const base = { name: spec.name, mtu: spec.mtu, mac: 'mac' in spec ? spec.mac : undefined };
  switch (spec.kind) {
    case 'bridge':
    case 'dummy':
      return [l.ifinfomsg({}), ...l.linkAttrs(base), l.linkInfo(spec.kind)];
    case 'veth': {
      const peer = l.vethPeer({ name: spec.peer.name, mtu: spec.peer.mtu, mac: spec.peer.mac, nsFd: fd });
      return [l.ifinfomsg({}), ...l.linkAttrs(base), l.linkInfo('veth', [peer])];
    }
    case 'macvlan':
    case 'ipvlan': {
      const mode = spec.kind === 'macvlan' ? attrU32(c.IFLA_MACVLAN_MODE, c.MACVLAN_MODES[spec.mode]!) : attrU16(c.IFLA_IPVLAN_MODE, c.IPVLAN_MODES[spec.mode]!);
      return [l.ifinfomsg({}), ...l.linkAttrs({ ...base, link: ctx.resolve(spec.parent), nsFd: fd }), l.linkInfo(spec.kind, [mode])];
    }
    case 'vxlan': {
      const dev = spec.dev ? ctx.resolve(spec.dev) : undefined;
      return [l.ifinfomsg({}), ...l.linkAttrs(base), l.linkInfo('vxlan', l.vxlanData({ ...spec, dev }))];
    }
  }
}

/** The namespace where a created device (or its veth peer) lives. */
function homeOf(ctx: OpContext, spec: LinkSpec): { self: string | undefined; peer?: string | undefined } {
  if (spec.kind === 'veth') return { self: ctx.ns, peer: spec.peer.netns ?? ctx.ns };
  if (spec.kind === 'macvlan' || spec.kind === 'ipvlan') return { self: spec.netns ?? ctx.ns };
  return { self: ctx.ns };
}

function setAliasByName(ctx: OpContext, ns: string | undefined, name: string, alias: string): void {
  ctx.withSocketIn(ns, (s) => s.request(c.RTM_NEWLINK, 0, [l.ifinfomsg({}), ...l.linkAttrs({ name }), l.setAlias(alias)]));
}

function linkAdd(ctx: OpContext, spec: LinkSpec): void {
  const otherNs = spec.kind === 'veth' ? spec.peer.netns : spec.kind === 'macvlan' || spec.kind === 'ipvlan' ? spec.netns : undefined;
  maybeNsFd(ctx, otherNs, (fd) => ctx.sock.request(c.RTM_NEWLINK, CREATE, createBody(ctx, spec, fd)));
  // The kernel ignores IFLA_IFALIAS when creating a device, so the marker is a second request;
  // if it fails the device goes again, leaving nothing unmarked behind.
  const home = homeOf(ctx, spec);
  try {
    if (spec.alias !== undefined) setAliasByName(ctx, home.self, spec.name, spec.alias);
    if (spec.kind === 'veth' && spec.peer.alias !== undefined) setAliasByName(ctx, home.peer, spec.peer.name, spec.peer.alias);
  } catch (e) {
    try {
      ctx.withSocketIn(home.self, (s) => s.request(c.RTM_DELLINK, 0, [l.ifinfomsg({}), ...l.linkAttrs({ name: spec.name })]));
    } catch {
      // the alias error below is the one worth reporting
    }
    throw e;
  }
}

function linkSet(ctx: OpContext, op: Extract<KernelOp, { op: 'link.set' }>): void {
  const index = ctx.resolve(op.ref);
  const master = op.master === undefined ? undefined : op.master === null ? 0 : ctx.resolve(op.master);
  const hdr = l.ifinfomsg({ index, flags: op.up ? c.IFF_UP : 0, change: op.up === undefined ? 0 : c.IFF_UP });
  maybeNsFd(ctx, op.netns, (nsFd) => {
    const attrs = l.linkAttrs({ name: op.name, mtu: op.mtu, mac: op.mac, master, nsFd });
    if (op.alias !== undefined) attrs.push(l.setAlias(op.alias));
    ctx.sock.request(c.RTM_NEWLINK, 0, [hdr, ...attrs]);
  });
}

export function runLinkOp(ctx: OpContext, op: Extract<KernelOp, { op: 'link.add' | 'link.set' | 'link.del' | 'brport.set' }>): void {
  switch (op.op) {
    case 'link.add':
      return linkAdd(ctx, op.link);
    case 'link.set':
      return linkSet(ctx, op);
    case 'link.del':
      return ctx.sock.request(c.RTM_DELLINK, 0, [l.ifinfomsg({ index: ctx.resolve(op.ref) })]);
    case 'brport.set':
      return ctx.sock.request(c.RTM_SETLINK, 0, l.setHairpin(ctx.resolve(op.ref), op.hairpin));
  }
}
