// Serializes firewall syncs and folds concurrent requests: any number of reconciles asking
// "make the firewall match the store" share one model build and one nft transaction.
import type { Firewall, FwModel, FwSyncResult } from '../dataplane/firewall/types.js';
import { Coalescer } from '../queue/coalescer.js';

export class FirewallSync {
  private readonly coalescer: Coalescer<FwSyncResult>;
  /** True once our tables were removed for an empty model; cleared by the next non-empty sync. */
  private removed = false;

  constructor(
    readonly firewall: Firewall,
    private readonly model: () => FwModel,
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

  /** No networks: no table at all (nothing of ours left in the ruleset), rather than empty sets. */
  private async run(): Promise<FwSyncResult> {
    const model = this.model();
    if (model.networks.length === 0) {
      if (this.removed) return { changes: 0, script: '' };
      await this.firewall.remove();
      this.removed = true;
      return { changes: 1, script: '' };
    }
    this.removed = false;
    return this.firewall.sync(model);
  }

  /** The kernel may have changed behind our back (resync, drift event): read it on the next sync. */
  invalidate(): void {
    this.removed = false;
    this.firewall.invalidate();
  }

  /** Resolves once a sync that started after this call has finished. */
  sync(): Promise<FwSyncResult> {
    return this.coalescer.request();
  }

  currentModel(): FwModel {
    return this.model();
  }

  idle(): Promise<void> {
    return this.coalescer.idle();
  }
}
