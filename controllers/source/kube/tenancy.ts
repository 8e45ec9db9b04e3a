// Tenant isolation in kube mode: an Attachment in namespace X may join a Network only if the
// Network allows X. The decision is api/v1alpha1/tenancy.ts's mayJoin, the same one file mode's
// cross-object check and the attachment reconciler use; this adapter feeds it a raw Network from
// the API (not yet validated), so the source can keep a refused Attachment out of the engine.
import { DEFAULT_TENANCY, mayJoin, type TenancyPolicy } from '../../../api/v1alpha1/tenancy.js';

export type Admission = { allowed: true } | { allowed: false; reason: string; message: string };

export function admitAttachment(network: { metadata: { name: string }; spec?: unknown }, namespace: string, policy: TenancyPolicy = DEFAULT_TENANCY): Admission {
  const list = (network.spec as { allowedNamespaces?: unknown } | undefined)?.allowedNamespaces;
  const allowedNamespaces = list === undefined || list === null ? undefined : (list as readonly string[]);
  return mayJoin({ network: network.metadata.name, allowedNamespaces, namespace }, policy);
}
