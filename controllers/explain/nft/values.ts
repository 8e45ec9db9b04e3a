// What an nft expression reads from a packet. Anything we do not model yields 'unknown' (the
// evaluator then considers both outcomes); a value the kernel could not load (no input device in
// output, an IPv4 field of an IPv6 packet) yields 'break', which makes the rule not match.
import { hasPorts, type Comp, type Packet, type Value } from './packet.js';
import type { Json } from './listing.js';

const comp = (c: Comp): Value => ({ comps: [c] });

function meta(key: string, p: Packet): Value {
  switch (key) {
    case 'iifname':
      return p.iif === undefined ? 'break' : comp({ t: 'ifname', v: p.iif });
    case 'oifname':
      return p.oif === undefined ? 'break' : comp({ t: 'ifname', v: p.oif });
    case 'l4proto':
      return comp({ t: 'inet_proto', v: p.proto });
    case 'nfproto':
      return comp({ t: 'nf_proto', v: p.family === 4 ? 'ipv4' : 'ipv6' });
    case 'protocol':
      return comp({ t: 'nf_proto', v: p.family === 4 ? 'ip' : 'ip6' });
    default:
      return 'unknown';
  }
}

function payload(o: Json, p: Packet): Value {
  const proto = String(o.protocol ?? '');
  const field = String(o.field ?? '');
  if (proto === 'ip' || proto === 'ip6') {
    if ((proto === 'ip') !== (p.family === 4)) return 'break';
    const t = proto === 'ip' ? 'ipv4_addr' : 'ipv6_addr';
    if (field === 'saddr') return comp({ t, v: p.saddr });
    if (field === 'daddr') return comp({ t, v: p.daddr });
    if (field === 'protocol' || field === 'nexthdr') return comp({ t: 'inet_proto', v: p.proto });
    return 'unknown';
  }
  if (proto === 'th' || proto === 'tcp' || proto === 'udp' || proto === 'sctp') {
    if (proto === 'th' ? !hasPorts(p) : p.proto !== proto) return 'break';
    const port = field === 'dport' ? p.dport : field === 'sport' ? p.sport : undefined;
    return port === undefined ? 'unknown' : comp({ t: 'inet_service', v: port });
  }
  return 'unknown';
}

function ct(key: string, p: Packet): Value {
  if (key === 'state') return { flags: new Set([p.ct.state]) };
  if (key === 'status') {
    const f = new Set<string>();
    if (p.ct.dnat) f.add('dnat');
    if (p.ct.snat) f.add('snat');
    if (p.ct.state === 'established') f.add('seen-reply');
    return { flags: f };
  }
  if (key === 'direction') return comp({ t: 'ct_dir', v: p.ct.state === 'established' ? 'reply' : 'original' });
  return 'unknown';
}

function fib(o: Json, p: Packet): Value {
  const flags = Array.isArray(o.flags) ? o.flags.map(String) : [];
  if (o.result !== 'type' || flags.length !== 1 || flags[0] !== 'daddr' || p.daddrLocal === undefined) return 'unknown';
  return comp({ t: 'fib_addrtype', v: p.daddrLocal ? 'local' : 'unicast' });
}

export function valueOf(expr: unknown, p: Packet): Value {
  if (!expr || typeof expr !== 'object') return 'unknown';
  const [k, body] = Object.entries(expr as Json)[0] ?? [];
  const o = (body ?? {}) as Json;
  switch (k) {
    case 'meta':
      return meta(String(o.key), p);
    case 'payload':
      return payload(o, p);
    case 'ct':
      return ct(String(o.key), p);
    case 'fib':
      return fib(o, p);
    case 'concat': {
      const parts = Array.isArray(body) ? body.map((e) => valueOf(e, p)) : [];
      if (parts.length === 0) return 'unknown';
      if (parts.includes('break')) return 'break';
      const comps: Comp[] = [];
      for (const v of parts) {
        if (v === 'unknown' || v === 'break' || !('comps' in v)) return 'unknown';
        comps.push(...v.comps);
      }
      return { comps };
    }
    case '&': {
      // `ct status & dnat`: the flags the mask keeps.
      if (!Array.isArray(body) || body.length !== 2) return 'unknown';
      const left = valueOf(body[0], p);
      if (left === 'break' || left === 'unknown' || !('flags' in left)) return left === 'break' ? 'break' : 'unknown';
      const mask = new Set(Array.isArray(body[1]) ? body[1].map(String) : [String(body[1])]);
      return { flags: new Set([...left.flags].filter((f) => mask.has(f))) };
    }
    default:
      return 'unknown';
  }
}
