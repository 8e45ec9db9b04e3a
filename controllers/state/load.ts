// Opens the ledger for the agent. A corrupt state file (moved aside by Ledger.load), or a missing
// one while the kernel holds objects with our markers, is rebuilt from the kernel (rebuild.ts)
// and saved before anything else happens, and the agent says so loudly. If the kernel cannot be
// read unambiguously, or the rebuilt state cannot be saved, the agent refuses to start.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataplane } from '../dataplane/types.js';
import { errorText, log } from '../lib/log.js';
import { isOurMarker } from '../model/names.js';
import { writeFileAtomic } from './atomic-file.js';
import { discardJournal, Ledger, LedgerCorruptError } from './ledger.js';
import { rebuildLedger, type RebuildHint } from './rebuild.js';

export interface RebuildReport {
  reason: 'corrupt' | 'missing';
  movedTo?: string;
  networks: number;
  sandboxes: number;
  attachments: number;
  addresses: number;
  /** Host veths removed because they could not be attributed. */
  removed: string[];
  /** Unowned extra addresses removed from attachments. */
  extraAddresses: string[];
}

export interface LoadedLedger {
  ledger: Ledger;
  rebuilt?: RebuildReport;
}

export interface LoadLedgerOptions {
  stateDir: string;
  netnsDir: string;
  dp: Dataplane;
  hints?: () => ReadonlyMap<string, RebuildHint>;
  morePaths?: () => readonly string[];
}

export function loadLedger(opts: LoadLedgerOptions): LoadedLedger {
  const path = join(opts.stateDir, 'state.json');
  let reason: RebuildReport['reason'];
  let movedTo: string | undefined;
  if (existsSync(path)) {
    try {
      return { ledger: Ledger.load(opts.stateDir) };
    } catch (err) {
      if (!(err instanceof LedgerCorruptError)) throw err;
      reason = 'corrupt';
      movedTo = err.movedTo;
      log.error('state file is corrupt: rebuilding it from the kernel', { path, movedTo, err: errorText(err) });
    }
  } else {
    if (!kernelHasOurs(opts.dp, opts.netnsDir)) return { ledger: Ledger.load(opts.stateDir) };
    reason = 'missing';
    log.error('state file is missing but the kernel holds nodenet objects: rebuilding it from the kernel', { path });
  }
  const result = rebuildLedger({ dp: opts.dp, netnsPaths: opts.dp.listNetns(opts.netnsDir), ...(opts.morePaths ? { morePaths: opts.morePaths } : {}), ...(opts.hints ? { hints: opts.hints() } : {}) });
  if (result.orphans.length > 0) {
    // Their addresses are unknown to the new ledger: they go before anything is allocated.
    const host = opts.dp.session();
    try {
      for (const o of result.orphans) host.apply([{ op: 'link.del', ref: { index: o.index } }]);
    } finally {
      host.close();
    }
  }
  for (const x of result.extraAddresses) {
    const s = opts.dp.session(x.netnsPath);
    try {
      s.apply([{ op: 'addr.del', ref: { index: x.index }, family: x.family, address: x.address, prefixLen: x.prefixLen }]);
    } finally {
      s.close();
    }
  }
  // The journal's changes were made to the lost state, not to this one.
  const staleJournal = discardJournal(opts.stateDir);
  if (staleJournal) log.warn('journal of the lost state moved aside', { movedTo: staleJournal });
  try {
    writeFileAtomic(path, JSON.stringify(result.data), { durable: true });
  } catch (err) {
    throw new Error(`rebuilt the state from the kernel but cannot save it to ${path}; refusing to start without durable allocations`, { cause: err });
  }
  const d = result.data;
  const report: RebuildReport = {
    reason,
    ...(movedTo ? { movedTo } : {}),
    networks: Object.keys(d.networks).length,
    sandboxes: Object.keys(d.sandboxes).length,
    attachments: Object.keys(d.attachments).length,
    addresses: Object.values(d.allocations).reduce((n, t) => n + Object.keys(t).length, 0),
    removed: result.orphans.map((o) => `${o.name} (${o.why})`),
    extraAddresses: result.extraAddresses.map((x) => `${x.address}/${x.prefixLen} on ${x.owner}`),
  };
  log.error('state rebuilt from the kernel', { ...report });
  return { ledger: Ledger.load(opts.stateDir), rebuilt: report };
}

/** Any link or namespace (under netnsDir) carrying our marker. */
function kernelHasOurs(dp: Dataplane, netnsDir: string): boolean {
  const host = dp.session();
  try {
    if (host.listLinks().some((l) => isOurMarker(l.alias))) return true;
  } finally {
    host.close();
  }
  for (const path of dp.listNetns(netnsDir)) {
    try {
      const s = dp.session(path);
      try {
        if (isOurMarker(s.getLink('lo')?.alias)) return true;
      } finally {
        s.close();
      }
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

export function describeRebuild(r: RebuildReport): string {
  const why = r.reason === 'corrupt' ? `the state file was unreadable (moved aside to ${r.movedTo})` : 'the state file was missing while the kernel held nodenet objects';
  const removed =
    (r.removed.length ? `; removed ${r.removed.length} unattributable veth(s): ${r.removed.join(', ')}` : '') +
    (r.extraAddresses.length ? `; removed ${r.extraAddresses.length} unowned extra address(es): ${r.extraAddresses.join(', ')}` : '');
  return `${why}; rebuilt from the kernel: ${r.networks} network(s), ${r.sandboxes} sandbox(es), ${r.attachments} attachment(s), ${r.addresses} address(es) in use${removed}`;
}
