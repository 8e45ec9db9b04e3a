// Address math for IPv4 and IPv6 on bigint, shared by validation and IPAM.
import { isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 4 | 6;

export interface Ip {
  family: IpFamily;
  value: bigint;
}

export interface Cidr {
  family: IpFamily;
  /** Network address (host bits cleared). */
  base: bigint;
  prefix: number;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

export function bits(family: IpFamily): number {
  return BITS[family];
}

/** Parses a plain address (no prefix); undefined when invalid. IPv4-mapped/zone forms are refused. */
export function parseIp(text: string): Ip | undefined {
  if (isIPv4(text)) {
    const parts = text.split('.').map(Number);
    if (text.split('.').some((p) => p.length > 1 && p.startsWith('0'))) return undefined; // no octal-looking octets
    return { family: 4, value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) };
  }
  if (isIPv6(text) && !text.includes('%') && !text.includes('.')) {
    const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const fill = tail === undefined ? 0 : 8 - h.length - t.length;
    const groups = [...h, ...Array<string>(fill).fill('0'), ...t];
    if (groups.length !== 8) return undefined;
    return { family: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
  }
  return undefined;
}

/** Parses "addr/prefix"; strict=true refuses host bits set (10.0.0.1/24). */
export function parseCidr(text: string, strict = true): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > BITS[ip.family]) return undefined;
  const base = ip.value & mask(ip.family, prefix);
  if (strict && base !== ip.value) return undefined;
  return { family: ip.family, base, prefix };
}

/** Parses "addr/prefix" keeping the host part: the form addresses are configured in. */
export function parseInterfaceAddr(text: string): { ip: Ip; prefix: number } | undefined {
  const c = parseCidr(text, false);
  const ip = parseIp(text.slice(0, text.indexOf('/')));
  return c && ip ? { ip, prefix: c.prefix } : undefined;
}

export function mask(family: IpFamily, prefix: number): bigint {
  const total = BITS[family];
  const all = (1n << BigInt(total)) - 1n;
  return (all >> BigInt(total - prefix)) << BigInt(total - prefix);
}

export function size(c: Cidr): bigint {
  return 1n << BigInt(BITS[c.family] - c.prefix);
}

export function last(c: Cidr): bigint {
  return c.base + size(c) - 1n;
}

export function contains(c: Cidr, ip: Ip): boolean {
  return c.family === ip.family && ip.value >= c.base && ip.value <= last(c);
}

export function containsCidr(outer: Cidr, inner: Cidr): boolean {
  return outer.family === inner.family && inner.prefix >= outer.prefix && inner.base >= outer.base && last(inner) <= last(outer);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.base <= last(b) && b.base <= last(a);
}

export function formatIp(family: IpFamily, value: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  // RFC 5952: compress the longest run (>= 2) of zero groups.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  const head = groups.slice(0, bestStart).join(':');
  const tail = groups.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.family, c.base)}/${c.prefix}`;
}

/** Canonical text of an address ("10.0.0.01" is refused by parseIp, "fd00:0::1" becomes "fd00::1"). */
export function canonicalIp(text: string): string | undefined {
  const ip = parseIp(text);
  return ip ? formatIp(ip.family, ip.value) : undefined;
}

export function canonicalCidr(text: string): string | undefined {
  const c = parseCidr(text);
  return c ? formatCidr(c) : undefined;
}

/** First usable host address: network+1 (for /31, /32, /127, /128 the base itself). */
export function firstHost(c: Cidr): bigint {
  return BITS[c.family] - c.prefix <= 1 ? c.base : c.base + 1n;
}

/** Last usable host address: IPv4 excludes broadcast; IPv6 has none. */
export function lastHost(c: Cidr): bigint {
  if (BITS[c.family] - c.prefix <= 1) return last(c);
  return c.family === 4 ? last(c) - 1n : last(c);
}

/** Docker-style MAC from an IPv4 address: 02:42 followed by the four octets. */
export function macFromIpv4(ip: string): string | undefined {
  const p = parseIp(ip);
  if (!p || p.family !== 4) return undefined;
  const octets = [24n, 16n, 8n, 0n].map((s) => Number((p.value >> s) & 255n));
  return ['02', '42', ...octets.map((o) => o.toString(16).padStart(2, '0'))].join(':');
}

export function isMulticast(ip: Ip): boolean {
  return ip.family === 4 ? ip.value >> 28n === 0xen : ip.value >> 120n === 0xffn;
}

export function isLoopback(ip: Ip): boolean {
  return ip.family === 4 ? ip.value >> 24n === 127n : ip.value === 1n;
}

export function isLinkLocal(ip: Ip): boolean {
  return ip.family === 4 ? ip.value >> 16n === 0xa9fen : ip.value >> 118n === 0x3fan; // 169.254/16, fe80::/10
}

export function isUnspecified(ip: Ip): boolean {
  return ip.value === 0n;
}
