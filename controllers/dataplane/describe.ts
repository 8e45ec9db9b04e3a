// ip(8)-like text of a KernelOp for plans, logs and error messages. Deterministic: the same op
// always gives the same text (golden-tested). Namespaces mounted under /run/netns are named the
// way ip(8) names them (-n web-1); any other path goes through nsenter.
import { basename, dirname } from 'node:path';
import type { DescribeOp, KernelOp, LinkRef, LinkSpec } from './types.js';

const NETNS_RUN_DIR = '/run/netns';

function nsName(path: string): string | undefined {
  return dirname(path) === NETNS_RUN_DIR ? basename(path) : undefined;
}

/** Prefix running a tool (ip, bridge) in the namespace: "ip -n web-1", "nsenter --net=/p ip". */
function tool(name: 'ip' | 'bridge', ns: string | undefined): string {
  if (ns === undefined) return name;
  const n = nsName(ns);
  return n !== undefined ? `${name} -n ${n}` : `nsenter --net=${quote(ns)} ${name}`;
}

/** The argument ip(8) takes after "netns": a name under /run/netns, else the path (ip accepts paths with "/"). */
function nsArg(path: string): string {
  return quote(nsName(path) ?? path);
}

export function quote(s: string): string {
  return /^[\w.:/@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function refText(ref: LinkRef): string {
  return 'name' in ref ? quote(ref.name) : `#${ref.index}`;
}

const SCOPES: Readonly<Record<number, string>> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };

function opt(word: string, v: string | number | undefined): string {
  return v === undefined ? '' : ` ${word} ${typeof v === 'number' ? v : quote(v)}`;
}

function aliasCmds(ns: string | undefined, name: string, alias: string | undefined): string {
  return alias === undefined ? '' : `; ${tool('ip', ns)} link set dev ${quote(name)} alias ${quote(alias)}`;
}

function linkAdd(l: LinkSpec, ns: string | undefined): string {
  const ip = tool('ip', ns);
  const mac = 'mac' in l ? opt('address', l.mac) : '';
  const head = `${ip} link add ${quote(l.name)}`;
  switch (l.kind) {
    case 'bridge':
    case 'dummy':
      return `${head}${mac}${opt('mtu', l.mtu)} type ${l.kind}${aliasCmds(ns, l.name, l.alias)}`;
    case 'veth': {
      const p = l.peer;
      const peerNs = p.netns ?? ns;
      const peer = `peer name ${quote(p.name)}${opt('address', p.mac)}${opt('mtu', p.mtu)}${p.netns !== undefined ? ` netns ${nsArg(p.netns)}` : ''}`;
      return `${head}${mac}${opt('mtu', l.mtu)} type veth ${peer}${aliasCmds(ns, l.name, l.alias)}${aliasCmds(peerNs, p.name, p.alias)}`;
    }
    case 'macvlan':
    case 'ipvlan': {
      const where = l.netns !== undefined ? ` netns ${nsArg(l.netns)}` : '';
      return `${head} link ${refText(l.parent)}${mac}${opt('mtu', l.mtu)}${where} type ${l.kind} mode ${l.mode}${aliasCmds(l.netns ?? ns, l.name, l.alias)}`;
    }
    case 'vxlan': {
      const learning = l.learning === undefined ? '' : l.learning ? ' learning' : ' nolearning';
      const dev = l.dev ? ` dev ${refText(l.dev)}` : '';
      return `${head}${mac}${opt('mtu', l.mtu)} type vxlan id ${l.vni} dstport ${l.port}${opt('local', l.local)}${dev}${learning}${aliasCmds(ns, l.name, l.alias)}`;
    }
  }
}

function linkSet(op: Extract<KernelOp, { op: 'link.set' }>, ns: string | undefined): string {
  let s = `${tool('ip', ns)} link set dev ${refText(op.ref)}`;
  if (op.netns !== undefined) s += ` netns ${nsArg(op.netns)}`;
  s += opt('name', op.name) + opt('address', op.mac) + opt('mtu', op.mtu);
  if (op.master !== undefined) s += op.master === null ? ' nomaster' : ` master ${refText(op.master)}`;
  s += opt('alias', op.alias);
  if (op.up !== undefined) s += op.up ? ' up' : ' down';
  return s;
}

function route(op: Extract<KernelOp, { op: 'route.replace' | 'route.del' }>, ns: string | undefined): string {
  const verb = op.op === 'route.replace' ? 'replace' : 'del';
  let s = `${tool('ip', ns)}${op.family === 6 ? ' -6' : ''} route ${verb} ${op.dst}${opt('via', op.gateway)}`;
  if (op.dev) s += ` dev ${refText(op.dev)}`;
  if (op.onlink) s += ' onlink';
  s += opt('table', op.table) + opt('metric', op.metric);
  if (op.scope !== undefined) s += ` scope ${SCOPES[op.scope] ?? op.scope}`;
  return s + opt('src', op.prefsrc);
}

function sysctl(op: Extract<KernelOp, { op: 'sysctl.set' }>, ns: string | undefined): string {
  // sysctl(8) takes dots or slashes; slashes stay unambiguous when a segment (vlan ifname) has a dot.
  const key = op.key.split('/').some((s) => s.includes('.')) ? op.key : op.key.replace(/\//g, '.');
  const cmd = `sysctl -w ${quote(`${key}=${op.value}`)}`;
  if (ns === undefined) return cmd;
  const n = nsName(ns);
  return n !== undefined ? `ip netns exec ${n} ${cmd}` : `nsenter --net=${quote(ns)} ${cmd}`;
}

export const describeOp: DescribeOp = (op, ns) => {
  switch (op.op) {
    case 'netns.add': {
      const n = nsName(op.path);
      return n !== undefined ? `ip netns add ${quote(n)}` : `touch ${quote(op.path)}; unshare --net=${quote(op.path)} true`;
    }
    case 'netns.del': {
      const n = nsName(op.path);
      const del = n !== undefined ? `ip netns del ${quote(n)}` : `umount -l ${quote(op.path)}; rm ${quote(op.path)}`;
      return op.flush ? `${del} (veth pairs deleted first)` : del;
    }
    case 'link.add':
      return linkAdd(op.link, ns);
    case 'link.set':
      return linkSet(op, ns);
    case 'link.del':
      return `${tool('ip', ns)} link del dev ${refText(op.ref)}`;
    case 'brport.set':
      return `${tool('bridge', ns)} link set dev ${refText(op.ref)} hairpin ${op.hairpin ? 'on' : 'off'}`;
    case 'addr.add':
    case 'addr.del': {
      const verb = op.op === 'addr.add' ? 'add' : 'del';
      const nodad = op.op === 'addr.add' && op.noDad ? ' nodad' : '';
      return `${tool('ip', ns)} addr ${verb} ${op.address}/${op.prefixLen} dev ${refText(op.ref)}${nodad}`;
    }
    case 'route.replace':
    case 'route.del':
      return route(op, ns);
    case 'neigh.replace':
      return `${tool('ip', ns)}${op.family === 6 ? ' -6' : ''} neigh replace ${op.dst} lladdr ${op.mac} dev ${refText(op.ref)} nud permanent`;
    case 'neigh.del':
      return `${tool('ip', ns)}${op.family === 6 ? ' -6' : ''} neigh del ${op.dst} dev ${refText(op.ref)}`;
    case 'fdb.append':
      return `${tool('bridge', ns)} fdb append ${op.mac} dev ${refText(op.ref)} dst ${op.dst} self permanent`;
    case 'fdb.del':
      return `${tool('bridge', ns)} fdb del ${op.mac} dev ${refText(op.ref)} dst ${op.dst} self`;
    case 'sysctl.set':
      return sysctl(op, ns);
  }
};
