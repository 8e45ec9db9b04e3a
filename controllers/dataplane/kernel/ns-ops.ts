// netns.add / netns.del / sysctl.set: namespace files and /proc/sys/net of the session namespace.
import { lstatSync } from 'node:fs';
import type { KernelOp } from '../types.js';
import * as c from '../netlink/constants.js';
import { decodeLink, dumpLinks, ifinfomsg } from '../netlink/link.js';
import { native } from '../netlink/native.js';
import { NetlinkSocket } from '../netlink/socket.js';
import { errno, NetlinkError } from '../netlink/errors.js';
import { isNetns } from '../netns.js';
import { OpFailure, type OpContext } from './context.js';
import { sysctlKeyProblem } from '../validate.js';

/**
 * Deletes the links of a namespace that reach outside it (veth pairs, macvlans on a parent
 * elsewhere). The kernel would remove them when the namespace dies, asynchronously and never
 * while a socket or process still holds it; this makes "the host side is gone" true at return.
 */
function flushCrossLinks(path: string): void {
  const sock = NetlinkSocket.open(path);
  try {
    for (const m of sock.dump(c.RTM_GETLINK, dumpLinks())) {
      const link = decodeLink(m.payload);
      if (link.kind !== 'veth' && link.linkNetnsId === undefined) continue;
      try {
        sock.request(c.RTM_DELLINK, 0, [ifinfomsg({ index: link.index })]);
      } catch (e) {
        // Deleting one end removes the other: a peer inside this namespace may already be gone.
        if (!(e instanceof NetlinkError && e.errno === errno.ENODEV)) throw e;
      }
    }
  } finally {
    sock.close();
  }
}

function netnsDel(path: string, flush: boolean): void {
  if (isNetns(path)) {
    if (flush) flushCrossLinks(path);
  } else {
    // Only an empty regular file (a mount point left by a crash) may go without being a namespace.
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return;
    }
    if (!st.isFile() || st.size !== 0) throw new OpFailure(errno.EINVAL, `${path} is not a network namespace`);
  }
  native().netnsDelete(path);
}

/** Writes a /proc/sys/net value as seen from inside the session namespace. */
export function writeSysctl(ns: string | undefined, key: string, value: string): void {
  native().nsWriteFile(ns ?? null, `/proc/sys/${key}`, value);
}

export function readSysctl(ns: string | undefined, key: string): string | undefined {
  const problem = sysctlKeyProblem(key);
  if (problem) throw new Error(problem);
  try {
    return native().nsReadFile(ns ?? null, `/proc/sys/${key}`).replace(/\n$/, '');
  } catch (e) {
    if ((e as { errno?: number }).errno === errno.ENOENT) return undefined;
    throw e;
  }
}

export function runNsOp(ctx: OpContext, op: Extract<KernelOp, { op: 'netns.add' | 'netns.del' | 'sysctl.set' }>): void {
  switch (op.op) {
    case 'netns.add':
      return native().netnsCreate(op.path);
    case 'netns.del':
      return netnsDel(op.path, op.flush === true);
    case 'sysctl.set':
      return writeSysctl(ctx.ns, op.key, op.value);
  }
}
