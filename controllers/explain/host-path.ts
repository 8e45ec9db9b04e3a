// The host's part of a path: a packet arriving on an interface (from a sandbox through its
// bridge, or from outside) or made by the host itself, through NAT, rp_filter, forwarding,
// routing and the filter hooks, to a sandbox, the host itself, or out of the node.
import { isLoopback, parseIp } from '../../api/ip.js';
import { checkPort, deliver, holderOf, networkOfBridge } from './delivery.js';
import { dnatHook, filterHook, forwardBoth, snatHook } from './firewall-steps.js';
import type { Packet } from './nft/packet.js';
import { isLocal, lookupRoute, refusal, routeText, sourceFor } from './route.js';
import type { Explanation, Trace } from './trace.js';
import type { AttachmentInfo, World } from './world.js';

const dotted = (key: string): string => key.replace(/\//g, '.');

function rpFilter(world: World, t: Trace, p: Packet): Explanation | undefined {
  // An interface the host does not have (the outside's uplink, unknown) cannot be checked.
  if (p.family !== 4 || !p.iif || !world.host.link(p.iif)) return undefined;
  const mode = Math.max(Number(world.host.sysctl('net/ipv4/conf/all/rp_filter') ?? 0), Number(world.host.sysctl(`net/ipv4/conf/${p.iif}/rp_filter`) ?? 0));
  if (mode === 0) return undefined;
  const back = lookupRoute(world.host, 4, p.saddr);
  const dev = back?.oif !== undefined ? world.host.linkByIndex(back.oif)?.name : undefined;
  if (!back) return t.block('host', `rp_filter drops it: the host has no route back to ${p.saddr}`, `sysctl net.ipv4.conf.${p.iif}.rp_filter=${mode}`);
  if (mode === 1 && dev !== p.iif) {
    return t.block('host', `rp_filter (strict) drops it: replies to ${p.saddr} would leave through ${dev ?? '?'}, not ${p.iif}`, `sysctl net.ipv4.conf.${p.iif}.rp_filter=1`);
  }
  return undefined;
}

function forwardingOff(world: World, t: Trace, p: Packet): Explanation | undefined {
  const keys = p.family === 4 ? [`net/ipv4/conf/${p.iif}/forwarding`, 'net/ipv4/ip_forward'] : ['net/ipv6/conf/all/forwarding'];
  for (const k of keys) {
    const v = world.host.sysctl(k);
    if (v === undefined) continue;
    if (v === '0') return t.block('host', `IP forwarding is off on the host, so it does not route between ${p.iif} and other interfaces`, `sysctl ${dotted(k)}=0`);
    return undefined;
  }
  return undefined;
}

/** After routing: into a sandbox on one of our bridges, or out of the node. */
function onward(world: World, t: Trace, p: Packet, src: AttachmentInfo | undefined, sourceRouteAddr: string | undefined): Explanation {
  const snat = snatHook(world, t, p);
  if (snat.end) return snat.end;
  const net = networkOfBridge(world, p.oif);
  if (!net) {
    if (!snat.masquerade && src) t.note(`not masqueraded: the destination sees ${p.saddr} and needs a route back to it`);
    return t.reach('host', `leaves the node through ${p.oif}${snat.masquerade ? ' masqueraded as the host' : ''}`);
  }
  const dst = holderOf(world, net.name, p.daddr);
  if (!dst) return t.block('host', `no sandbox on network ${net.name} holds ${p.daddr}`);
  const port = checkPort(world, t, dst);
  if (port) return port;
  if (src && p.iif === p.oif) {
    if (dst.key === src.key) {
      const hv = world.host.link(dst.hostInterface ?? '');
      if (hv && world.host.brport(hv.index)?.hairpin !== true) {
        return t.block('host', `hairpin mode is off on ${hv.name}: the bridge will not send the packet back out of the port it came in on`, `bridge link show dev ${hv.name}`);
      }
    }
    if (!snat.masquerade) return t.block('host', `the reply would go straight from ${dst.key} to ${p.saddr} on the bridge, bypassing the host's NAT (no hairpin masquerade)`);
  }
  const replyTo = snat.masquerade ? (sourceRouteAddr ?? p.saddr) : p.saddr;
  return deliver(world, t, dst, p, replyTo);
}

/** A packet arriving on p.iif: prerouting NAT, rp_filter, local delivery or forwarding. */
export function hostIngress(world: World, t: Trace, p0: Packet, src?: AttachmentInfo): Explanation {
  const host = world.host;
  const nat = dnatHook(world, t, 'prerouting', { ...p0, daddrLocal: isLocal(host, p0.daddr) });
  if (nat.end) return nat.end;
  const p = { ...nat.packet, daddrLocal: isLocal(host, nat.packet.daddr) };
  const rp = rpFilter(world, t, p);
  if (rp) return rp;
  if (p.daddrLocal) {
    const input = filterHook(world, t, 'input', { ...p, oif: undefined });
    if (input) return input;
    if (p.dport !== undefined) t.note(`${p.daddr}:${p.dport} is not a published port; whether something on the host listens there is not checked`);
    return t.reach('host', `${p.daddr} is an address of the host: delivered to the host itself`);
  }
  const off = forwardingOff(world, t, p);
  if (off) return off;
  const r = lookupRoute(host, p.family, p.daddr);
  if (!r) return t.block('host', `the host has no route to ${p.daddr}`, 'ip route');
  const oif = r.oif !== undefined ? host.linkByIndex(r.oif)?.name : undefined;
  if (refusal(r) || !oif) return t.block('host', `the host's route to ${p.daddr} is ${refusal(r) ?? 'without a device'}`, `ip route get ${p.daddr}`);
  t.pass('host', `route ${routeText(r, oif)}`);
  const fp: Packet = { ...p, oif };
  const fw = forwardBoth(world, t, fp);
  if (fw) return fw;
  return onward(world, t, fp, src, sourceFor(host, r, p.family));
}

/** A connection the host itself opens (a process on the node). */
export function fromHost(world: World, t: Trace, p0: Packet): Explanation {
  const host = world.host;
  const local = isLocal(host, p0.daddr);
  const loop = isLoopback(parseIp(p0.daddr)!);
  const nat = dnatHook(world, t, 'output', { ...p0, saddr: loop ? p0.daddr : p0.saddr, daddrLocal: local });
  if (nat.end) return nat.end;
  let p = nat.packet;
  if (isLocal(host, p.daddr)) {
    const out = filterHook(world, t, 'output', { ...p, oif: 'lo' });
    if (out) return out;
    if (p.dport !== undefined) t.note(`${p.daddr}:${p.dport} is not a published port; whether something on the host listens there is not checked`);
    return t.reach('host', `${p.daddr} is an address of the host itself`);
  }
  const r = lookupRoute(host, p.family, p.daddr);
  const oif = r?.oif !== undefined ? host.linkByIndex(r.oif)?.name : undefined;
  if (!r || !oif || refusal(r)) return t.block('host', `the host has no usable route to ${p.daddr}`, 'ip route');
  t.pass('host', `route ${routeText(r, oif)}`);
  const saddr = loop ? p0.daddr : local ? p0.daddr : (sourceFor(host, r, p.family) ?? p.saddr);
  p = { ...p, saddr, oif };
  if (loop && host.sysctl(`net/ipv4/conf/${oif}/route_localnet`) !== '1') {
    return t.block('host', `a packet from ${saddr} may not leave through ${oif} (route_localnet is off)`, `sysctl net.ipv4.conf.${oif}.route_localnet=0`);
  }
  const out = filterHook(world, t, 'output', p);
  if (out) return out;
  const snat = snatHook(world, t, p);
  if (snat.end) return snat.end;
  if (loop && !snat.masquerade) return t.block('host', `the reply could not return to ${saddr}: the sandbox cannot answer a loopback address (no masquerade)`);
  const net = networkOfBridge(world, oif);
  if (!net) return t.reach('host', `leaves the node through ${oif}`);
  const dst = holderOf(world, net.name, p.daddr);
  if (!dst) return t.block('host', `no sandbox on network ${net.name} holds ${p.daddr}`);
  const port = checkPort(world, t, dst);
  if (port) return port;
  return deliver(world, t, dst, p, snat.masquerade ? (sourceFor(host, r, p.family) ?? saddr) : saddr);
}
