// Which parts of our nftables table belong to which object. The parts are produced by the same
// code that renders the table (validateModel -> desiredChains/desiredSets), fed with a model of
// just the object in question, so a listed rule or element is exactly what the firewall writes.
// Cheap: one network and its ports, never the whole model.
import { desiredChains } from '../dataplane/firewall/chains.js';
import { TABLE_REF, type Chain } from '../dataplane/firewall/ir.js';
import { desiredSets } from '../dataplane/firewall/sets.js';
import type { FwModel, FwNetwork, FwPort } from '../dataplane/firewall/types.js';
import { validateModel } from '../dataplane/firewall/validate.js';
import type { OwnedNftables, OwnedNftElement, OwnedNftRule } from './types.js';

/** Rules of a base chain that are about one network: they name its bridge (the shared vmap names every bridge). */
function isNetworkRule(text: string, bridge: string): boolean {
  return text.includes(`"${bridge}"`) && !text.startsWith('oifname vmap');
}

function elementsOf(model: FwModel, sets: readonly string[] | undefined): OwnedNftElement[] {
  const out: OwnedNftElement[] = [];
  for (const s of desiredSets(validateModel(model))) {
    if (sets && !sets.includes(s.name)) continue;
    for (const key of [...s.elements.keys()].sort()) out.push({ set: s.name, key });
  }
  return out;
}

/** The network's own chain, its rules in the shared base chains, and its elements of the bridge sets. */
export function networkFirewallObjects(net: FwNetwork): OwnedNftables {
  const valid = validateModel({ networks: [net], ports: [] });
  const into = `into_${net.bridge}`;
  const rules: OwnedNftRule[] = [];
  for (const c of desiredChains(valid)) {
    for (const r of c.rules) if (c.name === into || (c.base && isNetworkRule(r.text, net.bridge))) rules.push({ chain: c.name, id: r.id });
  }
  return { table: TABLE_REF, chains: [into], rules, elements: elementsOf({ networks: [net], ports: [] }, ['bridges', 'isolated']) };
}

/** The set and map elements that carry one attachment's published ports. */
export function portFirewallObjects(net: FwNetwork, ports: FwPort[]): OwnedNftables | undefined {
  if (ports.length === 0 || net.internal) return undefined;
  const elements = elementsOf({ networks: [net], ports }, undefined).filter((e) => e.set !== 'bridges' && e.set !== 'isolated');
  return elements.length ? { table: TABLE_REF, elements } : undefined;
}

/** What no single object owns: the table, its sets, base chains and the rules that serve every network. */
export function sharedFirewallObjects(model: FwModel): OwnedNftables | undefined {
  if (model.networks.length === 0) return undefined;
  const valid = validateModel({ networks: model.networks, ports: [] });
  const bridges = valid.networks.map((n) => n.bridge);
  const chains: Chain[] = desiredChains(valid);
  const rules: OwnedNftRule[] = [];
  for (const c of chains) {
    if (!c.base) continue;
    for (const r of c.rules) if (!bridges.some((b) => isNetworkRule(r.text, b))) rules.push({ chain: c.name, id: r.id });
  }
  return {
    table: TABLE_REF,
    sets: desiredSets(valid).map((s) => s.name),
    chains: chains.filter((c) => c.base).map((c) => c.name),
    rules,
  };
}
