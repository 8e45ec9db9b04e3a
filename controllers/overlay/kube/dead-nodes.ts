// A node that is gone never releases its slices. On a cluster the garbage collector removes its
// claims with its Node object (they are owned by it), but agents do not count on that (a cluster
// may run without it; the test API server has none): any agent removes the claims of nodes whose
// Node object no longer exists, like the dead-node finalizer sweep (source/kube/orphans.ts).
// Claims are listed BEFORE the nodes: a claim then names a node that was missing after the claim
// existed, never one that registered after the node list was taken. Each delete carries the uid and
// resourceVersion seen, so a claim made again in between stays.
import { log } from '../../lib/log.js';
import type { KubeApi } from '../../source/kube/api.js';
import type { SweepResult } from '../../source/kube/orphans.js';
import type { OverlayMemberApi } from './api.js';

export async function sweepDeadNodeClaims(opts: { api: KubeApi; members: OverlayMemberApi }): Promise<SweepResult> {
  const claims = (await opts.members.list()).items;
  if (claims.length === 0) return { removed: [] };
  const live = new Set((await opts.api.listNodes()).items.map((n) => n.metadata.name));
  const removed: string[] = [];
  for (const c of claims) {
    const node = c.spec?.node;
    if (typeof node !== 'string' || live.has(node)) continue;
    if (await opts.members.remove(c)) {
      removed.push(`OverlayMember ${c.metadata.name}: ${node}`);
      log.info('removed the overlay claim of a node that no longer exists', { claim: c.metadata.name, node, network: c.spec.network });
    }
  }
  return { removed };
}
