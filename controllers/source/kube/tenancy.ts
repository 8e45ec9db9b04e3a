// Tenant isolation in kube mode: an Attachment in namespace X may join a Network only if the
// Network allows X. The rule lives behind this one function so the shared pure check
// (api/v1alpha1/tenancy.ts, written elsewhere) can replace it without touching the source.
export type Admission = { allowed: true } | { allowed: false; message: string };

/**
 * spec.allowedNamespaces unset: every namespace may join (the default, for single-tenant
 * clusters and file-mode parity). A list, even an empty one, admits exactly its namespaces.
 */
export function admitAttachment(network: { metadata: { name: string }; spec?: unknown }, namespace: string): Admission {
  const allowed = (network.spec as { allowedNamespaces?: unknown } | undefined)?.allowedNamespaces;
  if (allowed === undefined || allowed === null) return { allowed: true };
  if (Array.isArray(allowed) && allowed.includes(namespace)) return { allowed: true };
  const list = Array.isArray(allowed) && allowed.length ? allowed.map(String).join(', ') : 'no namespace';
  return {
    allowed: false,
    message: `network ${network.metadata.name} admits attachments from ${list}, not from namespace ${namespace}; add ${namespace} to its spec.allowedNamespaces or use another network`,
  };
}
