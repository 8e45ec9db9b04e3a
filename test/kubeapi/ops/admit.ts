// The checks an object passes before it is stored: metadata rules (names, labels), for custom
// resources pruning + defaulting + OpenAPI schema + CEL rules, then the test's admission hooks.
import { RuleChecker } from '../cel/rules.js';
import { crdCauses } from '../controllers/crd-validate.js';
import { ApiError, badRequest, invalid, type StatusCause } from '../errors.js';
import { applyDefaults, prune } from '../schema/structural.js';
import { listCauses } from '../schema/lists.js';
import { validateSchema } from '../schema/validate.js';
import type { JsonObject, KObject, NameRule } from '../types.js';
import type { Ctx, Operation, Target, WriteOptions, Caller } from './context.js';

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_KEY_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function nameCauses(name: string, rule: NameRule, field: string): StatusCause[] {
  const bad = (msg: string): StatusCause[] => [{ reason: 'FieldValueInvalid', message: `Invalid value: "${name}": ${msg}`, field }];
  if (rule === 'segment') {
    if (name === '.' || name === '..') return bad(`may not be '${name}'`);
    if (/[/%]/.test(name)) return bad(`may not contain '/' or '%'`);
    return [];
  }
  if (rule === 'label') {
    if (name.length > 63) return bad('must be no more than 63 characters');
    return LABEL.test(name) ? [] : bad("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
  }
  if (name.length > 253) return bad('must be no more than 253 characters');
  return SUBDOMAIN.test(name) ? [] : bad("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
}

function labelCauses(labels: unknown): StatusCause[] {
  if (labels === undefined) return [];
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return [{ reason: 'FieldValueInvalid', message: 'Invalid value: must be a map of strings', field: 'metadata.labels' }];
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels)) {
    const slash = k.lastIndexOf('/');
    const prefix = slash >= 0 ? k.slice(0, slash) : '';
    const name = slash >= 0 ? k.slice(slash + 1) : k;
    if ((prefix && (!SUBDOMAIN.test(prefix) || prefix.length > 253)) || name.length > 63 || !LABEL_KEY_NAME.test(name)) {
      out.push({ reason: 'FieldValueInvalid', message: `Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`, field: 'metadata.labels' });
    }
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) {
      out.push({ reason: 'FieldValueInvalid', message: `Invalid value: "${String(v)}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`, field: `metadata.labels` });
    }
  }
  return out;
}

export interface Checked {
  warnings: string[];
}

/** Validates (and for CRs prunes/defaults in place) an object about to be written. */
export function checkObject(ctx: Ctx, t: Target, obj: KObject, old: KObject | undefined, o: WriteOptions): Checked {
  const name = obj.metadata.name ?? '';
  const causes: StatusCause[] = [...nameCauses(name, t.def.nameRule, 'metadata.name'), ...labelCauses(obj.metadata.labels)];
  const warnings: string[] = [];
  if (t.def.group === 'apiextensions.k8s.io' && t.def.plural === 'customresourcedefinitions') causes.push(...crdCauses(obj));
  const schema = t.def.custom ? t.version.schema : undefined;
  if (schema) {
    const pruned = prune(obj as unknown as JsonObject, schema);
    if (pruned.length && o.fieldValidation === 'Strict') {
      throw badRequest(`strict decoding error: ${pruned.map((p) => `unknown field "${p}"`).join(', ')}`);
    }
    if (o.fieldValidation !== 'Ignore') for (const p of pruned) warnings.push(`unknown field "${p}"`);
    applyDefaults(obj, schema);
    causes.push(...validateSchema(schema, obj), ...listCauses(schema, obj));
    // like apiextensions-apiserver: CEL runs unless a type error makes `self` untrustworthy
    if (causes.some((c) => c.reason === 'FieldValueTypeInvalid')) {
      causes.push({ reason: 'FieldValueInvalid', message: 'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation', field: '<nil>' });
    } else {
      const rules = new RuleChecker();
      rules.check(schema, obj, old, '');
      causes.push(...rules.causes);
      ctx.unevaluated.push(...rules.unevaluated);
    }
  }
  if (causes.length) throw invalid(t.def, name, causes);
  return { warnings };
}

/** New finalizers are refused on an object that is being deleted, as the apiserver does. */
export function checkFinalizers(t: Target, old: KObject, next: KObject): void {
  if (!old.metadata.deletionTimestamp) return;
  const added = (next.metadata.finalizers ?? []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
  if (added.length) {
    throw invalid(t.def, old.metadata.name ?? '', [{
      reason: 'FieldValueForbidden',
      message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => `"${f}"`).join(', ')}}`,
      field: 'metadata.finalizers',
    }]);
  }
}

export async function admit(ctx: Ctx, args: { t: Target; caller: Caller; op: Operation; verb: string; obj?: KObject; old?: KObject; dryRun: boolean }): Promise<void> {
  const { t, caller } = args;
  const name = args.obj?.metadata.name ?? args.old?.metadata.name ?? '';
  for (const hook of ctx.admission) {
    const denial = await hook({
      user: caller.user, groups: caller.groups, operation: args.op, verb: args.verb, group: t.def.group, version: t.version.name, resource: t.def.plural,
      ...(t.subresource ? { subresource: t.subresource } : {}), ...(t.namespace !== undefined ? { namespace: t.namespace } : {}), name,
      ...(args.obj ? { object: structuredClone(args.obj) } : {}), ...(args.old ? { oldObject: structuredClone(args.old) } : {}), dryRun: args.dryRun,
    });
    if (denial && denial.allowed === false) {
      const code = denial.code ?? 403;
      const qualified = t.def.group ? `${t.def.plural}.${t.def.group}` : t.def.plural;
      const word = code === 422 ? 'invalid' : 'forbidden';
      throw new ApiError(code, denial.reason ?? (code === 422 ? 'Invalid' : 'Forbidden'), `${qualified} "${name}" is ${word}: ${denial.message}`, { name, group: t.def.group, kind: t.def.plural });
    }
  }
}
