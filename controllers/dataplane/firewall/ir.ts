// The in-memory shape of our nft table, shared by the desired side (built from the model) and the
// kernel side (parsed from `nft -j list table`), so planning is a comparison of like with like.
import { createHash } from 'node:crypto';

export const FAMILY = 'inet';
export const TABLE = 'nodenet';
/** `inet nodenet` as it appears in nft commands. */
export const TABLE_REF = `${FAMILY} ${TABLE}`;

export interface BaseChain {
  type: 'filter' | 'nat';
  hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
  /** Numeric priority, as the kernel reports it. */
  prio: number;
  /** Priority as written in scripts (a standard name where nft accepts one for the hook). */
  prioText: string;
  policy: 'accept';
}

export interface Rule {
  /** Rule text without its comment. */
  text: string;
  /** Identity of the rule, carried in its comment: the kernel listing is compared by these. */
  id: string;
}

export interface Chain {
  name: string;
  base?: BaseChain;
  rules: Rule[];
}

export interface NftSet {
  name: string;
  /** Key datatypes of a concatenation, in order. */
  keyType: string[];
  /** Value datatypes for a map; undefined for a plain set. */
  valueType?: string[];
  /** Elements by key text; the value is the map value text ('' for plain sets). */
  elements: Map<string, string>;
}

export interface Ruleset {
  sets: NftSet[];
  chains: Chain[];
}

const ID_PREFIX = 'nodenet:';

/** Rule id: a short digest of its text, so any change to the text (a new release) is seen as a different rule. */
export function ruleId(text: string): string {
  return ID_PREFIX + createHash('sha256').update(text).digest('hex').slice(0, 12);
}

export function rule(text: string): Rule {
  return { text, id: ruleId(text) };
}

/** How an element is written inside `{ }`: "key" for sets, "key : value" for maps. */
export function elementText(set: Pick<NftSet, 'valueType'>, key: string, value: string): string {
  return set.valueType ? `${key} : ${value}` : key;
}

export function setDecl(set: Pick<NftSet, 'keyType' | 'valueType'>): string {
  const type = set.keyType.join(' . ');
  return set.valueType ? `type ${type} : ${set.valueType.join(' . ')}` : `type ${type}`;
}

export function chainDecl(base: BaseChain): string {
  return `type ${base.type} hook ${base.hook} priority ${base.prioText}; policy ${base.policy};`;
}

export function ruleLine(r: Rule): string {
  return `${r.text} comment "${r.id}"`;
}
