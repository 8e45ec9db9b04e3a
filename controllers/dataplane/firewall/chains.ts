// The chains of our table. Base chains hold rules that do not depend on any network (they read
// the sets) plus one plain rule per network where a network needs one; the forward decision for
// a network lives in its own chain, reached through a verdict map keyed by bridge name.
import { rule, type BaseChain, type Chain, type Rule } from './ir.js';
import { SET } from './sets.js';
import type { ValidModel, ValidNetwork } from './validate.js';

export const CHAIN = {
  forward: 'filter_forward',
  input: 'filter_input',
  prerouting: 'nat_prerouting',
  output: 'nat_output',
  postrouting: 'nat_postrouting',
} as const;

/** The per-network forward chain; bridge names are validated, so this is a valid nft identifier. */
export function intoChain(bridge: string): string {
  return `into_${bridge}`;
}

const BASE: Record<string, BaseChain> = {
  [CHAIN.forward]: { type: 'filter', hook: 'forward', prio: 0, prioText: 'filter', policy: 'accept' },
  [CHAIN.input]: { type: 'filter', hook: 'input', prio: 0, prioText: 'filter', policy: 'accept' },
  [CHAIN.prerouting]: { type: 'nat', hook: 'prerouting', prio: -100, prioText: 'dstnat', policy: 'accept' },
  // nft 1.0.6 accepts the name "dstnat" only on prerouting; -100 is the same priority.
  [CHAIN.output]: { type: 'nat', hook: 'output', prio: -100, prioText: '-100', policy: 'accept' },
  [CHAIN.postrouting]: { type: 'nat', hook: 'postrouting', prio: 100, prioText: 'srcnat', policy: 'accept' },
};

const q = (bridge: string): string => `"${bridge}"`;

export function desiredChains(model: ValidModel): Chain[] {
  const nets = model.networks;
  return [
    { name: CHAIN.forward, base: BASE[CHAIN.forward], rules: forwardRules(nets) },
    ...nets.map((n) => ({ name: intoChain(n.bridge), rules: intoRules(n) })),
    { name: CHAIN.input, base: BASE[CHAIN.input], rules: inputRules() },
    { name: CHAIN.prerouting, base: BASE[CHAIN.prerouting], rules: dnatRules(false) },
    { name: CHAIN.output, base: BASE[CHAIN.output], rules: dnatRules(true) },
    { name: CHAIN.postrouting, base: BASE[CHAIN.postrouting], rules: postroutingRules(nets) },
  ];
}

function forwardRules(nets: ValidNetwork[]): Rule[] {
  // Internal networks first: nothing they send may leave, whatever the destination's chain would say.
  const out = nets.filter((n) => n.internal).map((n) => rule(`iifname ${q(n.bridge)} oifname != ${q(n.bridge)} drop`));
  if (nets.length > 0) {
    const entries = nets.map((n) => `${q(n.bridge)} : jump ${intoChain(n.bridge)}`).join(', ');
    out.push(rule(`oifname vmap { ${entries} }`));
  }
  return out;
}

/** Traffic whose output is the network's bridge: from a sandbox of it, another network or the world. */
function intoRules(n: ValidNetwork): Rule[] {
  const b = q(n.bridge);
  const out: Rule[] = [];
  if (n.internal) out.push(rule(`iifname != ${b} drop`));
  out.push(rule('ct state established,related accept'));
  if (!n.internal) {
    // Published ports are reachable from anywhere, including isolated networks and (hairpin) this one.
    out.push(rule(`ct status dnat ip daddr . meta l4proto . th dport @${SET.published4} accept`));
    out.push(rule(`ct status dnat ip6 daddr . meta l4proto . th dport @${SET.published6} accept`));
  }
  out.push(rule(`iifname ${b} ${n.icc ? 'accept' : 'drop'}`));
  if (n.internal) return out;
  if (n.isolation) out.push(rule(`iifname @${SET.isolated} drop`));
  out.push(rule(`iifname @${SET.bridges} accept`));
  // Like Docker's FORWARD policy DROP: a new connection from the world reaches a sandbox only via a published port.
  out.push(rule('drop'));
  return out;
}

function inputRules(): Rule[] {
  // CVE-2020-8558: route_localnet on our bridges would let a sandbox reach the host's 127.0.0.1
  // services; only replies to our own localhost DNAT (ct status dnat) may arrive that way.
  return [rule(`iifname @${SET.bridges} ip daddr 127.0.0.0/8 ct status & dnat == 0 drop`)];
}

function dnatRules(localOut: boolean): Rule[] {
  // IPv6 has no route_localnet: ::1 can never be sent to a bridge, so it is not translated.
  const v6guard = localOut ? 'ip6 daddr != ::1 ' : '';
  return [
    rule(`fib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @${SET.dnat4Addr}`),
    rule(`meta nfproto ipv4 fib daddr type local dnat ip to meta l4proto . th dport map @${SET.dnat4Any}`),
    rule(`fib daddr type local dnat ip6 to ip6 daddr . meta l4proto . th dport map @${SET.dnat6Addr}`),
    rule(`meta nfproto ipv6 ${v6guard}fib daddr type local dnat ip6 to meta l4proto . th dport map @${SET.dnat6Any}`),
  ];
}

function postroutingRules(nets: ValidNetwork[]): Rule[] {
  // The host reaching a published port on 127.0.0.1: the sandbox could not answer a loopback source.
  const out = [rule(`oifname @${SET.bridges} ip saddr 127.0.0.0/8 ct status dnat masquerade`)];
  for (const n of nets) {
    if (n.internal) continue;
    const b = q(n.bridge);
    const subnets = [...n.v4.map((s) => `ip saddr ${s}`), ...n.v6.map((s) => `ip6 saddr ${s}`)];
    // Hairpin: a sandbox reaching a published port on its own bridge must get the reply through the
    // host, else it sees an answer from an address it never spoke to (or from itself). The input
    // interface is unknown in postrouting, so "from this bridge" is "from this bridge's subnet".
    for (const s of subnets) out.push(rule(`${s} oifname ${b} ct status dnat masquerade`));
    if (!n.masquerade) continue;
    for (const s of subnets) out.push(rule(`${s} oifname != ${b} masquerade`));
  }
  return out;
}
