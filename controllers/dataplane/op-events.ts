// Op listeners (Dataplane.onOp): audit log, metrics, op counting in tests.
import type { Dataplane, OpEvent } from './types.js';
import { log } from '../lib/log.js';

/** Fans one event out to every listener; a throwing listener must not fail the op it observes. */
export function opNotifier(): { notify: (ev: OpEvent) => void; onOp: Dataplane['onOp'] } {
  const listeners = new Set<(ev: OpEvent) => void>();
  return {
    notify: (ev) => {
      for (const l of listeners) {
        try {
          l(ev);
        } catch (err) {
          log.warn('op listener failed', { err });
        }
      }
    },
    onOp: (l) => {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
  };
}
