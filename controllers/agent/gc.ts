// Garbage collection by diff: kernel objects carrying our marker that neither the ledger nor the
// desired store accounts for are leftovers (a crash between "create" and "record", a lost state
// file) and are removed. Objects without our marker are never touched.
import type { Dataplane, KernelOp } from '../dataplane/types.js';
import { keyOfMarker } from '../model/names.js';
import type { Ledger } from '../state/ledger.js';
import { parseKey } from '../store/keys.js';
import { log } from '../lib/log.js';

export interface GcResult {
  links: string[];
  namespaces: string[];
}

export function collectGarbage(opts: { dp: Dataplane; ledger: Ledger; netnsDir: string; dryRun?: boolean }): GcResult & { ops: { ns?: string; op: KernelOp }[] } {
  const { dp, ledger, netnsDir } = opts;
  const ops: { ns?: string; op: KernelOp }[] = [];
  const result: GcResult = { links: [], namespaces: [] };
  const host = dp.session();
  try {
    for (const link of host.listLinks()) {
      const key = keyOfMarker(link.alias);
      if (!key || accounted(ledger, key, link.name)) continue;
      ops.push({ op: { op: 'link.del', ref: { index: link.index } } });
      result.links.push(link.name);
    }
  } finally {
    host.close();
  }
  for (const path of dp.listNetns(netnsDir)) {
    const s = dp.session(path);
    let key: string | undefined;
    try {
      key = keyOfMarker(s.getLink('lo')?.alias);
    } finally {
      s.close();
    }
    if (!key || ledger.get('sandboxes', key)?.netnsPath === path) continue;
    ops.push({ op: { op: 'netns.del', path } });
    result.namespaces.push(path);
  }
  if (!opts.dryRun && ops.length > 0) {
    const s = dp.session();
    try {
      for (const { op } of ops) s.apply([op]);
    } finally {
      s.close();
    }
    log.info('garbage collected', { links: result.links, namespaces: result.namespaces });
  }
  return { ...result, ops };
}

function accounted(ledger: Ledger, key: string, device: string): boolean {
  const { kind, name } = parseKey(key);
  if (kind === 'Network') {
    const rec = ledger.get('networks', name);
    return rec?.device === device || (rec?.devices?.includes(device) ?? false);
  }
  if (kind === 'Attachment') return ledger.get('attachments', key)?.hostInterface === device;
  return false;
}
