// Whether this kernel has a link driver (CONFIG_IPVLAN, CONFIG_MACVLAN), found out once per agent
// by creating a throwaway sub-interface on the network's parent and deleting it at once. Only a
// refusal with EOPNOTSUPP ("Unknown device type") counts as "missing"; any other failure says
// nothing about the driver and is not remembered.
import { createHash } from 'node:crypto';
import { errno } from '../../dataplane/netlink/errors.js';
import { KernelError, type Dataplane } from '../../dataplane/types.js';
import { MARKER_PREFIX } from '../../model/names.js';

const known = new WeakMap<Dataplane, Map<string, boolean>>();

export function kernelSupports(dp: Dataplane, kind: 'macvlan' | 'ipvlan', parent: string): boolean {
  let m = known.get(dp);
  if (!m) known.set(dp, (m = new Map()));
  const cached = m.get(kind);
  if (cached !== undefined) return cached;
  // "nnp" + hash: ours by name and marker (GC removes it should we die in between).
  const name = 'nnp' + createHash('sha256').update(`${kind}:${process.pid}`).digest('hex').slice(0, 12);
  const host = dp.session();
  try {
    host.apply([
      { op: 'link.add', link: { kind, name, parent: { name: parent }, mode: kind === 'macvlan' ? 'bridge' : 'l2', alias: `${MARKER_PREFIX}probe/${kind}` } },
      { op: 'link.del', ref: { name } },
    ]);
    m.set(kind, true);
    return true;
  } catch (err) {
    if (err instanceof KernelError && err.errno === errno.EOPNOTSUPP && err.op.op === 'link.add') {
      m.set(kind, false);
      return false;
    }
    return true;
  } finally {
    host.close();
  }
}
