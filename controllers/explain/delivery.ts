// The last part of a path into a sandbox, and the checks on an attachment's bridge port: the
// bridge and the host end of the veth exist, are up and are joined; the sandbox's interface holds
// the address; the sandbox has a route back for the reply.
import { parseIp } from '../../api/ip.js';
import type { Packet } from './nft/packet.js';
import { isLocal, lookupRoute, routeText } from './route.js';
import type { Explanation, Trace } from './trace.js';
import type { AttachmentInfo, NetworkInfo, World } from './world.js';

export function networkNamed(world: World, name: string): NetworkInfo | undefined {
  return world.objects.networks.find((n) => n.name === name);
}

export function networkOfBridge(world: World, bridge: string | undefined): NetworkInfo | undefined {
  return world.objects.networks.find((n) => n.bridge === bridge);
}

export function sandboxLabel(world: World, a: AttachmentInfo): string {
  return world.objects.sandboxes.find((s) => s.key === a.sandboxKey)?.name ?? a.sandboxKey;
}

/** The attachment holding addr on a network. */
export function holderOf(world: World, network: string, addr: string): AttachmentInfo | undefined {
  const v = parseIp(addr)?.value;
  return world.objects.attachments.find((a) => a.network === network && [a.ipv4, a.ipv6].some((x) => x !== undefined && parseIp(x)?.value === v));
}

/** The attachment's host-side veth is an up port of its network's up bridge. */
export function checkPort(world: World, t: Trace, a: AttachmentInfo): Explanation | undefined {
  const net = networkNamed(world, a.network);
  if (!net) return t.unknown('host', `network ${a.network} of ${a.key} is not realized on this node`);
  const br = world.host.link(net.bridge);
  if (!br) return t.block('host', `bridge ${net.bridge} of network ${net.name} does not exist`, `ip link show ${net.bridge}`);
  if (!br.up) return t.block('host', `bridge ${net.bridge} is down`, `ip link show ${net.bridge}`);
  const hv = a.hostInterface ? world.host.link(a.hostInterface) : undefined;
  if (!hv) return t.block('host', `the host end ${a.hostInterface ?? '?'} of ${a.key} does not exist`, `ip link show ${a.hostInterface ?? ''}`.trim());
  if (hv.master !== br.index) return t.block('host', `${hv.name} (${a.key}) is not a port of bridge ${net.bridge}`, `ip link show ${hv.name}`);
  if (!hv.up) return t.block('host', `${hv.name} (${a.key}) is down`, `ip link show ${hv.name}`);
  t.pass('host', `${hv.name} (${sandboxLabel(world, a)} ${a.interface}) is an up port of ${net.bridge}`);
  return undefined;
}

/** Into the destination sandbox: address, interface, and a route for the reply to replyTo. */
export function deliver(world: World, t: Trace, a: AttachmentInfo, p: Packet, replyTo: string): Explanation {
  const name = sandboxLabel(world, a);
  const at = `sandbox ${name}`;
  const v = world.ns(a.netnsPath);
  if (!v) return t.block(at, `network namespace ${a.netnsPath} does not exist`);
  const ifc = v.link(a.interface);
  if (!ifc?.up) return t.block(at, `${a.interface} is ${ifc ? 'down' : 'missing'} in ${name}`, `ip -n ${a.netnsPath} link show ${a.interface}`);
  if (!isLocal(v, p.daddr)) return t.block(at, `${name} does not hold ${p.daddr}`, `ip -n ${a.netnsPath} addr show`);
  const back = lookupRoute(v, p.family, replyTo);
  if (!back) return t.block(at, `${name} has no route back to ${replyTo} for the reply`, `ip -n ${a.netnsPath} route`);
  t.pass(at, `${a.interface} holds ${p.daddr}; the reply to ${replyTo} takes route ${routeText(back, v.linkByIndex(back.oif ?? -1)?.name)}`);
  return t.reach(at, `delivered to ${name} (${a.key}) at ${p.daddr}${p.dport ? `:${p.dport}` : ''}`);
}
