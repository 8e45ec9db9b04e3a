// Object keys: "Network/<name>" (cluster-scoped) and "<Kind>/<namespace>/<name>".
import type { Attachment, Kind } from '../../api/v1alpha1/types.js';

export { keyOf } from '../../api/v1alpha1/defaults-values.js';

export function makeKey(kind: Kind, name: string, namespace?: string): string {
  return kind === 'Network' ? `Network/${name}` : `${kind}/${namespace ?? 'default'}/${name}`;
}

export function parseKey(key: string): { kind: Kind; namespace?: string; name: string } {
  const parts = key.split('/');
  const kind = parts[0] as Kind;
  return parts.length === 2 ? { kind, name: parts[1]! } : { kind, namespace: parts[1]!, name: parts[2]! };
}

export function sandboxKeyOf(a: Attachment): string {
  return makeKey('Sandbox', a.spec.sandbox, a.metadata.namespace);
}

export function networkKeyOf(a: Attachment): string {
  return makeKey('Network', a.spec.network);
}

/** "namespace/name" of a namespaced key, or the name of a Network: how objects are named to people. */
export function displayName(key: string): string {
  const p = parseKey(key);
  return p.namespace ? `${p.namespace}/${p.name}` : p.name;
}
