// Rebuilds the ledger from the kernel when the state file is lost or unreadable: our markers say
// what we made (bridges, host veths, namespaces via their loopback), the veth pairs say which
// sandbox each attachment is in (both ends carry the attachment's marker and point at each
// other), and the addresses actually configured on the sandbox ends become the allocations. So
// an address in use is never handed out again. Two attachments holding the same address cannot
// be told apart safely: that refuses.
import { canonicalIp, formatCidr, parseCidr, parseIp, contains } from '../../api/ip.js';
import type { Addr, Dataplane, Link } from '../dataplane/types.js';
import { keyOfMarker } from '../model/names.js';
import { parseKey } from '../store/keys.js';
import { emptyLedger, type AttachmentRecord, type LedgerData } from './ledger.js';

export interface RebuildHint {
  network: string;
  /** Sandbox key ("Sandbox/<ns>/<name>"). */
  sandbox: string;
}

export interface RebuildOptions {
  dp: Dataplane;
  /** Namespaces nodenet may have created (the netns dir's). */
  netnsPaths: readonly string[];
  /** Further namespaces to search for veth peers not found above; called only if needed. */
  morePaths?: () => readonly string[];
  /** Declared attachments: key -> network and sandbox, for what the kernel alone cannot say. */
  hints?: ReadonlyMap<string, RebuildHint>;
}

export interface RebuildResult {
  data: LedgerData;
  /** Host veths of ours that cannot be attributed: delete them before anything is allocated. */
  orphans: { index: number; name: string; why: string }[];
  /**
   * Addresses configured on an attachment besides the one recorded per family: nobody owns them,
   * so they are removed before anything is allocated (no new attachment may get one meanwhile).
   */
  extraAddresses: ExtraAddress[];
}

export interface ExtraAddress {
  netnsPath: string;
  index: number;
  family: 4 | 6;
  address: string;
  prefixLen: number;
  owner: string;
}

export class RebuildRefusedError extends Error {
  constructor(message: string) {
    super(`cannot rebuild the state from the kernel safely: ${message}`);
    this.name = 'RebuildRefusedError';
  }
}

interface Peer {
  path: string;
  sandbox: string | undefined;
  link: Link;
  addrs: Addr[];
}

const usable = (a: Addr): boolean => a.scope === 0 && !(a.family === 6 && a.address.toLowerCase().startsWith('fe80:'));

export function rebuildLedger(opts: RebuildOptions): RebuildResult {
  const data = emptyLedger();
  const out: RebuildResult = { data, orphans: [], extraAddresses: [] };
  const host = opts.dp.session();
  let links: Link[];
  let addrs: Addr[];
  try {
    links = host.listLinks();
    addrs = host.listAddrs();
  } finally {
    host.close();
  }
  const byIndex = new Map(links.map((l) => [l.index, l]));
  for (const l of links) {
    const name = ownedName(l, 'Network');
    if (name === undefined || l.kind !== 'bridge') continue;
    const subnets = addrs.filter((a) => a.index === l.index && usable(a)).map((a) => formatCidr(parseCidr(`${a.address}/${a.prefixLen}`, false)!));
    data.networks[name] = { driver: 'bridge', device: l.name, subnets };
  }
  const peers = new Map<string, Peer>();
  const scanned = new Set<string>();
  scanNamespaces(opts, opts.netnsPaths, { peers, scanned, data, created: true });
  const hostVeths = links.filter((l) => l.kind === 'veth' && ownedKey(l, 'Attachment') !== undefined);
  const pairOf = (h: Link): Peer | undefined => {
    const p = peers.get(ownedKey(h, 'Attachment')!);
    return p && p.link.link === h.index && h.link === p.link.index ? p : undefined;
  };
  if (opts.morePaths && hostVeths.some((h) => !pairOf(h))) scanNamespaces(opts, opts.morePaths(), { peers, scanned, data, created: false });
  for (const h of hostVeths) {
    const key = ownedKey(h, 'Attachment')!;
    const peer = pairOf(h);
    const master = h.master !== undefined ? byIndex.get(h.master) : undefined;
    const network = (master && ownedName(master, 'Network')) ?? opts.hints?.get(key)?.network;
    const sandbox = peer?.sandbox ?? opts.hints?.get(key)?.sandbox;
    const why = !peer ? 'its sandbox end is in no namespace we can find' : !network ? 'its network is unknown' : !sandbox ? 'its sandbox is unknown' : undefined;
    if (why || !peer || !network || !sandbox) {
      out.orphans.push({ index: h.index, name: h.name, why: why ?? 'unknown' });
      continue;
    }
    const rec: AttachmentRecord = { network, sandbox, netnsPath: peer.path, hostInterface: h.name, interface: peer.link.name, ...(peer.link.mac ? { mac: peer.link.mac } : {}) };
    for (const family of [4, 6] as const) {
      const mine = peer.addrs.filter((a) => a.family === family && usable(a) && inNetwork(data, network, a));
      const first = mine[0];
      if (!first) continue;
      const address = canonicalIp(first.address) ?? first.address;
      rec[family === 4 ? 'ipv4' : 'ipv6'] = `${address}/${first.prefixLen}`;
      for (const x of mine.slice(1)) out.extraAddresses.push({ netnsPath: peer.path, index: x.index, family, address: x.address, prefixLen: x.prefixLen, owner: key });
      allocate(data, network, address, key);
    }
    data.attachments[key] = rec;
  }
  return out;
}

function scanNamespaces(opts: RebuildOptions, paths: readonly string[], st: { peers: Map<string, Peer>; scanned: Set<string>; data: LedgerData; created: boolean }): void {
  for (const path of paths) {
    if (st.scanned.has(path) || !opts.dp.isNetns(path)) continue;
    st.scanned.add(path);
    let s;
    try {
      s = opts.dp.session(path);
    } catch {
      continue; // gone meanwhile
    }
    try {
      const links = s.listLinks();
      const sandboxKey = ownedKey(links.find((l) => l.name === 'lo'), 'Sandbox');
      if (sandboxKey && st.created) st.data.sandboxes[sandboxKey] = { netnsPath: path, created: true };
      for (const l of links) {
        const key = l.kind === 'veth' ? ownedKey(l, 'Attachment') : undefined;
        if (key && !st.peers.has(key)) st.peers.set(key, { path, sandbox: sandboxKey, link: l, addrs: s.listAddrs({ index: l.index }) });
      }
    } finally {
      s.close();
    }
  }
}

function ownedKey(l: Link | undefined, kind: string): string | undefined {
  const key = keyOfMarker(l?.alias);
  if (!key) return undefined;
  try {
    return parseKey(key).kind === kind ? key : undefined;
  } catch {
    return undefined;
  }
}

function ownedName(l: Link, kind: string): string | undefined {
  const key = ownedKey(l, kind);
  return key ? parseKey(key).name : undefined;
}

/** Only addresses inside the network's subnets are the network's (when the bridge says which). */
function inNetwork(data: LedgerData, network: string, a: Addr): boolean {
  const subnets = data.networks[network]?.subnets ?? [];
  if (subnets.length === 0) return true;
  const ip = parseIp(a.address);
  return !!ip && subnets.some((s) => {
    const c = parseCidr(s);
    return !!c && contains(c, ip);
  });
}

function allocate(data: LedgerData, network: string, address: string, owner: string): void {
  const table = (data.allocations[network] ??= {});
  const holder = table[address];
  if (holder !== undefined && holder !== owner) {
    throw new RebuildRefusedError(`${address} on network ${network} is configured on both ${holder} and ${owner}; remove it from one of them (or run nodenet cleanup)`);
  }
  table[address] = owner;
}
