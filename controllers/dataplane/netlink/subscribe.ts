// A netlink socket in the agent's namespace subscribed to multicast groups, drained whenever it
// is readable: the event plumbing shared by the rtnetlink and nftables watchers. An overrun
// (ENOBUFS) is reported, never silently lost; a handler that throws is logged, not fatal.
import { errno } from './errors.js';
import { parseMessages, type NlMsg } from './message.js';
import { native } from './native.js';
import { NETLINK_ADD_MEMBERSHIP } from './constants.js';
import { log } from '../../lib/log.js';

export interface SubscribeOptions {
  protocol: number;
  groups: readonly number[];
  /** Extra socket options set after joining the groups (e.g. NETLINK_LISTEN_ALL_NSID). */
  options?: readonly (readonly [option: number, value: number])[];
  /** What the events are, for errors and logs ("kernel events", "nftables changes"). */
  what: string;
  onMessage(m: NlMsg, nsid: number): void;
  onOverflow(): void;
}

/** Starts watching; returns a function that stops watching and closes the socket. */
export function subscribeNetlink(o: SubscribeOptions): () => void {
  const n = native();
  const fd = n.socket(o.protocol, 0, null);
  try {
    for (const g of o.groups) n.setOpt(fd, NETLINK_ADD_MEMBERSHIP, g);
    for (const [opt, value] of o.options ?? []) n.setOpt(fd, opt, value);
  } catch (e) {
    n.close(fd);
    throw new Error(`subscribe to ${o.what}`, { cause: e });
  }
  const safe = (fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      log.warn(`${o.what} handler failed`, { err });
    }
  };
  const drain = (): void => {
    for (;;) {
      let got;
      try {
        got = n.recv(fd, false);
      } catch (e) {
        if ((e as { errno?: number }).errno === errno.ENOBUFS) {
          safe(() => o.onOverflow());
          continue;
        }
        log.warn(`${o.what} socket read failed`, { err: e });
        return;
      }
      if (!got) return;
      for (const m of parseMessages(got.data)) safe(() => o.onMessage(m, got.nsid));
    }
  };
  const handle = n.poll(fd, drain);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    n.unpoll(handle);
    n.close(fd);
  };
}
