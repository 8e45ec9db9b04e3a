// NetnsSession over the fake kernel: the same reads and the same apply() loop as the real one.
import type { Addr, BridgePort, Family, KernelOp, Link, Neigh, NetnsSession, OpEvent, Route } from '../types.js';
import { applyOps } from '../apply.js';
import { sysctlKeyProblem } from '../validate.js';
import * as c from '../netlink/constants.js';
import type { FNs } from './state.js';
import { addrsOf, neighsOf, routesOf, toLink } from './view.js';
import type { FakeWorld } from './world.js';

export class FakeSession implements NetnsSession {
  private closed = false;

  constructor(
    readonly ns: string | undefined,
    private readonly state: FNs,
    private readonly world: FakeWorld,
    private readonly notify: (ev: OpEvent) => void,
  ) {}

  getLink(name: string): Link | undefined {
    this.check();
    const l = this.state.byName(name);
    return l && toLink(this.state, l);
  }

  getLinkByIndex(index: number): Link | undefined {
    this.check();
    const l = this.state.link(index);
    return l && toLink(this.state, l);
  }

  listLinks(): Link[] {
    this.check();
    return [...this.state.links.values()].sort((a, b) => a.index - b.index).map((l) => toLink(this.state, l));
  }

  getBridgePort(index: number): BridgePort | undefined {
    this.check();
    const l = this.state.link(index);
    return l && l.master !== undefined ? { index, hairpin: l.hairpin } : undefined;
  }

  listAddrs(filter: { index?: number; family?: Family } = {}): Addr[] {
    this.check();
    return addrsOf(this.state).filter((a) => (filter.index === undefined || a.index === filter.index) && (filter.family === undefined || a.family === filter.family));
  }

  listRoutes(filter: { family?: Family; table?: number }): Route[] {
    this.check();
    const table = filter.table ?? c.RT_TABLE_MAIN;
    if (filter.family !== undefined) return routesOf(this.state, filter.family, table);
    return [...routesOf(this.state, 4, table), ...routesOf(this.state, 6, table)];
  }

  listNeighs(filter: { index?: number; family: Family | 7 }): Neigh[] {
    this.check();
    return neighsOf(this.state, filter.family).filter((n) => filter.index === undefined || n.index === filter.index);
  }

  readSysctl(key: string): string | undefined {
    this.check();
    const problem = sysctlKeyProblem(key);
    if (problem) throw new Error(problem);
    return this.state.sysctl.get(key);
  }

  apply(ops: readonly KernelOp[]): void {
    this.check();
    applyOps({ ns: this.ns, ops, run: (op) => this.world.run(this.state, this.ns, op), notify: this.notify });
  }

  close(): void {
    this.closed = true;
  }

  private check(): void {
    if (this.closed) throw new Error('netlink: socket is closed');
  }
}
