// JSON merge patch (RFC 7386): objects merge recursively, null deletes, everything else replaces.
import { clone } from '../json.js';
import { isJsonObject } from '../types.js';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isJsonObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
