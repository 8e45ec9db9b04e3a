// What drifted, in words, from the first change a repair needed: creating something means it was
// missing, setting a value means it was wrong. Used in the repair's log line and Degraded message.
import type { KernelOp, LinkRef } from '../../dataplane/types.js';

function ref(r: LinkRef): string {
  return 'name' in r ? r.name : `#${r.index}`;
}

function where(ns: string | undefined): string {
  return ns ? ` in ${ns}` : '';
}

export function whatDrifted(op: KernelOp, ns: string | undefined): string {
  switch (op.op) {
    case 'netns.add':
      return `network namespace ${op.path} was missing`;
    case 'netns.del':
      return `network namespace ${op.path} was unmounted (an empty file was left in its place)`;
    case 'link.add':
      return `${op.link.kind} ${op.link.name}${where(ns)} was missing`;
    case 'link.del':
      return `a stale link ${ref(op.ref)}${where(ns)} was in the way`;
    case 'link.set':
      if (op.mtu !== undefined) return `MTU of ${ref(op.ref)}${where(ns)} was changed`;
      if (op.master !== undefined) return `${ref(op.ref)} was detached from its bridge`;
      if (op.up) return `${ref(op.ref)}${where(ns)} was down`;
      if (op.mac !== undefined) return `MAC address of ${ref(op.ref)}${where(ns)} was changed`;
      if (op.alias !== undefined) return `ownership marker of ${ref(op.ref)}${where(ns)} was changed`;
      return `${ref(op.ref)}${where(ns)} was changed`;
    case 'brport.set':
      return `hairpin mode of ${ref(op.ref)} was turned off`;
    case 'addr.add':
      return `address ${op.address}/${op.prefixLen} on ${ref(op.ref)}${where(ns)} was missing`;
    case 'addr.del':
      return `unexpected address ${op.address}/${op.prefixLen} on ${ref(op.ref)}${where(ns)}`;
    case 'route.replace':
      return `route ${op.dst}${op.gateway ? ` via ${op.gateway}` : ''}${where(ns)} was missing or changed`;
    case 'route.del':
      return `unexpected route ${op.dst}${where(ns)}`;
    case 'sysctl.set':
      return `sysctl ${op.key}${where(ns)} was changed`;
    default:
      return `${op.op}${where(ns)} was needed`;
  }
}
