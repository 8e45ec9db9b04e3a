// What an op runner needs from its session: the socket, name resolution in the session's
// namespace, sockets in other namespaces (peer aliases, namespace teardown) and a failure type.
import type { LinkRef } from '../types.js';
import type { NetlinkSocket } from '../netlink/socket.js';

export { OpFailure } from '../apply.js';

export interface OpContext {
  /** The session's namespace path; undefined for the agent's own. */
  readonly ns: string | undefined;
  readonly sock: NetlinkSocket;
  /** ifindex of ref in the session namespace; throws OpFailure(ENODEV) when there is no such link. */
  resolve(ref: LinkRef): number;
  /** Runs fn with a socket in the namespace at path (the session's own when path is the session namespace). */
  withSocketIn<T>(path: string | undefined, fn: (sock: NetlinkSocket) => T): T;
  /** Throws OpFailure(ENOENT) unless path is a live network namespace. */
  requireNetns(path: string): void;
}
