// What a rule of nodenet's own table means, in the words of the declared objects, and how any
// deciding rule or policy is named in a verdict.
import { TABLE } from '../dataplane/firewall/ir.js';
import type { Decider } from './nft/eval.js';
import { ruleText } from './nft/text.js';
import type { ObjectIndex } from './world.js';

export function isOurs(d: Decider): boolean {
  return d.chain.family === 'inet' && d.chain.table === TABLE;
}

/** "nodenet rule inet nodenet into_nn-backend handle 42", "rule ip filter FORWARD handle 7", "policy drop of ip filter FORWARD". */
export function deciderRef(d: Decider): string {
  const where = `${d.chain.family} ${d.chain.table} ${d.chain.name}`;
  if (!d.rule) return `policy ${d.chain.base?.policy ?? 'accept'} of chain ${where}`;
  return `${isOurs(d) ? 'nodenet rule' : 'rule'} ${where} handle ${d.rule.handle}`;
}

export interface MeaningContext {
  objects: ObjectIndex;
  /** Input and output interfaces of the packet the rule decided. */
  iif?: string;
  oif?: string;
}

function networkOf(ctx: MeaningContext, bridge: string | undefined): string {
  return ctx.objects.networks.find((n) => n.bridge === bridge)?.name ?? bridge ?? '?';
}

/** Our rules by the text chains.ts renders; undefined for a rule we do not recognise. */
export function ourRuleMeaning(d: Decider, ctx: MeaningContext): string | undefined {
  if (!d.rule) return undefined;
  const text = ruleText(d.rule);
  const into = /^into_(.+)$/.exec(d.chain.name)?.[1];
  const self = networkOf(ctx, into ?? ctx.oif);
  const from = networkOf(ctx, ctx.iif);
  if (into) {
    if (/^iifname != ".*" drop$/.test(text)) return `network ${self} is internal: nothing from outside it may enter`;
    if (/^ct state .*established.* accept$/.test(text)) return `reply in a connection that was allowed`;
    if (/@published[46] accept$/.test(text)) return `published port of network ${self}`;
    if (/^iifname ".*" accept$/.test(text)) return `same network ${self}: inter-container communication (enableICC) is on`;
    if (/^iifname ".*" drop$/.test(text)) return `network ${self} has inter-container communication off (enableICC: false)`;
    if (/^iifname @isolated drop$/.test(text)) return `networks ${from} and ${self} are isolated from each other`;
    if (/^iifname @bridges accept$/.test(text)) return `networks ${from} and ${self} are not isolated from each other`;
    if (text === 'drop') return `network ${self} accepts new connections from outside only on published ports`;
  }
  if (/^iifname ".*" oifname != ".*" drop$/.test(text)) return `network ${from} is internal: nothing may leave it`;
  if (d.chain.name === 'filter_input' && / drop$/.test(text)) return `sandboxes may not reach the host's loopback services`;
  return undefined;
}

/** A sentence for a deciding rule or policy, ending with its reference. */
export function explainDecider(d: Decider, ctx: MeaningContext): string {
  const ref = deciderRef(d);
  if (isOurs(d)) return `${ourRuleMeaning(d, ctx) ?? (d.rule ? ruleText(d.rule) : 'policy')} (${ref})`;
  if (!d.rule && d.chain.table === 'filter' && d.chain.name === 'FORWARD' && (d.chain.family === 'ip' || d.chain.family === 'ip6')) {
    const bin = d.chain.family === 'ip' ? 'iptables' : 'ip6tables';
    return `the host's ${bin} FORWARD policy is DROP and no rule there accepts this traffic (nodenet's ${bin} compat jump to NODENET-FORWARD is not in effect) (${ref})`;
  }
  if (!d.rule) return `${d.chain.family} ${d.chain.table} chain ${d.chain.name} has policy ${d.chain.base?.policy} and no rule accepts this traffic (${ref})`;
  return `${ruleText(d.rule)} (${ref})`;
}
