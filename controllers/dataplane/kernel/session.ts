// NetnsSession on the real kernel: one rtnetlink socket opened inside the namespace (it keeps
// operating there whatever happens to the mount), synchronous reads, and apply() running each op
// as one request + ACK, with the contract's success rules and ip-like errors.
import type { Addr, BridgePort, Family, KernelOp, Link, LinkRef, Neigh, NetnsSession, OpEvent, Route } from '../types.js';
import * as c from '../netlink/constants.js';
import { decodeAddr, dumpAddrs } from '../netlink/addr.js';
import { errno, NetlinkError } from '../netlink/errors.js';
import { decodeBridgePort, decodeLink, dumpLinks, getLinkByIndex, getLinkByName } from '../netlink/link.js';
import { decodeNeigh, dumpNeighs } from '../netlink/neigh.js';
import { decodeRoute, dumpRoutes } from '../netlink/route.js';
import { NetlinkSocket } from '../netlink/socket.js';
import { applyOps } from '../apply.js';
import { isNetns } from '../netns.js';
import { ifNameProblem } from '../validate.js';
import { OpFailure, type OpContext } from './context.js';
import { runLinkOp } from './link-ops.js';
import { runNetOp } from './net-ops.js';
import { readSysctl, runNsOp } from './ns-ops.js';

export class KernelSession implements NetnsSession, OpContext {
  readonly sock: NetlinkSocket;

  constructor(
    readonly ns: string | undefined,
    private readonly notify: (ev: OpEvent) => void,
    /** A shared session outlives close() (see createKernelDataplane). */
    private readonly opts: { shared?: boolean } = {},
  ) {
    this.sock = NetlinkSocket.open(ns);
  }

  /**
   * The reply of the last getLink, kept only until this session's next call: a getBridgePort for
   * the same index right after it (observing a veth) needs the very same GETLINK reply.
   */
  private lastLink: { index: number; payload: Buffer } | undefined;

  getLink(name: string): Link | undefined {
    this.lastLink = undefined;
    if (ifNameProblem(name)) return undefined;
    const m = this.sock.get(c.RTM_GETLINK, getLinkByName(name), [errno.ENODEV]);
    if (!m) return undefined;
    const link = decodeLink(m.payload);
    this.lastLink = { index: link.index, payload: m.payload };
    return link;
  }

  getLinkByIndex(index: number): Link | undefined {
    this.lastLink = undefined;
    if (!Number.isInteger(index) || index <= 0) return undefined;
    const m = this.sock.get(c.RTM_GETLINK, getLinkByIndex(index), [errno.ENODEV]);
    return m && decodeLink(m.payload);
  }

  listLinks(): Link[] {
    this.lastLink = undefined;
    return this.sock.dump(c.RTM_GETLINK, dumpLinks()).map((m) => decodeLink(m.payload));
  }

  getBridgePort(index: number): BridgePort | undefined {
    const last = this.lastLink;
    this.lastLink = undefined;
    if (!Number.isInteger(index) || index <= 0) return undefined;
    if (last?.index === index) return decodeBridgePort(last.payload);
    const m = this.sock.get(c.RTM_GETLINK, getLinkByIndex(index), [errno.ENODEV]);
    return m && decodeBridgePort(m.payload);
  }

  listAddrs(filter: { index?: number; family?: Family } = {}): Addr[] {
    this.lastLink = undefined;
    const all = this.sock.dump(c.RTM_GETADDR, dumpAddrs(filter)).map((m) => decodeAddr(m.payload));
    return all.filter((x): x is Addr => !!x && (filter.index === undefined || x.index === filter.index) && (filter.family === undefined || x.family === filter.family));
  }

  listRoutes(filter: { family?: Family; table?: number }): Route[] {
    this.lastLink = undefined;
    const table = filter.table ?? c.RT_TABLE_MAIN;
    let msgs;
    try {
      msgs = this.sock.dump(c.RTM_GETROUTE, dumpRoutes(filter));
    } catch (e) {
      if (e instanceof NetlinkError && e.errno === errno.ENOENT) return []; // the table does not exist (yet)
      throw e;
    }
    const routes = msgs.map((m) => decodeRoute(m.payload)).filter((r): r is Route => !!r && (filter.family === undefined || r.family === filter.family) && r.table === table);
    // One AF_UNSPEC dump answers for both families (the kernel dumps them in family order; sorted to be sure).
    return filter.family === undefined ? routes.filter((r) => r.family === 4).concat(routes.filter((r) => r.family === 6)) : routes;
  }

  listNeighs(filter: { index?: number; family: Family | 7 }): Neigh[] {
    this.lastLink = undefined;
    const all = this.sock.dump(c.RTM_GETNEIGH, dumpNeighs(filter)).map((m) => decodeNeigh(m.payload));
    return all.filter((n): n is Neigh => !!n && n.family === filter.family && (filter.index === undefined || n.index === filter.index));
  }

  readSysctl(key: string): string | undefined {
    this.lastLink = undefined;
    return readSysctl(this.ns, key);
  }

  apply(ops: readonly KernelOp[]): void {
    this.lastLink = undefined;
    applyOps({ ns: this.ns, ops, run: (op) => this.run(op), notify: this.notify });
  }

  close(): void {
    this.lastLink = undefined;
    if (!this.opts.shared) this.sock.close();
  }

  resolve(ref: LinkRef): number {
    if ('index' in ref) return ref.index;
    const link = this.getLink(ref.name);
    if (!link) throw new OpFailure(errno.ENODEV, `Cannot find device "${ref.name}"`);
    return link.index;
  }

  withSocketIn<T>(path: string | undefined, fn: (sock: NetlinkSocket) => T): T {
    if (path === this.ns) return fn(this.sock);
    if (path === undefined) throw new Error('the agent namespace is reachable only from its own session');
    this.requireNetns(path);
    // Not cached: an open socket would keep that namespace (and its veth pairs) alive.
    const sock = NetlinkSocket.open(path);
    try {
      return fn(sock);
    } finally {
      sock.close();
    }
  }

  requireNetns(path: string): void {
    if (!isNetns(path)) throw new OpFailure(errno.ENOENT, `network namespace ${path} does not exist`);
  }

  private run(op: KernelOp): void {
    switch (op.op) {
      case 'netns.add':
      case 'netns.del':
      case 'sysctl.set':
        return runNsOp(this, op);
      case 'link.add':
      case 'link.set':
      case 'link.del':
      case 'brport.set':
        return runLinkOp(this, op);
      default:
        return runNetOp(this, op);
    }
  }
}
