// Text forms of a Ruleset: the declarative block for humans and golden files, and the command
// lines that create the table from nothing inside a transaction.
import { chainDecl, elementText, ruleLine, setDecl, TABLE_REF, type Chain, type NftSet, type Ruleset } from './ir.js';
import { desiredChains } from './chains.js';
import { desiredSets } from './sets.js';
import { cmp, validateModel, type ValidModel } from './validate.js';
import type { FwModel } from './types.js';

export function buildRuleset(valid: ValidModel): Ruleset {
  return { sets: desiredSets(valid), chains: desiredChains(valid) };
}

/** Validates the model (throws FirewallModelError) and builds the ruleset it asks for. */
export function desiredRuleset(model: FwModel): Ruleset {
  return buildRuleset(validateModel(model));
}

/** Elements of a set in a stable order, written as they go between braces. */
export function sortedElements(set: Pick<NftSet, 'valueType' | 'elements'>, keys?: Iterable<string>): string[] {
  const chosen = [...(keys ?? set.elements.keys())].sort(cmp);
  return chosen.map((k) => elementText(set, k, set.elements.get(k) ?? ''));
}

export function renderRuleset(rs: Ruleset): string {
  const lines = [`table ${TABLE_REF} {`];
  for (const s of rs.sets) {
    lines.push(`\t${s.valueType ? 'map' : 'set'} ${s.name} {`, `\t\t${setDecl(s)}`);
    if (s.elements.size > 0) lines.push(`\t\telements = { ${sortedElements(s).join(',\n\t\t\t     ')} }`);
    lines.push('\t}', '');
  }
  rs.chains.forEach((c, i) => {
    lines.push(`\tchain ${c.name} {`);
    if (c.base) lines.push(`\t\t${chainDecl(c.base)}`);
    for (const r of c.rules) lines.push(`\t\t${ruleLine(r)}`);
    lines.push('\t}');
    if (i < rs.chains.length - 1) lines.push('');
  });
  lines.push('}', '');
  return lines.join('\n');
}

/** Elements per command line: big enough to keep scripts short, small enough to keep lines readable. */
export const ELEMENTS_PER_LINE = 256;

export function elementCommands(verb: 'add' | 'delete', set: NftSet, items: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < items.length; i += ELEMENTS_PER_LINE) {
    out.push(`${verb} element ${TABLE_REF} ${set.name} { ${items.slice(i, i + ELEMENTS_PER_LINE).join(', ')} }`);
  }
  return out;
}

export function addSetCommand(s: NftSet): string {
  return `add ${s.valueType ? 'map' : 'set'} ${TABLE_REF} ${s.name} { ${setDecl(s)}; }`;
}

export function addChainCommand(c: Chain): string {
  return c.base ? `add chain ${TABLE_REF} ${c.name} { ${chainDecl(c.base)} }` : `add chain ${TABLE_REF} ${c.name}`;
}

export function addRuleCommands(c: Chain): string[] {
  return c.rules.map((r) => `add rule ${TABLE_REF} ${c.name} ${ruleLine(r)}`);
}

/** Commands creating the whole table; chains are all declared before any rule jumps to one. */
export function createCommands(rs: Ruleset): string[] {
  return [
    `add table ${TABLE_REF}`,
    ...rs.sets.flatMap((s) => [addSetCommand(s), ...elementCommands('add', s, sortedElements(s))]),
    ...rs.chains.map(addChainCommand),
    ...rs.chains.flatMap(addRuleCommands),
  ];
}
