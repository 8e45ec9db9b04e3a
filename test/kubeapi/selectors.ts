// Label and field selectors with the apiserver's grammar: label requirements =, ==, !=, in, notin,
// exists (key), !exists (!key), gt/lt; field selectors =, ==, != over the fields a resource supports.
import { badRequest } from './errors.js';
import { getPath } from './json.js';
import type { KObject, ResourceDef, VersionDef } from './types.js';

type LabelOp = 'eq' | 'neq' | 'in' | 'notin' | 'exists' | '!exists' | 'gt' | 'lt';
interface LabelReq { key: string; op: LabelOp; values: string[] }
export type LabelSelector = LabelReq[];

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((p) => p.trim()).filter((p) => p !== '');
}

function checkKey(key: string, whole: string): string {
  if (!KEY.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${whole}"`);
  return key;
}

function checkValue(v: string, whole: string): string {
  if (v.length > 63 || !VALUE.test(v)) throw badRequest(`unable to parse requirement: invalid label value: "${v}" in selector "${whole}"`);
  return v;
}

function parseReq(part: string, whole: string): LabelReq {
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (set) {
    const values = set[3]!.split(',').map((v) => checkValue(v.trim(), whole));
    return { key: checkKey(set[1]!, whole), op: set[2] as 'in' | 'notin', values };
  }
  const cmp = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(part);
  if (cmp) {
    const op = ({ '=': 'eq', '==': 'eq', '!=': 'neq', '>': 'gt', '<': 'lt' } as const)[cmp[2] as '=' | '==' | '!=' | '>' | '<'];
    const value = cmp[3]!.trim();
    if ((op === 'gt' || op === 'lt') && !/^-?\d+$/.test(value)) throw badRequest(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
    return { key: checkKey(cmp[1]!, whole), op, values: [op === 'gt' || op === 'lt' ? value : checkValue(value, whole)] };
  }
  if (part.startsWith('!')) return { key: checkKey(part.slice(1).trim(), whole), op: '!exists', values: [] };
  return { key: checkKey(part, whole), op: 'exists', values: [] };
}

export function parseLabelSelector(text: string | undefined): LabelSelector {
  if (!text) return [];
  return splitTop(text).map((p) => parseReq(p, text));
}

export function matchLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return sel.every((r) => {
    const has = Object.hasOwn(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'eq': return has && v === r.values[0];
      case 'neq': return !has || v !== r.values[0];
      case 'in': return has && r.values.includes(v!);
      case 'notin': return !has || !r.values.includes(v!);
      case 'exists': return has;
      case '!exists': return !has;
      case 'gt': return has && /^-?\d+$/.test(v!) && Number(v) > Number(r.values[0]);
      case 'lt': return has && /^-?\d+$/.test(v!) && Number(v) < Number(r.values[0]);
    }
    return false;
  });
}

interface FieldReq { field: string; neq: boolean; value: string }
export type FieldSelector = FieldReq[];

/** Field selector values escape '\', ',' and '=' with a backslash. */
function splitEscaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\' && i + 1 < s.length) {
      cur += ch + s[++i];
    } else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const unescape = (s: string): string => s.replace(/\\(.)/g, '$1');

export function parseFieldSelector(text: string | undefined): FieldSelector {
  if (!text) return [];
  return splitEscaped(text, ',').filter((p) => p.trim() !== '').map((part) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(part.trim());
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    return { field: m[1]!.trim(), neq: m[2] === '!=', value: unescape(m[3]!) };
  });
}

/** The string value of a selectable field, the way the apiserver renders it (numbers/bools as text). */
export function fieldValue(def: ResourceDef, version: VersionDef, obj: KObject, field: string): string | undefined {
  if (field === 'metadata.name') return obj.metadata.name ?? '';
  if (field === 'metadata.namespace') return obj.metadata.namespace ?? '';
  const getter = def.fieldGetters?.[field];
  if (getter) return getter(obj);
  if (version.selectableFields.includes(field)) {
    const v = getPath(obj, field);
    return v === undefined || v === null ? '' : String(v);
  }
  return undefined;
}

/** Rejects fields the resource does not support, as the apiserver does (400). */
export function checkFieldSelector(def: ResourceDef, version: VersionDef, sel: FieldSelector): void {
  for (const r of sel) {
    const ok = r.field === 'metadata.name' || r.field === 'metadata.namespace' || def.fieldGetters?.[r.field] !== undefined || version.selectableFields.includes(r.field);
    if (!ok) throw badRequest(`field label not supported: ${r.field}`);
  }
}

export function matchFields(def: ResourceDef, version: VersionDef, sel: FieldSelector, obj: KObject): boolean {
  return sel.every((r) => {
    const v = fieldValue(def, version, obj, r.field) ?? '';
    return r.neq ? v !== r.value : v === r.value;
  });
}
