// The files a sandbox's processes mount as /etc/hostname, /etc/hosts and /etc/resolv.conf.
// They live in nodenet's state dir; content is rendered from the declared and realized state.
import { readFileSync, statSync } from 'node:fs';
import { parseIp, isLoopback } from '../../api/ip.js';
import type { SandboxDns } from '../../api/v1alpha1/types.js';

export interface HostsEntry {
  ip: string;
  names: string[];
}

const HOSTS_HEADER = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

export function renderHosts(entries: readonly HostsEntry[]): string {
  const lines = [...HOSTS_HEADER];
  const seen = new Set<string>();
  for (const e of entries) {
    const names = e.names.filter((n) => n.length > 0);
    const line = `${e.ip}\t${names.join(' ')}`;
    if (names.length === 0 || seen.has(line)) continue;
    seen.add(line);
    lines.push(line);
  }
  return lines.join('\n') + '\n';
}

/** Docker's fallback when the host has only loopback resolvers. */
export const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

export interface ResolvConf {
  text: string;
  /** True when the host had no usable resolver and the fallback is in use. */
  fallback: boolean;
}

export function renderResolvConf(dns: SandboxDns | undefined, hostResolvConf: string): ResolvConf {
  if (dns?.nameservers?.length) return { text: formatResolv(dns.nameservers, dns.search ?? [], dns.options ?? []), fallback: false };
  const host = parseResolvConf(readOptional(hostResolvConf));
  // Loopback resolvers (systemd-resolved, dnsmasq on 127.0.0.x) are unreachable from a sandbox.
  const usable = host.nameservers.filter((ns) => {
    const ip = parseIp(ns);
    return ip !== undefined && !isLoopback(ip);
  });
  const fallback = usable.length === 0;
  return {
    text: formatResolv(fallback ? FALLBACK_NAMESERVERS : usable, dns?.search ?? host.search, dns?.options ?? host.options),
    fallback,
  };
}

function formatResolv(nameservers: readonly string[], search: readonly string[], options: readonly string[]): string {
  const lines = nameservers.map((n) => `nameserver ${n}`);
  if (search.length) lines.push(`search ${search.join(' ')}`);
  if (options.length) lines.push(`options ${options.join(' ')}`);
  return lines.join('\n') + '\n';
}

export function parseResolvConf(text: string): { nameservers: string[]; search: string[]; options: string[] } {
  const out = { nameservers: [] as string[], search: [] as string[], options: [] as string[] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [word, ...rest] = line.split(/\s+/);
    if (word === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (word === 'search' || word === 'domain') out.search = rest;
    else if (word === 'options') out.options.push(...rest);
  }
  return out;
}

const hostFiles = new Map<string, { id: string; text: string }>();

/** The host's file, read again only when its identity changed (every sandbox reconcile asks). */
function readOptional(path: string): string {
  try {
    const st = statSync(path);
    const id = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    const hit = hostFiles.get(path);
    if (hit?.id === id) return hit.text;
    const text = readFileSync(path, 'utf8');
    hostFiles.set(path, { id, text });
    return text;
  } catch {
    return '';
  }
}
