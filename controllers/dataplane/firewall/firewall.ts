// The nftables Firewall: desired ruleset from the model, diff against a cached view of our table,
// one `nft -f -` transaction, then the iptables compat chain. The cache is established by one
// listing (first sync, after invalidate() or after a failure) and advanced on every successful
// transaction, so a sync that changes nothing starts no process.
import { log } from '../../lib/log.js';
import { applyNft, deleteTable, scriptOf } from './apply.js';
import { KernelCache } from './cache.js';
import { applyCompat, COMPAT_BINARIES, planCompat, readCompat, type CompatPlan } from './compat.js';
import { planNft, type NftPlan } from './plan.js';
import { buildRuleset, desiredRuleset, renderRuleset } from './render.js';
import { portContextOf, validateModel, type IpMemo, type PortContext } from './validate.js';
import type { Ruleset } from './ir.js';
import { PortIndex } from './port-index.js';
import { planPortDelta, applyPortDeltaToCache } from './port-sync.js';
import { NoPortBaseError, type Firewall, type FwModel, type FwPort, type FwSyncResult } from './types.js';

export interface NftFirewallOptions {
  /** Manage the iptables/ip6tables FORWARD compat chain (default true). */
  compat?: boolean;
}

interface Prepared {
  desired: Ruleset;
  bridges: string[];
  /** What a later syncPorts() builds on once this model is applied. */
  base: PortBase;
}

interface PortBase {
  index: PortIndex;
  ctx: PortContext;
  /** Cache stamp the base is valid for; a newer one (invalidate, failure) voids it. */
  stamp: number;
}

export function createNftFirewall(opts: NftFirewallOptions = {}): Firewall {
  const useCompat = opts.compat ?? true;
  const cache = new KernelCache(useCompat);
  // Parsed addresses of the last model, so a sync of 10k unchanged ports does not re-parse them.
  let ipMemo: IpMemo | undefined;
  // The last fully synced model, per owner: syncPorts() changes elements relative to it.
  let base: PortBase | undefined;
  const prepare = (model: FwModel): Prepared => {
    const next: IpMemo = new Map();
    const valid = validateModel(model, { previous: ipMemo, next });
    ipMemo = next;
    return {
      desired: buildRuleset(valid),
      bridges: valid.networks.map((n) => n.bridge),
      base: { index: PortIndex.build(valid.unmerged), ctx: portContextOf(valid.networks, next), stamp: -1 },
    };
  };
  // Calls run one at a time: each plans against the cache the previous one left.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = tail.then(fn, fn);
    tail = next.catch(() => undefined);
    return next;
  };

  const compatPlans = async (bridges: string[]): Promise<CompatPlan[]> =>
    [...(await cache.compatStates()).entries()].map(([b, s]) => planCompat(b, bridges, s)).filter((p) => p.restore !== '');

  /** Applies the nft plan; on failure re-reads the kernel once (the cache may have been stale) and retries. */
  const applyWithRetry = async (p: Prepared, first: NftPlan): Promise<NftPlan> => {
    try {
      await applyNft(first.commands);
      return first;
    } catch (err) {
      cache.invalidate();
      const again = planNft(p.desired, await cache.kernel());
      if (again.commands.length > 0 && scriptOf(again.commands) === scriptOf(first.commands)) throw err;
      log.warn('firewall: nft transaction failed, retrying against a fresh listing', { err });
      await applyNft(again.commands);
      return again;
    }
  };

  const syncNft = async (p: Prepared): Promise<NftPlan> => {
    const plan = planNft(p.desired, await cache.kernel());
    if (plan.commands.length === 0) return plan;
    const stamp = cache.stamp();
    try {
      const applied = await applyWithRetry(p, plan);
      // A retry re-read the kernel (new stamp); what it applied is still the truth to keep.
      cache.setKernel(applied === plan ? stamp : cache.stamp(), applied.after);
      log.info('firewall: nft table updated', { changes: applied.changes, commands: applied.commands.length, rebuild: applied.rebuild });
      return applied;
    } catch (err) {
      cache.invalidate();
      throw err;
    }
  };

  const syncCompat = async (bridges: string[]): Promise<string[]> => {
    const lines: string[] = [];
    for (const cp of await compatPlans(bridges)) {
      const stamp = cache.stamp();
      try {
        await applyCompat(cp);
      } catch (err) {
        cache.invalidate();
        throw err;
      }
      cache.setCompat(stamp, cp.binary, cp.after);
      lines.push(...cp.lines);
      log.info('firewall: iptables compat updated', { binary: cp.binary, changes: cp.lines.length });
    }
    return lines;
  };

  const syncNow = async (model: FwModel): Promise<FwSyncResult> => {
    base = undefined;
    const p = prepare(model);
    const plan = await syncNft(p);
    const compatLines = await syncCompat(p.bridges);
    base = { ...p.base, stamp: cache.stamp() };
    const result: FwSyncResult = { changes: plan.changes + compatLines.length, script: scriptOf(plan.commands) };
    if (compatLines.length > 0) result.compat = compatLines;
    return result;
  };

  /** Element-only change of some owners' ports relative to the last full sync: O(those ports). */
  const syncPortsNow = async (changes: ReadonlyMap<string, readonly FwPort[]>): Promise<FwSyncResult> => {
    const table = cache.peek();
    if (!base || !table || base.stamp !== cache.stamp()) throw new NoPortBaseError();
    const plan = planPortDelta(base, table, changes);
    if (plan.commands.length > 0) {
      const stamp = cache.stamp();
      try {
        await applyNft(plan.commands);
      } catch (err) {
        cache.invalidate();
        base = undefined;
        throw err;
      }
      if (stamp === cache.stamp()) applyPortDeltaToCache(table, plan.delta);
      log.info('firewall: nft table updated', { changes: plan.changes, commands: plan.commands.length, rebuild: false });
    }
    base.index.commit(plan.delta);
    return { changes: plan.changes, script: scriptOf(plan.commands) };
  };

  return {
    sync: (model) => serial(() => syncNow(model)),
    syncPorts: (changes) => serial(() => syncPortsNow(changes)),
    plan: (model) =>
      serial(async () => {
        const p = prepare(model);
        const nft = planNft(p.desired, await cache.kernel()).commands;
        return [...nft, ...(await compatPlans(p.bridges)).flatMap((cp) => cp.lines)];
      }),
    render: (model) => renderRuleset(desiredRuleset(model)),
    invalidate: () => {
      cache.invalidate();
      base = undefined;
    },
    remove: () =>
      serial(async () => {
        cache.invalidate();
        base = undefined;
        let removed = (await deleteTable()) ? 1 : 0;
        if (useCompat) for (const b of COMPAT_BINARIES) removed += await applyCompat(planCompat(b, [], await readCompat(b)));
        cache.invalidate();
        return removed;
      }),
  };
}
