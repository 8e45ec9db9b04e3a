// Whether this kernel has the ipvlan driver (CONFIG_IPVLAN), found out by creating a throwaway
// sub-interface on the network's parent and deleting it at once. Only a refusal with EOPNOTSUPP
// ("Unknown device type") counts as "missing"; any other failure says nothing about the driver.
// "Present" is remembered for the agent's life; "missing" for a minute, so loading the module
// later is noticed at a resync. macvlan is not probed: every distribution kernel has it, and an
// attachment that fails anyway carries the kernel's error in its status.
import { createHash } from 'node:crypto';
import { errno } from '../../dataplane/netlink/errors.js';
import { KernelError, type Dataplane } from '../../dataplane/types.js';
import { MARKER_PREFIX } from '../../model/names.js';

const MISSING_TTL_MS = 60_000;
const known = new WeakMap<Dataplane, { ok: boolean; at: number }>();

export function kernelHasIpvlan(dp: Dataplane, parent: string, now = Date.now()): boolean {
  const cached = known.get(dp);
  if (cached && (cached.ok || now - cached.at < MISSING_TTL_MS)) return cached.ok;
  // "nnp" + hash: ours by name and marker (GC removes it should we die in between).
  const name = 'nnp' + createHash('sha256').update(`ipvlan:${process.pid}`).digest('hex').slice(0, 12);
  const host = dp.session();
  try {
    host.apply([
      { op: 'link.add', link: { kind: 'ipvlan', name, parent: { name: parent }, mode: 'l2', alias: `${MARKER_PREFIX}probe/ipvlan` } },
      { op: 'link.del', ref: { name } },
    ]);
    known.set(dp, { ok: true, at: now });
    return true;
  } catch (err) {
    if (err instanceof KernelError && err.errno === errno.EOPNOTSUPP && err.op.op === 'link.add') {
      known.set(dp, { ok: false, at: now });
      return false;
    }
    return true;
  } finally {
    host.close();
  }
}
