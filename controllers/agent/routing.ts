// Which keys to reconcile when the desired store changes: the object itself and exactly the
// objects whose kernel state or files depend on it.
import type { Attachment } from '../../api/v1alpha1/types.js';
import type { Change, DesiredStore } from '../store/desired.js';
import { isValidKey, makeKey, sandboxKeyOf } from '../store/keys.js';

export function keysFor(change: Change, store: DesiredStore): string[] {
  const obj = change.new?.object ?? change.old?.object;
  if (!obj) return [change.key];
  const out = new Set<string>([change.key]);
  if (obj.kind === 'Network') {
    for (const a of store.attachmentsOfNetwork(obj.metadata.name)) out.add(a);
  } else if (obj.kind === 'Sandbox') {
    for (const a of store.attachmentsOfSandbox(change.key)) out.add(a);
  } else {
    for (const a of [change.old?.object, change.new?.object] as (Attachment | undefined)[]) {
      if (!a) continue;
      const sb = sandboxKeyOf(a);
      out.add(sb);
      // Siblings: the sandbox's default route may move to or from another attachment.
      for (const s of store.attachmentsOfSandbox(sb)) out.add(s);
      // Aliases appear in the hosts files of every sandbox on the network.
      if (a.spec.aliases?.length) {
        for (const peer of store.attachmentsOfNetwork(a.spec.network)) {
          const p = store.get(peer)?.object as Attachment | undefined;
          if (p) out.add(sandboxKeyOf(p));
        }
      }
    }
  }
  return [...out];
}

/** Keys that depend on an object becoming ready or unready. */
export function dependentsOf(key: string, store: DesiredStore): string[] {
  if (key.startsWith('Network/')) return store.attachmentsOfNetwork(key.slice('Network/'.length));
  if (key.startsWith('Sandbox/')) return store.attachmentsOfSandbox(key);
  return [];
}

/** Keys the ledger holds records for; a key the API could not produce (a damaged state file) is skipped. */
export function ledgerKeys(ledger: { keys(section: 'networks' | 'sandboxes' | 'attachments'): string[] }): string[] {
  const keys = [...ledger.keys('networks').map((n) => makeKey('Network', n)), ...ledger.keys('sandboxes'), ...ledger.keys('attachments')];
  return keys.filter((k) => isValidKey(k));
}

const KIND_RANK: Record<string, number> = { Network: 0, Sandbox: 1, Attachment: 2 };

/**
 * Keys in the order their work depends on each other: declared objects first, networks before
 * sandboxes before attachments (an attachment reconciled before its sandbox would only report
 * "not ready" and run again); then removed objects, attachments first (they wait for their
 * namespaces to die rather than deleting veths one by one). Stable within a rank.
 */
export function dependencyOrder(keys: Iterable<string>, store: Pick<DesiredStore, 'get'>): string[] {
  const rank = (k: string): number => {
    const r = KIND_RANK[k.slice(0, k.indexOf('/'))] ?? 2;
    return store.get(k) ? r : 5 - r;
  };
  return [...keys].map((k) => ({ k, r: rank(k) })).sort((a, b) => a.r - b.r).map((x) => x.k);
}
