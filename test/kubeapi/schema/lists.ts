// Uniqueness of x-kubernetes-list-type set (items) and map (keys), which the apiserver enforces
// with "Duplicate value" causes; JSON Schema alone cannot express map-key uniqueness.
import type { StatusCause } from '../errors.js';
import { deepEqual } from '../json.js';
import { isJsonObject, type JsonObject } from '../types.js';

export function listCauses(schema: JsonObject, value: unknown, path = ''): StatusCause[] {
  const out: StatusCause[] = [];
  if (Array.isArray(value)) {
    const type = schema['x-kubernetes-list-type'];
    const keys = Array.isArray(schema['x-kubernetes-list-map-keys']) ? (schema['x-kubernetes-list-map-keys'] as string[]) : [];
    value.forEach((item, i) => {
      const earlier = value.slice(0, i);
      if (type === 'set' && earlier.some((x) => deepEqual(x, item))) {
        out.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(item)}`, field: `${path}[${i}]` });
      }
      if (type === 'map' && keys.length && isJsonObject(item) && earlier.some((x) => isJsonObject(x) && keys.every((k) => deepEqual(x[k], item[k])))) {
        const key = Object.fromEntries(keys.map((k) => [k, item[k]]));
        out.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(key)}`, field: `${path}[${i}]` });
      }
      if (isJsonObject(schema['items'])) out.push(...listCauses(schema['items'], item, `${path}[${i}]`));
    });
  } else if (isJsonObject(value)) {
    const props = isJsonObject(schema['properties']) ? schema['properties'] : {};
    for (const [k, v] of Object.entries(value)) {
      const sub = isJsonObject(props[k]) ? props[k] : isJsonObject(schema['additionalProperties']) ? schema['additionalProperties'] : undefined;
      if (sub) out.push(...listCauses(sub, v, isJsonObject(props[k]) ? (path ? `${path}.${k}` : k) : `${path}[${k}]`));
    }
  }
  return out;
}
