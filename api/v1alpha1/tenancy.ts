// Which namespaces' Attachments may join a Network: spec.allowedNamespaces, decided by one pure
// function that file mode and kube mode both call — the cross-object check (so the loser is
// reported with the reason) and the attachment reconciler (so an attachment whose namespace lost
// access is taken off the network, whatever the store says).
//
// Semantics:
// - unset: the agent's policy decides; the default is "every namespace" (policy whenUnset 'allow'),
//   so single-tenant nodes and file mode need no list. A multi-tenant cluster sets 'deny' and then
//   every Network must list who may join.
// - []: nobody may join (a closed network).
// - [a, b]: exactly the namespaces named; names compare as exact strings (DNS labels, no patterns).
// In file mode a namespace is just the string in metadata.namespace (default "default"): whoever
// can write the manifest directory can write any namespace, so the list is a guard rail against
// mistakes there, not a boundary between people. In kube mode it is a boundary: RBAC decides who
// can create Attachments in which namespace, and this check decides which Networks they reach.
import { LIMITS as L } from './limits.js';
import { matches } from './patterns.js';

export type UnsetPolicy = 'allow' | 'deny';

export interface TenancyPolicy {
  /** What a Network without spec.allowedNamespaces admits: 'allow' every namespace (default) or 'deny' all. */
  whenUnset?: UnsetPolicy;
}

export const DEFAULT_TENANCY: Required<TenancyPolicy> = { whenUnset: 'allow' };

export type JoinDecision = { allowed: true } | { allowed: false; reason: 'NamespaceNotAllowed'; message: string };

export interface JoinRequest {
  /** Network name (for the message). */
  network: string;
  /** The Network's spec.allowedNamespaces (undefined when unset). */
  allowedNamespaces: readonly string[] | undefined;
  /** metadata.namespace of the Attachment (file mode defaults it to "default"). */
  namespace: string;
}

const ALLOWED: JoinDecision = { allowed: true };

/** Whether an Attachment in `namespace` may join the network; total (never throws) on any input. */
export function mayJoin(req: JoinRequest, policy: TenancyPolicy = DEFAULT_TENANCY): JoinDecision {
  const { network, allowedNamespaces: list, namespace } = req;
  const deny = (message: string): JoinDecision => ({ allowed: false, reason: 'NamespaceNotAllowed', message });
  // A namespace that is not a DNS label can never be listed; refuse it rather than compare it.
  if (typeof namespace !== 'string' || namespace.length > L.nameMax || !matches('dnsLabel', namespace)) {
    return deny(`namespace ${JSON.stringify(String(namespace))} is not a valid namespace name`);
  }
  if (list === undefined) {
    if ((policy.whenUnset ?? DEFAULT_TENANCY.whenUnset) === 'allow') return ALLOWED;
    return deny(`namespace ${namespace} may not join Network ${network}: it sets no allowedNamespaces and this agent admits only listed namespaces`);
  }
  if (!Array.isArray(list)) return deny(`Network ${network} has an unreadable allowedNamespaces`);
  if (list.length === 0) return deny(`namespace ${namespace} may not join Network ${network} (allowedNamespaces is empty: the network is closed)`);
  if (list.includes(namespace)) return ALLOWED;
  return deny(`namespace ${namespace} may not join Network ${network} (allowedNamespaces: ${list.join(', ')})`);
}
