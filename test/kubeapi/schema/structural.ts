// Pruning and defaulting of custom resources against their structural schema, in the order the
// apiserver applies them: drop nulls of non-nullable fields, prune unknown fields (unless
// x-kubernetes-preserve-unknown-fields), then fill `default` values.
import { clone } from '../json.js';
import { isJsonObject, type JsonObject } from '../types.js';

const META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
  'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
]);

const childPath = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/** Removes fields the schema does not declare; returns the paths removed (e.g. "spec.foo"). */
export function prune(obj: JsonObject, schema: JsonObject): string[] {
  const pruned: string[] = [];
  pruneObject(obj, schema, '', true, pruned);
  return pruned;
}

function pruneMeta(meta: unknown, path: string, pruned: string[]): void {
  if (!isJsonObject(meta)) return;
  for (const k of Object.keys(meta)) {
    if (!META_FIELDS.has(k)) {
      delete meta[k];
      pruned.push(childPath(path, k));
    }
  }
}

function pruneObject(value: JsonObject, schema: JsonObject, path: string, embedded: boolean, pruned: string[]): void {
  const props = isJsonObject(schema['properties']) ? schema['properties'] : undefined;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const key of Object.keys(value)) {
    if (embedded && (key === 'apiVersion' || key === 'kind')) continue;
    if (embedded && key === 'metadata') {
      pruneMeta(value[key], childPath(path, key), pruned);
      continue;
    }
    const sub = props && isJsonObject(props[key]) ? props[key] : isJsonObject(schema['additionalProperties']) ? schema['additionalProperties'] : undefined;
    if (!sub) {
      if (!preserve && schema['additionalProperties'] !== true) {
        delete value[key];
        pruned.push(childPath(path, key));
      }
      continue;
    }
    if (value[key] === null && sub['nullable'] !== true) {
      // nulls of non-nullable fields are dropped before defaulting, like the apiserver does
      delete value[key];
      continue;
    }
    pruneValue(value[key], sub, childPath(path, key), pruned);
  }
}

function pruneValue(v: unknown, schema: JsonObject, path: string, pruned: string[]): void {
  if (isJsonObject(v)) pruneObject(v, schema, path, schema['x-kubernetes-embedded-resource'] === true, pruned);
  else if (Array.isArray(v) && isJsonObject(schema['items'])) v.forEach((x, i) => pruneValue(x, schema['items'] as JsonObject, `${path}[${i}]`, pruned));
}

/** Fills in `default` values for absent fields, recursively. */
export function applyDefaults(v: unknown, schema: JsonObject): void {
  if (isJsonObject(v)) {
    const props = isJsonObject(schema['properties']) ? schema['properties'] : {};
    for (const [k, s] of Object.entries(props)) {
      if (!isJsonObject(s)) continue;
      if (v[k] === undefined && s['default'] !== undefined) v[k] = clone(s['default']);
      if (v[k] !== undefined) applyDefaults(v[k], s);
    }
    const addl = schema['additionalProperties'];
    if (isJsonObject(addl)) for (const [k, x] of Object.entries(v)) if (!(k in props)) applyDefaults(x, addl);
  } else if (Array.isArray(v) && isJsonObject(schema['items'])) {
    for (const x of v) applyDefaults(x, schema['items']);
  }
}
