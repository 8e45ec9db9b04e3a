// The firewall contract: the engine hands over the complete desired model; the firewall makes
// our own nftables table(s) match it in at most one transaction.
import type { Protocol } from '../../../api/v1alpha1/types.js';

export interface FwNetwork {
  /** Network object name (for comments). */
  name: string;
  bridge: string;
  /** CIDRs of the network (IPv4 and/or IPv6). */
  subnets: string[];
  internal: boolean;
  masquerade: boolean;
  icc: boolean;
  /** Drop traffic to/from other isolated networks. */
  isolation: boolean;
}

export interface FwPort {
  /** Attachment key (namespace/name) that owns the mapping. */
  owner: string;
  bridge: string;
  /** Host address; 0.0.0.0 / :: mean every local address. */
  hostIP: string;
  hostPort: number;
  protocol: Protocol;
  containerIP: string;
  containerPort: number;
}

export interface FwModel {
  networks: FwNetwork[];
  ports: FwPort[];
}

export interface FwSyncResult {
  /** Number of rule/element changes made (0 when the kernel already matched). */
  changes: number;
  /** The nft script applied, '' when nothing was needed. */
  script: string;
  /** iptables compat commands applied (NODENET-FORWARD chain and its jump), if any. */
  compat?: string[];
}

export interface Firewall {
  /** Makes the kernel match the model; one `nft -f` transaction at most, no process when nothing changes. */
  sync(model: FwModel): Promise<FwSyncResult>;
  /**
   * Replaces the published ports of some owners (an empty list removes them), keeping the
   * networks and every other owner's ports as the last sync() set them: element changes only, in
   * O(changed ports). Throws NoPortBaseError when there is no sync to build on (none yet, or
   * after invalidate() or a failure): the caller then syncs the complete model. Optional: a
   * firewall without it is always given the complete model.
   */
  syncPorts?(changes: ReadonlyMap<string, readonly FwPort[]>): Promise<FwSyncResult>;
  /** The nft commands sync would run, without running them. */
  plan(model: FwModel): Promise<string[]>;
  /** The full ruleset of our table(s) for this model (deterministic; golden-tested). */
  render(model: FwModel): string;
  /** Forget any cached view of the kernel: the next sync reads the kernel first. */
  invalidate(): void;
  /** Removes every table, chain and rule nodenet owns (nftables and iptables compat); returns how many changes that took (0: nothing was there). */
  remove(): Promise<number>;
}

/** syncPorts() has no complete model to build on: sync() the complete model instead. */
export class NoPortBaseError extends Error {
  constructor() {
    super('firewall: no synced model to change ports of; a complete sync is needed');
    this.name = 'NoPortBaseError';
  }
}
