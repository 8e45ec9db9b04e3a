// addr.* / route.* / neigh.* / fdb.* in the fake kernel.
import type { KernelOp } from '../types.js';
import { errno, NetlinkError } from '../netlink/errors.js';
import type { FakeCtx } from './context.js';
import { addAddr, delAddr } from './l3.js';
import { deleteRoute, replaceRoute } from './routes.js';

type NetOp = Extract<KernelOp, { op: `${'addr' | 'route' | 'neigh' | 'fdb'}.${string}` }>;

export function runFakeNetOp(ctx: FakeCtx, op: NetOp): void {
  const ns = ctx.ns;
  switch (op.op) {
    case 'addr.add':
      return addAddr(ns, ns.mustLink(ctx.resolve(op.ref)), op);
    case 'addr.del':
      return delAddr(ns, ns.mustLink(ctx.resolve(op.ref)), op);
    case 'route.replace':
    case 'route.del': {
      const args = { ...op, oif: op.dev ? ns.mustLink(ctx.resolve(op.dev)).index : undefined };
      return op.op === 'route.replace' ? replaceRoute(ns, args) : deleteRoute(ns, args);
    }
    case 'neigh.replace': {
      const l = ns.mustLink(ctx.resolve(op.ref));
      ns.neighs = ns.neighs.filter((n) => !(n.index === l.index && n.family === op.family && n.dst === op.dst));
      ns.neighs.push({ index: l.index, family: op.family, dst: op.dst, mac: op.mac });
      return;
    }
    case 'neigh.del': {
      const l = ns.mustLink(ctx.resolve(op.ref));
      const at = ns.neighs.findIndex((n) => n.index === l.index && n.family === op.family && n.dst === op.dst);
      if (at < 0) throw new NetlinkError(errno.ENOENT, undefined);
      ns.neighs.splice(at, 1);
      return;
    }
    case 'fdb.append': {
      const l = ns.mustLink(ctx.resolve(op.ref));
      if (l.kind !== 'vxlan') throw new NetlinkError(errno.EOPNOTSUPP, 'the fake models fdb entries of vxlan devices only');
      if (!ns.fdb.some((f) => f.index === l.index && f.mac === op.mac && f.dst === op.dst)) ns.fdb.push({ index: l.index, mac: op.mac, dst: op.dst });
      return;
    }
    case 'fdb.del': {
      const l = ns.mustLink(ctx.resolve(op.ref));
      const at = ns.fdb.findIndex((f) => f.index === l.index && f.mac === op.mac && f.dst === op.dst);
      if (at < 0) throw new NetlinkError(errno.ENOENT, undefined);
      ns.fdb.splice(at, 1);
      return;
    }
  }
}
