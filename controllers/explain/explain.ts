// explain(world, from, to): the path a packet takes from a sandbox, the host or the outside to a
// destination, through the realized state, with the verdict and what decides it.
import type { Dest, Source } from './endpoints.js';
import { fromHost, hostIngress } from './host-path.js';
import type { Packet } from './nft/packet.js';
import { lookupRoute } from './route.js';
import { fromSandbox } from './sandbox-path.js';
import { Trace, type Explanation } from './trace.js';
import type { World } from './world.js';

/** Documentation addresses (RFC 5737 / 3849) stand for "somewhere outside" when no address is given. */
export const OUTSIDE_SOURCE = { 4: '192.0.2.1', 6: '2001:db8::1' } as const;
const EPHEMERAL_PORT = 40000;

function packetTo(dst: Dest): Omit<Packet, 'saddr'> {
  return {
    family: dst.family,
    daddr: dst.addr,
    proto: dst.proto,
    ...(dst.port !== undefined ? { dport: dst.port, sport: EPHEMERAL_PORT } : {}),
    ct: { state: 'new', dnat: false, snat: false },
  };
}

export function explain(world: World, src: Source, dst: Dest): Explanation {
  const t = new Trace(src.label, dst.label);
  const p = packetTo(dst);
  if (src.kind === 'sandbox') return fromSandbox(world, t, src, p);
  if (src.kind === 'host') return fromHost(world, t, { ...p, saddr: dst.addr });
  const saddr = src.addr ?? OUTSIDE_SOURCE[dst.family];
  const via = src.addr ? lookupRoute(world.host, dst.family, src.addr) : world.host.routes(dst.family).find((r) => r.dst === 'default');
  const iif = src.iface ?? (via?.oif !== undefined ? world.host.linkByIndex(via.oif)?.name : undefined);
  if (!iif) t.note('no route towards the outside on the host: its uplink interface is unknown, rp_filter is not checked');
  t.pass('outside', `arrives on ${iif ?? 'an uplink interface'} from ${saddr}`);
  return hostIngress(world, t, { ...p, saddr, iif: iif ?? 'uplink' });
}
