// Resolved views of validated objects: every default of the API is applied here and nowhere
// else, so the engine, the CLI and the cross-object checks agree on what an omitted field means.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Driver, ExtraHost, Network, Sandbox, SandboxDns, VxlanPeer } from './types.js';
import { LIMITS as L } from './limits.js';
import { DEFAULTS, keyOf } from './defaults-values.js';
import { matches } from './patterns.js';
import { canonicalIp, firstHost, formatCidr, formatIp, parseCidr, type Cidr, type IpFamily } from '../ip.js';

export { DEFAULTS, keyOf } from './defaults-values.js';

function hash4(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 4);
}

/** "nn-" + name when that is a valid interface name, else "nn-" + 7 characters + "-" + 4 hex digits (15 bytes). */
export function bridgeNameFor(networkName: string): string {
  const plain = `nn-${networkName}`;
  if (Buffer.byteLength(plain) <= L.ifnameMax && matches('ifname', plain)) return plain;
  const head = networkName.slice(0, 7).replace(/[^A-Za-z0-9_.-]/g, '-');
  return `nn-${head}-${hash4(networkName)}`;
}

/** The sandbox name when it is a valid netns name, else "nn-" + 12 hex digits of its hash. */
export function netnsNameFor(sandboxName: string): string {
  if (matches('netnsName', sandboxName)) return sandboxName;
  return `nn-${createHash('sha256').update(sandboxName).digest('hex').slice(0, 12)}`;
}

export interface ResolvedPool {
  family: IpFamily;
  /** Canonical CIDR text. */
  subnet: string;
  cidr: Cidr;
  gateway: string;
  range: string;
  reserved: string[];
}

export interface ResolvedNetwork {
  key: string;
  name: string;
  driver: Driver;
  /** Bridge device for the bridge and vxlan drivers. */
  bridgeName: string | undefined;
  /** undefined: inherited from the parent (macvlan/ipvlan) or not applicable (host/null). */
  mtu: number | undefined;
  enableICC: boolean;
  /** Effective value: always false for internal networks. */
  masquerade: boolean;
  internal: boolean;
  isolation: boolean;
  hostBindingIPv4: string;
  ipv4: ResolvedPool | undefined;
  ipv6: ResolvedPool | undefined;
  macvlan: { parent: string; mode: string } | undefined;
  ipvlan: { parent: string; mode: string } | undefined;
  vxlan: { vni: number; port: number; underlayInterface?: string; underlayAddress?: string; peers: VxlanPeer[]; sliceSize?: number } | undefined;
  nodeSelector: Record<string, string>;
  /** undefined: every namespace may join. */
  allowedNamespaces: string[] | undefined;
}

function resolvePool(family: IpFamily, p: { subnet: string; gateway?: string; range?: string; reserved?: string[] }, where: string): ResolvedPool {
  const cidr = parseCidr(p.subnet);
  if (!cidr) throw new Error(`${where}: subnet ${p.subnet} is not a valid CIDR (validate before resolving)`);
  const canon = (t: string): string => canonicalIp(t) ?? t;
  return {
    family,
    subnet: formatCidr(cidr),
    cidr,
    gateway: p.gateway !== undefined ? canon(p.gateway) : formatIp(cidr.family, firstHost(cidr)),
    range: p.range !== undefined ? formatCidr(parseCidr(p.range) ?? cidr) : formatCidr(cidr),
    reserved: [...new Set((p.reserved ?? []).map(canon))],
  };
}

function resolveMtu(n: Network, driver: Driver): number | undefined {
  const s = n.spec;
  if (driver === 'bridge') return s.bridge?.mtu ?? DEFAULTS.bridgeMtu;
  if (driver === 'vxlan') return s.bridge?.mtu ?? s.vxlan?.mtu ?? DEFAULTS.vxlanMtu;
  if (driver === 'macvlan') return s.macvlan?.mtu;
  if (driver === 'ipvlan') return s.ipvlan?.mtu;
  return undefined;
}

export function resolveNetwork(n: Network): ResolvedNetwork {
  const s = n.spec;
  const key = keyOf(n);
  const driver = s.driver ?? DEFAULTS.driver;
  const b = s.bridge ?? {};
  const internal = b.internal ?? false;
  const hasBridge = driver === 'bridge' || driver === 'vxlan';
  return {
    key,
    name: n.metadata.name,
    driver,
    bridgeName: hasBridge ? (b.name ?? bridgeNameFor(n.metadata.name)) : undefined,
    mtu: resolveMtu(n, driver),
    enableICC: b.enableICC ?? true,
    masquerade: !internal && (b.masquerade ?? true),
    internal,
    isolation: b.isolation ?? true,
    hostBindingIPv4: canonicalIp(b.hostBindingIPv4 ?? DEFAULTS.hostBindingIPv4) ?? DEFAULTS.hostBindingIPv4,
    ipv4: s.ipam?.ipv4 ? resolvePool(4, s.ipam.ipv4, key) : undefined,
    ipv6: s.ipam?.ipv6 ? resolvePool(6, s.ipam.ipv6, key) : undefined,
    macvlan: s.macvlan ? { parent: s.macvlan.parent, mode: s.macvlan.mode ?? DEFAULTS.macvlanMode } : undefined,
    ipvlan: s.ipvlan ? { parent: s.ipvlan.parent, mode: s.ipvlan.mode ?? DEFAULTS.ipvlanMode } : undefined,
    vxlan: s.vxlan ? { ...s.vxlan, port: s.vxlan.port ?? DEFAULTS.vxlanPort, peers: s.vxlan.peers ?? [] } : undefined,
    nodeSelector: s.nodeSelector ?? {},
    allowedNamespaces: s.allowedNamespaces,
  };
}

export interface ResolvedSandbox {
  key: string;
  namespace: string;
  name: string;
  nodeName: string | undefined;
  /** Name under the netns directory; undefined for adopted namespaces. */
  netnsName: string | undefined;
  netnsPath: string;
  /** Adopted namespaces (netns.path) are never deleted by nodenet. */
  adopted: boolean;
  hostname: string;
  /** undefined: derive from the host's resolv.conf. */
  dns: SandboxDns | undefined;
  extraHosts: ExtraHost[];
}

export function resolveSandbox(s: Sandbox, opts: { netnsDir: string }): ResolvedSandbox {
  const path = s.spec.netns?.path;
  const netnsName = path === undefined ? (s.spec.netns?.name ?? netnsNameFor(s.metadata.name)) : undefined;
  const dns = s.spec.dns;
  return {
    key: keyOf(s),
    namespace: s.metadata.namespace ?? DEFAULTS.namespace,
    name: s.metadata.name,
    nodeName: s.spec.nodeName,
    netnsName,
    netnsPath: path ?? join(opts.netnsDir, netnsName!),
    adopted: path !== undefined,
    hostname: s.spec.hostname ?? s.metadata.name,
    dns: dns ? { ...dns, nameservers: dns.nameservers?.map((x) => canonicalIp(x) ?? x) } : undefined,
    extraHosts: (s.spec.extraHosts ?? []).map((h) => ({ hostname: h.hostname, ip: canonicalIp(h.ip) ?? h.ip })),
  };
}

export { resolveAttachment, expandPorts, type ResolvedAttachment, type ResolvedPort, type ExpandedPort } from './defaults-attachment.js';
