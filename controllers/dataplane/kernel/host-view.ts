// A pass over every object (a resync) asks the agent's namespace about every veth and bridge,
// two requests per attachment. A pass view answers those reads from one link dump taken at the
// first read (a dump entry carries the same attributes as a GETLINK reply, bridge-port data
// included). The first change applied in the agent's namespace during the pass ends the view and
// reads go to the kernel again: the view can only be wrong about changes made after it was
// taken: ours are all seen, and the drift watcher reports others' (stale()). A report naming a
// link sends only that link's reads (by index and by name) to the kernel: the kernel keeps
// announcing IPv6 follow-ups on fresh veths for a while, and each would otherwise cost the whole
// view. Namespaces other than the agent's are always read directly.
import * as c from '../netlink/constants.js';
import { decodeBridgePort, decodeLink, dumpLinks } from '../netlink/link.js';
import type { Dataplane, Link, NetnsSession } from '../types.js';
import { ifNameProblem } from '../validate.js';
import type { KernelSession } from './session.js';
import { inspectNetnsPath, readKnownNetnsIds, type KnownNetnsIds } from '../netns-inspect.js';

interface Entry {
  payload: Buffer;
  link: Link;
}

/** Callers own what a read returns: a shallow copy (vxlan details are never changed). */
function copy(link: Link | undefined): Link | undefined {
  return link && { ...link };
}

export interface DataplanePass {
  dp: Dataplane;
  end(): void;
  /**
   * Someone else changed the agent's namespace (a drift event): reads of that link go to the kernel
   * again; without a link (or a name), all reads do.
   */
  stale(link?: { index: number; name?: string }): void;
}

export function hostPass(base: Dataplane, host: () => KernelSession): DataplanePass {
  let table: { byName: Map<string, Entry>; byIndex: Map<number, Entry>; order: Entry[] } | undefined;
  let valid = true;
  // Links announced changed since the listing: read from the kernel.
  const dirtyIndex = new Set<number>();
  const dirtyName = new Set<string>();
  const off = base.onOp((ev) => {
    if (ev.ns === undefined) valid = false;
  });
  const view = (): typeof table => {
    if (!valid) return undefined;
    if (!table) {
      const order = host().sock.dump(c.RTM_GETLINK, dumpLinks()).map((m) => ({ payload: m.payload, link: decodeLink(m.payload) }));
      table = { byName: new Map(), byIndex: new Map(), order };
      for (const e of order) {
        table.byName.set(e.link.name, e);
        table.byIndex.set(e.link.index, e);
      }
    }
    return table;
  };
  const session: NetnsSession = {
    ns: undefined,
    getLink: (name) => {
      const t = view();
      if (ifNameProblem(name)) return undefined;
      const e = t?.byName.get(name);
      if (!t || dirtyName.has(name) || (e && dirtyIndex.has(e.link.index))) return host().getLink(name);
      return copy(e?.link);
    },
    getLinkByIndex: (index) => {
      const t = view();
      if (!t || dirtyIndex.has(index)) return host().getLinkByIndex(index);
      return copy(t.byIndex.get(index)?.link);
    },
    listLinks: () => {
      const t = view();
      return t && dirtyIndex.size === 0 ? t.order.map((e) => copy(e.link)!) : host().listLinks();
    },
    getBridgePort: (index) => {
      const t = view();
      if (!t || dirtyIndex.has(index)) return host().getBridgePort(index);
      const e = t.byIndex.get(index);
      return e && decodeBridgePort(e.payload);
    },
    listAddrs: (filter) => host().listAddrs(filter),
    listRoutes: (filter) => host().listRoutes(filter),
    listNeighs: (filter) => host().listNeighs(filter),
    readSysctl: (key) => host().readSysctl(key),
    apply: (ops) => host().apply(ops),
    close: () => undefined,
  };
  // Which namespaces are the agent's and PID 1's does not change during a pass: read once, not per path.
  let known: KnownNetnsIds | undefined;
  return {
    dp: {
      ...base,
      session: (ns) => (ns === undefined ? session : base.session(ns)),
      inspectNetns: (path, dirs) => inspectNetnsPath(path, dirs, (known ??= readKnownNetnsIds())),
    },
    end: () => {
      off();
      table = undefined;
    },
    stale: (link) => {
      if (link?.name === undefined) {
        valid = false;
        table = undefined;
        return;
      }
      dirtyIndex.add(link.index);
      dirtyName.add(link.name);
    },
  };
}
