// createFakeDataplane(): an in-memory Dataplane with the kernel's semantics, for reconciler unit
// tests. The conformance suite (test/integration/dataplane/conformance.test.ts) runs the same
// scenarios against it and the real kernel. Known gaps: the local routing table is not modelled
// (only routes nodenet adds there), IPv6 DAD never leaves addresses "tentative", the kernel's own
// neighbour/fdb entries (multicast, learned) do not exist, fdb entries exist on vxlan only, and
// what the kernel does asynchronously is done at once (link-local addresses appear as soon as a
// link has carrier; netns.del without flush removes the veth peers immediately, which the kernel
// does a few milliseconds later, once nothing holds the namespace).
import { dirname } from 'node:path';
import type { Dataplane, KernelOp, Link, Addr, Route, Neigh, NetnsInspection, NetnsSession } from './types.js';
import { NetnsMissingError } from './types.js';
import { errno } from './netlink/errors.js';
import { opNotifier } from './op-events.js';
import { FakeSession } from './fake/session.js';
import { resetMacs, type FNs } from './fake/state.js';
import { defaultSysctls } from './fake/sysctl.js';
import { addrsOf, neighsOf, routesOf, toLink } from './fake/view.js';
import { FakeWorld, type FailureRule } from './fake/world.js';

export interface FakeNsSnapshot {
  links: Link[];
  addrs: Addr[];
  routes: Route[];
  neighs: Neigh[];
  /** Sysctls that differ from a fresh namespace's. */
  sysctl: Record<string, string>;
}

export interface FakeDataplane extends Dataplane {
  /** The Nth op reaching the kernel from now on (1 = the next) fails with errno (default EIO) without effect. */
  failAt(n: number, no?: number): void;
  /** Every op for which rule returns an errno fails with it until the returned function is called. */
  failWhen(rule: FailureRule): () => void;
  /** Ops that reached the fake kernel so far (including failed ones). */
  opCount(): number;
  /** Every namespace by path ("" for the agent's), deterministic, for assertions and golden files. */
  snapshot(): Record<string, FakeNsSnapshot>;
  /** Makes path a live namespace as if a process held it (/proc/PID/ns/net adoption). */
  addExternalNetns(path: string): void;
  /**
   * Makes path open the namespace at `target` (undefined: the agent's own), as a /proc/PID/ns/net
   * of a process in that namespace would, or a bind mount of it: for the adoption guard's tests.
   */
  aliasNetns(path: string, target?: string): void;
  /** Applies ops without notifying listeners or counting: "someone else changed the kernel". */
  outOfBand(ns: string | undefined, ops: readonly KernelOp[]): void;
}

export interface FakeOptions {
  /** Device kinds the fake kernel refuses like a kernel without the driver (EOPNOTSUPP). */
  unsupportedKinds?: readonly string[];
  /** Inspects adopted paths (plan mode passes the real file system's); default: the fake's own view. */
  inspectNetns?: Dataplane['inspectNetns'];
}

/** The fake's view of a path: a mounted namespace is a bind mount (or /proc magic link); nothing else exists. */
function fakeInspect(world: FakeWorld, path: string, dirs: readonly string[]): NetnsInspection {
  const ns = world.mounted.get(path);
  return {
    entry: ns ? (path.startsWith('/proc/') ? 'symlink' : 'file') : 'missing',
    parentReal: dirname(path),
    dirsReal: [...dirs],
    netnsId: ns ? world.idOf(ns) : undefined,
    agentNetnsId: world.idOf(world.agent),
    initNetnsId: 'fake:init',
  };
}

function snapshotOf(ns: FNs): FakeNsSnapshot {
  const fresh = defaultSysctls();
  const sysctl: Record<string, string> = {};
  for (const [k, v] of [...ns.sysctl.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    // Per-interface knobs count as changed when they differ from the namespace's "default".
    const m = /^net\/(ipv[46])\/conf\/([^/]+)\/(.+)$/.exec(k);
    const perLink = m && m[2] !== 'all' && m[2] !== 'default';
    if (perLink && m[3] === 'mtu') continue;
    const baseline = perLink ? ns.sysctl.get(`net/${m[1]}/conf/default/${m[3]}`) : fresh.get(k);
    if (v !== baseline) sysctl[k] = v;
  }
  const routes = [...routesOf(ns, 4, 254), ...routesOf(ns, 6, 254), ...ns.routes.filter((r) => r.table !== 254).map((r) => ({ ...r }))];
  return {
    links: [...ns.links.values()].sort((a, b) => a.index - b.index).map((l) => toLink(ns, l)),
    addrs: addrsOf(ns),
    routes,
    neighs: [...neighsOf(ns, 4), ...neighsOf(ns, 6), ...neighsOf(ns, 7)],
    sysctl,
  };
}

export function createFakeDataplane(opts: FakeOptions = {}): FakeDataplane {
  resetMacs();
  const world = new FakeWorld(new Set(opts.unsupportedKinds ?? []));
  const { notify, onOp } = opNotifier();
  let counted = 0;
  const stateOf = (ns: string | undefined): FNs => {
    if (ns === undefined) return world.agent;
    const s = world.mounted.get(ns);
    if (!s) throw new NetnsMissingError(ns);
    return s;
  };
  return {
    session: (ns?: string): NetnsSession => new FakeSession(ns, stateOf(ns), world, notify),
    isNetns: (path) => world.mounted.has(path),
    inspectNetns: opts.inspectNetns ?? ((path, dirs) => fakeInspect(world, path, dirs)),
    prepareNetnsDir: () => undefined,
    listNetns: (dir) => [...world.mounted.keys()].filter((p) => p.startsWith(dir.endsWith('/') ? dir : dir + '/') && !p.slice(dir.length + 1).includes('/')).sort(),
    onOp,
    failAt(n, no = errno.EIO) {
      const target = world.opsRun + n;
      const clear = world.addRule(() => (world.opsRun === target ? (clear(), no) : undefined));
    },
    failWhen: (rule) => world.addRule(rule),
    opCount: () => world.opsRun - counted,
    snapshot() {
      const out: Record<string, FakeNsSnapshot> = { '': snapshotOf(world.agent) };
      for (const p of [...world.mounted.keys()].sort()) out[p] = snapshotOf(world.mounted.get(p)!);
      // Plain JSON data (no undefined members), so it compares and serializes as golden files do.
      return JSON.parse(JSON.stringify(out)) as Record<string, FakeNsSnapshot>;
    },
    addExternalNetns: (path) => void world.createNs(path),
    aliasNetns(path, target) {
      const ns = target === undefined ? world.agent : world.mounted.get(target);
      if (!ns) throw new NetnsMissingError(target!);
      world.mounted.set(path, ns);
    },
    outOfBand(ns, ops) {
      const before = world.opsRun;
      new FakeSession(ns, stateOf(ns), world, () => undefined).apply(ops);
      counted += world.opsRun - before;
    },
  };
}
