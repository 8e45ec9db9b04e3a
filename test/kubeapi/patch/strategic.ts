// Strategic merge patch for the built-in kinds: like a merge patch, except that lists with a merge
// key merge item by item, primitive lists marked "merge" (metadata.finalizers) union, and the
// directives $patch (replace/delete), $retainKeys, $deleteFromPrimitiveList/ and $setElementOrder/
// are honoured. Keys come from the resource definition (Kubernetes reads them from Go struct tags).
import { clone, deepEqual } from '../json.js';
import { isJsonObject } from '../types.js';

const PRIMITIVE_MERGE = new Set(['metadata.finalizers']);

export function strategicMergePatch(target: unknown, patch: unknown, mergeKeys: Record<string, string>, path = ''): unknown {
  if (!isJsonObject(patch)) return clone(patch);
  if (patch['$patch'] === 'replace') {
    const { $patch: _drop, ...rest } = patch;
    return stripDirectives(rest);
  }
  const out: Record<string, unknown> = isJsonObject(target) ? clone(target) : {};
  const retain = Array.isArray(patch['$retainKeys']) ? (patch['$retainKeys'] as string[]) : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$retainKeys' || k === '$patch' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field]) && Array.isArray(v)) out[field] = (out[field] as unknown[]).filter((x) => !v.some((d) => deepEqual(d, x)));
      continue;
    }
    const p = path ? `${path}.${k}` : k;
    if (v === null || (isJsonObject(v) && v['$patch'] === 'delete')) delete out[k];
    else if (Array.isArray(v)) out[k] = mergeList(out[k], v, p, mergeKeys);
    else out[k] = strategicMergePatch(out[k], v, mergeKeys, p);
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

function mergeList(live: unknown, patch: unknown[], path: string, mergeKeys: Record<string, string>): unknown[] {
  const key = mergeKeys[path];
  const current = Array.isArray(live) ? clone(live) : [];
  if (PRIMITIVE_MERGE.has(path)) return [...current, ...patch.filter((x) => !current.some((c) => deepEqual(c, x)))];
  if (!key) {
    const replace = patch.find((x) => isJsonObject(x) && x['$patch'] === 'replace');
    return replace ? patch.filter((x) => x !== replace).map(stripDirectives) : patch.map(stripDirectives);
  }
  if (patch.some((x) => isJsonObject(x) && x['$patch'] === 'replace')) return patch.filter((x) => !(isJsonObject(x) && x['$patch'] === 'replace')).map(stripDirectives);
  for (const item of patch) {
    if (!isJsonObject(item)) continue;
    const i = current.findIndex((c) => isJsonObject(c) && c[key] === item[key]);
    if (item['$patch'] === 'delete') {
      if (i >= 0) current.splice(i, 1);
    } else if (i >= 0) current[i] = strategicMergePatch(current[i], item, mergeKeys, path);
    else current.push(stripDirectives(item));
  }
  return current;
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isJsonObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}
