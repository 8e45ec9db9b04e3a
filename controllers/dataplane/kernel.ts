// The real Dataplane: sessions over rtnetlink in the agent's namespace or in a mounted one.
import type { Dataplane, NetnsSession } from './types.js';
import { NetnsMissingError } from './types.js';
import { native } from './netlink/native.js';
import { opNotifier } from './op-events.js';
import { isNetns, listNetnsIn } from './netns.js';
import { KernelSession } from './kernel/session.js';
import { inspectNetnsPath } from './netns-inspect.js';

export function createKernelDataplane(): Dataplane {
  const { notify, onOp } = opNotifier();
  return {
    session(ns?: string): NetnsSession {
      if (ns !== undefined && !isNetns(ns)) throw new NetnsMissingError(ns);
      try {
        return new KernelSession(ns, notify);
      } catch (cause) {
        // The namespace can vanish between the check and the socket: same answer as the check.
        if (ns !== undefined && !isNetns(ns)) throw new NetnsMissingError(ns, { cause });
        throw new Error(`open netlink session in ${ns ?? 'the agent namespace'}`, { cause });
      }
    },
    isNetns,
    inspectNetns: inspectNetnsPath,
    prepareNetnsDir: (dir) => native().prepareNetnsDir(dir),
    listNetns: (dir) => listNetnsIn(dir),
    onOp,
  };
}
