// host and null networks take the whole sandbox: on host the sandbox is the node's own namespace
// (any other interface would land on the host), on null it has loopback only. So an attachment to
// such a network must be its sandbox's only one, and a host sandbox cannot name a namespace.
import type { FieldError, Sandbox } from './types.js';
import type { ResolvedNetwork } from './defaults.js';
import type { ResolvedAttachment } from './defaults-attachment.js';
import { nameOf } from './cross-names.js';

const SOLE_DRIVERS = ['host', 'null'];

export class SoleAttachments {
  /** sandbox key -> the accepted attachment holding it alone (host/null). */
  private readonly sole = new Map<string, { key: string; network: string }>();
  /** sandbox key -> first accepted attachment. */
  private readonly first = new Map<string, string>();

  check(r: ResolvedAttachment, network: ResolvedNetwork | undefined, sandbox: Sandbox | undefined): FieldError[] {
    const errors: FieldError[] = [];
    const holder = this.sole.get(r.sandboxKey);
    if (holder) {
      errors.push({ path: 'spec.network', message: `${nameOf(r.sandboxKey)} is on network ${holder.network} through ${nameOf(holder.key)}, which must be its only attachment` });
    }
    if (!network || !SOLE_DRIVERS.includes(network.driver)) return errors;
    const other = this.first.get(r.sandboxKey);
    if (other && !holder) {
      errors.push({ path: 'spec.network', message: `a sandbox on a ${network.driver} network can have no other attachment: ${nameOf(r.sandboxKey)} is already attached by ${nameOf(other)}` });
    }
    if (network.driver === 'host' && sandbox?.spec.netns !== undefined) {
      errors.push({ path: 'spec.network', message: `a sandbox on a host network uses the host's namespace: remove spec.netns from ${nameOf(r.sandboxKey)}` });
    }
    return errors;
  }

  accept(r: ResolvedAttachment, network: ResolvedNetwork | undefined, key: string): void {
    if (!this.first.has(r.sandboxKey)) this.first.set(r.sandboxKey, key);
    if (network && SOLE_DRIVERS.includes(network.driver)) this.sole.set(r.sandboxKey, { key, network: network.name });
  }
}
