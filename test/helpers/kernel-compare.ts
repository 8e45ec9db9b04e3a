// A picture of what nodenet made in the kernel that two runs can be compared by: our links (kind, MTU, master, alias,
// up; for VXLAN devices VNI, port, local address, underlay and learning) with their addresses,
// routes, permanent neighbour entries and permanent FDB entries (a VXLAN device's per-peer
// entries) in the host namespace, every namespace under the netns dir with its links, addresses,
// routes, the sysctls we set, and the nftables table (JSON, handles and counters dropped, set
// elements sorted). ifindexes and host-side MACs are left out: random. Entries the kernel learns
// from traffic (reachable neighbours, learned FDB entries) are left out too: they follow packets.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runOk } from '../../controllers/lib/exec.js';
import { inNs } from './topology.js';

type J = Record<string, any>;

async function json(ns: string | null, argv: string[]): Promise<J[]> {
  const out = (await runOk({ argv: inNs(ns, argv) })).stdout.trim();
  return out ? (JSON.parse(out) as J[]) : [];
}

const sortJson = <T>(xs: T[]): T[] => xs.map((x) => JSON.stringify(x)).sort().map((x) => JSON.parse(x) as T);

async function netnsView(ns: string | null, pick: (name: string) => boolean, macs: boolean): Promise<J> {
  const links = (await json(ns, ['ip', '-j', '-d', 'link', 'show'])).filter((l) => pick(l.ifname));
  const names = new Set(links.map((l) => l.ifname as string));
  const addrs = (await json(ns, ['ip', '-j', 'addr', 'show']))
    .filter((a) => names.has(a.ifname))
    .flatMap((a) => (a.addr_info as J[]).filter((i) => !String(i.local).startsWith('fe80:')).map((i) => `${a.ifname} ${i.local}/${i.prefixlen}`));
  const routes = [...(await json(ns, ['ip', '-j', '-4', 'route', 'show', 'table', 'main'])), ...(await json(ns, ['ip', '-j', '-6', 'route', 'show', 'table', 'main']))]
    .filter((r) => names.has(r.dev) && !String(r.dst).startsWith('fe80:') && r.dst !== 'multicast')
    .map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${r.dev}${r.scope ? ` scope ${r.scope}` : ''}`);
  const neighs = (await json(ns, ['ip', '-j', 'neigh', 'show', 'nud', 'permanent']))
    .filter((n) => names.has(n.dev))
    .map((n) => `${n.dst} dev ${n.dev}${n.lladdr ? ` lladdr ${n.lladdr}` : ''}`);
  // Only VXLAN devices: a bridge's own permanent entries are the ports' random MACs.
  const fdb: string[] = [];
  for (const l of links.filter((x) => x.linkinfo?.info_kind === 'vxlan')) {
    for (const e of await json(ns, ['bridge', '-j', 'fdb', 'show', 'dev', l.ifname])) {
      if (e.state === 'permanent' && e.dst !== undefined) fdb.push(`${e.mac} dst ${e.dst} dev ${l.ifname}`);
    }
  }
  return {
    links: sortJson(
      links.map((l) => ({
        name: l.ifname,
        kind: l.linkinfo?.info_kind ?? l.link_type,
        mtu: l.mtu,
        master: l.master ?? null,
        alias: l.ifalias ?? null,
        up: (l.flags as string[]).includes('UP'),
        ...(macs ? { mac: l.address } : {}),
        ...(l.linkinfo?.info_kind === 'vxlan' ? { vxlan: vxlanOf(l.linkinfo.info_data as J) } : {}),
      })),
    ),
    addrs: addrs.sort(),
    routes: routes.sort(),
    neighs: neighs.sort(),
    fdb: fdb.sort(),
  };
}

/** A VXLAN device's configuration; the underlay by name (ifindexes differ between runs). */
function vxlanOf(d: J): J {
  return { id: d.id, port: d.port, local: d.local ?? d.local6 ?? null, link: d.link ?? null, learning: d.learning ?? null, ttl: d.ttl ?? null };
}

function scrubNft(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(scrubNft);
  if (x && typeof x === 'object') {
    const out: J = {};
    for (const [k, v] of Object.entries(x)) {
      if (k === 'handle' || k === 'metainfo') continue;
      out[k] = k === 'counter' ? {} : k === 'elem' && Array.isArray(v) ? sortJson(v.map(scrubNft)) : scrubNft(v);
    }
    return out;
  }
  return x;
}

/**
 * The listing's order of chains, sets and maps is the order they were created in, which depends on
 * the order of reconciles: those are sorted. Rules keep their order within their chain (it matters).
 */
function byChain(listing: unknown): J {
  const items = ((listing as J).nftables ?? []) as J[];
  const rules: J = {};
  const other: J[] = [];
  for (const it of items) {
    if (it.rule) (rules[it.rule.chain] ??= []).push(it.rule);
    else other.push(it);
  }
  return { objects: sortJson(other), rules: Object.fromEntries(Object.entries(rules).sort(([a], [b]) => a.localeCompare(b))) };
}

/** opts.hostNs: the namespace playing the host (a simulated node's), default the current one. */
export async function kernelSnapshot(netnsDir: string, opts: { skipNs?: string[]; hostNs?: string } = {}): Promise<J> {
  const ours = (n: string): boolean => n.startsWith('nn-') || n.startsWith('nnv') || n.startsWith('nnx');
  const hostNs = opts.hostNs ?? null;
  const host = await netnsView(hostNs, ours, false);
  const bridges = host.links.filter((l: J) => l.kind === 'bridge').map((l: J) => l.name as string);
  const sysctls: J = {};
  for (const key of ['net.ipv4.ip_forward', ...bridges.map((b: string) => `net.ipv4.conf.${b}.route_localnet`)]) {
    sysctls[key] = (await runOk({ argv: inNs(hostNs, ['sysctl', '-n', key]) })).stdout.trim();
  }
  const nft = await runOk({ argv: inNs(hostNs, ['nft', '-j', 'list', 'table', 'inet', 'nodenet']) }).then((r) => byChain(scrubNft(JSON.parse(r.stdout))), () => null);
  const namespaces: J = {};
  for (const name of readdirSync(netnsDir).sort()) {
    if (opts.skipNs?.includes(name)) continue;
    namespaces[name] = await netnsView(join(netnsDir, name), () => true, true);
  }
  return { host, sysctls, nft, namespaces };
}

/** Replaces every address and MAC with a symbol (e.g. the attachment that holds it). */
export function maskValues(x: unknown, symbols: ReadonlyMap<string, string>): unknown {
  let text = JSON.stringify(x);
  // Longest first, and only whole tokens: 10.88.0.2 must not eat 10.88.0.20.
  for (const [value, symbol] of [...symbols].sort((a, b) => b[0].length - a[0].length)) {
    const re = new RegExp(`(?<![0-9a-fA-F.:])${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![0-9a-fA-F:]|\\.[0-9])`, 'g');
    text = text.replace(re, symbol);
  }
  return JSON.parse(text) as unknown;
}
