// The audit trail for firewall changes, like the dataplane's for links and addresses: every nft
// command and iptables compat command a sync applies is logged once as a "kernel change" line and
// counted in nodenet_kernel_ops_total; syncs and their change counts feed the firewall metrics.
import { NoPortBaseError, type Firewall, type FwSyncResult } from '../dataplane/firewall/types.js';
import { TABLE_REF } from '../dataplane/firewall/ir.js';
import { errorText, log } from '../lib/log.js';
import type { Metrics } from '../metrics/metrics.js';

type AuditMetrics = Pick<Metrics, 'kernelOps' | 'firewallSyncs' | 'firewallChanges'>;

/** A bounded label for an nft command: nft.add.element, nft.flush.chain, nft.delete.table... */
export function nftOpLabel(cmd: string): string {
  const [verb, what] = cmd.split(' ');
  const verbs = ['add', 'delete', 'flush', 'insert', 'replace', 'create'];
  const objects = ['table', 'chain', 'rule', 'set', 'map', 'element'];
  return `nft.${verbs.includes(verb ?? '') ? verb : 'other'}.${objects.includes(what ?? '') ? what : 'other'}`;
}

/** Long element lists are cut in the log line; the count of elements stays visible. */
function shorten(cmd: string, max = 400): string {
  return cmd.length <= max ? cmd : `${cmd.slice(0, max)}... (${cmd.length} characters)`;
}

function logChange(change: string, op: string, m: AuditMetrics, ok: boolean, error?: string): void {
  m.kernelOps.inc({ op, result: ok ? 'ok' : 'error' });
  log.info('kernel change', { object: 'firewall', ns: 'host', change, ok, ...(error ? { error } : {}) });
}

/** Runs one sync (complete or per-port) with its metrics and one audit line per applied command. */
async function audited(m: AuditMetrics, what: string, sync: () => Promise<FwSyncResult>): Promise<FwSyncResult> {
  let res: FwSyncResult;
  try {
    res = await sync();
  } catch (err) {
    // Nothing was tried: the caller syncs the complete model instead.
    if (err instanceof NoPortBaseError) throw err;
    m.firewallSyncs.inc({ result: 'error' });
    logChange(`nft -f - (${what} of ${TABLE_REF})`, 'nft.transaction', m, false, errorText(err));
    throw err;
  }
  m.firewallSyncs.inc({ result: 'success' });
  m.firewallChanges.inc(res.changes);
  for (const cmd of res.script.split('\n').filter(Boolean)) logChange(`nft ${shorten(cmd)}`, nftOpLabel(cmd), m, true);
  for (const line of res.compat ?? []) logChange(line, 'iptables.compat', m, true);
  return res;
}

export function auditFirewall(fw: Firewall, m: AuditMetrics): Firewall {
  const audit: Firewall = {
    sync: (model) => audited(m, 'sync', () => fw.sync(model)),
    plan: (model) => fw.plan(model),
    render: (model) => fw.render(model),
    invalidate: () => fw.invalidate(),
    async remove(): Promise<number> {
      let removed: number;
      try {
        removed = await fw.remove();
      } catch (err) {
        logChange(`nft delete table ${TABLE_REF} (and iptables compat)`, 'nft.delete.table', m, false, errorText(err));
        throw err;
      }
      if (removed > 0) logChange(`nft delete table ${TABLE_REF} and the iptables compat chain`, 'nft.delete.table', m, true);
      return removed;
    },
  };
  // Per-attachment port changes (FirewallSync's fast path) are firewall changes like any other.
  const syncPorts = fw.syncPorts?.bind(fw);
  if (syncPorts) {
    audit.syncPorts = (changes) => audited(m, 'port change', () => syncPorts(changes));
  }
  return audit;
}
