// The nftables Firewall: desired ruleset from the model, diff against a cached view of our table,
// one `nft -f -` transaction, then the iptables compat chain. The cache is established by one
// listing (first sync, after invalidate() or after a failure) and advanced on every successful
// transaction, so a sync that changes nothing starts no process.
import { log } from '../../lib/log.js';
import { applyNft, deleteTable, scriptOf } from './apply.js';
import { applyCompat, COMPAT_BINARIES, planCompat, readCompat, type CompatBinary, type CompatPlan, type CompatState } from './compat.js';
import { readKernelTable, type KernelTable } from './kernel.js';
import { planNft, type NftPlan } from './plan.js';
import { buildRuleset, desiredRuleset, renderRuleset } from './render.js';
import { validateModel, type IpMemo } from './validate.js';
import type { Ruleset } from './ir.js';
import type { Firewall, FwModel, FwSyncResult } from './types.js';

export interface NftFirewallOptions {
  /** Manage the iptables/ip6tables FORWARD compat chain (default true). */
  compat?: boolean;
}

interface Prepared {
  desired: Ruleset;
  bridges: string[];
}

function prepare(model: FwModel, memo: { previous?: IpMemo; next?: IpMemo }): Prepared {
  const valid = validateModel(model, memo);
  return { desired: buildRuleset(valid), bridges: valid.networks.map((n) => n.bridge) };
}

export function createNftFirewall(opts: NftFirewallOptions = {}): Firewall {
  const useCompat = opts.compat ?? true;
  /** undefined: unknown, read before use; null: the table does not exist. */
  let kernel: KernelTable | null | undefined;
  let compat: Map<CompatBinary, CompatState> | undefined;
  // Parsed addresses of the last model, so a sync of 10k unchanged ports does not re-parse them.
  let ipMemo: IpMemo | undefined;
  const prepareMemo = (model: FwModel): Prepared => {
    const next: IpMemo = new Map();
    const p = prepare(model, { previous: ipMemo, next });
    ipMemo = next;
    return p;
  };
  // Calls run one at a time: each plans against the cache the previous one left.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = tail.then(fn, fn);
    tail = next.catch(() => undefined);
    return next;
  };

  const knownKernel = async (): Promise<KernelTable | null> => {
    if (kernel === undefined) kernel = await readKernelTable();
    return kernel;
  };
  const knownCompat = async (): Promise<Map<CompatBinary, CompatState>> => {
    if (!compat) {
      const states = new Map<CompatBinary, CompatState>();
      if (useCompat) for (const b of COMPAT_BINARIES) states.set(b, await readCompat(b));
      compat = states;
    }
    return compat;
  };
  const compatPlans = async (bridges: string[]): Promise<CompatPlan[]> =>
    [...(await knownCompat()).entries()].map(([b, s]) => planCompat(b, bridges, s)).filter((p) => p.restore !== '');

  /** Applies the nft plan; on failure re-reads the kernel once (the cache may have been stale) and retries. */
  const applyWithRetry = async (p: Prepared, first: NftPlan): Promise<NftPlan> => {
    try {
      await applyNft(first.commands);
      return first;
    } catch (err) {
      kernel = undefined;
      const again = planNft(p.desired, await knownKernel());
      if (again.commands.length > 0 && scriptOf(again.commands) === scriptOf(first.commands)) throw err;
      log.warn('firewall: nft transaction failed, retrying against a fresh listing', { err });
      await applyNft(again.commands);
      return again;
    }
  };

  const syncNow = async (model: FwModel): Promise<FwSyncResult> => {
    const p = prepareMemo(model);
    let plan = planNft(p.desired, await knownKernel());
    if (plan.commands.length > 0) {
      try {
        plan = await applyWithRetry(p, plan);
      } catch (err) {
        kernel = undefined;
        throw err;
      }
      kernel = plan.after;
      log.info('firewall: nft table updated', { changes: plan.changes, commands: plan.commands.length, rebuild: plan.rebuild });
    }
    const compatLines: string[] = [];
    for (const cp of await compatPlans(p.bridges)) {
      try {
        await applyCompat(cp);
      } catch (err) {
        compat = undefined;
        throw err;
      }
      compat!.set(cp.binary, cp.after);
      compatLines.push(...cp.lines);
      log.info('firewall: iptables compat updated', { binary: cp.binary, changes: cp.lines.length });
    }
    const result: FwSyncResult = { changes: plan.changes + compatLines.length, script: scriptOf(plan.commands) };
    if (compatLines.length > 0) result.compat = compatLines;
    return result;
  };

  return {
    sync: (model) => serial(() => syncNow(model)),
    plan: (model) =>
      serial(async () => {
        const p = prepareMemo(model);
        const nft = planNft(p.desired, await knownKernel()).commands;
        return [...nft, ...(await compatPlans(p.bridges)).flatMap((cp) => cp.lines)];
      }),
    render: (model) => renderRuleset(desiredRuleset(model)),
    invalidate: () => {
      kernel = undefined;
      compat = undefined;
    },
    remove: () =>
      serial(async () => {
        kernel = undefined;
        compat = undefined;
        await deleteTable();
        if (useCompat) for (const b of COMPAT_BINARIES) await applyCompat(planCompat(b, [], await readCompat(b)));
        kernel = null;
      }),
  };
}
