// /proc/sys/net of a fake namespace: the knobs nodenet and its neighbours touch, with the
// defaults of a fresh namespace on kernel 6.x, per-interface directories that appear with the
// link (copied from "default"), and the kernel's fan-out of forwarding and disable_ipv6.
import { errno, NetlinkError } from '../netlink/errors.js';
import type { FLink, FNs } from './state.js';

const V4_CONF: Readonly<Record<string, string>> = {
  forwarding: '0', rp_filter: '0', route_localnet: '0', proxy_arp: '0', proxy_arp_pvlan: '0', accept_local: '0',
  arp_ignore: '0', arp_announce: '0', arp_accept: '0', arp_notify: '0', arp_filter: '0', send_redirects: '1',
  accept_redirects: '1', secure_redirects: '1', promote_secondaries: '0', disable_policy: '0', disable_xfrm: '0',
  log_martians: '0', bc_forwarding: '0', accept_source_route: '1', src_valid_mark: '0', shared_media: '1',
  ignore_routes_with_linkdown: '0', drop_gratuitous_arp: '0',
};
const V6_CONF: Readonly<Record<string, string>> = {
  forwarding: '0', disable_ipv6: '0', accept_ra: '1', accept_dad: '1', autoconf: '1', addr_gen_mode: '0',
  keep_addr_on_down: '0', proxy_ndp: '0', accept_redirects: '1', dad_transmits: '1', hop_limit: '64', mtu: '1280',
  use_tempaddr: '0', ndisc_notify: '0', router_solicitations: '-1',
};
const GLOBAL: Readonly<Record<string, string>> = {
  'net/ipv4/ip_forward': '0',
  'net/ipv4/ip_nonlocal_bind': '0',
  'net/ipv6/ip_nonlocal_bind': '0',
  'net/ipv4/ip_unprivileged_port_start': '1024',
  'net/ipv4/ping_group_range': '1\t0',
  'net/ipv4/ip_local_port_range': '32768\t60999',
  'net/bridge/bridge-nf-call-iptables': '1',
  'net/bridge/bridge-nf-call-ip6tables': '1',
  'net/bridge/bridge-nf-call-arptables': '1',
  'net/core/somaxconn': '4096',
};
/** Where "all" differs from "default" in a fresh namespace. */
const ALL_OVERRIDES: Readonly<Record<string, string>> = {
  'net/ipv4/conf/all/accept_source_route': '0',
  'net/ipv6/conf/all/accept_dad': '0',
};

function confDir(m: Map<string, string>, dir: string, from: (knob: string) => string): void {
  for (const k of Object.keys(V4_CONF)) m.set(`net/ipv4/conf/${dir}/${k}`, from(`net/ipv4/conf/#/${k}`));
  for (const k of Object.keys(V6_CONF)) m.set(`net/ipv6/conf/${dir}/${k}`, from(`net/ipv6/conf/#/${k}`));
}

function builtin(key: string): string {
  const [, fam, , , knob] = key.split('/');
  return (fam === 'ipv4' ? V4_CONF : V6_CONF)[knob!]!;
}

export function defaultSysctls(): Map<string, string> {
  const m = new Map(Object.entries(GLOBAL));
  confDir(m, 'default', builtin);
  confDir(m, 'all', builtin);
  for (const [k, v] of Object.entries(ALL_OVERRIDES)) m.set(k, v);
  return m;
}

/** A new (or newly arrived) link gets its conf directories from "default"; IPv6 mtu follows the link. */
export function addLinkSysctls(ns: FNs, link: FLink): void {
  confDir(ns.sysctl, link.name, (tpl) => ns.sysctl.get(tpl.replace('#', 'default'))!);
  ns.sysctl.set(`net/ipv6/conf/${link.name}/mtu`, String(link.mtu));
}

export function removeLinkSysctls(ns: FNs, name: string): void {
  for (const fam of ['ipv4', 'ipv6']) {
    const prefix = `net/${fam}/conf/${name}/`;
    for (const k of [...ns.sysctl.keys()]) if (k.startsWith(prefix)) ns.sysctl.delete(k);
  }
}

export function renameLinkSysctls(ns: FNs, from: string, to: string): void {
  for (const fam of ['ipv4', 'ipv6']) {
    const prefix = `net/${fam}/conf/${from}/`;
    for (const [k, v] of [...ns.sysctl.entries()]) {
      if (!k.startsWith(prefix)) continue;
      ns.sysctl.delete(k);
      ns.sysctl.set(`net/${fam}/conf/${to}/${k.slice(prefix.length)}`, v);
    }
  }
}

function linkNames(ns: FNs): string[] {
  return [...ns.links.values()].map((l) => l.name);
}

/** The kernel parses numbers (and tab-separated ranges) and prints them back canonically. */
function normalize(key: string, value: string): string {
  const nums = value.trim().split(/\s+/);
  if (!nums.every((n) => /^-?\d+$/.test(n))) throw new NetlinkError(errno.EINVAL, `invalid value for ${key}`);
  return nums.map((n) => String(Number(n))).join('\t');
}

/**
 * Writes a knob with the kernel's side effects. onIpv6 is told which links just had IPv6 switched
 * off (their addresses go) or on (they get a link-local address again when ready).
 */
export function writeSysctl(ns: FNs, key: string, value: string, onIpv6: (name: string, disabled: boolean) => void): void {
  if (!ns.sysctl.has(key)) throw new NetlinkError(errno.ENOENT, undefined);
  const v = normalize(key, value);
  const ifaces = linkNames(ns);
  if (key === 'net/ipv4/ip_forward' || key === 'net/ipv4/conf/all/forwarding') {
    for (const d of ['all', 'default', ...ifaces]) ns.sysctl.set(`net/ipv4/conf/${d}/forwarding`, v);
    ns.sysctl.set('net/ipv4/ip_forward', v);
    return;
  }
  if (key === 'net/ipv6/conf/all/forwarding') {
    for (const d of ['all', 'default', ...ifaces]) ns.sysctl.set(`net/ipv6/conf/${d}/forwarding`, v);
    return;
  }
  const m = /^net\/ipv6\/conf\/([^/]+)\/disable_ipv6$/.exec(key);
  const targets = !m || m[1] === 'default' ? [] : m[1] === 'all' ? ifaces : [m[1]!];
  if (m?.[1] === 'all') ns.sysctl.set('net/ipv6/conf/default/disable_ipv6', v);
  ns.sysctl.set(key, v);
  for (const n of targets) {
    ns.sysctl.set(`net/ipv6/conf/${n}/disable_ipv6`, v);
    onIpv6(n, v !== '0');
  }
}

export function ipv6Disabled(ns: FNs, link: FLink): boolean {
  return ns.sysctl.get(`net/ipv6/conf/${link.name}/disable_ipv6`) !== '0';
}
