// A node that is gone must not block deletions forever: its agent will never take its finalizer
// off. Any agent may do it for a node whose Node object no longer exists, but only on objects
// already being deleted (the admission policy allows exactly that).
import { KINDS, type Kind } from '../../../api/v1alpha1/types.js';
import { log } from '../../lib/log.js';
import type { KubeApi } from './api.js';
import { finalizerFor, isNodeFinalizer, updateFinalizers } from './finalizers.js';
import { isDeleting, type KubeObject } from './resources.js';

export interface SweepResult {
  /** "Kind namespace/name: finalizer" for every finalizer removed. */
  removed: string[];
}

/** Finalizers of nodes that do not exist (any more), given the finalizers of the nodes that do. */
export function orphanedFinalizers(obj: KubeObject, live: ReadonlySet<string>): string[] {
  return (obj.metadata.finalizers ?? []).filter((f) => isNodeFinalizer(f) && !live.has(f));
}

/** Lists the nodes, then removes dead nodes' finalizers from deleting objects of every kind. */
export async function sweepOrphanFinalizers(api: KubeApi, kinds: readonly Kind[] = KINDS): Promise<SweepResult> {
  const nodes = await api.listNodes();
  const live = new Set(nodes.items.map((n) => finalizerFor(n.metadata.name)));
  const removed: string[] = [];
  for (const kind of kinds) {
    for (const obj of (await api.list(kind)).items) {
      if (!isDeleting(obj) || orphanedFinalizers(obj, live).length === 0) continue;
      const gone = new Set<string>();
      // Recomputed from every fresh read: a node may have come back in between.
      const outcome = await updateFinalizers({
        api,
        kind,
        obj,
        change: (fs, cur) => {
          const orphaned = new Set(orphanedFinalizers(cur, live));
          for (const f of orphaned) gone.add(f);
          return fs.filter((f) => !orphaned.has(f));
        },
      });
      if (outcome !== 'changed') continue;
      const name = `${kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
      for (const f of gone) removed.push(`${name}: ${f}`);
      log.info('removed finalizer of a node that no longer exists', { object: name, finalizers: [...gone] });
    }
  }
  return { removed };
}
