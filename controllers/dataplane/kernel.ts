// The real Dataplane: sessions over rtnetlink in the agent's namespace or in a mounted one.
import type { Dataplane, NetnsSession } from './types.js';
import { NetnsMissingError } from './types.js';
import { native } from './netlink/native.js';
import { opNotifier } from './op-events.js';
import { isNetns, listNetnsIn } from './netns.js';
import { KernelSession } from './kernel/session.js';
import { hostPass } from './kernel/host-view.js';
import { inspectNetnsPath } from './netns-inspect.js';

export function createKernelDataplane(): Dataplane {
  const { notify, onOp } = opNotifier();
  // The agent's own namespace never goes away: one socket serves every session there (each
  // request is a complete synchronous round trip, and replies are matched by sequence number).
  // Saves a socket open and close per reconcile; namespaces other than ours are never cached,
  // since an open socket would keep a deleted namespace alive.
  let host: KernelSession | undefined;
  const hostSession = (): KernelSession => (host ??= new KernelSession(undefined, notify, { shared: true }));
  const dp: Dataplane = {
    session(ns?: string): NetnsSession {
      if (ns === undefined) return hostSession();
      // No isNetns() first: opening the socket fails for anything but a network namespace, and
      // the check below then tells "missing" from other failures.
      try {
        return new KernelSession(ns, notify);
      } catch (cause) {
        if (!isNetns(ns)) throw new NetnsMissingError(ns, { cause });
        throw new Error(`open netlink session in ${ns}`, { cause });
      }
    },
    isNetns,
    inspectNetns: inspectNetnsPath,
    prepareNetnsDir: (dir) => native().prepareNetnsDir(dir),
    listNetns: (dir) => listNetnsIn(dir),
    onOp,
    pass: () => hostPass(dp, hostSession),
  };
  return dp;
}
