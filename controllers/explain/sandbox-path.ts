// A packet leaving a sandbox: its routing table picks the interface (an attachment) and the next
// hop; then either the bridge carries it to a neighbour (through the forward hook when
// br_netfilter is on) or the host receives it as the gateway.
import { checkPort, deliver, holderOf, networkNamed, sandboxLabel } from './delivery.js';
import type { Source } from './endpoints.js';
import { forwardBoth } from './firewall-steps.js';
import { hostIngress } from './host-path.js';
import { findChain } from './nft/listing.js';
import type { Packet } from './nft/packet.js';
import { ruleText } from './nft/text.js';
import { isLocal, lookupRoute, refusal, routeText, sourceFor } from './route.js';
import type { Explanation, Trace } from './trace.js';
import type { AttachmentInfo, World } from './world.js';

/** A network is internal when our table drops what its bridge sends elsewhere. */
export function isInternal(world: World, bridge: string): boolean {
  const fwd = findChain(world.listing, 'inet', 'nodenet', 'filter_forward');
  return fwd?.rules.some((r) => ruleText(r) === `iifname "${bridge}" oifname != "${bridge}" drop`) ?? false;
}

function noRouteHint(world: World, sandboxKey: string, family: 4 | 6): string {
  const atts = world.objects.attachments.filter((a) => a.sandboxKey === sandboxKey);
  if (atts.length === 0) return ': it has no attachment';
  const internal = atts.filter((a) => {
    const n = networkNamed(world, a.network);
    return n !== undefined && isInternal(world, n.bridge);
  });
  if (internal.length === atts.length) {
    return ` (no default route: its network${atts.length > 1 ? 's' : ''} ${atts.map((a) => a.network).join(', ')} ${atts.length > 1 ? 'are' : 'is'} internal, and internal networks give no default route)`;
  }
  return ` (it has no ${family === 4 ? 'IPv4' : 'IPv6'} default route)`;
}

function bridged(world: World, t: Trace, p: Packet, dst: AttachmentInfo): Explanation {
  const port = checkPort(world, t, dst);
  if (port) return port;
  const key = p.family === 4 ? 'net/bridge/bridge-nf-call-iptables' : 'net/bridge/bridge-nf-call-ip6tables';
  const brnf = world.host.sysctl(key);
  if (brnf === '1') {
    t.pass('host', `bridged inside ${p.iif}; br_netfilter (${key.replace(/\//g, '.')}=1) sends it through the forward hook`);
    const fw = forwardBoth(world, t, p);
    if (fw) return fw;
  } else {
    t.pass('host', `bridged inside ${p.iif} without passing any firewall (${key.replace(/\//g, '.')}=${brnf ?? 'absent'})`);
    t.note('with br_netfilter off, enableICC: false cannot be enforced');
  }
  return deliver(world, t, dst, p, p.saddr);
}

export function fromSandbox(world: World, t: Trace, src: Extract<Source, { kind: 'sandbox' }>, p0: Omit<Packet, 'saddr'>): Explanation {
  const sb = src.sandbox;
  const at = `sandbox ${sb.name}`;
  const v = world.ns(sb.netnsPath);
  if (!v) return t.block(at, `network namespace ${sb.netnsPath} does not exist`);
  if (isLocal(v, p0.daddr)) return t.reach(at, `${p0.daddr} is an address of ${sb.name} itself`);
  const r = lookupRoute(v, p0.family, p0.daddr);
  if (!r) return t.block(at, `no route to ${p0.daddr} in sandbox ${sb.name}${noRouteHint(world, sb.key, p0.family)}`, `ip -n ${sb.netnsPath} route`);
  const dev = r.oif !== undefined ? v.linkByIndex(r.oif) : undefined;
  if (refusal(r)) return t.block(at, `sandbox ${sb.name} has a ${refusal(r)} route to ${p0.daddr}`, `ip -n ${sb.netnsPath} route`);
  if (!dev?.up) return t.block(at, `${dev?.name ?? 'the route\'s device'} is down in ${sb.name}`, `ip -n ${sb.netnsPath} link`);
  const att = world.objects.attachments.find((a) => a.netnsPath === sb.netnsPath && a.interface === dev.name);
  if (!att) return t.unknown(at, `the route leaves through ${dev.name}, which nodenet does not manage`);
  const saddr = (src.attachment && src.attachment.key === att.key ? (p0.family === 4 ? att.ipv4 : att.ipv6) : undefined) ?? sourceFor(v, r, p0.family);
  if (!saddr) return t.block(at, `${dev.name} has no ${p0.family === 4 ? 'IPv4' : 'IPv6'} address`);
  t.pass(at, `route ${routeText(r, dev.name)}, source ${saddr} (${att.key} on network ${att.network})`);
  if (src.attachment && src.attachment.key !== att.key) t.note(`the sandbox's routing picks ${att.key}, not ${src.attachment.key}`);
  const port = checkPort(world, t, att);
  if (port) return port;
  const net = networkNamed(world, att.network)!;
  const p: Packet = { ...p0, saddr, iif: net.bridge };
  const nextHop = r.gateway ?? p0.daddr;
  if (isLocal(world.host, nextHop)) return hostIngress(world, t, p, att);
  const neighbour = holderOf(world, att.network, nextHop);
  if (!neighbour) return t.block(at, `nothing on network ${att.network} holds ${nextHop}: the neighbour lookup goes unanswered`);
  if (nextHop !== p0.daddr) return t.unknown(at, `the next hop ${nextHop} is sandbox ${sandboxLabel(world, neighbour)}, which nodenet does not model as a router`);
  return bridged(world, t, { ...p, oif: net.bridge }, neighbour);
}
