// addr.* / route.* / neigh.* / fdb.* over RTM_*ADDR, RTM_*ROUTE and RTM_*NEIGH.
import type { KernelOp } from '../types.js';
import * as c from '../netlink/constants.js';
import { addrBody } from '../netlink/addr.js';
import { fdbBody, neighBody } from '../netlink/neigh.js';
import { deleteBody, replaceBody } from '../netlink/route.js';
import type { OpContext } from './context.js';

type NetOp = Extract<KernelOp, { op: `${'addr' | 'route' | 'neigh' | 'fdb'}.${string}` }>;

export function runNetOp(ctx: OpContext, op: NetOp): void {
  const s = ctx.sock;
  switch (op.op) {
    case 'addr.add':
      return s.request(c.RTM_NEWADDR, c.NLM_F_CREATE | c.NLM_F_EXCL, addrBody({ ...op, index: ctx.resolve(op.ref) }));
    case 'addr.del':
      return s.request(c.RTM_DELADDR, 0, addrBody({ ...op, index: ctx.resolve(op.ref) }));
    case 'route.replace':
    case 'route.del': {
      const spec = { ...op, oif: op.dev ? ctx.resolve(op.dev) : undefined };
      if (op.op === 'route.replace') return s.request(c.RTM_NEWROUTE, c.NLM_F_CREATE | c.NLM_F_REPLACE, replaceBody(spec));
      return s.request(c.RTM_DELROUTE, 0, deleteBody(spec));
    }
    case 'neigh.replace':
      return s.request(c.RTM_NEWNEIGH, c.NLM_F_CREATE | c.NLM_F_REPLACE, neighBody({ ...op, index: ctx.resolve(op.ref) }));
    case 'neigh.del':
      return s.request(c.RTM_DELNEIGH, 0, neighBody({ index: ctx.resolve(op.ref), family: op.family, dst: op.dst }));
    case 'fdb.append':
      return s.request(c.RTM_NEWNEIGH, c.NLM_F_CREATE | c.NLM_F_APPEND, fdbBody({ ...op, index: ctx.resolve(op.ref) }));
    case 'fdb.del':
      return s.request(c.RTM_DELNEIGH, 0, fdbBody({ ...op, index: ctx.resolve(op.ref) }));
  }
}
