// A netfilter hook is every base chain registered on it, in priority order, across all tables of
// the packet's family: an accept only ends one chain, a drop anywhere is final. NAT chains see
// only a connection's first packet, and the first chain that translates it is the only one.
import { evalBaseChain, type Decider, type Nat, type Unknown } from './eval.js';
import type { ListedChain, Listing } from './listing.js';
import type { Packet } from './packet.js';

export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';

export interface HookResult {
  verdict: 'accept' | 'drop' | 'unknown';
  /** The chain/rule that dropped, or that could not be decided. */
  by?: Decider;
  why?: string;
  /** Chains that accepted, with the rule that did (undefined rule: policy accept, nothing matched). */
  accepted: Decider[];
  nat?: Nat & { by: Decider };
}

export function baseChains(listing: Listing, hook: Hook, p: Packet, type: 'filter' | 'nat'): ListedChain[] {
  const families = p.family === 4 ? ['ip', 'inet'] : ['ip6', 'inet'];
  return listing.chains
    .filter((c) => c.base?.hook === hook && families.includes(c.family) && (c.base.type === 'nat') === (type === 'nat'))
    .sort((a, b) => a.base!.prio - b.base!.prio);
}

/** Filter-type (and route-type) chains of a hook: the first definite drop wins; an undecidable chain makes the result unknown unless a later one drops. */
export function evalFilterHook(listing: Listing, hook: Hook, p: Packet, skip?: (c: ListedChain) => boolean): HookResult {
  const accepted: Decider[] = [];
  let unknown: Unknown | undefined;
  for (const c of baseChains(listing, hook, p, 'filter')) {
    if (skip?.(c)) continue;
    const r = evalBaseChain(c, listing, p);
    if (r.kind === 'verdict' && r.verdict === 'drop') return { verdict: 'drop', by: r.by, accepted };
    if (r.kind === 'unknown') unknown ??= r;
    else accepted.push(r.by);
  }
  if (unknown) return { verdict: 'unknown', by: unknown.by, why: unknown.why, accepted };
  return { verdict: 'accept', accepted };
}

/** NAT chains of a hook for a new connection: the translation the first translating chain makes. */
export function evalNatHook(listing: Listing, hook: Hook, p: Packet, skip?: (c: ListedChain) => boolean): HookResult {
  const accepted: Decider[] = [];
  if (p.ct.state !== 'new') return { verdict: 'accept', accepted };
  for (const c of baseChains(listing, hook, p, 'nat')) {
    if (skip?.(c)) continue;
    const r = evalBaseChain(c, listing, p);
    if (r.kind === 'unknown') return { verdict: 'unknown', by: r.by, why: r.why, accepted };
    if (r.verdict === 'drop') return { verdict: 'drop', by: r.by, accepted };
    accepted.push(r.by);
    if (r.nat) return { verdict: 'accept', accepted, nat: { ...r.nat, by: r.by } };
  }
  return { verdict: 'accept', accepted };
}
