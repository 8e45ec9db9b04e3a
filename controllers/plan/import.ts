// Copies the part of the real kernel that reconcilers read into the fake dataplane, so `nodenet
// plan` can run the real reconcilers against it and record what they would change. Links keep
// their names, kinds (unknown kinds become dummies: only name, alias and kind matter to us),
// markers, MTU, MAC and state; veth pairs are rebuilt across namespaces by matching peer indexes.
import type { FakeDataplane } from '../dataplane/fake.js';
import type { Dataplane, KernelOp, Link, NetnsSession } from '../dataplane/types.js';

/** Sysctls the reconcilers read, per namespace (bridge-specific ones are added per bridge). */
const HOST_SYSCTLS = ['net/ipv4/ip_forward', 'net/bridge/bridge-nf-call-iptables', 'net/ipv6/conf/all/forwarding'];

const V6_KNOBS = ['disable_ipv6', 'accept_ra', 'accept_dad'];

interface NsView {
  path: string | undefined;
  links: Link[];
  session: NetnsSession;
}

export function importKernel(real: Dataplane, fake: FakeDataplane, paths: readonly string[]): void {
  const host: NsView = { path: undefined, session: real.session(), links: [] };
  const views: NsView[] = [];
  try {
    host.links = host.session.listLinks();
    for (const path of paths) {
      if (!real.isNetns(path)) continue;
      const session = real.session(path);
      views.push({ path, session, links: session.listLinks() });
      fake.outOfBand(undefined, [{ op: 'netns.add', path }]);
    }
    const paired = createLinks(fake, host, views);
    for (const v of [host, ...views]) copyState(fake, v, paired);
  } finally {
    host.session.close();
    for (const v of views) v.session.close();
  }
}

/** Creates every link; returns the names of sandbox-side veth ends created with their host peer. */
function createLinks(fake: FakeDataplane, host: NsView, views: NsView[]): Set<string> {
  const paired = new Set<string>();
  const hostOps: KernelOp[] = [];
  for (const h of host.links) {
    if (h.name === 'lo') continue;
    const peer = h.kind === 'veth' ? findPeer(h, views) : undefined;
    if (peer) {
      paired.add(`${peer.path}\0${peer.link.name}`);
      hostOps.push({
        op: 'link.add',
        link: { kind: 'veth', name: h.name, mtu: h.mtu, ...opt('alias', h.alias), ...opt('mac', h.mac), peer: { name: peer.link.name, netns: peer.path, mtu: peer.link.mtu, ...opt('mac', peer.link.mac), ...opt('alias', peer.link.alias) } },
      });
    } else {
      const kind = h.kind === 'bridge' ? 'bridge' : 'dummy';
      hostOps.push({ op: 'link.add', link: { kind, name: h.name, mtu: h.mtu, ...opt('alias', h.alias), ...opt('mac', h.mac) } });
    }
  }
  fake.outOfBand(undefined, hostOps);
  for (const v of views) {
    const ops: KernelOp[] = v.links
      .filter((l) => l.name !== 'lo' && !paired.has(`${v.path}\0${l.name}`))
      .map((l) => ({ op: 'link.add', link: { kind: l.kind === 'bridge' ? 'bridge' : 'dummy', name: l.name, mtu: l.mtu, ...opt('alias', l.alias) } }) as KernelOp);
    fake.outOfBand(v.path, ops);
  }
  return paired;
}

function findPeer(h: Link, views: NsView[]): { path: string; link: Link } | undefined {
  for (const v of views) {
    const l = v.links.find((x) => x.kind === 'veth' && x.link === h.index && h.link === x.index);
    if (l) return { path: v.path!, link: l };
  }
  return undefined;
}

function copyState(fake: FakeDataplane, v: NsView, _paired: Set<string>): void {
  const byIndex = new Map(v.links.map((l) => [l.index, l]));
  const ops: KernelOp[] = [];
  for (const l of v.links) {
    if (l.name === 'lo') {
      ops.push({ op: 'link.set', ref: { name: 'lo' }, up: l.up, ...opt('alias', l.alias) });
      continue;
    }
    const master = l.master !== undefined ? byIndex.get(l.master)?.name : undefined;
    if (master) ops.push({ op: 'link.set', ref: { name: l.name }, master: { name: master } });
    if (master && v.session.getBridgePort(l.index)?.hairpin) ops.push({ op: 'brport.set', ref: { name: l.name }, hairpin: true });
    if (l.up) ops.push({ op: 'link.set', ref: { name: l.name }, up: true });
  }
  for (const a of v.session.listAddrs()) {
    const l = byIndex.get(a.index);
    if (l && a.scope === 0 && !(a.family === 6 && a.address.startsWith('fe80:'))) {
      ops.push({ op: 'addr.add', ref: { name: l.name }, family: a.family, address: a.address, prefixLen: a.prefixLen });
    }
  }
  for (const family of [4, 6] as const) {
    for (const r of v.session.listRoutes({ family, table: 254 })) {
      const dev = r.oif !== undefined ? byIndex.get(r.oif)?.name : undefined;
      if (r.protocol === 2 || !dev) continue; // kernel routes follow from the addresses
      ops.push({ op: 'route.replace', family, dst: r.dst, ...opt('gateway', r.gateway), dev: { name: dev }, ...opt('metric', r.metric) });
    }
  }
  const keys = [
    ...HOST_SYSCTLS,
    ...v.links.filter((l) => l.kind === 'bridge').map((l) => `net/ipv4/conf/${l.name}/route_localnet`),
    // IPv6 knobs of bridges and sandbox interfaces (reconcile/ipv6.ts), and the accept_ra guard's.
    ...['default', ...v.links.filter((l) => l.name !== 'lo').map((l) => l.name)].flatMap((n) => V6_KNOBS.map((k) => `net/ipv6/conf/${n}/${k}`)),
  ];
  for (const key of keys) {
    const value = v.session.readSysctl(key)?.trim();
    if (value !== undefined) ops.push({ op: 'sysctl.set', key, value });
  }
  for (const op of ops) {
    try {
      fake.outOfBand(v.path, [op]);
    } catch {
      // A detail the fake cannot model (a route via a device it did not copy) only makes the
      // plan show a change that is already there; it never hides one.
    }
  }
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
