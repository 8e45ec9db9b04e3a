// The fake kernel as a whole: the agent's namespace, namespaces mounted at paths, op dispatch
// (with the same canonical forms the kernel reports back), failure injection and the
// asynchronous effects of the kernel applied at once (link-local addresses).
import { canonicalCidr, canonicalIp } from '../../../api/ip.js';
import type { KernelOp, LinkRef } from '../types.js';
import { OpFailure } from '../apply.js';
import { errno } from '../netlink/errors.js';
import type { FakeCtx } from './context.js';
import { ipv6Off, settleLinkLocal } from './l3.js';
import { destroy, setUp } from './links.js';
import { runFakeLinkOp } from './link-ops.js';
import { runFakeNetOp } from './net-ops.js';
import { FNs } from './state.js';
import { writeSysctl } from './sysctl.js';

export type FailureRule = (op: KernelOp, ns: string | undefined) => number | undefined;

function canonIp(ip: string): string {
  return canonicalIp(ip) ?? ip;
}

/** Addresses and MACs in the form the kernel prints them, so reads compare equal to the real thing. */
export function canonical(op: KernelOp): KernelOp {
  switch (op.op) {
    case 'addr.add':
    case 'addr.del':
      return { ...op, address: canonIp(op.address) };
    case 'route.replace':
    case 'route.del': {
      const out = { ...op, dst: op.dst === 'default' ? op.dst : (canonicalCidr(op.dst) ?? op.dst) };
      if (op.gateway !== undefined) out.gateway = canonIp(op.gateway);
      if (op.prefsrc !== undefined) out.prefsrc = canonIp(op.prefsrc);
      return out;
    }
    case 'neigh.replace':
    case 'neigh.del':
    case 'fdb.append':
    case 'fdb.del':
      return { ...op, dst: canonIp(op.dst), mac: op.mac.toLowerCase() };
    case 'link.set':
      return op.mac !== undefined ? { ...op, mac: op.mac.toLowerCase() } : op;
    case 'link.add': {
      const l = { ...op.link };
      if ('mac' in l && l.mac !== undefined) l.mac = l.mac.toLowerCase();
      if (l.kind === 'veth' && l.peer.mac !== undefined) l.peer = { ...l.peer, mac: l.peer.mac.toLowerCase() };
      if (l.kind === 'vxlan' && l.local !== undefined) l.local = canonIp(l.local);
      return { ...op, link: l };
    }
    default:
      return op;
  }
}

export class FakeWorld {
  readonly agent = new FNs(undefined);
  readonly mounted = new Map<string, FNs>();
  private readonly alive = new Set<FNs>([this.agent]);
  private rules: FailureRule[] = [];
  private readonly ids = new WeakMap<FNs, string>();
  private nextId = 1;
  opsRun = 0;

  /** A stable identity per namespace, like the nsfs inode of a real one. */
  idOf(ns: FNs): string {
    let id = this.ids.get(ns);
    if (!id) this.ids.set(ns, (id = ns === this.agent ? 'fake:agent' : `fake:${this.nextId++}`));
    return id;
  }

  constructor(readonly unsupportedKinds: ReadonlySet<string>) {
    setUp(this.agent, this.agent.mustLink(1), true);
  }

  addRule(rule: FailureRule): () => void {
    this.rules.push(rule);
    return () => void (this.rules = this.rules.filter((r) => r !== rule));
  }

  world(): FNs[] {
    return [...this.alive];
  }

  createNs(path: string): FNs {
    if (this.mounted.has(path)) throw new OpFailure(errno.EEXIST, `create namespace file: File exists`);
    const ns = new FNs(path);
    this.mounted.set(path, ns);
    this.alive.add(ns);
    return ns;
  }

  /**
   * The settled outcome of netns.del (with or without flush): the namespace's cross-namespace
   * links and their peers are gone, and the ids other namespaces gave it are free again.
   */
  deleteNs(path: string): void {
    const ns = this.mounted.get(path);
    if (!ns) return;
    for (const l of [...ns.links.values()]) {
      const cross = l.kind === 'veth' || (l.parent && l.parent.ns !== ns) || (l.linkNs && l.linkNs !== ns);
      if (cross) destroy(ns, l, this.world());
    }
    this.mounted.delete(path);
    this.alive.delete(ns);
    for (const other of this.alive) other.nsids.delete(ns);
  }

  run(state: FNs, path: string | undefined, raw: KernelOp): void {
    this.opsRun++;
    for (const rule of this.rules) {
      const no = rule(raw, path);
      if (no !== undefined) throw new OpFailure(no, 'injected failure');
    }
    const op = canonical(raw);
    try {
      this.dispatch(this.ctx(state), op);
    } finally {
      for (const ns of this.alive) settleLinkLocal(ns);
    }
  }

  private ctx(state: FNs): FakeCtx {
    return {
      ns: state,
      unsupportedKinds: this.unsupportedKinds,
      world: () => this.world(),
      resolve: (ref: LinkRef) => {
        if ('index' in ref) return ref.index;
        const l = state.byName(ref.name);
        if (!l) throw new OpFailure(errno.ENODEV, `Cannot find device "${ref.name}"`);
        return l.index;
      },
      nsAt: (p: string) => {
        const ns = this.mounted.get(p);
        if (!ns) throw new OpFailure(errno.ENOENT, `network namespace ${p} does not exist`);
        return ns;
      },
    };
  }

  private dispatch(ctx: FakeCtx, op: KernelOp): void {
    switch (op.op) {
      case 'netns.add':
        return void this.createNs(op.path);
      case 'netns.del':
        return this.deleteNs(op.path);
      case 'sysctl.set':
        return writeSysctl(ctx.ns, op.key, op.value, (name, disabled) => {
          const l = ctx.ns.byName(name);
          if (l && disabled) ipv6Off(ctx.ns, l);
          else if (l) l.linkLocal = false;
        });
      case 'link.add':
      case 'link.set':
      case 'link.del':
      case 'brport.set':
        return runFakeLinkOp(ctx, op);
      default:
        return runFakeNetOp(ctx, op);
    }
  }
}
