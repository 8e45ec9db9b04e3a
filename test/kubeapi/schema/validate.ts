// OpenAPI v3 validation of custom resources with ajv, reporting errors as the apiserver's field
// causes (field path, reason, message in the apiserver's wording).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { StatusCause } from '../errors.js';
import { isJsonObject, type JsonObject } from '../types.js';

const KUBE_KEYWORDS = [
  'x-kubernetes-validations', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string', 'x-kubernetes-map-type',
];

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const FORMATS: Record<string, (s: string) => boolean> = {
  'date-time': (s) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)),
  datetime: (s) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)),
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s),
  uuid: (s) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s),
  byte: (s) => /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0,
  hostname: (s) => s.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i.test(s),
  ipv4: (s) => /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(s),
};
// Formats Kubernetes accepts without checking (or that only restrict numbers).
const OPEN_FORMATS = ['int32', 'int64', 'float', 'double', 'password', 'binary', 'ipv6', 'cidr', 'mac', 'uri', 'email', 'duration', 'quantity', 'uuid3', 'uuid4', 'uuid5', 'isbn', 'hexcolor', 'rgbcolor', 'bsonobjectid'];

let ajv: Ajv | undefined;
const compiled = new WeakMap<JsonObject, ValidateFunction>();

function kubeAjv(): Ajv {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, strict: false, verbose: true, validateFormats: true });
    ajv.addVocabulary(KUBE_KEYWORDS);
    for (const [name, fn] of Object.entries(FORMATS)) ajv.addFormat(name, { type: 'string', validate: fn });
    for (const name of OPEN_FORMATS) ajv.addFormat(name, true);
  }
  return ajv;
}

/** OpenAPI dialect to JSON Schema: int-or-string becomes anyOf; everything else ajv reads directly. */
function toJsonSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(toJsonSchema);
  if (!isJsonObject(s)) return s;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'default' || k === 'example' || k === 'enum') out[k] = v;
    else out[k] = toJsonSchema(v) as JsonObject;
  }
  if (out['x-kubernetes-int-or-string'] === true && out['type'] === undefined) out['anyOf'] = [{ type: 'integer' }, { type: 'string' }];
  if (out['nullable'] === true && typeof out['type'] === 'string') out['type'] = [out['type'], 'null'];
  delete out['nullable'];
  return out;
}

/** JSON pointer from ajv to a Kubernetes field path: /spec/ports/0/x -> spec.ports[0].x */
export function fieldPath(pointer: string, data: unknown): string {
  let out = '';
  let cur: unknown = data;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) out += `[${seg}]`;
    else if (isJsonObject(cur) && !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg) && out) out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
    cur = isJsonObject(cur) ? cur[seg] : Array.isArray(cur) ? cur[Number(seg)] : undefined;
  }
  return out;
}

const show = (v: unknown): string => JSON.stringify(v);

function toCause(e: ErrorObject, data: unknown): StatusCause | undefined {
  const path = fieldPath(e.instancePath, data);
  const p = e.params as Record<string, unknown>;
  const join = (f: string): string => (path ? `${path}.${f}` : f);
  switch (e.keyword) {
    case 'required': return { reason: 'FieldValueRequired', message: 'Required value', field: join(String(p['missingProperty'])) };
    case 'enum': {
      const allowed = (p['allowedValues'] as unknown[]).map(show).join(', ');
      return { reason: 'FieldValueNotSupported', message: `Unsupported value: ${show(e.data)}: supported values: ${allowed}`, field: path };
    }
    case 'type': return { reason: 'FieldValueTypeInvalid', message: `Invalid value: "${typeof e.data === 'object' ? (Array.isArray(e.data) ? 'array' : e.data === null ? 'null' : 'object') : typeof e.data}": ${path} in body must be of type ${String(p['type'])}: ${show(typeof e.data === 'object' ? (Array.isArray(e.data) ? 'array' : 'object') : e.data)}`, field: path };
    case 'maxLength': return { reason: 'FieldValueTooLong', message: `Too long: may not be more than ${String(p['limit'])} bytes`, field: path };
    case 'maxItems': return { reason: 'FieldValueTooMany', message: `Too many: ${(e.data as unknown[]).length}: must have at most ${String(p['limit'])} items`, field: path };
    case 'maxProperties': return { reason: 'FieldValueTooMany', message: `Too many: ${Object.keys(e.data as object).length}: must have at most ${String(p['limit'])} items`, field: path };
    case 'minLength': return { reason: 'FieldValueInvalid', message: `Invalid value: ${show(e.data)}: ${path} in body should be at least ${String(p['limit'])} chars long`, field: path };
    case 'minItems': return { reason: 'FieldValueInvalid', message: `Invalid value: ${(e.data as unknown[]).length}: ${path} in body should have at least ${String(p['limit'])} items`, field: path };
    case 'pattern': return { reason: 'FieldValueInvalid', message: `Invalid value: ${show(e.data)}: ${path} in body should match '${String(p['pattern'])}'`, field: path };
    case 'maximum': return { reason: 'FieldValueInvalid', message: `Invalid value: ${show(e.data)}: ${path} in body should be less than or equal to ${String(p['limit'])}`, field: path };
    case 'minimum': return { reason: 'FieldValueInvalid', message: `Invalid value: ${show(e.data)}: ${path} in body should be greater than or equal to ${String(p['limit'])}`, field: path };
    case 'format': return { reason: 'FieldValueInvalid', message: `Invalid value: ${show(e.data)}: ${path} in body must be of type ${String(p['format'])}: ${show(e.data)}`, field: path };
    case 'anyOf': case 'oneOf': case 'if': return undefined; // the branch errors say more
    default: return { reason: 'FieldValueInvalid', message: `Invalid value: ${show(e.data)}: ${path} in body ${e.message ?? 'is invalid'}`, field: path };
  }
}

export function validateSchema(schema: JsonObject, obj: unknown): StatusCause[] {
  let v = compiled.get(schema);
  if (!v) {
    v = kubeAjv().compile(toJsonSchema(schema) as JsonObject);
    compiled.set(schema, v);
  }
  if (v(obj)) return [];
  const seen = new Set<string>();
  const out: StatusCause[] = [];
  for (const e of v.errors ?? []) {
    const c = toCause(e, obj);
    const key = c && `${c.field}|${c.message}`;
    if (c && key && !seen.has(key)) {
      seen.add(key);
      out.push(c);
    }
  }
  return out;
}
