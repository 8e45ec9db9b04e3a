// Which kernel answers count as success, per op (the NetnsSession.apply contract). Shared by the
// kernel session and the fake so both draw the line in exactly the same place.
import { errno } from './netlink/errors.js';
import type { KernelOp } from './types.js';

/** Kernel answers meaning "the object to delete is not there" (per object kind they differ). */
const NOT_FOUND = new Set([errno.ENOENT, errno.ENODEV, errno.ESRCH, errno.EADDRNOTAVAIL]);

const EXISTS_OK = new Set<KernelOp['op']>(['addr.add', 'neigh.replace', 'fdb.append']);

export function isDelete(op: KernelOp): boolean {
  return op.op.endsWith('.del');
}

/** True when a failure with this errno still leaves the kernel as the op wants it. */
export function tolerated(op: KernelOp, no: number): boolean {
  if (isDelete(op)) return NOT_FOUND.has(no);
  return no === errno.EEXIST && EXISTS_OK.has(op.op);
}
