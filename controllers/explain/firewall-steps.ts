// The firewall hooks a packet meets on the host, as hops of a trace: every nftables base chain of
// the hook (ours and anyone else's), the reply direction of forwarded traffic, and NAT.
import { explainDecider, deciderRef, isOurs, ourRuleMeaning } from './meaning.js';
import { evalFilterHook, evalNatHook, type Hook, type HookResult } from './nft/hooks.js';
import type { Packet } from './nft/packet.js';
import type { Explanation, Trace } from './trace.js';
import type { World } from './world.js';

function ctxOf(world: World, p: Packet): { objects: World['objects']; iif?: string; oif?: string } {
  return { objects: world.objects, ...(p.iif ? { iif: p.iif } : {}), ...(p.oif ? { oif: p.oif } : {}) };
}

/** Blocks or leaves undecided on a drop / unknown; records the accepts of nodenet rules as the reason. */
function judge(world: World, t: Trace, r: HookResult, p: Packet, what: string): Explanation | undefined {
  const ctx = ctxOf(world, p);
  if (r.verdict === 'drop') return t.block('host', explainDecider(r.by!, ctx), deciderRef(r.by!), `${what} drops it`);
  if (r.verdict === 'unknown') {
    return t.unknown('host', `${what} depends on ${r.by ? explainDecider(r.by, ctx) : 'a chain'} which nodenet cannot evaluate (${r.why ?? '?'})`, r.by ? deciderRef(r.by) : undefined);
  }
  for (const d of r.accepted) {
    if (isOurs(d) && d.rule) {
      const meaning = ourRuleMeaning(d, ctx);
      if (meaning) t.accepted(meaning, deciderRef(d));
    }
  }
  return undefined;
}

function chainsText(r: HookResult): string {
  return r.accepted.map((d) => (d.rule ? deciderRef(d) : `${d.chain.family} ${d.chain.table} ${d.chain.name} (no rule matched, policy accept)`)).join('; ');
}

export function filterHook(world: World, t: Trace, hook: Hook, p: Packet): Explanation | undefined {
  const r = evalFilterHook(world.listing, hook, p);
  const end = judge(world, t, r, p, `${hook} hook`);
  if (!end && r.accepted.length) t.pass('host', `${hook} hook accepts: ${chainsText(r)}`);
  return end;
}

export function reverse(p: Packet): Packet {
  return {
    ...p,
    iif: p.oif,
    oif: p.iif,
    saddr: p.daddr,
    daddr: p.saddr,
    ...(p.dport !== undefined ? { sport: p.dport } : {}),
    ...(p.sport !== undefined ? { dport: p.sport } : {}),
    ct: { ...p.ct, state: 'established' },
    daddrLocal: false,
  };
}

/** The forward hook for the packet and then for its reply (a foreign chain may drop replies). */
export function forwardBoth(world: World, t: Trace, p: Packet): Explanation | undefined {
  const there = filterHook(world, t, 'forward', p);
  if (there) return there;
  const back = reverse(p);
  const r = evalFilterHook(world.listing, 'forward', back);
  if (r.verdict === 'accept') return undefined;
  return judge(world, t, r, back, 'the reply in the forward hook');
}

export interface NatStep {
  end?: Explanation;
  packet: Packet;
  masquerade: boolean;
}

/** Prerouting/output DNAT for a new connection. */
export function dnatHook(world: World, t: Trace, hook: 'prerouting' | 'output', p: Packet): NatStep {
  const r = evalNatHook(world.listing, hook, p);
  if (r.verdict !== 'accept') return { end: judge(world, t, r, p, `${hook} NAT`), packet: p, masquerade: false };
  const d = r.nat?.dnat;
  if (!d || !r.nat) return { packet: p, masquerade: false };
  const next: Packet = { ...p, daddr: d.addr, ...(d.port !== undefined ? { dport: d.port } : {}), ct: { ...p.ct, dnat: true } };
  const owner = world.objects.attachments.find((a) => a.ipv4 === d.addr || a.ipv6 === d.addr);
  const what = owner ? `published port ${p.dport ?? ''}/${p.proto} of ${owner.key}` : 'DNAT';
  t.pass('host', `${what}: ${p.daddr}${p.dport ? `:${p.dport}` : ''} -> ${d.addr}${d.port ? `:${d.port}` : ''} (${deciderRef(r.nat.by)})`);
  return { packet: next, masquerade: false };
}

/** Postrouting NAT: whether the packet leaves masqueraded (or source-NATed). */
export function snatHook(world: World, t: Trace, p: Packet): NatStep {
  const r = evalNatHook(world.listing, 'postrouting', p);
  if (r.verdict !== 'accept') return { end: judge(world, t, r, p, 'postrouting NAT'), packet: p, masquerade: false };
  if (r.nat?.masquerade || r.nat?.snat) {
    t.pass('host', `${r.nat.masquerade ? 'masquerade' : `SNAT to ${r.nat.snat}`} on the way out of ${p.oif} (${deciderRef(r.nat.by)})`);
    return { packet: p, masquerade: true };
  }
  return { packet: p, masquerade: false };
}
