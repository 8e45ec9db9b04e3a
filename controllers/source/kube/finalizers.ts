// Per-node finalizers: an agent puts `node.nodenet.io/<node>` on an object before it realizes it
// on its node and takes it off once the engine has torn the object down there, so deleting an
// object waits for every node that built something for it.
import { createHash } from 'node:crypto';
import type { Kind } from '../../../api/v1alpha1/types.js';
import { apiCode, type KubeApi } from './api.js';
import type { KubeObject } from './resources.js';

export const FINALIZER_PREFIX = 'node.nodenet.io/';

/** The name part of a qualified name: at most 63 characters, alphanumeric at both ends. */
const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/**
 * The finalizer of a node. Node names (DNS subdomains, up to 253 characters) longer than a
 * qualified name's 63 become their first 54 characters, "-" and 8 hex digits of their SHA-256,
 * which the admission policy can still match by prefix.
 */
export function finalizerFor(node: string): string {
  if (NAME_PART.test(node)) return FINALIZER_PREFIX + node;
  const hash = createHash('sha256').update(node).digest('hex').slice(0, 8);
  return `${FINALIZER_PREFIX}${node.slice(0, 54)}-${hash}`;
}

export function isNodeFinalizer(f: string): boolean {
  return f.startsWith(FINALIZER_PREFIX);
}

export function hasFinalizer(o: KubeObject, f: string): boolean {
  return (o.metadata.finalizers ?? []).includes(f);
}

export type FinalizerOutcome = 'changed' | 'unchanged' | 'gone' | 'refused';

/**
 * Changes an object's finalizers with a merge patch that carries the resourceVersion it was
 * computed from: a concurrent writer makes it fail with 409, and it is recomputed from a fresh read.
 */
export async function updateFinalizers(opts: {
  api: KubeApi;
  kind: Kind;
  obj: KubeObject;
  change: (finalizers: readonly string[], obj: KubeObject) => string[];
  attempts?: number;
}): Promise<FinalizerOutcome> {
  const { api, kind } = opts;
  const ref = { name: opts.obj.metadata.name, ...(opts.obj.metadata.namespace ? { namespace: opts.obj.metadata.namespace } : {}) };
  let obj: KubeObject | undefined = opts.obj;
  for (let attempt = 0; attempt < (opts.attempts ?? 10); attempt++) {
    if (!obj) return 'gone';
    const before = obj.metadata.finalizers ?? [];
    const after = opts.change(before, obj);
    if (after.length === before.length && after.every((f, i) => f === before[i])) return 'unchanged';
    try {
      await api.mergePatch(kind, ref, { metadata: { resourceVersion: obj.metadata.resourceVersion, finalizers: after } });
      return 'changed';
    } catch (err) {
      const code = apiCode(err);
      if (code === 404) return 'gone';
      // 422/403: e.g. no new finalizers on an object being deleted, or an admission policy said no.
      if (code === 422 || code === 403) return 'refused';
      if (code !== 409) throw err;
    }
    obj = await api.get(kind, ref.name, ref.namespace);
  }
  throw new Error(`update finalizers of ${kind} ${ref.name}: still conflicting after ${opts.attempts ?? 10} attempts`);
}
