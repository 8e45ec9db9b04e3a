// Serializes firewall syncs and folds concurrent requests: any number of reconciles asking
// "make the firewall match the store" share one model build and one nft transaction.
import type { Firewall, FwModel, FwSyncResult } from '../dataplane/firewall/types.js';
import { Coalescer } from '../queue/coalescer.js';

export class FirewallSync {
  private readonly coalescer: Coalescer<FwSyncResult>;
  private last: FwSyncResult | undefined;

  constructor(
    readonly firewall: Firewall,
    private readonly model: () => FwModel,
  ) {
    this.coalescer = new Coalescer(async () => {
      this.last = await this.firewall.sync(this.model());
      return this.last;
    });
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
