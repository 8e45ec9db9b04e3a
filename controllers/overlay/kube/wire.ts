// Puts the overlay members beside the kube source, as one Source for the agent:
// - start: the claims are read before the source fills the desired store (the first reconcile of a
//   vxlan Network finds them), and releasing unneeded claims starts only once the store is filled;
// - kernel work is held while ANY watch is down, the source's or the overlay's (the agent has one
//   pause, so the holds of both are merged here);
// - teardown of a Network: this node's claim is released before the source drops the node's
//   finalizer, so deleting a Network waits for its slices to be free.
import type { Source, SourceContext } from '../../agent/agent.js';
import type { DesiredStore } from '../../store/desired.js';
import { parseKey } from '../../store/keys.js';
import type { Hold, KubeOverlayMembers } from './members.js';

export function withOverlayMembers(source: Source, overlay: KubeOverlayMembers): Source {
  return {
    async start(store: DesiredStore, ctx: SourceContext): Promise<void> {
      const holds = new Map<string, string>();
      const apply = (): void => (holds.size ? ctx.pause([...holds.values()].join('; ')) : ctx.resume());
      const hold = (who: string): Hold => ({
        pause: (reason) => {
          holds.set(who, reason);
          apply();
        },
        resume: () => {
          if (holds.delete(who)) apply();
        },
      });
      await overlay.start(hold('overlay'));
      await source.start(store, { ...ctx, ...hold('source') });
      overlay.activate();
    },
    async stop(): Promise<void> {
      await source.stop();
      await overlay.stop();
    },
    problemFor: (key) => source.problemFor?.(key),
    onTeardown: (key) => {
      if (parseKey(key).kind !== 'Network') return source.onTeardown?.(key);
      void overlay.released(parseKey(key).name).then(() => source.onTeardown?.(key));
    },
  };
}
