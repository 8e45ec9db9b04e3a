// Applies x-kubernetes-validations of a structural schema to an object (and its old version on
// update), the way apiextensions-apiserver does: each rule sees `self` at its schema node, transition
// rules (those using oldSelf) run only when an old value correlates (object fields, map values,
// items of listType=map lists by key). Rules this evaluator cannot run are accepted and recorded.
import type { StatusCause } from '../errors.js';
import { isJsonObject, type JsonObject } from '../types.js';
import { evaluate } from './eval.js';
import { mentions, parseCel, type Node } from './parser.js';
import { CelUnsupported } from './values.js';

export interface Unevaluated {
  rule: string;
  path: string;
  why: string;
}

interface Rule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
  optionalOldSelf?: boolean;
}

const parsed = new Map<string, Node | Error>();

function compile(src: string): Node {
  let n = parsed.get(src);
  if (!n) {
    try {
      n = parseCel(src);
    } catch (e) {
      n = e instanceof Error ? e : new Error(String(e));
    }
    parsed.set(src, n);
  }
  if (n instanceof Error) throw new CelUnsupported(`cannot parse: ${n.message}`);
  return n;
}

const CAUSE_PREFIX: Record<string, string> = {
  FieldValueInvalid: '',
  FieldValueForbidden: 'Forbidden: ',
  FieldValueRequired: 'Required value: ',
  FieldValueDuplicate: 'Duplicate value: ',
};

function joinPath(base: string, rel: string | undefined): string {
  if (!rel) return base;
  const r = rel.startsWith('.') ? rel.slice(1) : rel;
  return r.startsWith('[') || !base ? `${base}${r}` : `${base}.${r}`;
}

export class RuleChecker {
  readonly causes: StatusCause[] = [];
  readonly unevaluated: Unevaluated[] = [];

  check(schema: JsonObject, value: unknown, old: unknown, path: string): void {
    if (value === undefined || value === null) return;
    const rules = schema['x-kubernetes-validations'];
    if (Array.isArray(rules)) for (const r of rules) if (isJsonObject(r)) this.runRule(r as unknown as Rule, schema, value, old, path);
    this.descend(schema, value, old, path);
  }

  private descend(schema: JsonObject, value: unknown, old: unknown, path: string): void {
    const props = schema['properties'];
    if (isJsonObject(props) && isJsonObject(value)) {
      for (const [k, s] of Object.entries(props)) {
        if (isJsonObject(s)) this.check(s, value[k], isJsonObject(old) ? old[k] : undefined, path ? `${path}.${k}` : k);
      }
    }
    const addl = schema['additionalProperties'];
    if (isJsonObject(addl) && isJsonObject(value)) {
      for (const [k, v] of Object.entries(value)) this.check(addl, v, isJsonObject(old) ? old[k] : undefined, `${path}[${k}]`);
    }
    const items = schema['items'];
    if (isJsonObject(items) && Array.isArray(value)) {
      const keys = schema['x-kubernetes-list-type'] === 'map' && Array.isArray(schema['x-kubernetes-list-map-keys']) ? (schema['x-kubernetes-list-map-keys'] as string[]) : undefined;
      value.forEach((item, i) => {
        const prior = keys && Array.isArray(old) ? old.find((o) => isJsonObject(o) && isJsonObject(item) && keys.every((k) => o[k] === item[k])) : undefined;
        this.check(items, item, prior, `${path}[${i}]`);
      });
    }
  }

  private runRule(r: Rule, schema: JsonObject, value: unknown, old: unknown, path: string): void {
    const where = path || '<root>';
    let node: Node;
    try {
      node = compile(r.rule);
    } catch (e) {
      this.unevaluated.push({ rule: r.rule, path: where, why: (e as Error).message });
      return;
    }
    const transition = mentions(node, 'oldSelf');
    if (transition && old === undefined && !r.optionalOldSelf) return;
    const env = { self: value, ...(transition ? { oldSelf: old } : {}) };
    let ok: unknown;
    let runtimeError: string | undefined;
    try {
      ok = evaluate(node, env);
    } catch (e) {
      if (e instanceof CelUnsupported) {
        this.unevaluated.push({ rule: r.rule, path: where, why: e.message });
        return;
      }
      runtimeError = `${(e as Error).message} evaluating rule: ${r.rule}`;
    }
    if (runtimeError === undefined && ok === true) return;
    if (runtimeError === undefined && typeof ok !== 'boolean') runtimeError = `rule did not evaluate to a bool: ${r.rule}`;
    const reason = r.reason ?? 'FieldValueInvalid';
    const field = joinPath(path, r.fieldPath);
    const text = runtimeError ?? this.message(r, env);
    const type = typeof schema['type'] === 'string' ? schema['type'] : 'object';
    const message = reason === 'FieldValueInvalid' ? `Invalid value: "${type}": ${text}` : `${CAUSE_PREFIX[reason] ?? ''}${text}`;
    this.causes.push({ reason, message, field });
  }

  private message(r: Rule, env: Record<string, unknown>): string {
    if (r.messageExpression) {
      try {
        const m = evaluate(compile(r.messageExpression), env);
        if (typeof m === 'string' && m.trim() !== '') return m;
      } catch {
        // the apiserver falls back to message when messageExpression fails
      }
    }
    return r.message ?? `failed rule: ${r.rule}`;
  }
}
