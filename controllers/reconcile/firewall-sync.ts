// Serializes firewall syncs and folds concurrent requests: any number of reconciles asking
// "make the firewall match the store" share one run and one nft transaction.
//
// A request names what may have changed: an attachment key (its published ports) or nothing
// (anything: networks, the first sync, a resync). When only attachments changed and the networks
// are those of the last complete sync, the run recomputes just those attachments' ports and hands
// the firewall element changes (O(changed ports)); otherwise it builds the complete model. Both
// end in the same kernel state: the incremental path is the complete one, restricted to what moved.
import { NoPortBaseError, type Firewall, type FwPort, type FwSyncResult } from '../dataplane/firewall/types.js';
import type { FwModel } from '../dataplane/firewall/types.js';
import { errorText, log } from '../lib/log.js';
import { Coalescer } from '../queue/coalescer.js';
import type { FirewallModelSource, ModelNetwork, RawPort } from './firewall-model.js';

export class FirewallSync {
  private readonly coalescer: Coalescer<FwSyncResult>;
  /** True once our tables were removed for an empty model; cleared by the next non-empty sync. */
  private removed = false;
  /** Attachment keys whose ports may have changed since the last run. */
  private dirty = new Set<string>();
  /** The kernel may differ from what we know (start, resync, drift): read it and sync everything. */
  private everything = true;
  /**
   * What the last successful run realized: networks (as text), ports per attachment key (before
   * shadowing) and the explicit "::" host ports that shadow implied ones.
   */
  private base: { networks: string; ports: Map<string, RawPort[]>; explicit6: Set<string> } | undefined;

  constructor(
    readonly firewall: Firewall,
    private readonly source: FirewallModelSource,
    private readonly hooks: { onResult?(res: FwSyncResult | Error): void } = {},
  ) {
    this.coalescer = new Coalescer(() => this.observed());
  }

  private async observed(): Promise<FwSyncResult> {
    try {
      const res = await this.run();
      this.hooks.onResult?.(res);
      return res;
    } catch (err) {
      this.hooks.onResult?.(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
  }

  private async run(): Promise<FwSyncResult> {
    // Let the reconciles that are about to ask (their I/O completing this turn) join this run:
    // nft takes any number of changes in one transaction, and a transaction that deletes
    // elements waits a kernel grace period whatever its size.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const dirty = this.dirty;
    const everything = this.everything || !this.base || !this.firewall.syncPorts;
    this.dirty = new Set();
    this.everything = false;
    try {
      if (everything) return await this.complete();
      // A network reconcile asks for a sync after every check of its bridge: only a change to the
      // networks as the firewall sees them needs the complete model (O(every port)).
      const networks = this.source.networks();
      if (networks.size === 0 || networksText(networks) !== this.base!.networks) return await this.complete(networks);
      return await this.ports(dirty, networks);
    } catch (err) {
      // Whatever failed, the next run starts from the complete model.
      this.base = undefined;
      throw err;
    }
  }

  /** No networks: no table at all (nothing of ours left in the ruleset), rather than empty sets. */
  private async complete(networks = this.source.networks()): Promise<FwSyncResult> {
    this.base = undefined;
    const { model, byKey } = this.source.complete(networks);
    if (model.networks.length === 0) {
      if (this.removed) return { changes: 0, script: '' };
      const changes = await this.firewall.remove();
      this.removed = true;
      return { changes, script: '' };
    }
    this.removed = false;
    const res = await this.firewall.sync(model);
    const explicit6 = new Set<string>();
    for (const ports of byKey.values()) for (const p of ports) if (isExplicitAny6(p)) explicit6.add(slot(p));
    this.base = { networks: networksText(networks), ports: byKey, explicit6 };
    return res;
  }

  private async ports(dirty: Set<string>, networks: Map<string, ModelNetwork>): Promise<FwSyncResult> {
    const base = this.base!;
    const changes = new Map<string, FwPort[]>();
    const byKey = new Map<string, RawPort[]>();
    for (const key of dirty) {
      const before = base.ports.get(key) ?? [];
      const now = this.source.ports(key, networks);
      if (samePorts(before, now)) continue;
      // An explicit "::" mapping shadows implied "::" twins of other attachments: their ports
      // change too, which only the complete model knows.
      if (before.some(isExplicitAny6) || now.some(isExplicitAny6)) return this.complete(networks);
      changes.set(this.source.ownerOf(key), shadowed(now, base.explicit6));
      byKey.set(key, now);
    }
    if (changes.size === 0) return { changes: 0, script: '' };
    let res: FwSyncResult;
    try {
      res = await this.firewall.syncPorts!(changes);
    } catch (err) {
      // The firewall lost its footing (invalidated, a failed transaction, a refused port): the
      // complete model decides, with the complete model's checks and messages.
      if (!(err instanceof NoPortBaseError)) log.warn('firewall: port change failed, syncing the complete model', { err: errorText(err) });
      return this.complete(networks);
    }
    for (const [key, ports] of byKey) {
      if (ports.length) base.ports.set(key, ports);
      else base.ports.delete(key);
    }
    return res;
  }

  /** The kernel may have changed behind our back (resync, drift event): read it on the next sync. */
  invalidate(): void {
    this.removed = false;
    this.everything = true;
    this.firewall.invalidate();
  }

  /**
   * Resolves once a sync that started after this call has finished. With a key, only that
   * attachment's ports may have changed; without, networks may have (each run compares them
   * with the last run's, so an unchanged network costs no complete sync).
   */
  sync(key?: string): Promise<FwSyncResult> {
    if (key !== undefined) this.dirty.add(key);
    return this.coalescer.request();
  }

  /** Whether the last run left ports of this attachment in the firewall (false when unknown). */
  publishes(key: string): boolean {
    return this.base?.ports.has(key) ?? false;
  }

  /** Marks an attachment's ports as possibly changed, for the next sync (whoever asks for it). */
  touch(key: string): void {
    this.dirty.add(key);
  }

  currentModel(): FwModel {
    return this.source.full();
  }

  idle(): Promise<void> {
    return this.coalescer.idle();
  }
}

function networksText(networks: ReadonlyMap<string, ModelNetwork>): string {
  return JSON.stringify([...networks.values()]);
}

const slot = (p: FwPort): string => `${p.protocol}/${p.hostPort}`;

function isExplicitAny6(p: RawPort): boolean {
  return !p.implied && p.hostIP === '::';
}

/** One attachment's ports as the complete model publishes them (dropShadowedImplied, for one owner). */
function shadowed(ports: readonly RawPort[], explicit6: ReadonlySet<string>): FwPort[] {
  return ports.filter((p) => !(p.implied && explicit6.has(slot(p)))).map(({ implied: _i, ...p }) => p);
}

function samePorts(a: readonly RawPort[], b: readonly RawPort[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.owner !== y.owner || x.bridge !== y.bridge || x.hostIP !== y.hostIP || x.hostPort !== y.hostPort || x.protocol !== y.protocol || x.containerIP !== y.containerIP || x.containerPort !== y.containerPort || x.implied !== y.implied) {
      return false;
    }
  }
  return true;
}
