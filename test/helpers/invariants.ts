// The kernel invariant checker of the torture suite. It reads the kernel the way an operator
// would (ip -j, nft list, the namespace dir) — not through nodenet's own netlink code — and
// compares it with what the declared objects imply: every bridge, veth, address, route and
// namespace that must exist, nothing of ours that must not, the published ports in our nftables
// table, one owner per address, and the agent's allocations equal to the live attachments.
// It reports each missing and extra item by name, so a failure says exactly what leaked.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Attachment, Network, Resource, Sandbox } from '../../api/v1alpha1/types.js';
import { resolveAttachment, resolveNetwork, resolveSandbox } from '../../api/v1alpha1/defaults.js';
import { hostVethName } from '../../controllers/model/names.js';
import { run, runOk } from '../../controllers/lib/exec.js';
import { readLedgerFiles } from '../../controllers/state/ledger.js';
import { statusMap } from './agent-process.js';
import { inNs } from './topology.js';

export interface InvariantReport {
  missing: string[];
  extra: string[];
  /** Inconsistencies that are neither (duplicate address, allocation mismatch, not Ready...). */
  problems: string[];
}

export interface CheckOptions {
  /** The declared objects (what a user wrote). */
  objects: readonly Resource[];
  stateDir: string;
  netnsDir: string;
  /** Entries of netnsDir that are not nodenet's (test fixtures). */
  foreignNetns?: readonly string[];
  /** Host links with our name prefixes that are not nodenet's (test fixtures). */
  foreignLinks?: readonly string[];
}

interface IpLink {
  ifname: string;
  mtu: number;
  flags: string[];
  address?: string;
  ifalias?: string;
  master?: string;
  linkinfo?: { info_kind?: string };
}
interface IpAddr {
  ifname: string;
  addr_info: { family: string; local: string; prefixlen: number; scope: string }[];
}
interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  type?: string;
}

export interface NsView {
  links: IpLink[];
  addrs: IpAddr[];
  routes: IpRoute[];
}

async function ipJson<T>(ns: string | null, args: string[]): Promise<T> {
  const res = await runOk({ argv: inNs(ns, ['ip', '-j', ...args]) });
  return JSON.parse(res.stdout || '[]') as T;
}

/** Links, addresses and IPv4 main-table routes of one namespace (null: the test's own). */
export async function readNs(ns: string | null): Promise<NsView> {
  const [links, addrs, routes] = await Promise.all([
    ipJson<IpLink[]>(ns, ['-d', 'link', 'show']),
    ipJson<IpAddr[]>(ns, ['addr', 'show']),
    ipJson<IpRoute[]>(ns, ['-4', 'route', 'show', 'table', 'main']),
  ]);
  return { links, addrs, routes };
}

const linkItem = (where: string, l: IpLink): string =>
  `${where}: link ${l.ifname} kind=${l.linkinfo?.info_kind ?? '-'} mtu=${l.mtu} ${l.flags.includes('UP') ? 'up' : 'down'}${l.master ? ` master=${l.master}` : ''}${l.ifalias ? ` alias=${l.ifalias}` : ''}`;

function addrItems(where: string, v: NsView, keep: (ifname: string) => boolean): string[] {
  return v.addrs.flatMap((a) =>
    keep(a.ifname) ? a.addr_info.filter((i) => i.scope === 'global' && i.family === 'inet').map((i) => `${where}: addr ${i.local}/${i.prefixlen} on ${a.ifname}`) : [],
  );
}

function routeItems(where: string, v: NsView, keep: (dev: string | undefined) => boolean): string[] {
  return v.routes.filter((r) => keep(r.dev)).map((r) => `${where}: route ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${r.dev ?? '-'}`);
}

export async function checkInvariants(opts: CheckOptions): Promise<InvariantReport> {
  const report: InvariantReport = { missing: [], extra: [], problems: [] };
  const nets = opts.objects.filter((o): o is Network => o.kind === 'Network').map((n) => resolveNetwork(n));
  const sandboxes = opts.objects.filter((o): o is Sandbox => o.kind === 'Sandbox').map((s) => resolveSandbox(s, { netnsDir: opts.netnsDir }));
  const atts = opts.objects.filter((o): o is Attachment => o.kind === 'Attachment').map((a) => resolveAttachment(a));
  const netByName = new Map(nets.map((n) => [n.name, n]));
  const status = statusMap(opts.stateDir);
  const ipOf = (key: string): string | undefined => (status.get(key)?.status.ipv4Address as string | undefined)?.split('/')[0];

  for (const key of [...nets.map((n) => n.key), ...sandboxes.map((s) => s.key), ...atts.map((a) => a.key)]) {
    const ready = ((status.get(key)?.status.conditions ?? []) as { type: string; status: string; reason: string }[]).find((c) => c.type === 'Ready');
    if (ready?.status !== 'True') report.problems.push(`${key} is not Ready (${ready?.reason ?? 'no status'})`);
  }

  // Expected kernel items.
  const expected = new Set<string>();
  const add = (s: string): void => void expected.add(s);
  for (const n of nets) {
    const gw = n.ipv4!;
    add(`host: link ${n.bridgeName} kind=bridge mtu=${n.mtu} up alias=nodenet:${n.key}`);
    add(`host: addr ${gw.gateway}/${gw.cidr.prefix} on ${n.bridgeName}`);
    add(`host: route ${gw.subnet} dev ${n.bridgeName}`);
  }
  const elected = electGateways(atts, netByName);
  for (const s of sandboxes) {
    const where = `netns ${s.name}`;
    add(`netns ${s.netnsPath}`);
    add(`${where}: link lo kind=- mtu=65536 up alias=nodenet:${s.key}`);
  }
  for (const a of atts) {
    const n = netByName.get(a.network)!;
    const s = sandboxes.find((x) => x.key === a.sandboxKey)!;
    const where = `netns ${s.name}`;
    const ip = ipOf(a.key);
    add(`host: link ${hostVethName(a.key)} kind=veth mtu=${n.mtu} up master=${n.bridgeName} alias=nodenet:${a.key}`);
    add(`${where}: link ${a.interface} kind=veth mtu=${n.mtu} up alias=nodenet:${a.key}`);
    if (!ip) {
      report.problems.push(`${a.key} has no address in its status`);
      continue;
    }
    if (a.ipv4Address && a.ipv4Address !== ip) report.problems.push(`${a.key} asked for ${a.ipv4Address} and got ${ip}`);
    add(`${where}: addr ${ip}/${n.ipv4!.cidr.prefix} on ${a.interface}`);
    add(`${where}: route ${n.ipv4!.subnet} dev ${a.interface}`);
    if (elected.get(a.sandboxKey) === a.key) add(`${where}: route default via ${n.ipv4!.gateway} dev ${a.interface}`);
  }

  // Actual kernel items: everything of ours (marker or name prefix) on the host, everything in
  // every namespace of the netns dir.
  const actual = new Set<string>();
  const foreignLinks = new Set(opts.foreignLinks ?? []);
  const host = await readNs(null);
  const oursOnHost = (name: string | undefined): boolean => !!name && !foreignLinks.has(name) && (name.startsWith('nn-') || name.startsWith('nnv') || host.links.some((l) => l.ifname === name && l.ifalias?.startsWith('nodenet:')));
  for (const l of host.links) if (oursOnHost(l.ifname) || l.ifalias?.startsWith('nodenet:')) actual.add(linkItem('host', l));
  for (const x of addrItems('host', host, oursOnHost)) actual.add(x);
  for (const x of routeItems('host', host, oursOnHost)) actual.add(x);
  const foreignNs = new Set(opts.foreignNetns ?? []);
  const addrOwners = new Map<string, string[]>();
  const names = readdirSync(opts.netnsDir).filter((e) => !foreignNs.has(e));
  const views = await Promise.all(names.map(async (e) => ({ e, v: await readNsIfLive(join(opts.netnsDir, e)) })));
  for (const { e, v } of views) {
    actual.add(`netns ${join(opts.netnsDir, e)}`);
    if (!v) {
      report.problems.push(`${join(opts.netnsDir, e)} is not a live namespace (a leftover file)`);
      continue;
    }
    const where = `netns ${e}`;
    for (const l of v.links) actual.add(linkItem(where, l));
    for (const x of addrItems(where, v, (n) => n !== 'lo')) {
      actual.add(x);
      const addr = x.split(' addr ')[1]!.split('/')[0]!;
      addrOwners.set(addr, [...(addrOwners.get(addr) ?? []), e]);
    }
    for (const x of routeItems(where, v, () => true)) actual.add(x);
  }
  for (const [addr, owners] of addrOwners) if (owners.length > 1) report.problems.push(`duplicate address ${addr} in ${owners.join(', ')}`);
  for (const x of expected) if (!actual.has(x)) report.missing.push(x);
  for (const x of actual) if (!expected.has(x)) report.extra.push(x);

  checkAllocations(opts.stateDir, atts, ipOf, report);
  await checkFirewall(nets, atts, ipOf, report);
  checkTempFiles(opts.stateDir, report);
  report.missing.sort();
  report.extra.sort();
  return report;
}

async function readNsIfLive(path: string): Promise<NsView | undefined> {
  const probe = await run({ argv: ['nsenter', `--net=${path}`, 'true'] });
  return probe.code === 0 ? readNs(path) : undefined;
}

/** Docker's rule: the highest gatewayPriority among non-internal networks, ties by key. */
function electGateways(atts: ReturnType<typeof resolveAttachment>[], nets: Map<string, ReturnType<typeof resolveNetwork>>): Map<string, string> {
  const best = new Map<string, { key: string; prio: number }>();
  for (const a of atts) {
    if (nets.get(a.network)?.internal) continue;
    const cur = best.get(a.sandboxKey);
    if (!cur || a.gatewayPriority > cur.prio || (a.gatewayPriority === cur.prio && a.key < cur.key)) best.set(a.sandboxKey, { key: a.key, prio: a.gatewayPriority });
  }
  return new Map([...best].map(([s, b]) => [s, b.key]));
}

function checkAllocations(stateDir: string, atts: ReturnType<typeof resolveAttachment>[], ipOf: (k: string) => string | undefined, report: InvariantReport): void {
  let state: { allocations?: Record<string, Record<string, string>>; attachments?: Record<string, unknown> };
  try {
    // The snapshot plus its journal, read the way the agent loads it (without changing a file).
    state = readLedgerFiles(stateDir);
  } catch (err) {
    report.problems.push(`state.json unreadable: ${(err as Error).message}`);
    return;
  }
  const want = new Set(atts.filter((a) => ipOf(a.key)).map((a) => `${a.network} ${ipOf(a.key)} ${a.key}`));
  const have = new Set(Object.entries(state.allocations ?? {}).flatMap(([net, t]) => Object.entries(t).map(([ip, owner]) => `${net} ${ip} ${owner}`)));
  for (const x of want) if (!have.has(x)) report.missing.push(`allocation ${x}`);
  for (const x of have) if (!want.has(x)) report.extra.push(`allocation ${x}`);
  const recorded = new Set(Object.keys(state.attachments ?? {}));
  for (const a of atts) if (!recorded.has(a.key)) report.missing.push(`ledger attachment ${a.key}`);
  for (const k of recorded) if (!atts.some((a) => a.key === k)) report.extra.push(`ledger attachment ${k}`);
}

/** Elements of every set/map in `nft list table` text, by set name. */
export function nftElements(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string | undefined;
  let collecting: string | undefined;
  for (const line of text.split('\n')) {
    const head = /^\s*(?:set|map) (\S+) \{/.exec(line);
    if (head) current = head[1];
    if (current && line.includes('elements = {')) collecting = '';
    if (collecting !== undefined) {
      collecting += ' ' + line.replace(/.*elements = \{/, '');
      if (line.includes('}')) {
        const items = collecting.replace(/}.*/, '').split(',').map((x) => x.trim()).filter(Boolean);
        out.set(current!, items);
        collecting = undefined;
      }
    }
  }
  return out;
}

async function checkFirewall(nets: ReturnType<typeof resolveNetwork>[], atts: ReturnType<typeof resolveAttachment>[], ipOf: (k: string) => string | undefined, report: InvariantReport): Promise<void> {
  const res = await run({ argv: ['nft', 'list', 'table', 'inet', 'nodenet'] });
  if (nets.length === 0) {
    if (res.code === 0) report.extra.push('nft table inet nodenet');
    return;
  }
  if (res.code !== 0) {
    report.missing.push('nft table inet nodenet');
    return;
  }
  const elements = nftElements(res.stdout);
  const want = new Map<string, Set<string>>([
    ['bridges', new Set(nets.map((n) => `"${n.bridgeName}"`))],
    ['dnat4_any', new Set()],
    ['published4', new Set()],
  ]);
  for (const a of atts) {
    const n = nets.find((x) => x.name === a.network)!;
    const ip = ipOf(a.key);
    if (n.internal || !ip) continue;
    for (const p of a.ports) {
      want.get('dnat4_any')!.add(`${p.protocol} . ${p.hostPort} : ${ip} . ${p.containerPort}`);
      want.get('published4')!.add(`${ip} . ${p.protocol} . ${p.containerPort}`);
    }
  }
  for (const [set, items] of want) {
    const have = new Set(elements.get(set) ?? []);
    for (const x of items) if (!have.has(x)) report.missing.push(`nft ${set} element ${x}`);
    for (const x of have) if (!items.has(x)) report.extra.push(`nft ${set} element ${x}`);
  }
  // Every rule in our table is ours, and names only bridges that exist.
  for (const line of res.stdout.split('\n')) {
    const t = line.trim();
    if (!t || /^(table|chain|set|map|type|flags|elements|policy|\}|")/.test(t) || t.endsWith(',') || t.endsWith('}')) continue;
    if (!/comment "nodenet:[0-9a-f]+"$/.test(t)) report.extra.push(`nft rule without our comment: ${t}`);
  }
  const named = new Set([...res.stdout.matchAll(/"(nn-[a-z0-9-]+)"/g)].map((m) => m[1]!));
  for (const b of named) if (!nets.some((n) => n.bridgeName === b)) report.extra.push(`nft reference to unknown bridge ${b}`);
}

function checkTempFiles(stateDir: string, report: InvariantReport): void {
  const walk = (dir: string): string[] => {
    let entries: string[] = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).map((d) => (d.isDirectory() ? `${d.name}/` : d.name));
    } catch {
      return [];
    }
    return entries.flatMap((e) => (e.endsWith('/') ? walk(join(dir, e)) : e.endsWith('.tmp') ? [join(dir, e)] : []));
  };
  for (const f of walk(stateDir)) report.extra.push(`temp file ${f}`);
}

/** One line per item, for assertion messages. */
export function formatReport(r: InvariantReport): string {
  return [...r.missing.map((x) => `missing: ${x}`), ...r.extra.map((x) => `extra:   ${x}`), ...r.problems.map((x) => `problem: ${x}`)].join('\n');
}

export function isClean(r: InvariantReport): boolean {
  return r.missing.length === 0 && r.extra.length === 0 && r.problems.length === 0;
}
