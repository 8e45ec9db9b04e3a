// Turns the engine's FwModel into values that are safe to print into nft text: every name is
// checked against a strict charset, every address is parsed and re-formatted, every port is an
// integer in range and every protocol comes from an enum. Nothing else reaches a script.
import { contains, formatCidr, formatIp, parseCidr, parseIp, type Cidr, type Ip, type IpFamily } from '../../../api/ip.js';
import type { Protocol } from '../../../api/v1alpha1/types.js';
import type { FwModel, FwNetwork, FwPort } from './types.js';

export interface ValidNetwork {
  bridge: string;
  v4: string[];
  v6: string[];
  internal: boolean;
  masquerade: boolean;
  icc: boolean;
  isolation: boolean;
}

export interface ValidPort {
  /** The FwPort's owner (attachment), for per-owner bookkeeping; not part of the ruleset. */
  owner: string;
  family: IpFamily;
  bridge: string;
  /** Canonical host address, or undefined for "every local address" (0.0.0.0 / ::). */
  hostIP: string | undefined;
  hostPort: number;
  protocol: Protocol;
  containerIP: string;
  containerPort: number;
}

export interface ValidModel {
  networks: ValidNetwork[];
  /** Published ports, duplicates (same mapping from two owners) merged. */
  ports: ValidPort[];
  /** Every owner's valid ports before merging (what each owner contributes). */
  unmerged: ValidPort[];
}

export class FirewallModelError extends Error {
  constructor(readonly problems: string[]) {
    super(`firewall model refused: ${problems.join('; ')}`);
    this.name = 'FirewallModelError';
  }
}

/** Interface names as we accept them: the kernel allows more, nft text must not get more. */
const IFNAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp', 'sctp'];

export function isValidIfname(name: unknown): name is string {
  return typeof name === 'string' && IFNAME.test(name);
}

/** Quotes a value for error messages so control characters stay visible. */
function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

/** Parsed addresses by their text; a firewall hands the previous sync's table in to skip re-parsing. */
export type IpMemo = Map<string, ParsedIp | undefined>;

export function validateModel(model: FwModel, memo?: { previous?: IpMemo; next?: IpMemo }): ValidModel {
  const problems: string[] = [];
  const networks: ValidNetwork[] = [];
  const subnets = new Map<string, Cidr[]>();
  for (const n of model.networks) {
    const v = validateNetwork(n, problems);
    if (!v) continue;
    if (subnets.has(v.net.bridge)) {
      problems.push(`network ${show(n.name)}: bridge ${show(v.net.bridge)} is used by another network`);
      continue;
    }
    subnets.set(v.net.bridge, v.cidrs);
    networks.push(v.net);
  }
  const internal = new Set(networks.filter((n) => n.internal).map((n) => n.bridge));
  const ips = memoIpParser(memo?.previous, memo?.next ?? new Map());
  const unmerged = model.ports.map((p) => validatePort(p, { subnets, ips }, problems)).filter((p): p is ValidPort => p !== undefined);
  const ports = dedupePorts(unmerged, problems);
  if (problems.length > 0) throw new FirewallModelError(problems);
  networks.sort((a, b) => cmp(a.bridge, b.bridge));
  // Nothing may enter an internal network from outside it, so its mappings are never programmed.
  const external = (p: ValidPort): boolean => !internal.has(p.bridge);
  return { networks, ports: ports.filter(external), unmerged: unmerged.filter(external) };
}

/** What validating ports needs to know about the networks of the last full model. */
export interface PortContext {
  subnets: Map<string, Cidr[]>;
  internal: Set<string>;
  memo: IpMemo;
}

export function portContextOf(networks: readonly ValidNetwork[], memo: IpMemo): PortContext {
  const subnets = new Map<string, Cidr[]>();
  for (const n of networks) subnets.set(n.bridge, [...n.v4, ...n.v6].map((c) => parseCidr(c)!));
  return { subnets, internal: new Set(networks.filter((n) => n.internal).map((n) => n.bridge)), memo };
}

/**
 * Validates some owners' ports against the networks of the last full model, with the same checks
 * and messages as validateModel (including a mapping repeated within one owner); ports of internal
 * networks are dropped. Throws FirewallModelError.
 */
export function validateOwnerPorts(ports: readonly FwPort[], ctx: PortContext): ValidPort[] {
  const problems: string[] = [];
  const ips = memoIpParser(undefined, ctx.memo);
  const valid = ports.map((p) => validatePort(p, { subnets: ctx.subnets, ips }, problems)).filter((p): p is ValidPort => p !== undefined);
  const merged = dedupePorts(valid, problems);
  if (problems.length > 0) throw new FirewallModelError(problems);
  return merged.filter((p) => !ctx.internal.has(p.bridge));
}

function validateNetwork(n: FwNetwork, problems: string[]): { net: ValidNetwork; cidrs: Cidr[] } | undefined {
  const where = `network ${show(n.name)}`;
  const before = problems.length;
  if (!isValidIfname(n.bridge)) {
    problems.push(`${where}: bridge name ${show(n.bridge)} is not a valid interface name (1-15 of A-Z a-z 0-9 _ . -, starting with a letter or digit)`);
  }
  for (const flag of ['internal', 'masquerade', 'icc', 'isolation'] as const) {
    if (typeof n[flag] !== 'boolean') problems.push(`${where}: ${flag} must be a boolean, got ${show(n[flag])}`);
  }
  const cidrs: Cidr[] = [];
  for (const s of Array.isArray(n.subnets) ? n.subnets : []) {
    const c = typeof s === 'string' ? parseCidr(s) : undefined;
    if (!c) problems.push(`${where}: subnet ${show(s)} is not a CIDR with the host bits clear`);
    else cidrs.push(c);
  }
  if (!Array.isArray(n.subnets)) problems.push(`${where}: subnets must be a list`);
  if (problems.length > before) return undefined;
  const text = (f: IpFamily): string[] => cidrs.filter((c) => c.family === f).map(formatCidr).sort(cmp);
  return {
    net: { bridge: n.bridge, v4: text(4), v6: text(6), internal: n.internal, masquerade: n.masquerade, icc: n.icc, isolation: n.isolation },
    cidrs,
  };
}

function validPortNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}

export interface ParsedIp {
  ip: Ip;
  /** Canonical text, re-formatted from the parsed value. */
  text: string;
}

/**
 * Parses each address text once: thousands of ports share a few host addresses, and from one
 * sync to the next almost every address is the same. `seen` ends up holding exactly this model's
 * addresses, so handing it to the next call never grows without bound.
 */
function memoIpParser(previous: IpMemo | undefined, seen: IpMemo): (text: unknown) => ParsedIp | undefined {
  return (text) => {
    if (typeof text !== 'string') return undefined;
    if (!seen.has(text)) {
      if (previous?.has(text)) seen.set(text, previous.get(text));
      else {
        const ip = parseIp(text);
        seen.set(text, ip && { ip, text: formatIp(ip.family, ip.value) });
      }
    }
    return seen.get(text);
  };
}

interface PortCheck {
  subnets: Map<string, Cidr[]>;
  ips: (text: unknown) => ParsedIp | undefined;
}

function validatePort(p: FwPort, ctx: PortCheck, problems: string[]): ValidPort | undefined {
  const before = problems.length;
  const where = (): string => `port ${show(p.owner)} ${show(p.hostIP)}:${show(p.hostPort)}/${show(p.protocol)}`;
  const hostP = ctx.ips(p.hostIP);
  const containerP = ctx.ips(p.containerIP);
  const host = hostP?.ip;
  const container = containerP?.ip;
  if (!host) problems.push(`${where()}: hostIP ${show(p.hostIP)} is not an IP address`);
  if (!container) problems.push(`${where()}: containerIP ${show(p.containerIP)} is not an IP address`);
  if (host && container && host.family !== container.family) {
    problems.push(`${where()}: hostIP and containerIP ${show(p.containerIP)} are of different families (no proxy to translate)`);
  }
  if (!validPortNumber(p.hostPort)) problems.push(`${where()}: hostPort must be an integer 1-65535`);
  if (!validPortNumber(p.containerPort)) problems.push(`${where()}: containerPort ${show(p.containerPort)} must be an integer 1-65535`);
  if (!PROTOCOLS.includes(p.protocol)) problems.push(`${where()}: protocol must be one of ${PROTOCOLS.join(', ')}`);
  const nets = ctx.subnets.get(p.bridge);
  if (!nets) problems.push(`${where()}: bridge ${show(p.bridge)} is not a network of the model`);
  else if (container && !nets.some((c) => contains(c, container))) {
    problems.push(`${where()}: containerIP ${show(p.containerIP)} is not in a subnet of bridge ${show(p.bridge)}`);
  }
  if (problems.length > before || !hostP || !containerP) return undefined;
  return {
    owner: p.owner,
    family: hostP.ip.family,
    bridge: p.bridge,
    hostIP: hostP.ip.value === 0n ? undefined : hostP.text,
    hostPort: p.hostPort,
    protocol: p.protocol,
    containerIP: containerP.text,
    containerPort: p.containerPort,
  };
}

/** Two mappings of one host address/port/protocol must agree on the target, else the map key is ambiguous. */
function dedupePorts(ports: ValidPort[], problems: string[]): ValidPort[] {
  const byKey = new Map<string, ValidPort>();
  for (const p of ports) {
    const key = `${p.family}|${p.hostIP ?? '*'}|${p.protocol}|${p.hostPort}`;
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, p);
    else if (seen.containerIP !== p.containerIP || seen.containerPort !== p.containerPort || seen.bridge !== p.bridge) {
      problems.push(
        `host port ${p.hostIP ?? (p.family === 4 ? '0.0.0.0' : '::')} ${p.hostPort}/${p.protocol} is mapped twice: to ${seen.containerIP}:${seen.containerPort} and ${p.containerIP}:${p.containerPort}`,
      );
    }
  }
  return [...byKey.values()];
}

/** Plain code-unit order: deterministic across locales, which golden files need. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
