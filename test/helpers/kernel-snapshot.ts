// A comparable picture of the kernel state nodenet could change, read with the ordinary tools: links
// (name, alias, MTU, MAC, master), addresses, routes and a few sysctls of the test's namespace and
// of every namespace mounted in a directory, plus the whole nftables ruleset. Volatile details
// (counters, carrier, IPv6 link-local addresses that appear asynchronously) are left out.
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isNetns } from '../../controllers/dataplane/netns.js';
import { runOk } from '../../controllers/lib/exec.js';
import { inNs } from './topology.js';

interface IpLink {
  ifname: string;
  ifalias?: string;
  mtu: number;
  address?: string;
  master?: string;
  link_type?: string;
}
interface IpAddr {
  ifname: string;
  addr_info: { local: string; prefixlen: number; scope: string }[];
}
interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  table?: string;
  type?: string;
}

async function json<T>(ns: string | null, argv: string[]): Promise<T> {
  const out = (await runOk({ argv: inNs(ns, argv) })).stdout.trim();
  return (out ? JSON.parse(out) : []) as T;
}

async function netnsView(ns: string | null): Promise<unknown> {
  const links = (await json<IpLink[]>(ns, ['ip', '-j', 'link', 'show'])).map((l) => `${l.ifname} ${l.link_type ?? ''} mtu=${l.mtu} mac=${l.address ?? ''} master=${l.master ?? ''} alias=${l.ifalias ?? ''}`);
  const addrs = (await json<IpAddr[]>(ns, ['ip', '-j', 'addr', 'show']))
    .flatMap((a) => a.addr_info.filter((i) => i.scope !== 'link').map((i) => `${a.ifname} ${i.local}/${i.prefixlen}`));
  const routes = [
    ...(await json<IpRoute[]>(ns, ['ip', '-4', '-j', 'route', 'show', 'table', 'all'])),
    ...(await json<IpRoute[]>(ns, ['ip', '-6', '-j', 'route', 'show', 'table', 'main'])).filter((r) => !r.dst.startsWith('fe80')),
  ].map((r) => `${r.type ?? ''} ${r.dst} via=${r.gateway ?? ''} dev=${r.dev ?? ''} table=${r.table ?? 'main'}`);
  const sysctl = (await runOk({ argv: inNs(ns, ['sysctl', '-n', 'net.ipv4.ip_forward', 'net.ipv4.conf.all.route_localnet']) })).stdout.trim();
  return { links: links.sort(), addrs: addrs.sort(), routes: routes.sort(), sysctl };
}

/** Namespaces mounted directly in dir (plain files only: a symlink is not a mount of ours). */
function mountedNetns(dir: string): string[] {
  return readdirSync(dir)
    .map((e) => join(dir, e))
    .filter((p) => {
      try {
        return lstatSync(p).isFile() && isNetns(p);
      } catch {
        return false;
      }
    })
    .sort();
}

/** `skip`: mounts not to read (e.g. a bind of the host's own namespace an attack test planted). */
export async function kernelSnapshot(netnsDir: string, skip: readonly string[] = []): Promise<string> {
  const namespaces: Record<string, unknown> = { '(test namespace)': await netnsView(null) };
  for (const p of mountedNetns(netnsDir)) if (!skip.includes(p)) namespaces[p] = await netnsView(p);
  const nft = (await runOk({ argv: ['nft', 'list', 'ruleset'] })).stdout;
  return JSON.stringify({ namespaces, nft }, null, 1);
}
