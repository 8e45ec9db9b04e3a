// What explain reads: the kernel (host namespace and each sandbox's, through the dataplane's
// sessions, so unit tests use the in-memory one), the nftables ruleset, and nodenet's own record
// of its objects (ledger + status): which sandbox, network and addresses each attachment has.
import type { Addr, BridgePort, Dataplane, Link, NetnsSession, Route } from '../dataplane/types.js';
import type { LedgerData } from '../state/ledger.js';
import type { StatusRecord } from '../status/record.js';
import { keyOfRecord } from '../status/store.js';
import { parseKey } from '../store/keys.js';
import type { Listing } from './nft/listing.js';

export interface NsView {
  /** Namespace path; undefined for the host. */
  path: string | undefined;
  links(): Link[];
  link(name: string): Link | undefined;
  linkByIndex(index: number): Link | undefined;
  addrs(): Addr[];
  routes(family: 4 | 6): Route[];
  sysctl(key: string): string | undefined;
  brport(index: number): BridgePort | undefined;
}

export interface PortInfo {
  hostIP: string;
  hostPort: number;
  hostPortEnd?: number;
  containerPort: number;
  protocol: string;
}

export interface NetworkInfo {
  name: string;
  bridge: string;
  subnets: string[];
  gateways: string[];
}

export interface SandboxInfo {
  key: string;
  name: string;
  netnsPath: string;
}

export interface AttachmentInfo {
  key: string;
  name: string;
  sandboxKey: string;
  network: string;
  netnsPath: string;
  interface: string;
  hostInterface?: string;
  ipv4?: string;
  ipv6?: string;
  ports: PortInfo[];
}

export interface ObjectIndex {
  networks: NetworkInfo[];
  sandboxes: SandboxInfo[];
  attachments: AttachmentInfo[];
}

export interface World {
  host: NsView;
  /** A sandbox namespace, or undefined when it does not exist. */
  ns(path: string): NsView | undefined;
  listing: Listing;
  objects: ObjectIndex;
}

/** A read-only view over one dataplane session; reads are cached for the life of the view. */
export function sessionView(s: NetnsSession): NsView {
  const memo = new Map<string, unknown>();
  const once = <T>(k: string, f: () => T): T => {
    if (!memo.has(k)) memo.set(k, f());
    return memo.get(k) as T;
  };
  return {
    path: s.ns,
    links: () => once('links', () => s.listLinks()),
    link: (name) => once<Link[]>('links', () => s.listLinks()).find((l) => l.name === name),
    linkByIndex: (i) => once<Link[]>('links', () => s.listLinks()).find((l) => l.index === i),
    addrs: () => once('addrs', () => s.listAddrs()),
    routes: (family) => once(`routes${family}`, () => s.listRoutes({ family, table: 254 })),
    sysctl: (key) => once(`sysctl:${key}`, () => s.readSysctl(key)?.trim()),
    brport: (i) => once(`brport:${i}`, () => s.getBridgePort(i)),
  };
}

/** Views over a dataplane; close() ends every session it opened. */
export function dataplaneViews(dp: Dataplane): { host: NsView; ns(path: string): NsView | undefined; close(): void } {
  const sessions: NetnsSession[] = [];
  const open = (path?: string): NsView => {
    const s = dp.session(path);
    sessions.push(s);
    return sessionView(s);
  };
  const cache = new Map<string, NsView | undefined>();
  return {
    host: open(),
    ns: (path) => {
      if (!cache.has(path)) cache.set(path, dp.isNetns(path) ? open(path) : undefined);
      return cache.get(path);
    },
    close: () => {
      for (const s of sessions) s.close();
    },
  };
}

const strip = (cidr: string | undefined): string | undefined => cidr?.split('/')[0];

/** nodenet's objects from its ledger (what it made) and status (gateways, ports). */
export function indexObjects(ledger: LedgerData, records: readonly StatusRecord[]): ObjectIndex {
  const status = new Map(records.map((r) => [keyOfRecord(r), r.status as Record<string, unknown>]));
  const networks: NetworkInfo[] = Object.entries(ledger.networks)
    .filter(([, n]) => n.device)
    .map(([name, n]) => ({ name, bridge: n.device!, subnets: n.subnets, gateways: (status.get(`Network/${name}`)?.gateways as string[] | undefined) ?? [] }));
  const sandboxes: SandboxInfo[] = Object.entries(ledger.sandboxes).map(([key, s]) => ({ key, name: parseKey(key).name, netnsPath: s.netnsPath }));
  const attachments: AttachmentInfo[] = Object.entries(ledger.attachments).map(([key, a]) => ({
    key,
    name: parseKey(key).name,
    sandboxKey: a.sandbox,
    network: a.network,
    netnsPath: a.netnsPath,
    interface: a.interface,
    ...(a.hostInterface ? { hostInterface: a.hostInterface } : {}),
    ...(a.ipv4 ? { ipv4: strip(a.ipv4) } : {}),
    ...(a.ipv6 ? { ipv6: strip(a.ipv6) } : {}),
    ports: (status.get(key)?.ports as PortInfo[] | undefined) ?? [],
  }));
  return { networks, sandboxes, attachments };
}
