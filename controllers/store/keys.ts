// Object keys: "Network/<name>" (cluster-scoped) and "<Kind>/<namespace>/<name>".
import type { Attachment, Kind } from '../../api/v1alpha1/types.js';
import { matches } from '../../api/v1alpha1/patterns.js';
import { LIMITS } from '../../api/v1alpha1/limits.js';

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

const label = (s: string | undefined): boolean => s !== undefined && s.length <= LIMITS.nameMax && matches('dnsLabel', s);

/** A key as the API can produce it; keys read back from the state dir (ledger, status) are checked with this. */
export function isValidKey(key: string): boolean {
  if (typeof key !== 'string') return false;
  const p = key.split('/');
  if (p[0] === 'Network') return p.length === 2 && label(p[1]);
  if (p[0] === 'Sandbox' || p[0] === 'Attachment') return p.length === 3 && label(p[1]) && label(p[2]);
  return false;
}
