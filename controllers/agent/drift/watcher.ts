// Drift detection from events: rtnetlink changes in the agent's namespace and in every sandbox
// namespace, nftables transactions committed by other processes, and namespace files appearing or
// vanishing in the netns dir (`ip netns del`, a manual umount + rm). Each event is mapped to the
// objects that own what changed, and exactly those keys are enqueued, coalesced over a few
// milliseconds; an event overrun enqueues everything. The reconcilers then re-read the kernel:
// events only say where to look. Own changes cause events too; they cost one extra reconcile that
// finds nothing to do, which is what keeps this exact (no guessing which events were ours). The
// nftables side can tell exactly: the kernel names the committing process (an nft child of ours,
// or one of our own threads for in-process libnftables transactions).
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Agent } from '../agent.js';
import { watchKernel, type KernelEvent } from '../../dataplane/monitor.js';
import { describeChange, watchNftables, type NftTransaction } from '../../dataplane/nft-monitor.js';
import { isOwnNftTransaction } from '../../dataplane/firewall/nft-run.js';
import { errorText, log } from '../../lib/log.js';
import { EventOwners, ownerView } from './owners.js';
import { NsidMap } from './nsids.js';
import type { DriftCause } from './tracker.js';

export interface DriftWatcherOptions {
  agent: Agent;
  netnsDir: string;
  /** Events are collected this long before their keys are enqueued (default 20 ms). */
  debounceMs?: number;
}

export interface DriftWatcher {
  stop(): void;
}

type Ev = Exclude<KernelEvent, { kind: 'overflow' }>;

export function startDriftWatcher(opts: DriftWatcherOptions): DriftWatcher {
  const { agent, netnsDir } = opts;
  const { dp } = agent.ctx;
  const debounceMs = opts.debounceMs ?? 20;
  const nsids = new NsidMap();
  const owners = new EventOwners((path, index) => {
    try {
      const s = dp.session(path);
      try {
        return s.getLinkByIndex(index)?.name;
      } finally {
        s.close();
      }
    } catch {
      return undefined;
    }
  });
  const sandboxPaths = (): string[] => agent.ledger.keys('sandboxes').map((k) => agent.ledger.get('sandboxes', k)!.netnsPath);
  const refreshNsids = (): void => nsids.refresh(sandboxPaths());

  let raw: { ev: Ev; at: number }[] = [];
  const files = new Map<string, number>();
  let fwCause: DriftCause | undefined;
  let timer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    timer = undefined;
    const events = raw;
    raw = [];
    const view = ownerView(agent.ledger);
    if (events.some((e) => e.ev.nsid !== undefined && nsids.pathOf(e.ev.nsid) === undefined)) refreshNsids();
    const wake = (key: string, cause: DriftCause): void => {
      agent.drift.suspect(key, cause);
      agent.ctx.enqueue(key);
    };
    for (const { ev, at } of events) {
      const owned = owners.owners(ev, view, (id) => nsids.pathOf(id));
      for (const key of owned?.keys ?? []) wake(key, { source: 'kernel event', detail: owned!.detail, at });
    }
    for (const [path, at] of files) {
      const key = view.sandboxes.get(path);
      if (key) wake(key, { source: 'kernel event', detail: `namespace file ${path} ${existsSync(path) ? 'replaced' : 'removed'}`, at });
    }
    files.clear();
    if (fwCause) {
      const cause = fwCause;
      fwCause = undefined;
      void agent.drift.checkFirewall(cause);
    }
  };
  const schedule = (): void => {
    timer ??= setTimeout(flush, debounceMs);
  };

  const onKernel = (ev: KernelEvent): void => {
    // A resync may be answering reads of the agent's namespace from one listing: not any more.
    if (ev.kind === 'overflow') agent.hostChanged();
    else if (ev.kind === 'link' && ev.nsid === undefined) agent.hostChanged({ index: ev.index, ...(ev.name !== undefined ? { name: ev.name } : {}) });
    if (ev.kind === 'overflow') {
      log.warn('kernel event socket overran: checking every object');
      agent.enqueueAll({ source: 'event overflow', detail: 'kernel events were lost', at: Date.now() });
      return;
    }
    raw.push({ ev, at: Date.now() });
    schedule();
  };
  const onNft = (tx: NftTransaction): void => {
    if (isOwnNftTransaction(tx.pid)) return;
    const ours = tx.changes.filter((c) => c.table === 'nodenet' || ((c.family === 'ip' || c.family === 'ip6') && c.table === 'filter'));
    if (ours.length === 0) return;
    const more = ours.length > 1 ? ` and ${ours.length - 1} more change(s)` : '';
    fwCause ??= { source: 'nftables event', detail: `${describeChange(ours[0]!)}${more} by ${tx.procName || 'a process'} (pid ${tx.pid})`, at: Date.now() };
    schedule();
  };

  // Ids for every sandbox namespace, names of the links we may hear about, then subscribe.
  refreshNsids();
  try {
    const host = dp.session();
    try {
      owners.learn(undefined, host.listLinks());
    } finally {
      host.close();
    }
    for (const path of sandboxPaths()) {
      const id = nsids.nsidOf(path);
      if (id === undefined) continue;
      const s = dp.session(path);
      try {
        owners.learn(id, s.listLinks());
      } finally {
        s.close();
      }
    }
  } catch (err) {
    log.warn('drift watcher: could not list links at start', { err: errorText(err) });
  }
  const stops: (() => void)[] = [];
  stops.push(watchKernel(onKernel));
  const onNftOverflow = (): void => {
    fwCause ??= { source: 'event overflow', detail: 'nftables events were lost', at: Date.now() };
    schedule();
  };
  try {
    stops.push(watchNftables({ onTransaction: onNft, onOverflow: onNftOverflow }));
  } catch (err) {
    log.warn('drift watcher: no nftables events; firewall drift is found by the periodic resync only', { err: errorText(err) });
  }
  // A namespace we create gets an id at once, so drift inside it is seen before any veth exists.
  stops.push(
    dp.onOp((ev) => {
      if (ev.ok && ev.op.op === 'netns.add') setImmediate(refreshNsids);
    }),
  );
  let fsw: FSWatcher | undefined;
  try {
    fsw = watch(netnsDir, (_type, file) => {
      if (!file) return;
      files.set(join(netnsDir, file.toString()), Date.now());
      schedule();
    });
    fsw.on('error', (err) => log.warn('drift watcher: netns dir watch failed', { dir: netnsDir, err: errorText(err) }));
  } catch (err) {
    log.warn('drift watcher: cannot watch the netns dir', { dir: netnsDir, err: errorText(err) });
  }
  log.info('drift watcher started', { sandboxes: sandboxPaths().length, netnsDir });
  return {
    stop: () => {
      if (timer) clearTimeout(timer);
      fsw?.close();
      for (const s of stops.splice(0)) s();
    },
  };
}
